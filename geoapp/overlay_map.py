"""The overlay map: districts coloured by their majority zone, split districts hatched and
cut into pieces whose popups give the shares, zones without a centre hatched in red.

Hatching is an SVG pattern added to Leaflet's overlay pane and applied by CSS class, so
the map still needs nothing but the app's own Leaflet.
"""

from __future__ import annotations

from html import escape

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from .adjacency import district_adjacency, neighbours
from .basemap import Basemap
from .i18n import translate
from .layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from .overlay_report import OverlayReport
from .webmap import (
    CENTER_COLORS,
    OTHER_CENTER_COLOR,
    WEB_CRS,
    Legend,
    base_map,
    bounds_of,
    center_style,
    counted,
    layer_name,
    zone_label,
)

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
    report: OverlayReport, basemap: Basemap, lang: str, leaflet_js: str, leaflet_css: str
) -> folium.Map:
    """The overlay as a folium map with a layer switcher and a legend."""
    fmap = base_map(basemap, lang, leaflet_js, leaflet_css)
    fills = zone_fills(report.zones)
    _add_districts(fmap, report, fills, lang)
    _add_pieces(fmap, report, lang)
    _add_zones(fmap, report, lang)
    if len(report.centers):
        _add_centers(fmap, report, lang)
    _add_coverage_problems(fmap, report, lang)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    Legend(overlay_legend_html(report, lang)).add_to(fmap)
    HatchPatterns().add_to(fmap)
    web = {DISTRICTS: report.districts.to_crs(WEB_CRS), SCHOOL_ZONES: report.zones.to_crs(WEB_CRS)}
    bounds = bounds_of(web)
    if bounds:
        fmap.fit_bounds(bounds, padding=(12, 12))
    return fmap


def zone_fills(zones: gpd.GeoDataFrame) -> dict[str, str]:
    """A fill colour per zone code, different from every neighbouring zone's."""
    graph = neighbours(district_adjacency(zones), zones["code"].astype(str))
    fills: dict[str, str] = {}
    for code in sorted(graph, key=lambda code: (-len(graph[code]), code)):
        taken = {fills.get(other) for other in graph[code]}
        fills[code] = next((c for c in ZONE_FILLS if c not in taken), ZONE_FILLS[0])
    return fills


def overlay_legend_html(report: OverlayReport, lang: str) -> str:
    """The legend: majority-zone fills, split hatching, zones without a centre, centres."""
    t = lambda text: translate(text, lang)  # noqa: E731
    threshold = f"{report.threshold:.0%}"
    other_kinds = "kind" in report.centers and not report.centers["kind"].isin(CENTER_COLORS).all()
    return "".join(
        [
            f'<div class="geoapp-legend-title">{t("凡例")}</div>',
            f'<div class="geoapp-legend-head">{t("行政区")}</div>',
            '<div><i class="swatch" style="background:linear-gradient(90deg,'
            f'{ZONE_FILLS[0]} 50%,{ZONE_FILLS[1]} 50%)"></i>{t("最大の校区の色")}</div>',
            f'<div><i class="swatch hatch-split"></i>{t("分割された行政区")}'
            f' <span class="legend-note">（&gt;{threshold}）</span></div>',
            f'<div class="geoapp-legend-head">{t("小学校区")}</div>',
            f'<div><i class="line" style="border-color:{ZONE_LINE_COLOR};border-top-style:solid">'
            f"</i>{t('校区界')}</div>",
            f'<div><i class="swatch hatch-no-center"></i>{t("拠点施設のない校区")}</div>',
            f'<div class="geoapp-legend-head">{t("拠点施設")}</div>',
            *[
                f'<div><i class="dot" style="background:{color}"></i>{t(kind)}</div>'
                for kind, color in CENTER_COLORS.items()
            ],
            f'<div><i class="dot" style="background:{OTHER_CENTER_COLOR}"></i>{t("その他")}</div>'
            if other_kinds
            else "",
        ]
    )


def share_text(share: float) -> str:
    """A share as a percentage; slivers under 0.1 % say so instead of showing 0.0 %."""
    return "<0.1%" if 0 < share < 0.001 else f"{share:.1%}"


def _rows(items: list[tuple[str, str]]) -> str:
    """A popup's table rows from (label, already-escaped value) pairs."""
    return "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in items)


def _share_list(
    report: OverlayReport, district: str, zone_names: dict, lang: str, mark: str = ""
) -> str:
    """A district's pieces as an HTML list of zone names and shares, largest first."""
    pieces = report.pieces[report.pieces["district"] == district]
    items = []
    for piece in pieces.itertuples():
        name = escape(str(zone_names.get(piece.zone, piece.zone)))
        area = f"{piece.area_m2 / 10_000:,.2f} ha"
        css = ' class="current"' if piece.zone == mark else ""
        of_zone = translate("校区の{share}", lang).format(share=share_text(piece.zone_share))
        items.append(
            f"<li{css}><b>{share_text(piece.district_share)}</b> {name}"
            f' <span class="muted">{area} ・ {of_zone}</span></li>'
        )
    return f'<ul class="share-list">{"".join(items)}</ul>'


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
        items = [
            (t("行政区"), f"<b>{escape(str(row.name))}</b>（{escape(row.code)}）"),
            (t("最大の校区"), escape(str(zone_names.get(zone, "—"))) if zone else "—"),
            (t("状態"), status),
            (t("人口"), "—" if pd.isna(row.population) else f"{int(row.population):,}"),
        ]
        if isinstance(near, str):
            items.append(
                (
                    t("最寄りの拠点"),
                    f"{escape(str(center_names.get(near, near)))}（{distance:,.0f} m）",
                )
            )
        share_list = _share_list(report, row.code, zone_names, lang) if row.split else ""
        popups.append(f'<table class="overlay-popup">{_rows(items)}</table>{share_list}')
    frame["popup"] = popups
    frame = frame.to_crs(WEB_CRS)
    folium.GeoJson(
        frame[["code", "name", "split", "fill", "popup", "geometry"]],
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
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=True),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360),
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
    popups = []
    for piece in pieces.itertuples():
        title = escape(str(district_names.get(piece.district, piece.district)))
        zone = escape(str(zone_names.get(piece.zone, piece.zone)))
        this_piece = f"{t('この区片')}: {zone} ・ {share_text(piece.district_share)}"
        popups.append(
            f'<div class="overlay-popup-title">{title}（{escape(piece.district)}）</div>'
            f'<div class="muted">{this_piece}</div>'
            f"{_share_list(report, piece.district, zone_names, lang, mark=piece.zone)}"
        )
    frame = gpd.GeoDataFrame(
        {"district": pieces["district"].to_numpy(), "popup": popups},
        geometry=pieces.geometry.to_numpy(),
        crs=pieces.crs,
    ).to_crs(WEB_CRS)
    folium.GeoJson(
        frame,
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
        tooltip=folium.GeoJsonTooltip(fields=["district"], labels=False, sticky=True),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360),
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
        badge = f'<span class="badge-no-center">{t("拠点なし")}</span>' if no_center else ""
        zone_label(name, point, badge).add_to(group)
    group.add_to(fmap)


def _add_centers(fmap: folium.Map, report: OverlayReport, lang: str) -> None:
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
        items = [
            (t("拠点施設"), f"<b>{escape(str(row.name))}</b>"),
            (t("種別"), escape(t(str(row.kind))) if isinstance(row.kind, str) else "—"),
            (t("行政区"), escape(str(district_names.get(district, "—")))),
            (t("小学校区"), escape(str(zone_names.get(zone, t("校区外"))))),
        ]
        if on_boundary:
            items.append((t("注意"), t("境界線上にあります")))
        popups.append(f'<table class="overlay-popup">{_rows(items)}</table>')
    frame["popup"] = popups
    frame["kind"] = frame["kind"].fillna("")
    folium.GeoJson(
        frame.to_crs(WEB_CRS)[["code", "name", "kind", "popup", "geometry"]],
        name=layer_name(CENTERS, len(frame), lang),
        marker=folium.CircleMarker(radius=8),
        style_function=center_style,
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=320),
    ).add_to(fmap)


def _add_coverage_problems(fmap: folium.Map, report: OverlayReport, lang: str) -> None:
    """Gaps and overlaps of both polygon layers as red rings, when there are any."""
    t = lambda text: translate(text, lang)  # noqa: E731
    labels = {"districts": t("行政区"), "school_zones": t("小学校区")}
    kinds = {"gap": t("隙間"), "overlap": t("重なり")}
    rows = [
        {
            "popup": f"<b>{labels[layer]} ・ {kinds[problem.kind]}</b>: "
            f"{problem.area_m2:,.1f} m²<br>{escape(', '.join(problem.features))}",
            "x": problem.x,
            "y": problem.y,
        }
        for layer, found in report.coverage.items()
        for problem in found
    ]
    if not rows:
        return
    frame = pd.DataFrame(rows)
    points = gpd.GeoDataFrame(
        frame[["popup"]],
        geometry=gpd.points_from_xy(frame["x"], frame["y"]),
        crs=report.districts.crs,
    ).to_crs(WEB_CRS)
    folium.GeoJson(
        points,
        name=counted(t("隙間・重なり"), len(points), lang),
        show=False,
        marker=folium.CircleMarker(radius=9),
        style_function=lambda _feature: {
            "className": "geoapp-coverage-problem",
            "color": NO_CENTER_COLOR,
            "weight": 3,
            "fill": False,
        },
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=300),
    ).add_to(fmap)
