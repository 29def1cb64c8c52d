"""The colours of stages on every map and chart, from the city's scheme: each stage its own
colour (the presets use viridis, ordered for colour-blind readers and in grey), one grey for
an area whose organization has no stage yet. The public map colours by the same functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..translatable import Counted, Text, catalogue
from .scheme import Scheme

NO_STAGE_COLOR = "#d9d9d9"
NO_STAGE_NAME = Text("段階なし")
# The milestone map: areas that reached the milestone, and those that have not.
REACHED_COLOR = "#3b528b"
NOT_REACHED_COLOR = "#f2f2f2"


@dataclass(frozen=True)
class StageLegendRow:
    """One row of a stage legend: the stage's key (None: no stage), name, colour, count."""

    key: str | None
    name: str
    color: str
    count: int


def stage_palette(scheme: Scheme) -> dict[str, str]:
    """{stage key: its colour} in ladder order."""
    return {stage.key: stage.color for stage in scheme.stages}


def stage_color(scheme: Scheme, stage: str | None) -> str:
    """The fill of an area at ``stage`` (grey when it has none or the scheme lacks it)."""
    return stage_palette(scheme).get(stage or "", NO_STAGE_COLOR)


def stage_name(scheme: Scheme, stage: str | None, lang: str) -> str:
    """A stage's name in ``lang`` (「段階なし」 for none)."""
    found = scheme.stage(stage) if stage else None
    if found is None:
        return NO_STAGE_NAME.in_language(lang)
    return found.name_en if lang == "en" else found.name


def stage_legend(
    scheme: Scheme, stages: Mapping[object, str | None], lang: str
) -> list[StageLegendRow]:
    """The legend of a stage map: every stage of the ladder with the number of areas at it,
    then the areas with no stage yet (kept at 0, so a redrawn year can fill it)."""
    counts = dict.fromkeys(scheme.stage_keys, 0)
    none = 0
    for key in stages.values():
        if key in counts:
            counts[key] += 1
        else:
            none += 1
    rows = [
        StageLegendRow(s.key, stage_name(scheme, s.key, lang), s.color, counts[s.key])
        for s in scheme.stages
    ]
    rows.append(StageLegendRow(None, stage_name(scheme, None, lang), NO_STAGE_COLOR, none))
    return rows


def areas_text(count: int, lang: str, total: int | None = None) -> str:
    """A count of areas as reports write it: 4地区, 67/69地区; 4 areas, 67/69 areas."""
    if total is None:
        return Counted("{n:,}地区", "{n:,}地区", n=count).in_language(lang)
    return Text("{n:,}/{total:,}地区", n=count, total=total).in_language(lang)


def areas_template(lang: str, count: int) -> str:
    """``areas_text``'s words for ``count`` areas with ``{n:,}`` left to fill: the stage
    map's script gets the one and the many to write its own counts."""
    return catalogue(lang).ngettext("{n:,}地区", "{n:,}地区", count)
