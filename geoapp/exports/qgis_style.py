"""A QGIS layer style (QML) for communities: each filled in its own colour (the colour
field), outlined, and labelled with its name; written as a ``.qml`` beside a Shapefile and
into a GeoPackage's ``layer_styles`` table, where QGIS applies it on opening."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd

QGIS_VERSION = "3.22.0"
STYLE_NAME = "geoapp"


def _option(parent: ET.Element, kind: str, name: str = "", value: str | None = None) -> ET.Element:
    """One ``<Option>`` of a QGIS property map."""
    attributes = {"type": kind}
    if name:
        attributes["name"] = name
    if value is not None:
        attributes["value"] = value
    return ET.SubElement(parent, "Option", attributes)


def _fill_layer(symbol: ET.Element, color_field: str) -> None:
    """A simple fill whose colour is read from ``color_field``, with a dark outline."""
    layer = ET.SubElement(
        symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"}
    )
    options = _option(layer, "Map")
    for name, value in (
        ("color", "160,160,160,255"),
        ("outline_color", "40,40,40,255"),
        ("outline_width", "0.4"),
        ("outline_width_unit", "MM"),
        ("style", "solid"),
    ):
        _option(options, "QString", name, value)
    defined = _option(ET.SubElement(layer, "data_defined_properties"), "Map")
    _option(defined, "QString", "name", "")
    fill = _option(_option(defined, "Map", "properties"), "Map", "fillColor")
    _option(fill, "bool", "active", "true")
    _option(fill, "QString", "field", color_field)
    _option(fill, "int", "type", "2")
    _option(defined, "QString", "type", "collection")


def community_style_qml(name_field: str = "name", color_field: str = "color") -> str:
    """The QML of a polygon layer filled by ``color_field`` and labelled by ``name_field``."""
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": "Symbology|Labeling"})
    renderer = ET.SubElement(
        root, "renderer-v2", {"type": "singleSymbol", "symbollevels": "0", "forceraster": "0"}
    )
    symbol = ET.SubElement(
        ET.SubElement(renderer, "symbols"),
        "symbol",
        {"type": "fill", "name": "0", "alpha": "0.6", "clip_to_extent": "1", "force_rhr": "0"},
    )
    _fill_layer(symbol, color_field)
    labeling = ET.SubElement(root, "labeling", {"type": "simple"})
    settings = ET.SubElement(labeling, "settings", {"calloutType": "simple"})
    text = ET.SubElement(
        settings,
        "text-style",
        {
            "fieldName": name_field,
            "isExpression": "0",
            "fontSize": "10",
            "fontSizeUnit": "Point",
            "textColor": "20,20,20,255",
        },
    )
    ET.SubElement(
        text,
        "text-buffer",
        {"bufferDraw": "1", "bufferSize": "1", "bufferColor": "255,255,255,255"},
    )
    ET.SubElement(settings, "placement", {"placement": "1", "fitInPolygonOnly": "0"})
    ET.SubElement(settings, "rendering", {"drawLabels": "1", "obstacle": "1"})
    ET.SubElement(root, "layerGeometryType").text = "2"
    body = ET.tostring(root, encoding="unicode")
    return f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{body}\n"


def layer_styles_table(styles: dict[str, str]) -> pd.DataFrame:
    """The ``layer_styles`` rows (QGIS's table) giving each named layer its QML as default,
    with every column QGIS reads: without ``update_time`` QGIS 3.22 cannot query the table
    and silently keeps its own default style."""
    written = pd.Timestamp.now(tz="UTC").floor("s")
    return pd.DataFrame(
        {
            "f_table_catalog": [""] * len(styles),
            "f_table_schema": [""] * len(styles),
            "f_table_name": list(styles),
            "f_geometry_column": ["geom"] * len(styles),
            "styleName": [STYLE_NAME] * len(styles),
            "styleQML": list(styles.values()),
            "styleSLD": [""] * len(styles),
            "useAsDefault": [True] * len(styles),
            "description": ["geoapp"] * len(styles),
            "owner": [""] * len(styles),
            "ui": [None] * len(styles),
            "update_time": [written] * len(styles),
        }
    )
