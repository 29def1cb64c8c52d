"""The public map's two colourings of the adopted communities: by their organization's
stage today, or by the subsidies granted in a fiscal year in the Fisher–Jenks classes of
/grants/map. Each is a fill per community and the legend rows that explain it; the page
carries the one its URL asks for and its script fetches the other on a switch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..formatting import fiscal_year_short
from ..japanese_calendar import fiscal_year, today_in_japan
from ..organizations.scheme import Scheme
from ..organizations.service import Organizations
from ..organizations.stage_colors import NO_STAGE_COLOR, stage_legend, stage_palette
from ..subsidies.choropleth import class_color, class_rows, classify
from ..subsidies.service import Subsidies
from ..web.i18n import translate

LAYERS = ("stage", "subsidies")


@dataclass(frozen=True)
class LegendRow:
    """One row of a colouring's legend: its key (a stage, a class), colour, text, count."""

    key: str
    color: str
    label: str
    count: int


@dataclass(frozen=True)
class Colouring:
    """The communities' fills (by community id) and the legend explaining them."""

    layer: str
    fiscal_year: int | None
    title: str
    fills: dict[str, str]
    rows: list[LegendRow]
    default_fill: str

    def as_json(self) -> dict[str, Any]:
        """The colouring as the page's script reads it."""
        return asdict(self)


def stage_colouring(
    scheme: Scheme, stages: Mapping[str, str | None], communities: Iterable[int], lang: str
) -> Colouring:
    """Each community filled by its organization's stage (``stages``: community id →
    stage key), grey for a community without an organization or a stage yet."""
    every = {str(cid): stages.get(str(cid)) for cid in communities}
    palette = stage_palette(scheme)
    rows = [
        LegendRow(row.key or "", row.color, row.name, row.count)
        for row in stage_legend(scheme, every, lang)
    ]
    return Colouring(
        "stage",
        None,
        translate("地域運営組織の段階", lang),
        {cid: palette.get(key or "", NO_STAGE_COLOR) for cid, key in every.items()},
        rows,
        NO_STAGE_COLOR,
    )


def subsidy_colouring(granted: Mapping[int, int], year: int, lang: str) -> Colouring:
    """Each community filled by its class of the yen granted in fiscal ``year``
    (``granted``: community id → yen), classed as /grants/map classes its totals."""
    ids = list(granted)
    classes = classify([float(granted[cid]) for cid in ids])
    fills = {
        str(cid): class_color(number, len(classes.breaks))
        for cid, number in zip(ids, classes.of_value, strict=True)
    }
    rows = [
        LegendRow(str(number), color, label, count)
        for number, color, label, count in class_rows(classes, "total", lang)
    ]
    what = translate("補助金の交付額（千円）", lang)
    title = f"{fiscal_year_short(year, lang)} {what}"
    return Colouring("subsidies", year, title, fills, rows, class_color(-1, 0))


def community_colouring(
    organizations: Organizations,
    subsidies: Subsidies,
    communities: Iterable[int],
    layer: str,
    year: int | None,
    lang: str,
) -> Colouring:
    """The colouring ``layer`` of the adopted ``communities``: their stages today, or the
    subsidies granted in fiscal ``year`` (this one when None)."""
    ids = sorted(communities)
    if layer == "subsidies":
        year = year if year is not None else fiscal_year(today_in_japan())
        figures = [{"id": cid, "population": None, "households": None} for cid in ids]
        values = subsidies.community_amounts(year, None, figures, "total")
        return subsidy_colouring({v["id"]: v["granted"] for v in values}, year, lang)
    state = organizations.stage_map()
    return stage_colouring(organizations.scheme(), state["stages"], ids, lang)
