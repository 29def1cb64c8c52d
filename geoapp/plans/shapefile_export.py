"""A plan's layers as the Shapefile export writes them: the communities (styled in their
colours for QGIS) and the districts beside them with the community each is in."""

from __future__ import annotations

import geopandas as gpd

from ..exports.qgis_style import community_style_qml
from ..exports.shapefile_zip import ShapefileLayer
from ..translatable import InContext

# Shapefile attribute names (at most 10 characters).
COMMUNITY_FIELDS = {
    "id": "ID",
    "name": "NAME",
    "name_kana": "NAME_KANA",
    "color": "COLOR",
    "hub_center": "HUB",
    "hub_name": "HUB_NAME",
    "population": "POP",
    "households": "HOUSEHOLD",
    "population_65": "POP65",
    "districts": "DISTRICTS",
    "description": "DESCR",
}
DISTRICT_FIELDS = {
    "code": "CODE",
    "name": "NAME",
    "population": "POP",
    "households": "HOUSEHOLD",
    "population_65": "POP65",
    "community_id": "COMM_ID",
    "community": "COMMUNITY",
}
_COMMUNITY_TEXT = {
    "name": InContext("文中の項目名", "名称"),
    "name_kana": InContext("文中の項目名", "よみがな"),
    "color": InContext("文中の項目名", "色"),
    "hub_center": InContext("文中の項目名", "拠点施設"),
    "hub_name": InContext("文中の項目名", "拠点施設名"),
    "description": InContext("文中の項目名", "説明"),
}
_DISTRICT_TEXT = {
    "code": InContext("文中の項目名", "コード"),
    "name": InContext("文中の項目名", "名称"),
    "community": InContext("文中の項目名", "コミュニティ名"),
}


def communities_layer(communities: gpd.GeoDataFrame) -> ShapefileLayer:
    """The communities, filled in their colours and labelled in QGIS."""
    return ShapefileLayer(
        name="communities",
        feature=("community", InContext("文中の地物", "コミュニティ")),
        key=("id", "ID"),
        frame=communities,
        fields=COMMUNITY_FIELDS,
        labels=_COMMUNITY_TEXT,
        geometry_type="MultiPolygon",
        style=community_style_qml(COMMUNITY_FIELDS["name"], COMMUNITY_FIELDS["color"]),
    )


def districts_layer(districts: gpd.GeoDataFrame) -> ShapefileLayer:
    """The districts with the community each is in."""
    return ShapefileLayer(
        name="districts",
        feature=("district", InContext("文中の地物", "行政区")),
        key=("code", InContext("文中の項目名", "コード")),
        frame=districts,
        fields=DISTRICT_FIELDS,
        labels=_DISTRICT_TEXT,
        geometry_type="MultiPolygon",
    )
