"""The parts every folium map of the app is built from: the base map, its legend and
layer switcher controls, the view kept in print, and the centres' kinds and labels.

Leaflet is loaded from the app's own ``/vendor`` route, never from a CDN, so the map draws
on a closed network; with the ``none`` base map it needs no outside request at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from ..city.center_kinds import NO_KIND, CenterKindScheme, raw_kind
from ..formatting import number
from ..layers import WEB_CRS, Layer
from .basemap import Basemap
from .feature_text import shown
from .i18n import bracketed, translate

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


class ThinLabels(MacroElement):
    """School zones' names that would cover one another, or run past the map's edge, are
    left out (in the order drawn) whenever the view, the layers or the map's classes
    change, before printing too: on a small screen or sheet a person reads fewer names
    instead of a pile."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var container = map.getContainer();
            var pending = null;
            function box(label) {
                var range = document.createRange();
                range.selectNodeContents(label);
                return range.getBoundingClientRect();
            }
            function apart(a, b) {
                return a.right + 2 <= b.left || b.right + 2 <= a.left ||
                    a.bottom + 2 <= b.top || b.bottom + 2 <= a.top;
            }
            function thin() {
                pending = null;
                var frame = container.getBoundingClientRect(), placed = [];
                var labels = container.querySelectorAll(".geoapp-zone-label");
                labels.forEach(function (label) { label.parentElement.style.display = ""; });
                labels.forEach(function (label) {
                    if (!label.checkVisibility()) return;
                    var r = box(label);
                    var inside = r.left >= frame.left && r.right <= frame.right &&
                        r.top >= frame.top && r.bottom <= frame.bottom;
                    if (inside && placed.every(function (o) { return apart(r, o); })) {
                        placed.push(r);
                    } else {
                        label.parentElement.style.display = "none";
                    }
                });
            }
            map.on("zoomend moveend resize overlayadd", thin);
            map.on("layeradd", function () { if (!pending) pending = setTimeout(thin, 0); });
            // A page's script shows or hides the names by a class on the map (by zoom).
            new MutationObserver(thin).observe(container, {attributeFilter: ["class"]});
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ThinLabels"


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
    ThinLabels().add_to(fmap)
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
    folium writes in the header get ``nonce``, so the Content-Security-Policy lets them run.
    Folium's viewport tag (maximum-scale=1, user-scalable=no) is dropped: it would stop a
    reader zooming the page on a phone (WCAG 1.4.4), and base.html has its own."""
    root = fmap.get_root()
    root.render()
    header = re.sub(r"<meta name=\"viewport\"[^>]*>\s*", "", root.header.render())
    return RenderedMap(
        header=re.sub(r"<script>", f'<script nonce="{nonce}">', header),
        body=root.html.render(),
        script=root.script.render(),
        map_id=fmap.get_name(),
    )


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
    return label + bracketed(number(count, lang), lang)


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
