"""The public map's frame: the base map, an empty group per layer in the layer switcher,
and the legend; no shapes. The page's script fetches the shapes once from the published
collections (``/ogcapi``, ETagged and cached per edition of the data) and draws them into
the groups, the communities filled by the colouring the page carries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
from markupsafe import Markup

from ..city.center_kinds import CenterKindScheme
from ..formatting import number
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from ..translatable import InContext
from ..web.basemap import Basemap
from ..web.i18n import translate
from ..web.webmap import (
    ZONE_COLOR,
    FoldOnNarrowScreens,
    Legend,
    base_map,
    counted,
    kind_rows,
    layer_name,
    legend_body,
)
from .colourings import Colouring, LegendRow

# The groups of the layer switcher, in its order, each drawn from one collection.
GROUPS = ("districts", "communities", "school-zones", "hubs")
# The communities' layer, named as their data set (plural in English like the other layers'
# names; without a context 広域コミュニティ is one community, a popup's or table's heading).
COMMUNITIES = InContext("データセット名", "広域コミュニティ")


@dataclass(frozen=True)
class MapFrame:
    """The folium map and the Leaflet variable of each layer's group (by ``GROUPS``)."""

    fmap: folium.Map
    groups: dict[str, str]


def public_map_frame(
    basemap: Basemap,
    lang: str,
    leaflet: tuple[str, str],
    bounds: list[list[float]] | None,
    counts: Mapping[str, int],
    colouring: Colouring,
    centers: CenterKindScheme,
) -> MapFrame:
    """The base map opening on ``bounds`` with the layer switcher (each layer's count
    from ``counts``, by ``GROUPS``) and the legend of ``colouring``, school zones and the
    kinds of ``centers``."""
    fmap = base_map(basemap, lang, leaflet[0], leaflet[1], bounds)
    names = {
        "districts": layer_name(DISTRICTS, counts["districts"], lang),
        "communities": counted(COMMUNITIES.in_language(lang), counts["communities"], lang),
        "school-zones": layer_name(SCHOOL_ZONES, counts["school-zones"], lang),
        "hubs": layer_name(CENTERS, counts["hubs"], lang),
    }
    groups = {}
    for key in GROUPS:
        group = folium.FeatureGroup(name=names[key])
        group.add_to(fmap)
        groups[key] = group.get_name()
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    FoldOnNarrowScreens().add_to(fmap)
    Legend(legend_html(colouring, centers, lang, counts["communities"] > 0)).add_to(fmap)
    return MapFrame(fmap, groups)


def colouring_rows(rows: Sequence[LegendRow], lang: str) -> Markup:
    """A colouring's legend rows: swatch, text and count (the script writes the same)."""
    row = Markup(
        '<div class="legend-class" data-key="{}"><i class="swatch" style="background:{}"></i>'
        '<span class="legend-label">{}</span> <span class="legend-count">({})</span></div>'
    )
    return Markup("").join(row.format(r.key, r.color, r.label, number(r.count, lang)) for r in rows)


def legend_html(
    colouring: Colouring, centers: CenterKindScheme, lang: str, communities: bool
) -> Markup:
    """The legend: the communities' colouring (when a plan is adopted), district
    outlines, school zones and the centres' kinds; every text escaped."""
    t = lambda text: translate(text, lang)  # noqa: E731
    head = Markup('<div class="geoapp-legend-head">{}</div>')
    line = Markup(
        '<div class="geoapp-legend-head"><i class="line" style="border-color:{}"></i>{}</div>'
    )
    rows = []
    if communities:
        rows.append(
            Markup(
                '<div class="geoapp-legend-head" id="colouring-title">{}</div>'
                '<div id="colouring-rows">{}</div>'
            ).format(colouring.title, colouring_rows(colouring.rows, lang))
        )
    rows.append(
        Markup(
            '<div class="geoapp-legend-head"><i class="line solid" style="border-color:#5a5a5a">'
            "</i>{}</div>"
        ).format(t("行政区（拡大時）"))
    )
    rows.append(line.format(ZONE_COLOR, t("小学校区")))
    if centers.entries:
        rows.append(head.format(t("拠点施設")))
        rows.extend(kind_rows(centers, lang))
    return legend_body(t("凡例"), rows)
