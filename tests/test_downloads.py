"""Every download names its type once and its file after RFC 6266, Japanese names in
``filename*`` (both backends)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from flask import Flask
from staff import Staff

from geoapp.web.downloads import content_disposition, file_name


def disposition_names(header: str) -> dict[str, str]:
    """The ``filename`` and the decoded ``filename*`` of a Content-Disposition."""
    kind, *parameters = (part.strip() for part in header.split(";"))
    assert kind == "attachment"
    names = {}
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key == "filename*":
            charset, _, encoded = value.partition("''")
            assert charset == "UTF-8"
            names[key] = unquote(encoded)
        else:
            names[key] = value.strip('"')
    return names


@pytest.mark.parametrize(
    ("query", "content_type", "suffix"),
    [
        ("format=geojson", "application/geo+json", ".geojson"),
        ("format=gpkg", "application/geopackage+sqlite3", ".gpkg"),
        ("format=shp", "application/zip", "-cp932-shp.zip"),
        ("format=shp&encoding=utf-8", "application/zip", "-utf-8-shp.zip"),
        ("format=csv", "text/csv; charset=utf-8", ".csv"),
    ],
)
def test_a_plan_export_names_its_type_once_and_the_plan_in_its_file_name(
    tanaka: Staff, query: str, content_type: str, suffix: str
) -> None:
    plan = tanaka.new_plan(name="小学校区案 2026/04")
    answer = tanaka.get(f"/api/plans/{plan['id']}/export?{query}")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    names = disposition_names(answer.headers["Content-Disposition"])
    assert names == {
        "filename": f"plan-{plan['id']}-v1{suffix}",
        "filename*": f"小学校区案 2026_04-v1{suffix}",
    }


@pytest.mark.parametrize(
    ("url", "content_type", "filename"),
    [
        ("/api/overlay/pieces.csv", "text/csv; charset=utf-8", "overlay-pieces.csv"),
        ("/api/overlay/pieces.geojson", "application/geo+json", "overlay-pieces.geojson"),
    ],
)
def test_overlay_downloads_name_their_type_once_and_their_file(
    grid_app: Flask, url: str, content_type: str, filename: str
) -> None:
    answer = grid_app.test_client().get(url)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    assert disposition_names(answer.headers["Content-Disposition"]) == {"filename": filename}


def test_an_ascii_name_needs_no_filename_star() -> None:
    assert content_disposition("plan-1-v2.csv") == 'attachment; filename="plan-1-v2.csv"'


def test_a_japanese_name_is_percent_encoded_utf8_beside_an_ascii_fallback() -> None:
    header = content_disposition("plan-1-v2.csv", "青葉川/案;1-v2.csv")
    assert header == (
        'attachment; filename="plan-1-v2.csv"; '
        "filename*=UTF-8''%E9%9D%92%E8%91%89%E5%B7%9D_%E6%A1%88%3B1-v2.csv"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [('a"b\\c', "a_b_c"), ("..", "download"), ("案\r\n名", "案_名"), ("<>:*?|", "_")],
)
def test_a_file_name_loses_what_file_systems_refuse(given: str, expected: str) -> None:
    assert file_name(given) == expected
