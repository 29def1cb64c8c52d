"""The storage interface behaves the same on SQLite and PostGIS."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
import shapely
from conftest import TEST_SRID
from shapes import all_layers, three_districts, two_centers, two_zones

from geoapp.city.model import City
from geoapp.errors import BadInput, SchemaOutdated
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.storage import Store, open_store
from geoapp.storage.migration import latest_version, migrations_for
from geoapp.storage.wkb import stored_wkb
from geoapp.translatable import Text

CITY = City("青葉川市", "あおばがわし", "999016", TEST_SRID)


def test_both_backends_carry_the_same_migration_versions() -> None:
    sqlite_versions = [m.version for m in migrations_for("sqlite")]
    postgis_versions = [m.version for m in migrations_for("postgis")]
    assert sqlite_versions == postgis_versions
    assert sqlite_versions == list(range(1, len(sqlite_versions) + 1))


def test_upgrade_applies_each_migration_once(store: Store) -> None:
    assert store.schema_version() == latest_version(store.backend)
    assert store.upgrade() == []


def test_upgrading_an_existing_database_keeps_its_data(database_url: str) -> None:
    old = open_store(database_url, TEST_SRID)
    try:
        assert [m.version for m in old.upgrade(target=1)] == [1]
        with pytest.raises(SchemaOutdated):
            old.require_current_schema()
        with old.session(write=True) as session:
            session.run(
                "INSERT INTO city (id, name, name_kana, prefecture, municipality_code, "
                "working_crs, basemap, updated_at) VALUES (1, %s, %s, '', %s, %s, 'gsi-pale', %s)",
                (CITY.name, CITY.name_kana, CITY.municipality_code, TEST_SRID, datetime.now(UTC)),
            )
        old._write(
            city=None,
            srid=TEST_SRID,
            layers={DISTRICTS: [three_districts()]},
            source="",
            mode="replace",
            report=dict,
        )
        applied = old.upgrade()
        assert [m.version for m in applied] == list(range(2, latest_version(old.backend) + 1))
        old.require_current_schema()
        assert old.city() == replace(CITY, demo=True), "the demo city's code marks it as demo"
        assert list(old.read_layer(DISTRICTS)["code"]) == ["A", "B", "C"]
    finally:
        old.close()


def test_a_district_layer_round_trips_its_attributes_and_geometry(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers({DISTRICTS: three_districts()}, source="hand-drawn")
    read = store.read_layer(DISTRICTS)
    assert read.crs.to_epsg() == TEST_SRID
    assert list(read["name"]) == ["青葉町一丁目", "桜台", "松原"]
    assert pd.isna(read["name_kana"].iloc[2])
    assert read["population"].tolist()[:2] == [120, 0]
    assert read["population"].isna().tolist() == [False, False, True]
    assert read["properties"].tolist() == [{"備考": "旧町名あり"}, {}, {"source": "test"}]
    assert set(read.geom_type) == {"MultiPolygon"}
    assert read.area.tolist() == pytest.approx([10_000, 10_000, 10_400], rel=1e-12)
    assert shapely.equals(read.geometry.iloc[2], three_districts().geometry.iloc[2])


def test_school_zones_keep_the_school_location_as_a_point(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers({SCHOOL_ZONES: two_zones()}, source="hand-drawn")
    read = store.read_layer(SCHOOL_ZONES)
    assert read["school_location"].iloc[0].equals(shapely.Point(50, 50))
    assert read["school_location"].iloc[1] is None
    assert read["population"].isna().tolist() == [True, False]


def test_centers_round_trip_as_points(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers({CENTERS: two_centers()}, source="hand-drawn")
    read = store.read_layer(CENTERS)
    assert read.geometry.iloc[1].equals(shapely.Point(250, 50))
    assert list(read["managed_by"]) == ["直営", "指定管理"]
    assert store.count(CENTERS) == 2


def test_replacing_layers_is_all_or_nothing(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers(all_layers(), source="first")
    broken_centers = two_centers()
    broken_centers.loc[1, "code"] = None
    with pytest.raises(BadInput, match="2番目"):
        store.replace_layers(
            {DISTRICTS: three_districts().iloc[:1], CENTERS: broken_centers}, source="second"
        )
    assert store.count(DISTRICTS) == 3
    assert store.count(CENTERS) == 2


def test_a_duplicate_code_rolls_the_whole_load_back(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers({DISTRICTS: three_districts()}, source="first")
    duplicated = three_districts()
    duplicated.loc[1, "code"] = "A"
    with pytest.raises(BadInput, match="重複") as raised:
        store.replace_layers({DISTRICTS: duplicated}, source="second")
    assert raised.value.details["duplicate_codes"] == ["A"]
    assert list(store.read_layer(DISTRICTS)["code"]) == ["A", "B", "C"]


def test_a_layer_written_in_batches_is_stored_whole_with_its_late_report(store: Store) -> None:
    store.save_city(CITY)
    districts = three_districts()
    made: list[int] = []

    def batches():
        for start in range(3):
            made.append(start)
            yield districts.iloc[start : start + 1]

    store.write_layers(
        {DISTRICTS: batches()}, "batches.shp", "replace", lambda: {"batches_made": len(made)}
    )
    read = store.read_layer(DISTRICTS)
    assert list(read["code"]) == ["A", "B", "C"]
    assert read.geometry.iloc[2].equals(districts.geometry.iloc[2])
    assert read["properties"].iloc[0] == {"備考": "旧町名あり"}
    assert store.layer_imports(limit=1)[0].report == {"batches_made": 3}
    assert store.layer_imports(limit=1)[0].feature_count == 3


def test_an_error_in_a_later_batch_leaves_the_stored_layer_as_it_was(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers({DISTRICTS: three_districts()}, source="first")
    replacement = three_districts()
    replacement["code"] = ["X", "Y", "Z"]

    def batches():
        yield replacement.iloc[:2]
        raise BadInput(Text("3番目の地物が壊れています。"))

    with pytest.raises(BadInput, match="3番目"):
        store.write_layers({DISTRICTS: batches()}, "second", "replace", dict)
    assert list(store.read_layer(DISTRICTS)["code"]) == ["A", "B", "C"]
    assert [load.source for load in store.layer_imports()] == ["first"]


def test_a_row_the_database_refuses_while_the_next_batch_is_made_rolls_it_all_back(
    store: Store,
) -> None:
    store.save_city(CITY)
    store.replace_layers({DISTRICTS: three_districts()}, source="first")
    replacement = three_districts()
    replacement["code"] = ["X", "Y", "Z"]
    replacement["population"] = [10, -5, 7]  # the tables' CHECK refuses a negative count

    def batches():
        for start in range(3):
            yield replacement.iloc[start : start + 1]

    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.CheckViolation)):
        store.write_layers({DISTRICTS: batches()}, "second", "replace", dict)
    assert list(store.read_layer(DISTRICTS)["code"]) == ["A", "B", "C"]
    assert [load.source for load in store.layer_imports()] == ["first"]


def test_a_code_repeated_in_two_batches_is_refused(store: Store) -> None:
    store.save_city(CITY)
    districts = three_districts()
    districts.loc[2, "code"] = "A"
    with pytest.raises(BadInput, match="重複") as raised:
        store.write_layers(
            {DISTRICTS: [districts.iloc[:2], districts.iloc[2:]]}, "x", "replace", dict
        )
    assert raised.value.details["duplicate_codes"] == ["A"]
    assert raised.value.message_en.startswith("Districts: codes repeat: A;")
    assert store.count(DISTRICTS) == 0


def test_a_frame_in_another_crs_is_refused(store: Store) -> None:
    store.save_city(CITY)
    with pytest.raises(BadInput, match="座標参照系"):
        store.replace_layers({DISTRICTS: three_districts().to_crs(4326)}, source="x")
    assert store.count(DISTRICTS) == 0


def test_a_point_in_a_polygon_layer_is_refused(store: Store) -> None:
    store.save_city(CITY)
    wrong = three_districts()
    wrong.loc[0, "geometry"] = shapely.Point(1, 1)
    with pytest.raises(BadInput, match="Point") as raised:
        store.replace_layers({DISTRICTS: wrong}, source="x")
    assert raised.value.message == (
        "行政区の1番目の地物の形状が Point です（MultiPolygon が必要です）。"
    )
    assert raised.value.message_en == "Feature 1 of Districts is a Point, not a MultiPolygon."


def test_changing_the_working_crs_reprojects_every_layer(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers(all_layers(), source="hand-drawn")
    before = store.read_layer(DISTRICTS).to_crs(6677)
    store.save_city(CITY.with_crs(6677))
    assert store.geometry_srid() == 6677
    after = store.read_layer(DISTRICTS)
    assert after.crs.to_epsg() == 6677
    assert after.area.tolist() == pytest.approx(before.area.tolist(), rel=1e-9)
    assert store.read_layer(CENTERS).crs.to_epsg() == 6677
    assert store.read_layer(SCHOOL_ZONES)["school_location"].crs.to_epsg() == 6677


def test_loads_are_recorded_newest_first(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers({DISTRICTS: three_districts()}, source="first.shp")
    store.replace_layers({CENTERS: two_centers()}, source="second.csv")
    imports = store.layer_imports()
    assert [(i.layer, i.source, i.feature_count) for i in imports] == [
        ("centers", "second.csv", 2),
        ("districts", "first.shp", 3),
    ]


def test_reading_in_lonlat_gives_japan_coordinates(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers({DISTRICTS: three_districts()}, source="x")
    lonlat: gpd.GeoDataFrame = store.read_layer(DISTRICTS, crs=4326)
    minx, miny, _maxx, _maxy = lonlat.total_bounds
    assert 138.4 < minx < 138.6 and 35.9 < miny < 36.1


def test_postgis_columns_are_typed_with_the_srid_and_gist_indexed(
    postgis_schema_url: str,
) -> None:
    store = open_store(postgis_schema_url, TEST_SRID)
    try:
        store.upgrade()
        with psycopg.connect(postgis_schema_url) as connection:
            columns = connection.execute(
                "SELECT f_table_name, f_geometry_column, type, srid FROM geometry_columns "
                "WHERE f_table_schema = current_schema() ORDER BY 1, 2"
            ).fetchall()
            indexes = connection.execute(
                "SELECT tablename FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexdef LIKE '%USING gist%' ORDER BY 1"
            ).fetchall()
        assert columns == [
            ("centers", "geom", "POINT", TEST_SRID),
            ("districts", "geom", "MULTIPOLYGON", TEST_SRID),
            ("school_zones", "geom", "MULTIPOLYGON", TEST_SRID),
            ("school_zones", "school_location", "POINT", TEST_SRID),
        ]
        assert [row[0] for row in indexes] == ["centers", "districts", "school_zones"]
    finally:
        store.close()


def test_a_replaced_postgis_layer_has_its_indexes_again(postgis_schema_url: str) -> None:
    """A replace drops the spatial and the code index to load, then builds them anew; the
    codes it replaces are the same ones, deleted in the same transaction."""
    store = open_store(postgis_schema_url, TEST_SRID)
    try:
        store.upgrade()
        store.save_city(CITY)
        store.replace_layers({DISTRICTS: three_districts()}, source="first")
        store.replace_layers({DISTRICTS: three_districts()}, source="again")
        with psycopg.connect(postgis_schema_url) as connection:
            indexes = connection.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'districts' ORDER BY 1"
            ).fetchall()
            assert [row[0] for row in indexes] == [
                "districts_code_key",
                "districts_geom_idx",
                "districts_pkey",
            ]
            with pytest.raises(psycopg.errors.UniqueViolation):
                connection.execute(
                    "INSERT INTO districts (code, name, geom) SELECT code, name, geom "
                    "FROM districts WHERE code = 'A'"
                )
        assert store.count(DISTRICTS) == 3
    finally:
        store.close()


def test_an_unreachable_postgres_is_reported_as_unavailable() -> None:
    from geoapp.errors import StorageUnavailable

    store = open_store("postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=1", TEST_SRID)
    try:
        with pytest.raises(StorageUnavailable, match=r"127\.0\.0\.1:1"):
            store.ping()
    finally:
        store.close()


def test_upsert_updates_matching_codes_and_adds_new_ones(store: Store) -> None:
    store.save_city(CITY)
    store.replace_layers({DISTRICTS: three_districts()}, source="first")
    changed = three_districts().iloc[[1]].copy()
    changed["population"] = [77]
    added = three_districts().iloc[[0]].copy()
    added["code"] = ["D"]
    added["geometry"] = [shapely.box(0, 100, 100, 200)]
    store.upsert_layers(
        {DISTRICTS: gpd.GeoDataFrame(pd.concat([changed, added]), crs=TEST_SRID)},
        source="update.shp",
        report={"imported": 2},
    )
    read = store.read_layer(DISTRICTS).set_index("code")
    assert list(read.index) == ["A", "B", "C", "D"]
    assert read.loc["B", "population"] == 77
    assert read.loc["A", "population"] == 120
    assert read.loc["D"].geometry.bounds == (0.0, 100.0, 100.0, 200.0)
    assert store.layer_imports(limit=1)[0].report == {"imported": 2}


def test_stored_wkb_writes_a_polygon_as_a_one_part_multipolygon_with_its_srid() -> None:
    polygon = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 0)], [[(1, 1), (2, 1), (2, 2)]])
    two_parts = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])
    point = shapely.Point(3, 4)
    plain, ewkb = (
        stored_wkb([polygon, two_parts, point, None]),
        stored_wkb([polygon, two_parts, point, None], srid=TEST_SRID),
    )
    for written in (plain, ewkb):
        read = shapely.from_wkb(written)
        assert read[0].geom_type == "MultiPolygon"
        assert read[0].equals(shapely.MultiPolygon([polygon]))
        assert read[1].equals(two_parts) and read[2].equals(point) and read[3] is None
    assert list(shapely.get_srid(shapely.from_wkb(plain[:3]))) == [0, 0, 0]
    assert list(shapely.get_srid(shapely.from_wkb(ewkb[:3]))) == [TEST_SRID] * 3
