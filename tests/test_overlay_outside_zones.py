"""Land and people of the districts that lie in no school zone: reported per district and
in total, kept in the piece exports, warned about above 0.1 %; on the hand-drawn layers
(tests/overlay_shapes.py, plus a district P two thirds outside) and on Yaizu's real ones."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from conftest import TEST_SRID
from flask import Flask
from overlay_shapes import SRID, centers, districts, zones
from shapely import Point, box
from shared_data import yaizu
from test_overlay_web import CITY

from geoapp.importing.pipeline import ImportOptions, import_layer
from geoapp.importing.population_table import load_population
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.overlay.commands import describe_overlay
from geoapp.overlay.report import OverlayReport, overlay_report
from geoapp.overlay.stored_city import city_overlay
from geoapp.storage import Store

# O (400 m², 10 people) lies wholly outside; P = box(190, 60, 220, 70) has 100 of its
# 300 m² in Z2 and 200 m² (two thirds of its 300 people) outside every zone.
OUTSIDE_AREA = 400 + 200
CITY_AREA = 4000 + 1600 + 1250 + 400 + 4400 + 200 + 400 + 300
CITY_POPULATION = 1130 + 300


def with_p(population: float | None = 300) -> gpd.GeoDataFrame:
    """The hand-drawn districts and P, two thirds of it east of the zones."""
    extra = gpd.GeoDataFrame(
        {
            "code": ["P"],
            "name": ["浜"],
            "population": [population],
            "households": [100],
            "population_65": [90],
        },
        geometry=[box(190, 60, 220, 70)],
        crs=SRID,
    )
    return pd.concat([districts(), extra], ignore_index=True)


def report_of(frame: gpd.GeoDataFrame, **options: object) -> OverlayReport:
    return overlay_report(frame, zones(), centers(), **options)


def test_each_district_says_how_much_of_it_lies_in_no_zone() -> None:
    entries = {d["code"]: d for d in report_of(with_p()).to_dict()["districts"]}
    assert entries["O"]["outside_zones"] == {
        "area_m2": 400.0,
        "share": 1.0,
        "population": 10.0,
        "households": 4.0,
        "population_65": 2.0,
    }
    p = entries["P"]["outside_zones"]
    assert p["area_m2"] == pytest.approx(200) and p["share"] == pytest.approx(2 / 3, abs=1e-6)
    assert p["population"] == pytest.approx(200)
    assert entries["A"]["outside_zones"] is None and entries["B"]["outside_zones"] is None


def test_the_summary_totals_the_land_and_people_in_no_zone_and_warns() -> None:
    report = report_of(with_p())
    outside = report.summary()["outside_zones"]
    assert (outside["districts"], outside["districts_partly_outside"]) == (2, 1)
    assert outside["area_m2"] == pytest.approx(OUTSIDE_AREA)
    assert outside["area_share"] == pytest.approx(OUTSIDE_AREA / CITY_AREA, abs=1e-6)
    assert outside["population"] == pytest.approx(210)
    assert outside["population_share"] == pytest.approx(210 / CITY_POPULATION, abs=1e-6)
    assert outside["warning"] is True and outside["warning_share"] == 0.001
    zones_total = sum(z["population"] for z in report.to_dict()["zones"])
    assert zones_total + outside["population"] == pytest.approx(CITY_POPULATION)
    text = describe_overlay(report)
    assert "どの校区にも入らない部分 / land in no school zone: 行政区 2（一部 / partly 1）" in text
    assert "注意 / warning: 市全体の 0.1% を超えています" in text


def test_a_sliver_outside_the_zones_is_reported_without_a_warning() -> None:
    frame = districts()
    frame.loc[frame["code"] == "O", "geometry"] = box(0, 99, 100, 100.01)  # 1 m² beyond Z1
    report = report_of(frame)
    outside = report.summary()["outside_zones"]
    assert outside["districts"] == 1 and outside["area_m2"] == pytest.approx(1.0)
    assert 0 < outside["area_share"] < 0.001 and 0 < outside["population_share"] < 0.001
    assert outside["warning"] is False
    assert "注意" not in describe_overlay(report)


def test_the_piece_exports_hold_the_parts_in_no_zone() -> None:
    report = report_of(with_p())
    table = report.piece_table()
    assert table["population"].sum() == pytest.approx(CITY_POPULATION)
    outside = table[table["zone"].isna()].set_index("district")
    assert sorted(outside.index) == ["O", "P"]
    assert outside.loc["P", "population"] == pytest.approx(200)
    assert outside.loc["P", "area_m2"] == pytest.approx(200)
    assert list(table["district"].drop_duplicates()) == list(with_p()["code"])
    shapes = report.piece_shapes().set_index(["district", "zone"], drop=False)
    p_outside = shapes[(shapes["district"] == "P") & shapes["zone"].isna()]
    assert p_outside.geometry.iloc[0].equals(box(200, 60, 220, 70))
    assert not shapes.geometry.isna().any()


def test_weights_outside_every_zone_stay_outside() -> None:
    weights = gpd.GeoDataFrame(
        {"people": [1, 3]}, geometry=[Point(195, 65), Point(210, 65)], crs=SRID
    )
    report = report_of(with_p(), weights=weights, weight_column="people")
    p = next(d for d in report.to_dict()["districts"] if d["code"] == "P")
    assert p["outside_zones"]["population"] == pytest.approx(300 * 3 / 4)
    assert report.to_dict()["summary"]["outside_zones"]["population"] == pytest.approx(235)


def test_unknown_population_outside_the_zones_is_unknown_not_zero() -> None:
    report = report_of(with_p(population=None))
    outside = report.summary()["outside_zones"]
    assert outside["population"] is None and outside["population_share"] is None
    assert outside["warning"] is True  # the land alone is 4.8 % of the city
    z2 = next(z for z in report.to_dict()["zones"] if z["code"] == "Z2")
    assert z2["population"] is None


@pytest.fixture
def outside_app(app: Flask) -> Flask:
    """The app with the hand-drawn layers and P."""
    store = app.extensions["geoapp.store"]
    store.save_city(CITY)
    layers = {DISTRICTS: with_p(), SCHOOL_ZONES: zones(), CENTERS: centers()}
    for frame in layers.values():
        frame["properties"] = [{} for _ in range(len(frame))]
    store.replace_layers(layers, source="hand-drawn")
    return app


def test_the_overlay_page_and_api_report_the_land_in_no_zone(outside_app: Flask) -> None:
    client = outside_app.test_client()
    page = client.get("/overlay").get_data(as_text=True)
    assert 'data-outside-zones="warning"' in page and 'data-warning="outside-zones"' in page
    assert '<span data-figure="outside-area">600 m²</span>' in page
    assert '<span data-figure="outside-population">210.0</span>' in page
    assert '<tr data-district="P">' in page and '<tr data-district="O">' in page
    english = client.get("/overlay?lang=en").get_data(as_text=True)
    assert "Land in no school zone" in english
    summary = client.get("/api/overlay").get_json()["summary"]["outside_zones"]
    assert summary["districts"] == 2 and summary["warning"] is True
    csv = pd.read_csv(io.BytesIO(client.get("/api/overlay/pieces.csv").data), dtype={"zone": str})
    assert csv["population"].sum() == pytest.approx(CITY_POPULATION)


def test_yaizus_associations_lose_no_one_outside_the_school_zones_unreported(
    store: Store, tmp_path: Path
) -> None:
    for folder, layer in (("自治会区域", DISTRICTS), ("小学校区", SCHOOL_ZONES)):
        report = import_layer(store, yaizu(folder), ImportOptions(layer=layer))
        assert report.stored, report.to_dict()["errors"]
    codes = list(store.read_layer(DISTRICTS)["code"].astype(str))
    table = tmp_path / "人口.csv"
    table.write_text(
        "code,population\n" + "".join(f"{code},1000\n" for code in codes), encoding="utf-8"
    )
    assert load_population(store, table).stored
    report = city_overlay(store, 0.05)
    outside = report.summary()["outside_zones"]
    # Measured on the published layers: 28 associations reach 21,613 m² past the zones
    # (0.03 % of 70.5 km²), none lies wholly outside.
    assert outside["districts"] == outside["districts_partly_outside"] >= 20
    assert 20_000 < outside["area_m2"] < 23_000 and outside["warning"] is False
    zones_total = sum(z["population"] for z in report.to_dict()["zones"])
    assert outside["population"] > 0
    # Within the people the zones' own overlaps (21 m², see the import) count twice.
    assert zones_total + outside["population"] == pytest.approx(1000 * len(codes), abs=0.5)
    listed = {d["code"]: d["outside_zones"] for d in report.to_dict()["districts"]}
    assert sum(v["area_m2"] for v in listed.values() if v) == pytest.approx(
        outside["area_m2"], abs=0.1
    )
    assert report.summary()["districts_outside_zones"] == 0
    assert store.city() is None or store.city().working_crs == TEST_SRID
