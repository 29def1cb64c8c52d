"""The overlay map: districts coloured by their majority zone, split districts hatched and
cut into pieces whose popups give the shares, zones without a centre hatched in red.

Hatching is an SVG pattern added to Leaflet's overlay pane and applied by CSS class, so
the map still needs nothing but the app's own Leaflet.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup

from ..city.center_kinds import CenterKindScheme, center_kind_scheme
from ..city.model import DEFAULT_CENTER_KINDS, CenterKind
from ..formatting import number, percent
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES, WEB_CRS
from ..translatable import listed
from ..web.basemap import Basemap
from ..web.feature_text import feature_layer, popup_table, shown
from ..web.i18n import bracketed, translate
from ..web.webmap import (
    FoldOnNarrowScreens,
    Legend,
    base_map,
    bounds_of,
    center_style,
    counted,
    kind_rows,
    kind_text,
    layer_name,
    legend_body,
    zone_label,
)
from .adjacency import district_adjacency, neighbours
from .report import OverlayReport

# Soft fills for zones; neighbouring zones never share one (greedy colouring).
ZONE_FILLS = (
    "#a6cee3",
    "#b2df8a",
    "#fdbf6f",
    "#cab2d6",
    "#ffed9e",
    "#8dd3c7",
    "#bebada",
    "#d9d9d9",
)
SPLIT_COLOR = "#d9480f"
NO_CENTER_COLOR = "#c92a2a"
ZONE_LINE_COLOR = "#163a6b"
OUTSIDE_COLOR = "#f1f3f5"


class HatchPatterns(MacroElement):
    """SVG hatch patterns (orange for split districts, red for zones without a centre)
    added to the map's overlay pane, where the CSS classes can use them as fills."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var svg = map.getPanes().overlayPane.querySelector("svg");
            if (!svg) { return; }
            var ns = "http://www.w3.org/2000/svg";
            var defs = document.createElementNS(ns, "defs");
            {{ this.patterns|tojson }}.forEach(function (p) {
                var pattern = document.createElementNS(ns, "pattern");
                pattern.setAttribute("id", p.id);
                pattern.setAttribute("patternUnits", "userSpaceOnUse");
                pattern.setAttribute("width", p.gap);
                pattern.setAttribute("height", p.gap);
                pattern.setAttribute("patternTransform", "rotate(" + p.angle + ")");
                var back = document.createElementNS(ns, "rect");
                back.setAttribute("width", p.gap);
                back.setAttribute("height", p.gap);
                back.setAttribute("fill", p.background);
                pattern.appendChild(back);
                var line = document.createElementNS(ns, "rect");
                line.setAttribute("width", p.width);
                line.setAttribute("height", p.gap);
                line.setAttribute("fill", p.color);
                pattern.appendChild(line);
                defs.appendChild(pattern);
            });
            svg.insertBefore(defs, svg.firstChild);
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "HatchPatterns"
        self.patterns = [
            {
                "id": "geoapp-hatch-split",
                "color": SPLIT_COLOR,
                "background": "rgba(255, 244, 230, 0.9)",
                "gap": 8,
                "width": 2.5,
                "angle": 45,
            },
            {
                "id": "geoapp-hatch-no-center",
                "color": NO_CENTER_COLOR,
                "background": "rgba(0, 0, 0, 0)",
                "gap": 12,
                "width": 1.5,
                "angle": -45,
            },
        ]


def overlay_map(
    report: OverlayReport,
    basemap: Basemap,
    lang: str,
    leaflet_js: str,
    leaflet_css: str,
    center_kinds: Sequence[CenterKind] = DEFAULT_CENTER_KINDS,
) -> folium.Map:
    """The overlay as a folium map with a layer switcher and a legend; centres coloured by
    the city's ``center_kinds``."""
    web = {DISTRICTS: report.districts.to_crs(WEB_CRS), SCHOOL_ZONES: report.zones.to_crs(WEB_CRS)}
    fmap = base_map(basemap, lang, leaflet_js, leaflet_css, bounds_of(web))
    fills = zone_fills(report.zones)
    _add_districts(fmap, report, fills, lang)
    _add_pieces(fmap, report, lang)
    _add_zones(fmap, report, lang)
    kinds = report.centers.get("kind", [])
    centers = center_kind_scheme(center_kinds, kinds)
    if len(report.centers):
        _add_centers(fmap, report, lang, centers)
    _add_coverage_problems(fmap, report, lang)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    FoldOnNarrowScreens().add_to(fmap)
    Legend(overlay_legend_html(report, lang, centers)).add_to(fmap)
    HatchPatterns().add_to(fmap)
    return fmap


def zone_fills(zones: gpd.GeoDataFrame) -> dict[str, str]:
    """A fill colour per zone code, different from every neighbouring zone's."""
    graph = neighbours(district_adjacency(zones), zones["code"].astype(str))
    fills: dict[str, str] = {}
    for code in sorted(graph, key=lambda code: (-len(graph[code]), code)):
        taken = {fills.get(other) for other in graph[code]}
        fills[code] = next((c for c in ZONE_FILLS if c not in taken), ZONE_FILLS[0])
    return fills


def overlay_legend_html(
    report: OverlayReport, lang: str, centers: CenterKindScheme | None = None
) -> Markup:
    """The legend: majority-zone fills, split hatching, zones without a centre, the kinds of
    the centres shown."""
    t = lambda text: translate(text, lang)  # noqa: E731
    head = Markup('<div class="geoapp-legend-head">{}</div>')
    rows = [
        head.format(t("行政区")),
        Markup(
            '<div><i class="swatch" style="background:linear-gradient(90deg,'
            '{} 50%,{} 50%)"></i>{}</div>'
        ).format(ZONE_FILLS[0], ZONE_FILLS[1], t("最大の校区の色")),
        Markup(
            '<div><i class="swatch hatch-split"></i>{} <span class="legend-note">{}</span></div>'
        ).format(t("分割された行政区"), bracketed(f">{report.threshold:.0%}", lang)),
        head.format(t("小学校区")),
        Markup(
            '<div><i class="line" style="border-color:{};border-top-style:solid"></i>{}</div>'
        ).format(ZONE_LINE_COLOR, t("校区界")),
        Markup('<div><i class="swatch hatch-no-center"></i>{}</div>').format(
            t("拠点施設のない校区")
        ),
    ]
    if centers is not None and centers.entries:
        rows.append(head.format(t("拠点施設")))
        rows.extend(kind_rows(centers, lang))
    return legend_body(t("凡例"), rows)


def _share_list(
    report: OverlayReport, district: str, zone_names: dict, lang: str, mark: str = ""
) -> Markup:
    """A district's pieces as an HTML list of zone names and shares, largest first."""
    pieces = report.pieces[report.pieces["district"] == district]
    items = Markup("").join(
        Markup('<li class="{}"><b>{}</b> {} <span class="muted">{} ・ {}</span></li>').format(
            "current" if piece.zone == mark else "",
            percent(piece.district_share, lang),
            shown(zone_names.get(piece.zone, piece.zone)),
            f"{number(piece.area_m2 / 10_000, lang, 2)} ha",
            translate("校区の{share}", lang).format(share=percent(piece.zone_share, lang)),
        )
        for piece in pieces.itertuples()
    )
    return Markup('<ul class="share-list">{}</ul>').format(items)


def _add_districts(
    fmap: folium.Map, report: OverlayReport, fills: dict[str, str], lang: str
) -> None:
    """Districts filled by their majority zone's colour; split ones hatched."""
    t = lambda text: translate(text, lang)  # noqa: E731
    zone_names = dict(zip(report.zones["code"].astype(str), report.zones["name"], strict=True))
    frame = report.districts[["code", "name", "population", "geometry"]].copy()
    frame["code"] = frame["code"].astype(str)
    majority = report.majority.reindex(frame["code"])
    frame["majority_zone"] = majority["majority_zone"].to_numpy()
    frame["split"] = majority["split"].to_numpy()
    frame["fill"] = [fills.get(zone, OUTSIDE_COLOR) for zone in frame["majority_zone"]]
    nearest = report.nearest.reindex(frame["code"])
    center_names = dict(
        zip(report.centers["code"].astype(str), report.centers["name"], strict=True)
    )
    popups = []
    for row, near, distance in zip(
        frame.itertuples(), nearest["nearest_center"], nearest["distance_m"], strict=True
    ):
        zone = row.majority_zone
        status = t("分割") if row.split else (t("校区外") if zone is None else t("一つの校区内"))
        items: list[tuple[str, object]] = [
            (t("行政区"), Markup("<b>{}</b>{}").format(row.name, bracketed(row.code, lang))),
            (t("最大の校区"), zone_names.get(zone, "—") if zone else "—"),
            (t("状態"), status),
            (t("人口"), number(None if pd.isna(row.population) else row.population, lang)),
        ]
        if isinstance(near, str):
            nearest = center_names.get(near, near) + bracketed(f"{number(distance, lang)} m", lang)
            items.append((t("最寄りの拠点"), nearest))
        share_list = _share_list(report, row.code, zone_names, lang) if row.split else Markup("")
        popups.append(popup_table(items, "overlay-popup") + share_list)
    web = frame.to_crs(WEB_CRS)
    feature_layer(
        web[["split", "fill", "geometry"]],
        [shown(name) for name in frame["name"]],
        popups,
        sticky=True,
        max_width=360,
        name=layer_name(DISTRICTS, len(frame), lang),
        style_function=lambda feature: {
            "className": "geoapp-split-district"
            if feature["properties"]["split"]
            else "geoapp-overlay-district",
            "color": SPLIT_COLOR if feature["properties"]["split"] else "#6b7785",
            "weight": 2.2 if feature["properties"]["split"] else 0.7,
            "fillColor": feature["properties"]["fill"],
            "fillOpacity": 0.85 if feature["properties"]["split"] else 0.6,
        },
        highlight_function=lambda _feature: {"weight": 3, "color": "#222222"},
        zoom_on_click=False,
    ).add_to(fmap)


def _add_pieces(fmap: folium.Map, report: OverlayReport, lang: str) -> None:
    """The pieces of split districts, each with a popup of the district's shares."""
    t = lambda text: translate(text, lang)  # noqa: E731
    split = set(report.split_districts)
    pieces = report.pieces[report.pieces["district"].isin(split)]
    if not len(pieces):
        return
    zone_names = dict(zip(report.zones["code"].astype(str), report.zones["name"], strict=True))
    district_names = dict(
        zip(report.districts["code"].astype(str), report.districts["name"], strict=True)
    )
    popups = [
        Markup(
            '<div class="overlay-popup-title">{}{}</div><div class="muted">{}: {} ・ {}</div>'
        ).format(
            district_names.get(piece.district, piece.district),
            bracketed(piece.district, lang),
            t("この区片"),
            zone_names.get(piece.zone, piece.zone),
            percent(piece.district_share, lang),
        )
        + _share_list(report, piece.district, zone_names, lang, mark=piece.zone)
        for piece in pieces.itertuples()
    ]
    frame = gpd.GeoDataFrame(geometry=pieces.geometry.to_numpy(), crs=pieces.crs).to_crs(WEB_CRS)
    feature_layer(
        frame,
        [shown(district) for district in pieces["district"]],
        popups,
        sticky=True,
        max_width=360,
        name=counted(t("分割行政区の区片"), len(frame), lang),
        style_function=lambda _feature: {
            "className": "geoapp-piece",
            "color": SPLIT_COLOR,
            "weight": 1,
            "dashArray": "3 3",
            "fillColor": "#ffffff",
            "fillOpacity": 0,
        },
        highlight_function=lambda _feature: {"fillOpacity": 0.35, "fillColor": "#ffd8a8"},
        zoom_on_click=False,
    ).add_to(fmap)


def _add_zones(fmap: folium.Map, report: OverlayReport, lang: str) -> None:
    """Zone lines and labels; zones without a centre hatched red with a badge."""
    t = lambda text: translate(text, lang)  # noqa: E731
    zone_centers = report.zone_centers
    frame = report.zones[["code", "name", "geometry"]].copy()
    frame["code"] = frame["code"].astype(str)
    frame["no_center"] = [not zone_centers.get(code) for code in frame["code"]]
    points = frame.geometry.representative_point().to_crs(WEB_CRS)
    web = frame.to_crs(WEB_CRS)
    group = folium.FeatureGroup(name=layer_name(SCHOOL_ZONES, len(frame), lang))
    folium.GeoJson(
        web[["code", "no_center", "geometry"]],
        style_function=lambda feature: {
            "className": "geoapp-zone-without-center"
            if feature["properties"]["no_center"]
            else "geoapp-overlay-zone",
            "color": NO_CENTER_COLOR if feature["properties"]["no_center"] else ZONE_LINE_COLOR,
            "weight": 3.5 if feature["properties"]["no_center"] else 2.5,
            "dashArray": "10 6" if feature["properties"]["no_center"] else None,
            "fill": bool(feature["properties"]["no_center"]),
            "fillOpacity": 0.9,
            "interactive": False,
        },
    ).add_to(group)
    for name, no_center, point in zip(frame["name"], frame["no_center"], points, strict=True):
        badge = (
            Markup('<span class="badge-no-center">{}</span>').format(t("拠点なし"))
            if no_center
            else None
        )
        zone_label(name, point, badge).add_to(group)
    group.add_to(fmap)


def _add_centers(
    fmap: folium.Map, report: OverlayReport, lang: str, centers: CenterKindScheme
) -> None:
    """Centres as circles by kind; the popup says which district and zone hold each."""
    t = lambda text: translate(text, lang)  # noqa: E731
    zone_names = dict(zip(report.zones["code"].astype(str), report.zones["name"], strict=True))
    district_names = dict(
        zip(report.districts["code"].astype(str), report.districts["name"], strict=True)
    )
    frame = report.centers[["code", "name", "kind", "geometry"]].copy()
    frame["code"] = frame["code"].astype(str)
    placement = report.placement.reindex(frame["code"])
    popups = []
    for row, district, zone, on_boundary in zip(
        frame.itertuples(),
        placement["district"],
        placement["zone"],
        placement["on_boundary"],
        strict=True,
    ):
        items: list[tuple[str, object]] = [
            (t("拠点施設"), Markup("<b>{}</b>").format(row.name)),
            (t("種別"), kind_text(centers, row.kind, lang)),
            (t("行政区"), district_names.get(district, "—")),
            (t("小学校区"), zone_names.get(zone, t("校区外"))),
        ]
        if on_boundary:
            items.append((t("注意"), t("境界線上にあります")))
        popups.append(popup_table(items, "overlay-popup"))
    frame["kind"] = frame["kind"].fillna("")
    feature_layer(
        frame.to_crs(WEB_CRS)[["kind", "geometry"]],
        [shown(name) for name in frame["name"]],
        popups,
        max_width=320,
        name=layer_name(CENTERS, len(frame), lang),
        marker=folium.CircleMarker(radius=8),
        style_function=center_style(centers),
    ).add_to(fmap)


def _add_coverage_problems(fmap: folium.Map, report: OverlayReport, lang: str) -> None:
    """Gaps and overlaps of both polygon layers as red rings, when there are any."""
    t = lambda text: translate(text, lang)  # noqa: E731
    labels = {"districts": t("行政区"), "school_zones": t("小学校区")}
    kinds = {"gap": t("隙間"), "overlap": t("重なり")}
    rows = [
        {
            "popup": Markup("<b>{} ・ {}</b>: {} m²<br>{}").format(
                labels[layer],
                kinds[problem.kind],
                number(problem.area_m2, lang, 1),
                listed(problem.features, lang),
            ),
            "x": problem.x,
            "y": problem.y,
        }
        for layer, found in report.coverage.items()
        for problem in found
    ]
    if not rows:
        return
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([row["x"] for row in rows], [row["y"] for row in rows]),
        crs=report.districts.crs,
    ).to_crs(WEB_CRS)
    feature_layer(
        points,
        popups=[row["popup"] for row in rows],
        name=counted(t("隙間・重なり"), len(points), lang),
        show=False,
        marker=folium.CircleMarker(radius=9),
        style_function=lambda _feature: {
            "className": "geoapp-coverage-problem",
            "color": NO_CENTER_COLOR,
            "weight": 3,
            "fill": False,
        },
    ).add_to(fmap)
