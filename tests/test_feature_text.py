"""Map tooltips and popups are built on the server with every value escaped, on every map."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from markupsafe import Markup
from shapes import all_layers, two_zones

from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.overlay.map import overlay_map
from geoapp.overlay.report import overlay_report
from geoapp.web.basemap import basemap_for
from geoapp.web.feature_text import feature_layer, popup_table, shown
from geoapp.web.webmap import render_map

PAYLOAD = "<img src=x onerror=window.__xss=1>高橋"
ESCAPED = "&lt;img src=x onerror=window.__xss=1&gt;高橋"


def hostile_layers() -> dict:
    """The hand-drawn city with script payloads in every name shown on a map."""
    layers = all_layers()
    for frame in layers.values():
        frame["name"] = [f"{PAYLOAD}{i}" for i in range(len(frame))]
    layers[CENTERS]["address"] = '"><script>window.__xss=2</script>'
    layers[SCHOOL_ZONES]["school_name"] = "<svg onload=window.__xss=3>"
    return layers


def readable(script: str) -> str:
    """A map script with the \\uXXXX escapes of its embedded JSON turned back into text."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), script)


def test_a_popup_table_escapes_labels_and_values() -> None:
    table = popup_table([("<b>項目</b>", PAYLOAD), ("人口", 1200)])
    assert "&lt;b&gt;項目&lt;/b&gt;" in table and ESCAPED in table
    assert "<img" not in table and "<b>" not in table
    assert "<td>1200</td>" in table


def test_markup_built_with_format_is_escaped_once_and_kept() -> None:
    bold = Markup("<b>{}</b>").format(PAYLOAD)
    table = popup_table([("行政区", bold)])
    assert f"<td><b>{ESCAPED}</b></td>" in table
    assert "&amp;lt;" not in table


def test_a_missing_value_shows_a_dash() -> None:
    assert shown(None) == "—" and shown(float("nan")) == "—" and shown(pd.NA) == "—"
    assert shown("a&b") == "a&amp;b"


def test_a_feature_layer_refuses_text_that_was_not_escaped() -> None:
    zones = two_zones()
    with pytest.raises(TypeError):
        feature_layer(zones, tooltips=list(zones["name"]))
    with pytest.raises(TypeError):
        feature_layer(zones, popups=[Markup("only one")])


def test_the_overlay_map_shows_every_name_as_text() -> None:
    layers = hostile_layers()
    report = overlay_report(layers[DISTRICTS], layers[SCHOOL_ZONES], layers[CENTERS])
    fmap = overlay_map(report, basemap_for("none"), "ja", "/l.js", "/l.css")
    script = readable(render_map(fmap, "n0nce").script)
    assert ESCAPED + "0" in script
    assert "<img" not in script and "<script>" not in script


def test_every_tooltip_and_popup_is_bound_from_the_escaped_properties() -> None:
    layers = hostile_layers()
    report = overlay_report(layers[DISTRICTS], layers[SCHOOL_ZONES], layers[CENTERS])
    fmap = overlay_map(report, basemap_for("none"), "ja", "/l.js", "/l.css")
    script = render_map(fmap, "n0nce").script
    collections = [
        json.loads(readable(found))
        for found in re.findall(r"_add\((\{.*?\})\);", script, flags=re.DOTALL)
    ]
    properties = [f["properties"] for c in collections for f in c["features"]]
    named = [p for p in properties if "tooltip_html" in p]
    assert named and all("popup_html" in p for p in named)
    assert not any("name" in p for p in properties)
    tooltips = script.count("bindTooltip(function (feature)")
    assert tooltips >= 3 and script.count("bindPopup(function (feature)") == tooltips
    shown_text = readable(script)
    assert ESCAPED + "0" in shown_text and "<img" not in shown_text


def test_the_map_header_scripts_carry_the_nonce() -> None:
    layers = all_layers()
    report = overlay_report(layers[DISTRICTS], layers[SCHOOL_ZONES], layers[CENTERS])
    fmap = overlay_map(report, basemap_for("none"), "ja", "/l.js", "/l.css")
    header = render_map(fmap, "n0nce").header
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", header)
    assert inline and all('nonce="n0nce"' in tag for tag in inline)
