"""The organizations' maps, built like the city map (folium, Leaflet from the app, the
city's base map): communities filled by their organization's stage with a legend counting
areas per stage, and communities that reached a milestone against all of them.

Neither map carries shapes: the page's script fetches the communities from the published
collection (``/ogcapi``, serialized once per edition of the data) and fills them from the
values the page carries (the stage map's slider from ``/api/organizations/stages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
from markupsafe import Markup

from ..web.basemap import Basemap
from ..web.i18n import translate
from ..web.webmap import Legend, base_map, legend_body
from .stage_colors import (
    NOT_REACHED_COLOR,
    REACHED_COLOR,
    StageLegendRow,
    areas_text,
)


@dataclass(frozen=True)
class MapSetup:
    """What every organizations map is drawn on: base map, language and Leaflet's files."""

    basemap: Basemap
    lang: str
    leaflet_js: str
    leaflet_css: str


def stage_map(
    bounds: list[list[float]] | None,
    legend: Sequence[StageLegendRow],
    setup: MapSetup,
    heading: str,
) -> folium.Map:
    """The base map opening on ``bounds`` with the stage legend headed ``heading``; no
    shapes: the page's script draws the communities from the published GeoJSON."""
    fmap = base_map(setup.basemap, setup.lang, setup.leaflet_js, setup.leaflet_css, bounds)
    rows: list[Markup] = []
    row = Markup(
        '<div class="stage-legend-row" data-stage="{}"><i class="swatch" style="background:{}">'
        '</i><span class="stage-legend-name">{}</span> '
        '<span class="stage-legend-count" data-stage-count="{}">{}</span></div>'
    )
    for entry in legend:
        key = entry.key or ""
        rows.append(
            row.format(key, entry.color, entry.name, key, areas_text(entry.count, setup.lang))
        )
    title = Markup("<span data-legend-heading>{}</span>").format(heading)
    Legend(legend_body(title, rows)).add_to(fmap)
    return fmap


def milestone_map(
    bounds: list[list[float]] | None,
    done: int,
    total: int,
    milestone_name: str,
    setup: MapSetup,
    date_text: str,
) -> folium.Map:
    """The base map opening on ``bounds`` with the legend counting the ``done`` areas that
    reached the milestone against all ``total``; the page's script draws the shapes."""
    lang = setup.lang
    t = lambda text: translate(text, lang)  # noqa: E731
    fmap = base_map(setup.basemap, lang, setup.leaflet_js, setup.leaflet_css, bounds)
    swatch = Markup(
        '<div data-milestone-row="{}"><i class="swatch" style="background:{}"></i>{} '
        "<strong>{}</strong></div>"
    )
    html = legend_body(
        milestone_name,
        [
            Markup('<div class="legend-note">{}</div>').format(date_text),
            swatch.format("reached", REACHED_COLOR, t("達成"), areas_text(done, lang, total)),
            swatch.format(
                "not-reached", NOT_REACHED_COLOR, t("未達"), areas_text(total - done, lang)
            ),
        ],
    )
    Legend(html).add_to(fmap)
    return fmap
