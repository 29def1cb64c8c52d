"""The organizations' maps, built like the city map (folium, Leaflet from the app, the
city's base map): communities filled by their organization's stage with a legend counting
areas per stage, and communities that reached a milestone against all of them.

The stage map carries no shapes: its page's script fetches the communities once from the
published collection (``/ogcapi``, serialized once per edition of the data) and colours
them from ``/api/organizations/stages`` for each fiscal year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
from markupsafe import Markup

from ..layers import WEB_CRS
from ..web.basemap import Basemap
from ..web.feature_text import feature_layer, popup_table, shown
from ..web.i18n import translate
from ..web.webmap import Legend, base_map, counted, legend_body, lonlat_bounds
from .stage_colors import (
    NOT_REACHED_COLOR,
    REACHED_COLOR,
    StageLegendRow,
    areas_text,
)

# What a popup links to: the organization page of a community's organization.
OrganizationLinks = Mapping[int, tuple[str, str]]


@dataclass(frozen=True)
class MapSetup:
    """What every organizations map is drawn on: base map, language and Leaflet's files."""

    basemap: Basemap
    lang: str
    leaflet_js: str
    leaflet_css: str


def drawable(communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The communities that have an outline, in lon/lat."""
    shapes = communities.geometry
    return communities[shapes.notna() & ~shapes.is_empty].to_crs(WEB_CRS)


def _popup(name: object, rows: list[tuple[str, object]], link: tuple[str, str] | None) -> Markup:
    """A community's popup: its name, ``rows``, and a link to its organization's page."""
    table = popup_table([*rows])
    title = Markup('<div class="geoapp-popup-title">{}</div>').format(shown(name))
    if link is None:
        return title + table
    anchor = Markup('<a class="popup-link" href="{}">{}</a>').format(*link)
    return title + table + anchor


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


def _stage_style(feature: dict[str, Any]) -> dict[str, Any]:
    """A community filled in its stage's colour, outlined in grey."""
    return {
        "className": "geoapp-stage-area",
        "color": "#4a4a4a",
        "weight": 1.2,
        "fillColor": feature["properties"]["fill"],
        "fillOpacity": 0.8,
    }


def milestone_map(
    communities: gpd.GeoDataFrame,
    reached: Mapping[int, str],
    milestone_name: str,
    links: OrganizationLinks,
    setup: MapSetup,
    date_text: str,
) -> folium.Map:
    """Communities that reached the milestone (``reached``: {community id: the day, as
    text}) filled, the others pale; the legend counts them against all areas."""
    lang = setup.lang
    t = lambda text: translate(text, lang)  # noqa: E731
    data = drawable(communities)
    ids = [int(cid) for cid in data["id"]]
    frame = gpd.GeoDataFrame(
        {
            "community_id": ids,
            "fill": [REACHED_COLOR if cid in reached else NOT_REACHED_COLOR for cid in ids],
        },
        geometry=list(data.geometry),
        crs=WEB_CRS,
    )
    popups = [
        _popup(name, [(milestone_name, reached.get(cid) or t("未達"))], links.get(cid))
        for cid, name in zip(ids, data["name"], strict=True)
    ]
    fmap = base_map(setup.basemap, lang, setup.leaflet_js, setup.leaflet_css, lonlat_bounds(data))
    feature_layer(
        frame,
        [shown(name) for name in data["name"]],
        popups,
        sticky=True,
        name=counted(t("広域コミュニティ"), len(frame), lang),
        style_function=_stage_style,
        highlight_function=lambda _feature: {"weight": 3, "color": "#222222"},
        zoom_on_click=False,
    ).add_to(fmap)
    done = sum(1 for cid in ids if cid in reached)
    swatch = Markup(
        '<div data-milestone-row="{}"><i class="swatch" style="background:{}"></i>{} '
        "<strong>{}</strong></div>"
    )
    html = legend_body(
        milestone_name,
        [
            Markup('<div class="legend-note">{}</div>').format(date_text),
            swatch.format("reached", REACHED_COLOR, t("達成"), areas_text(done, lang, len(ids))),
            swatch.format(
                "not-reached", NOT_REACHED_COLOR, t("未達"), areas_text(len(ids) - done, lang)
            ),
        ],
    )
    Legend(html).add_to(fmap)
    return fmap
