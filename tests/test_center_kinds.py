"""Centre kinds of real data map to the city's configured kinds, each with its own legend
entry and colour; kinds the city has not configured keep their own name (never その他)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from flask import Flask
from shared_data import yaizu
from staff import GRID_CITY
from test_web import public_map, readable

from geoapp.city.center_kinds import EXTRA_COLORS, NO_KIND, NO_KIND_COLOR, center_kind_scheme
from geoapp.city.model import DEFAULT_CENTER_KINDS, CenterKind
from geoapp.importing.pipeline import ImportOptions, import_layer
from geoapp.layers import CENTERS

# The default colour of the kind Yaizu's centres are (地域交流センター).
HUB_COLOR = next(kind.color for kind in DEFAULT_CENTER_KINDS if kind.name == "地域交流センター")
KINDS = (
    CenterKind("公民館", "#d95f02"),
    CenterKind("地域交流センター", "#66a61e", ("交流センター",)),
)


def test_kinds_are_matched_by_name_or_other_name_and_listed_in_the_citys_order() -> None:
    scheme = center_kind_scheme(KINDS, ["交流センター", "公民館", "地域交流センター"])
    assert [(e.label, e.color) for e in scheme.entries] == [
        ("公民館", "#d95f02"),
        ("地域交流センター", "#66a61e"),
    ]
    assert scheme.color("交流センター") == scheme.color("地域交流センター") == "#66a61e"
    assert scheme.entry(" 公民館 ").label == "公民館"


def test_an_unknown_kind_gets_its_own_entry_and_colour_under_its_own_name() -> None:
    scheme = center_kind_scheme(KINDS, ["公民館", "資料館", "集会所", None])
    labels = [entry.label for entry in scheme.entries]
    assert labels == ["公民館", "資料館", "集会所", NO_KIND]
    assert "その他" not in labels
    unknown = [scheme.color("資料館"), scheme.color("集会所")]
    assert len(set(unknown)) == 2 and set(unknown) <= set(EXTRA_COLORS)
    assert not {kind.color for kind in KINDS} & set(unknown)
    assert scheme.color(float("nan")) == NO_KIND_COLOR


def test_kinds_absent_from_the_data_stay_out_of_the_legend() -> None:
    scheme = center_kind_scheme(DEFAULT_CENTER_KINDS, ["市民センター"])
    assert [entry.label for entry in scheme.entries] == ["市民センター"]
    assert center_kind_scheme(DEFAULT_CENTER_KINDS, []).entries == ()


@pytest.fixture
def yaizu_centres(grid_app: Flask) -> Flask:
    """The grid city with Yaizu's nine 地域交流センター as its centres."""
    csv = next(yaizu("地域交流センター").glob("*.csv"))
    report = import_layer(grid_app.extensions["geoapp.store"], csv, ImportOptions(layer=CENTERS))
    assert report.stored, report.to_dict()["errors"]
    return grid_app


def legend(page: str) -> str:
    """The legend's HTML from a map page."""
    text = readable(page).replace('\\"', '"')
    return text[text.index('class="geoapp-legend-title"') :].split("legend.addTo")[0]


def test_yaizus_centres_have_their_own_legend_entry_and_colour_on_both_maps(
    yaizu_centres: Flask,
) -> None:
    stored = yaizu_centres.extensions["geoapp.store"].read_layer(CENTERS)
    assert set(stored["kind"]) == {"地域交流センター"}
    client = yaizu_centres.test_client()
    for url in ("/", "/overlay"):
        page = client.get(url).get_data(as_text=True)
        shown = legend(page)
        assert re.search(
            f'data-kind="地域交流センター"><i class="dot" style="background:{HUB_COLOR}">', shown
        ), url
        assert "その他" not in shown and "公民館" not in shown, url
        if url == "/":
            assert public_map(client)[0]["kinds"]["地域交流センター"]["color"] == HUB_COLOR
        else:
            assert f'"fillColor": "{HUB_COLOR}"' in page, url


def test_the_citys_colours_and_names_for_kinds_reach_the_markers(yaizu_centres: Flask) -> None:
    store = yaizu_centres.extensions["geoapp.store"]
    store.save_city(
        replace(GRID_CITY, center_kinds=(CenterKind("交流拠点", "#123456", ("地域交流センター",)),))
    )
    page = yaizu_centres.test_client().get("/?lang=en").get_data(as_text=True)
    assert 'data-kind="交流拠点"' in legend(page)
    kinds = public_map(yaizu_centres.test_client(), "?lang=en")[0]["kinds"]
    assert kinds["地域交流センター"]["color"] == "#123456" and HUB_COLOR not in page
    store.save_city(replace(GRID_CITY, center_kinds=()))
    page = yaizu_centres.test_client().get("/overlay").get_data(as_text=True)
    shown = legend(page)
    assert (
        f'data-kind="地域交流センター"><i class="dot" style="background:{EXTRA_COLORS[0]}">'
        in shown
    )
    assert "その他" not in shown
