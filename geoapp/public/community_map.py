"""The small map of one community's page: its outline, its districts named, its hub."""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely

from ..layers import WEB_CRS
from ..web.basemap import Basemap
from ..web.feature_text import feature_layer, popup_table, shown
from ..web.i18n import translate
from ..web.webmap import base_map
from .directory import Community, Directory


def community_map(
    directory: Directory,
    community: Community,
    basemap: Basemap,
    lang: str,
    leaflet_js: str,
    leaflet_css: str,
) -> folium.Map:
    """A folium map opening on ``community``: its districts outlined and named, the
    community's outline in its colour, and its hub."""
    t = lambda text: translate(text, lang)  # noqa: E731
    fmap = base_map(basemap, lang, leaflet_js, leaflet_css, community.bounds)
    codes = {district.code for district in community.districts}
    web = directory.districts_web
    members = web[web["code"].isin(codes)]
    if len(members):
        feature_layer(
            members[["geometry"]],
            [shown(name) for name in members["name"]],
            style_function=lambda _feature: {
                "className": "geoapp-district-outline",
                "color": "#5a5a5a",
                "weight": 1,
                "fillOpacity": 0,
            },
        ).add_to(fmap)
        outline = gpd.GeoDataFrame(
            geometry=[shapely.union_all(members.geometry.to_numpy())], crs=WEB_CRS
        )
        feature_layer(
            outline,
            [shown(community.name)],
            style_function=lambda _feature: {
                "className": "geoapp-community",
                "color": community.color,
                "weight": 4,
                "fillColor": community.color,
                "fillOpacity": 0.12,
            },
        ).add_to(fmap)
    hub = community.hub
    if hub is not None:
        point = gpd.GeoDataFrame(geometry=[shapely.Point(hub.lon, hub.lat)], crs=WEB_CRS)
        feature_layer(
            point,
            [shown(hub.name)],
            [popup_table([(t("拠点施設"), hub.name), (t("所在地"), hub.address)])],
            marker=folium.CircleMarker(radius=9),
            style_function=lambda _feature: {
                "className": "geoapp-hub",
                "color": "#ffffff",
                "weight": 2,
                "fill": True,
                "fillColor": "#d1495b",
                "fillOpacity": 0.95,
            },
        ).add_to(fmap)
    return fmap
