"""The folium map of a city's building blocks: districts, school zones, community centres.

Leaflet is loaded from the app's own ``/vendor`` route, never from a CDN, so the map draws
on a closed network; with the ``none`` base map it needs no outside request at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from ..city.center_kinds import NO_KIND, CenterKindScheme, center_kind_scheme, raw_kind
from ..city.model import DEFAULT_CENTER_KINDS, CenterKind
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES, WEB_CRS, Layer
from ..translatable import N_
from .basemap import Basemap
from .feature_text import feature_layer, number, popup_table, shown
from .i18n import bracketed, translate

# Share of residents aged 65+ (高齢化率): upper bound of each class and its fill colour.
AGEING_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.25, "#f1eef6", N_("25%未満")),
    (0.30, "#d7b5d8", N_("25〜30%")),
    (0.35, "#df65b0", N_("30〜35%")),
    (1.01, "#ce1256", N_("35%以上")),
)
NO_POPULATION_COLOR = "#e6e6e6"
COUNT_COLUMNS = ("population", "households", "population_65")
ZONE_COLOR = "#1f5fbf"
# Where a map without any layer opens: the middle of Honshu.
JAPAN_CENTER = (36.5, 138.0)


@dataclass(frozen=True)
class RenderedMap:
    """The three parts of a rendered folium map, for embedding in a page; the page puts
    ``script`` in a ``<script>`` carrying the same nonce as the header's inline scripts."""

    header: str
    body: str
    script: str
    map_id: str


# The width under which the legend and the layer switcher start folded (as in geoapp.css).
NARROW_SCREEN = "(max-width: 760px)"


class Legend(MacroElement):
    """A legend drawn as a Leaflet control in the map's lower right corner: a <details>
    whose summary is its title, open unless the screen is narrow (``legend_body``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var details = L.DomUtil.create("details", "geoapp-legend");
                details.innerHTML = {{ this.html|tojson }};
                details.open = !window.matchMedia({{ this.narrow|tojson }}).matches;
                L.DomEvent.disableClickPropagation(details);
                L.DomEvent.disableScrollPropagation(details);
                return details;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: Markup) -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.narrow = NARROW_SCREEN


class FoldOnNarrowScreens(MacroElement):
    """Fold the map's layer switcher on a narrow screen: it opens and closes by its button
    (a link Leaflet draws, which the keyboard reaches), its state in aria-expanded. Added
    after the ``folium.LayerControl`` it folds."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            if (!window.matchMedia({{ this.narrow|tojson }}).matches) return;
            var map = {{ this._parent.get_name() }};
            var control = map.getContainer().querySelector(".leaflet-control-layers");
            if (!control) return;
            var toggle = control.querySelector(".leaflet-control-layers-toggle");
            control.classList.remove("leaflet-control-layers-expanded");
            toggle.setAttribute("aria-expanded", "false");
            // After Leaflet's own handler, which only ever expands it.
            L.DomEvent.on(toggle, "click", function (event) {
                L.DomEvent.preventDefault(event);
                var open = toggle.getAttribute("aria-expanded") !== "true";
                control.classList.toggle("leaflet-control-layers-expanded", open);
                toggle.setAttribute("aria-expanded", String(open));
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FoldOnNarrowScreens"
        self.narrow = NARROW_SCREEN


def legend_body(title: str, rows: list[Markup]) -> Markup:
    """A legend's HTML: its title as the <details> summary, then its rows."""
    return Markup(
        '<summary class="geoapp-legend-title">{}</summary><div class="geoapp-legend-body">{}</div>'
    ).format(title, Markup("").join(rows))


class InitialView(MacroElement):
    """The map's first view: ``bounds`` fitted at once, without animation."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds(
            {{ this.bounds|tojson }}, {padding: [12, 12], animate: false}
        );
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "InitialView"
        self.bounds = bounds


class KeepViewInPrint(MacroElement):
    """On printing, the map takes its printed size (``html.printing`` in geoapp.css) and
    shows what the screen showed of the data (the view within the layers' extent) beside
    its open legend; afterwards it is as it was. Leaflet draws for the size it knows, so
    without this a printed map is cut or half empty."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var container = map.getContainer();
            var seen = null;
            function shown() {
                var view = map.getBounds(), data = L.latLngBounds([]);
                map.eachLayer(function (layer) {
                    if (layer.getBounds) data.extend(layer.getBounds());
                    else if (layer.getLatLng) data.extend(layer.getLatLng());
                });
                if (!data.isValid() || !view.intersects(data)) return view;
                var south = Math.max(view.getSouth(), data.getSouth());
                var west = Math.max(view.getWest(), data.getWest());
                var north = Math.min(view.getNorth(), data.getNorth());
                var east = Math.min(view.getEast(), data.getEast());
                return L.latLngBounds([south, west], [north, east]);
            }
            function refit(bounds, printing) {
                var snap = map.options.zoomSnap;
                var legend = printing && container.querySelector(".geoapp-legend");
                map.invalidateSize({pan: false});
                map.options.zoomSnap = printing ? 0.25 : snap;
                var beside = legend ? legend.offsetWidth + 10 : 0;
                map.fitBounds(bounds, {animate: false, paddingBottomRight: [beside, 0]});
                map.options.zoomSnap = snap;
            }
            window.addEventListener("beforeprint", function () {
                var legends = container.querySelectorAll("details.geoapp-legend:not([open])");
                seen = {
                    bounds: map.getBounds(), data: shown(), legends: legends,
                    size: [container.clientWidth, container.clientHeight]
                };
                legends.forEach(function (legend) { legend.open = true; });
                document.documentElement.classList.add("printing");
                if (container.clientWidth !== seen.size[0] ||
                    container.clientHeight !== seen.size[1]) {
                    refit(seen.data, true);
                }
            });
            window.addEventListener("afterprint", function () {
                if (!seen) return;
                document.documentElement.classList.remove("printing");
                seen.legends.forEach(function (legend) { legend.open = false; });
                if (container.clientWidth !== map.getSize().x ||
                    container.clientHeight !== map.getSize().y) refit(seen.bounds, false);
                seen = null;
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "KeepViewInPrint"


def ageing_color(population: object, population_65: object) -> str:
    """The fill colour of a district by its share of residents aged 65+ (grey when either
    count is unknown)."""
    try:
        share = float(population_65) / float(population)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return NO_POPULATION_COLOR
    if math.isnan(share):
        return NO_POPULATION_COLOR
    for upper, color, _label in AGEING_CLASSES:
        if share < upper:
            return color
    return AGEING_CLASSES[-1][1]


def city_map(
    layers: dict[Layer, gpd.GeoDataFrame],
    basemap: Basemap,
    lang: str,
    leaflet_js: str,
    leaflet_css: str,
    communities: gpd.GeoDataFrame | None = None,
    center_kinds: Sequence[CenterKind] = DEFAULT_CENTER_KINDS,
    community_of: Mapping[str, str] | None = None,
) -> folium.Map:
    """A folium map of the layers (in any CRS), with a layer switcher and a legend; with
    ``communities`` (the adopted plan's, one row per community) drawn in their colours,
    centres coloured by the city's ``center_kinds``, and each district's popup naming its
    community from ``community_of`` (district code → community name)."""
    web = {layer: frame.to_crs(WEB_CRS) for layer, frame in layers.items()}
    fmap = base_map(basemap, lang, leaflet_js, leaflet_css, bounds_of(web))
    districts = web.get(DISTRICTS)
    if districts is not None and len(districts):
        _add_districts(fmap, districts, lang, community_of)
    if communities is not None:
        # A community whose districts are all gone (or not yet chosen) has no outline.
        shapes = communities.geometry
        communities = communities[shapes.notna() & ~shapes.is_empty]
    if communities is not None and len(communities):
        _add_communities(fmap, communities, lang)
    zones = layers.get(SCHOOL_ZONES)
    if zones is not None and len(zones):
        _add_school_zones(fmap, zones, lang)
    centers = web.get(CENTERS)
    scheme = center_kind_scheme(center_kinds, [] if centers is None else centers["kind"])
    if centers is not None and len(centers):
        _add_centers(fmap, centers, lang, scheme)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    FoldOnNarrowScreens().add_to(fmap)
    drawn = communities is not None and len(communities) > 0
    Legend(legend_html(lang, drawn, scheme)).add_to(fmap)
    return fmap


def base_map(
    basemap: Basemap,
    lang: str,
    leaflet_js: str,
    leaflet_css: str,
    bounds: list[list[float]] | None = None,
) -> folium.Map:
    """An empty folium map loading Leaflet from the app, opening on ``bounds`` (the city's
    [[south, west], [north, east]]) or else on Japan, with the base tiles if any.

    The view is set before the tile layer is added: a map below the tiles' minimum zoom
    starts an animated zoom when they arrive, and Leaflet drops every other change of view
    asked for while that runs, so a later fit to the city would be lost.
    """
    fmap = folium.Map(
        location=JAPAN_CENTER,
        zoom_start=basemap.min_zoom,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    fmap.default_js = [("leaflet", leaflet_js)]
    fmap.default_css = [("leaflet_css", leaflet_css)]
    if bounds:
        InitialView(bounds).add_to(fmap)
    KeepViewInPrint().add_to(fmap)
    if basemap.url:
        folium.TileLayer(
            tiles=basemap.url,
            attr=translate(basemap.attribution, lang),
            name=translate(basemap.label, lang),
            min_zoom=basemap.min_zoom,
            max_native_zoom=basemap.max_native_zoom,
            max_zoom=20,
        ).add_to(fmap)
    return fmap


def render_map(fmap: folium.Map, nonce: str) -> RenderedMap:
    """Split a folium map into the header, body and script of a page; the inline scripts
    folium writes in the header get ``nonce``, so the Content-Security-Policy lets them run."""
    root = fmap.get_root()
    root.render()
    return RenderedMap(
        header=re.sub(r"<script>", f'<script nonce="{nonce}">', root.header.render()),
        body=root.html.render(),
        script=root.script.render(),
        map_id=fmap.get_name(),
    )


def legend_html(
    lang: str, communities: bool = False, centers: CenterKindScheme | None = None
) -> Markup:
    """The legend's HTML: ageing classes, the adopted communities' outlines (when drawn),
    school zone line, the kinds of the centres shown; every text escaped."""
    t = lambda text: translate(text, lang)  # noqa: E731
    head = Markup('<div class="geoapp-legend-head">{}</div>')
    swatch = Markup('<div><i class="swatch" style="background:{}"></i>{}</div>')
    rows = [head.format(t("行政区（高齢化率）"))]
    for _upper, color, label in AGEING_CLASSES:
        rows.append(swatch.format(color, t(label)))
    rows.append(swatch.format(NO_POPULATION_COLOR, t("人口なし・データなし")))
    if communities:
        rows.append(
            Markup('<div class="geoapp-legend-head"><i class="line community"></i>{}</div>').format(
                t("広域コミュニティ（決定案）")
            )
        )
    rows.append(
        Markup(
            '<div class="geoapp-legend-head"><i class="line" style="border-color:{}"></i>{}</div>'
        ).format(ZONE_COLOR, t("小学校区"))
    )
    if centers is not None and centers.entries:
        rows.append(head.format(t("拠点施設")))
        rows.extend(kind_rows(centers, lang))
    return legend_body(t("凡例"), rows)


def kind_rows(centers: CenterKindScheme, lang: str) -> list[Markup]:
    """The legend rows of the centre kinds: a dot in each kind's colour and its name."""
    row = Markup('<div data-kind="{}"><i class="dot" style="background:{}"></i>{}</div>')
    return [
        row.format(entry.label, entry.color, translate(entry.label, lang))
        for entry in centers.entries
    ]


def layer_name(layer: Layer, count: int, lang: str) -> str:
    """The layer switcher's label, e.g. 行政区（300） or Districts (300)."""
    return counted(translate(layer.label, lang), count, lang)


def counted(label: str, count: int, lang: str) -> str:
    """A label with a count: 行政区（300） in Japanese, Districts (300) in English."""
    return label + bracketed(f"{count:,}", lang)


def _add_districts(
    fmap: folium.Map,
    frame: gpd.GeoDataFrame,
    lang: str,
    community_of: Mapping[str, str] | None = None,
) -> None:
    """Districts filled by their share of residents aged 65+; with ``community_of``, each
    popup names the district's community first."""
    t = lambda text: translate(text, lang)  # noqa: E731
    data = frame[["code", "name", "population", "households", "population_65", "geometry"]].copy()
    counts = {column: data[column].astype("float") for column in COUNT_COLUMNS}
    pairs = list(zip(counts["population"], counts["population_65"], strict=True))
    data["fill"] = [ageing_color(p, p65) for p, p65 in pairs]
    popups = [
        popup_table(
            [
                *(
                    [(t("広域コミュニティ"), community_of.get(str(code)) or "—")]
                    if community_of is not None
                    else []
                ),
                (t("行政区"), name),
                (t("コード"), code),
                (t("人口"), number(p)),
                (t("世帯数"), number(households)),
                (t("65歳以上人口"), number(p65)),
                (
                    t("高齢化率"),
                    "—" if math.isnan(p) or math.isnan(p65) or not p else f"{p65 / p:.1%}",
                ),
            ]
        )
        for name, code, households, (p, p65) in zip(
            data["name"], data["code"], counts["households"], pairs, strict=True
        )
    ]
    feature_layer(
        data[["fill", "geometry"]],
        [shown(name) for name in data["name"]],
        popups,
        sticky=True,
        name=layer_name(DISTRICTS, len(data), lang),
        style_function=lambda feature: {
            "className": "geoapp-district",
            "color": "#5a5a5a",
            "weight": 0.8,
            "fillColor": feature["properties"]["fill"],
            "fillOpacity": 0.65,
        },
        highlight_function=lambda _feature: {"weight": 2.5, "color": "#222222"},
        zoom_on_click=False,
    ).add_to(fmap)


def _add_communities(fmap: folium.Map, frame: gpd.GeoDataFrame, lang: str) -> None:
    """The adopted plan's wide-area communities, outlined in their colours (unfilled, so the
    ageing colours below stay true and district popups stay clickable)."""
    t = lambda text: translate(text, lang)  # noqa: E731
    data = frame[["id", "name", "name_kana", "color", "population", "hub_name", "geometry"]]
    data = data.astype({"population": "float"}).to_crs(WEB_CRS)
    popups = [
        popup_table(
            [
                (t("広域コミュニティ"), row.name),
                (t("よみがな"), row.name_kana),
                (t("人口"), number(row.population)),
                (t("拠点施設"), row.hub_name),
            ]
        )
        for row in data.itertuples()
    ]
    feature_layer(
        data[["id", "color", "geometry"]],
        [shown(name) for name in data["name"]],
        popups,
        sticky=True,
        name=counted(t("広域コミュニティ"), len(data), lang),
        style_function=lambda feature: {
            "className": "geoapp-community",
            "color": feature["properties"]["color"],
            "weight": 5,
            "opacity": 0.9,
            "fill": False,
        },
        zoom_on_click=False,
    ).add_to(fmap)


def _add_school_zones(fmap: folium.Map, frame: gpd.GeoDataFrame, lang: str) -> None:
    """School zones (in the working CRS) as bold dashed outlines, labelled with their names."""
    t = lambda text: translate(text, lang)  # noqa: E731
    data = frame[["code", "name", "school_name", "geometry"]].fillna("").to_crs(WEB_CRS)
    group = folium.FeatureGroup(name=layer_name(SCHOOL_ZONES, len(data), lang))
    popups = [
        popup_table(
            [(t("小学校区"), row.name), (t("コード"), row.code), (t("学校名"), row.school_name)]
        )
        for row in data.itertuples()
    ]
    feature_layer(
        data[["geometry"]],
        [shown(name) for name in data["name"]],
        popups,
        sticky=True,
        style_function=lambda _feature: {
            "className": "geoapp-school-zone",
            "color": ZONE_COLOR,
            "weight": 3,
            "dashArray": "8 5",
            "fill": False,
        },
    ).add_to(group)
    points = frame.geometry.representative_point().to_crs(WEB_CRS)
    for name, point in zip(data["name"], points, strict=True):
        zone_label(name, point).add_to(group)
    group.add_to(fmap)


def zone_label(name: object, point: BaseGeometry, badge: Markup | None = None) -> folium.Marker:
    """A zone's name (escaped) and an optional badge drawn at ``point`` (lon/lat)."""
    return folium.Marker(
        location=(point.y, point.x),
        icon=folium.DivIcon(
            html=Markup('<div class="geoapp-zone-label">{}{}</div>').format(
                shown(name), badge or ""
            ),
            class_name="geoapp-zone-label-icon",
            icon_size=(160, 36) if badge else (120, 20),
            icon_anchor=(80, 12) if badge else (60, 10),
        ),
        interactive=False,
    )


def center_style(centers: CenterKindScheme) -> Callable[[dict], dict]:
    """The style of a centre's circle: white rim, filled with its kind's colour."""

    def style(feature: dict) -> dict:
        return {
            "className": "geoapp-center",
            "color": "#ffffff",
            "weight": 2,
            "fill": True,
            "fillColor": centers.color(feature["properties"]["kind"]),
            "fillOpacity": 0.95,
        }

    return style


def kind_text(centers: CenterKindScheme, raw: object, lang: str) -> str:
    """A centre's kind for its popup: the legend's name, with the data's own word when it
    differs (地域交流センター（交流センター）); — when the data gives none."""
    entry = centers.entry(raw)
    if entry.label == NO_KIND:
        return "—"
    label = translate(entry.label, lang)
    given = raw_kind(raw)
    return label if given == entry.label else f"{label}（{given}）"


def _add_centers(
    fmap: folium.Map, frame: gpd.GeoDataFrame, lang: str, centers: CenterKindScheme
) -> None:
    """Community centres as circles coloured by kind."""
    t = lambda text: translate(text, lang)  # noqa: E731
    data = frame[["code", "name", "kind", "address", "managed_by", "geometry"]].fillna("")
    popups = [
        popup_table(
            [
                (t("拠点施設"), row.name),
                (t("種別"), kind_text(centers, row.kind, lang)),
                (t("所在地"), row.address),
                (t("管理運営"), row.managed_by),
            ]
        )
        for row in data.itertuples()
    ]
    feature_layer(
        data[["kind", "geometry"]],
        [shown(name) for name in data["name"]],
        popups,
        name=layer_name(CENTERS, len(data), lang),
        marker=folium.CircleMarker(radius=8),
        style_function=center_style(centers),
    ).add_to(fmap)


def lonlat_bounds(frame: gpd.GeoDataFrame) -> list[list[float]] | None:
    """The extent of a frame in any CRS as [[south, west], [north, east]] in lon/lat."""
    if not len(frame):
        return None
    to_web = Transformer.from_crs(frame.crs, WEB_CRS, always_xy=True)
    west, south, east, north = to_web.transform_bounds(*frame.total_bounds)
    return [[south, west], [north, east]]


def extent_bounds(extent: list[float] | None) -> list[list[float]] | None:
    """A lon/lat extent [west, south, east, north] as Leaflet's [[south, west], [north, east]]."""
    if extent is None:
        return None
    west, south, east, north = extent
    return [[south, west], [north, east]]


def bounds_of(web: dict[Layer, gpd.GeoDataFrame]) -> list[list[float]] | None:
    """South-west and north-east corners of everything on the map."""
    frames = [frame for frame in web.values() if len(frame)]
    if not frames:
        return None
    minx = min(frame.total_bounds[0] for frame in frames)
    miny = min(frame.total_bounds[1] for frame in frames)
    maxx = max(frame.total_bounds[2] for frame in frames)
    maxy = max(frame.total_bounds[3] for frame in frames)
    return [[miny, minx], [maxy, maxx]]
