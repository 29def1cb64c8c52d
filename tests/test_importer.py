"""geoapp import: real files in, a clear report out, and all or nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from conftest import TEST_SRID
from layer_files import write_open_rings_shapefile, write_shapefile, zip_shapefile
from shapely import MultiPolygon, Point, box
from shared_data import yaizu

from geoapp.cli import main
from geoapp.importing.pipeline import ImportOptions, import_layer
from geoapp.importing.progress import ProgressStep
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.storage import Store


def districts_frame() -> gpd.GeoDataFrame:
    """Four districts as an e-Stat style file would name their fields."""
    return gpd.GeoDataFrame(
        {
            "KEY_CODE": ["001", "002", "003", "004"],
            "S_NAME": ["本町一丁目", "本町二丁目", "港町", "松原"],
            "JINKO": [1200, 800, 0, 450],
            "SETAI": [500, 350, 0, 200],
            "BIKO": ["", "旧字名あり", "", ""],
        },
        geometry=[
            box(0, 0, 100, 100),
            box(100, 0, 200, 100),
            box(0, 100, 100, 200),
            box(100, 100, 200, 200),
        ],
        crs=TEST_SRID,
    )


def districts_with_an_exclave() -> gpd.GeoDataFrame:
    """The four districts and, last, an exclave of the first with 30 people in 10 homes."""
    frame = districts_frame()
    exclave = frame.iloc[[0]].copy()
    exclave["geometry"] = [box(300, 0, 320, 20)]
    exclave["JINKO"] = [30]
    exclave["SETAI"] = [10]
    return gpd.GeoDataFrame(pd.concat([frame, exclave]), crs=TEST_SRID)


@pytest.fixture
def districts_shp(tmp_path: Path) -> Path:
    """The four districts as a CP932 Shapefile without .cpg."""
    return write_shapefile(districts_frame(), tmp_path / "町丁" / "districts.shp")


def run(store: Store, path: Path, **options) -> dict:
    """Import into ``store`` and return the report as a dict."""
    layer = options.pop("layer", DISTRICTS)
    return import_layer(store, path, ImportOptions(layer=layer, **options)).to_dict()


def test_an_estat_style_shapefile_imports_with_guessed_fields(store: Store, districts_shp) -> None:
    report = run(store, districts_shp)
    assert report["errors"] == [] and report["stored"]
    assert (report["read"], report["imported"]) == (4, 4)
    assert report["encoding"] == "cp932"
    assert report["mapping"]["fields"]["code"] == "KEY_CODE"
    assert report["mapping"]["fields"]["population"] == "JINKO"
    stored = store.read_layer(DISTRICTS)
    assert list(stored["name"]) == ["本町一丁目", "本町二丁目", "港町", "松原"]
    assert list(stored["code"]) == ["001", "002", "003", "004"]
    assert stored["properties"].iloc[1] == {"BIKO": "旧字名あり"}
    assert report["coverage"]["gaps"] == [] and report["coverage"]["overlaps"] == []


def test_a_dry_run_stores_nothing(store: Store, districts_shp) -> None:
    report = run(store, districts_shp, dry_run=True)
    assert report["errors"] == [] and not report["stored"]
    assert report["imported"] == 4
    assert store.count(DISTRICTS) == 0 and store.layer_imports() == []


def test_a_failed_import_leaves_the_previous_layer_as_it_was(
    store: Store, districts_shp, tmp_path: Path
) -> None:
    run(store, districts_shp)
    bad = districts_frame().astype({"JINKO": str})
    bad.loc[2, "JINKO"] = "不明"
    path = write_shapefile(bad, tmp_path / "bad" / "districts.shp")
    report = run(store, path)
    assert not report["stored"]
    assert report["errors"][0]["feature"] == 3
    assert "人口" in report["errors"][0]["message"] and "JINKO" in report["errors"][0]["message"]
    assert list(store.read_layer(DISTRICTS)["population"]) == [1200, 800, 0, 450]
    assert len(store.layer_imports()) == 1


def test_parts_sharing_a_code_become_one_district_with_summed_counts(
    store: Store, tmp_path: Path
) -> None:
    path = write_shapefile(districts_with_an_exclave(), tmp_path / "exclave" / "d.shp")
    report = run(store, path)
    assert report["errors"] == []
    assert (report["read"], report["imported"]) == (5, 4)
    assert any(w["code"] == "merged_parts" for w in report["warnings"])
    first = store.read_layer(DISTRICTS).set_index("code").loc["001"]
    assert first["population"] == 1230 and first["households"] == 510
    assert isinstance(first.geometry, MultiPolygon) and len(first.geometry.geoms) == 2


def test_a_code_shared_by_differently_named_districts_is_refused(
    store: Store, tmp_path: Path
) -> None:
    frame = districts_frame()
    frame.loc[3, "KEY_CODE"] = "001"
    report = run(store, write_shapefile(frame, tmp_path / "dup" / "d.shp"))
    assert not report["stored"]
    assert "001" in report["errors"][0]["message"] and "1, 4" in report["errors"][0]["message"]
    assert store.count(DISTRICTS) == 0


@pytest.fixture
def batches_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream imports two features at a time, so that four districts come in two batches."""
    monkeypatch.setattr("geoapp.importing.features.BATCH_FEATURES", 2)


@pytest.mark.usefixtures("batches_of_two")
def test_a_refusal_in_a_later_batch_rolls_back_the_batches_already_sent(
    store: Store, districts_shp, tmp_path: Path
) -> None:
    run(store, districts_shp)
    frame = districts_frame()
    frame["JINKO"] = [1, 2, 3, 4]
    frame.loc[3, "geometry"] = None
    report = run(store, write_shapefile(frame, tmp_path / "late" / "d.shp"))
    assert not report["stored"] and report["imported"] == 0
    assert [e["feature"] for e in report["errors"]] == [4, None]
    assert list(store.read_layer(DISTRICTS)["population"]) == [1200, 800, 0, 450]
    assert len(store.layer_imports()) == 1


@pytest.mark.usefixtures("batches_of_two")
def test_streamed_districts_keep_their_geometry_exactly_and_join_parts_across_batches(
    store: Store, tmp_path: Path
) -> None:
    frame = districts_with_an_exclave()
    report = run(store, write_shapefile(frame, tmp_path / "stream" / "d.shp"))
    assert report["stored"] and (report["read"], report["imported"]) == (5, 4)
    stored = store.read_layer(DISTRICTS).set_index("code")
    assert stored.loc["001", "population"] == 1230
    assert len(stored.loc["001"].geometry.geoms) == 2
    for code, source in zip(["002", "003", "004"], frame.geometry.iloc[1:4], strict=True):
        assert shapely.equals_exact(stored.loc[code].geometry.geoms[0], source.reverse(), 0)
    assert report["coverage"]["gaps"] == [] and report["coverage"]["overlaps"] == []


def test_a_null_geometry_is_named_and_skip_invalid_imports_the_rest(
    store: Store, tmp_path: Path
) -> None:
    frame = districts_frame()
    frame.loc[1, "geometry"] = None
    path = write_shapefile(frame, tmp_path / "null" / "d.shp")
    refused = run(store, path)
    assert not refused["stored"] and refused["rejected"] == 1
    assert any(e["feature"] == 2 for e in refused["errors"])
    assert store.count(DISTRICTS) == 0
    skipped = run(store, path, skip_invalid=True)
    assert skipped["stored"] and skipped["imported"] == 3


def test_a_bow_tie_is_repaired_and_reported(store: Store, tmp_path: Path) -> None:
    frame = districts_frame()
    frame.loc[3, "geometry"] = shapely.Polygon(
        [(100, 100), (200, 200), (200, 100), (100, 200), (100, 100)]
    )
    report = run(store, write_shapefile(frame, tmp_path / "bowtie" / "d.shp"))
    assert report["stored"] and report["repaired"] == 1
    repaired = [w for w in report["warnings"] if w["feature"] == 4]
    assert repaired and "4" in repaired[0]["message"]
    assert store.read_layer(DISTRICTS).set_index("code").loc["004"].geometry.is_valid


def test_an_open_ring_is_closed_and_reported_by_feature(store: Store, tmp_path: Path) -> None:
    path = write_open_rings_shapefile(districts_frame(), tmp_path / "open" / "d.shp", {2})
    report = run(store, path)
    assert report["stored"] and report["repaired"] == 1
    [closed] = [w for w in report["warnings"] if w["code"] == "closed_ring"]
    assert closed["feature"] == 3 and "3番目" in closed["message"]
    stored = store.read_layer(DISTRICTS).set_index("code")
    assert stored.loc["003"].geometry.equals(box(0, 100, 100, 200))
    assert stored.loc["003"].geometry.is_valid


def test_an_open_ring_in_geojson_is_closed_and_reported(store: Store, tmp_path: Path) -> None:
    square = [[138.0, 35.0], [138.01, 35.0], [138.01, 35.01], [138.0, 35.01]]
    feature = {
        "type": "Feature",
        "properties": {"code": "A", "name": "港町"},
        "geometry": {"type": "Polygon", "coordinates": [square]},
    }
    path = tmp_path / "open.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    report = run(store, path)
    assert report["stored"] and report["repaired"] == 1
    assert [w["feature"] for w in report["warnings"] if w["code"] == "closed_ring"] == [1]


def test_points_are_refused_in_a_polygon_layer(store: Store, tmp_path: Path) -> None:
    points = gpd.GeoDataFrame(
        {"KEY_CODE": ["1"], "S_NAME": ["本町"]}, geometry=[Point(1, 1)], crs=TEST_SRID
    )
    report = run(store, write_shapefile(points, tmp_path / "pts" / "d.shp"))
    assert not report["stored"] and store.count(DISTRICTS) == 0


def with_a_ring_around(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The districts and a fifth one ringing the 200 m square, so every gap is enclosed."""
    ring = gpd.GeoDataFrame(
        {"KEY_CODE": ["005"], "S_NAME": ["外周"], "JINKO": [1], "SETAI": [1], "BIKO": [""]},
        geometry=[box(-50, -50, 300, 250).difference(box(0, 0, 200, 200))],
        crs=TEST_SRID,
    )
    return gpd.GeoDataFrame(pd.concat([frame, ring]), crs=TEST_SRID)


def test_gaps_and_overlaps_are_reported_with_area_and_location(
    store: Store, tmp_path: Path
) -> None:
    frame = districts_frame()
    frame.loc[1, "geometry"] = box(100, 0, 210, 100)
    frame.loc[3, "geometry"] = box(100, 100, 200, 195)
    frame = with_a_ring_around(frame)
    report = run(store, write_shapefile(frame, tmp_path / "cov" / "d.shp"), dry_run=True)
    coverage = report["coverage"]
    assert [round(o["area_m2"]) for o in coverage["overlaps"]] in ([1000, 500], [1000])
    assert coverage["overlaps"][0]["features"]
    assert round(sum(g["area_m2"] for g in coverage["gaps"])) == 500
    gap = coverage["gaps"][0]
    assert 138 < gap["lon"] < 139 and 35 < gap["lat"] < 37


def test_snap_closes_a_thin_gap_reports_it_and_stores_the_closed_districts(
    store: Store, tmp_path: Path
) -> None:
    frame = districts_frame()
    frame.loc[1, "geometry"] = box(100.5, 0, 200, 100)
    shp = write_shapefile(with_a_ring_around(frame), tmp_path / "snap" / "d.shp")
    unsnapped = run(store, shp, dry_run=True)["coverage"]
    assert [round(gap["area_m2"]) for gap in unsnapped["gaps"]] == [50]
    assert unsnapped["snapped"] == []
    report = run(store, shp, snap=1.0)
    assert report["stored"] and report["coverage"]["gaps"] == []
    assert [round(closed["area_m2"]) for closed in report["coverage"]["snapped"]] == [50]
    assert report["coverage"]["snap_tolerance_m"] == 1.0
    stored = store.read_layer(DISTRICTS)
    assert round(stored.geometry.area.sum()) == 350 * 300
    assert store.layer_imports(limit=1)[0].report["coverage"]["snapped"]


def test_upsert_changes_only_the_features_in_the_file(
    store: Store, districts_shp, tmp_path
) -> None:
    run(store, districts_shp)
    update = districts_frame().iloc[[1]].copy()
    update["JINKO"] = [999]
    report = run(store, write_shapefile(update, tmp_path / "up" / "d.shp"), mode="upsert")
    assert report["stored"]
    stored = store.read_layer(DISTRICTS).set_index("code")
    assert stored.loc["002", "population"] == 999 and stored.loc["001", "population"] == 1200
    assert len(stored) == 4


def test_a_zipped_shapefile_imports_like_the_folder(store: Store, districts_shp, tmp_path) -> None:
    archive = zip_shapefile(districts_shp, tmp_path / "districts.zip")
    report = run(store, archive)
    assert report["stored"] and report["imported"] == 4


def test_the_yaizu_community_areas_import_as_districts(store: Store) -> None:
    report = run(store, yaizu("自治会区域") / "自治会区域.shp")
    assert report["errors"] == [], report["errors"]
    assert report["read"] == 35 and report["imported"] == 35
    assert report["crs"] == "EPSG:2450" and report["crs_source"] == "prj"
    assert report["encoding"] == "cp932" and report["encoding_source"] == "cpg"
    assert report["mapping"]["fields"]["name"] == "SAFIELD000"
    # The published file has one self-intersecting area (feature 27), repaired and named.
    assert report["repaired"] == 1
    [repair] = [w for w in report["warnings"] if w["code"] == "repaired_geometry"]
    assert repair["feature"] == 27 and "自己交差" in repair["message"]
    names = set(store.read_layer(DISTRICTS)["name"])
    assert {"高新田自治会", "焼津第6自治会", "大井川東自治会"} <= names
    # Neighbouring areas were digitised apart: slivers between and across them.
    gaps, overlaps = report["coverage"]["gaps"], report["coverage"]["overlaps"]
    assert (len(gaps), len(overlaps)) == (13, 6)
    assert 30 < gaps[0]["area_m2"] < 40 and all(o["area_m2"] < 2 for o in overlaps)
    assert all(34.7 < g["lat"] < 34.95 and 138.2 < g["lon"] < 138.4 for g in gaps)


def progress_of(store: Store, path: Path, **options) -> list[tuple[str, int, int]]:
    """The progress steps an import of ``path`` reports, as (stage, done, total)."""
    steps: list[ProgressStep] = []
    layer = options.pop("layer", DISTRICTS)
    report = import_layer(store, path, ImportOptions(layer=layer, **options), progress=steps.append)
    assert report.ok, report.errors
    return [(step.stage, step.done, step.total) for step in steps]


def test_a_yaizu_import_reports_reading_checking_storing_and_the_coverage_in_order(
    store: Store,
) -> None:
    assert progress_of(store, yaizu("自治会区域") / "自治会区域.shp") == [
        ("read", 0, 0),
        ("read", 35, 35),
        ("check", 0, 35),
        ("check", 35, 35),
        ("store", 0, 35),
        ("store", 35, 35),
        ("coverage", 35, 35),
    ]


@pytest.mark.usefixtures("batches_of_two")
def test_a_streamed_import_reports_each_batch_checked_then_stored_and_a_dry_run_stores_none(
    store: Store, tmp_path: Path
) -> None:
    path = write_shapefile(districts_with_an_exclave(), tmp_path / "stream" / "d.shp")
    checks = [("read", 0, 0), ("read", 5, 5), ("check", 0, 5), ("check", 2, 5)]
    # The exclave's two parts (features 1 and 5) are stored last, joined as one.
    assert progress_of(store, path, dry_run=True) == [
        *checks,
        ("check", 4, 5),
        ("check", 5, 5),
        ("coverage", 4, 5),
    ]
    assert progress_of(store, path) == [
        *checks,
        ("store", 0, 5),
        ("store", 1, 5),
        ("check", 4, 5),
        ("store", 3, 5),
        ("check", 5, 5),
        ("store", 3, 5),
        ("store", 4, 5),
        ("coverage", 4, 5),
    ]


def test_the_yaizu_school_zones_import(store: Store) -> None:
    report = run(store, yaizu("小学校区"), layer=SCHOOL_ZONES)
    assert report["errors"] == [], report["errors"]
    assert report["imported"] == 13 and report["crs"] == "EPSG:2450"
    names = store.read_layer(SCHOOL_ZONES)["name"]
    assert all(name.endswith("小学校") for name in names)
    # The zones were drawn separately: many slivers, the largest overlap about 913 m².
    gaps, overlaps = report["coverage"]["gaps"], report["coverage"]["overlaps"]
    assert (len(gaps), len(overlaps)) == (36, 10)
    assert 900 < overlaps[0]["area_m2"] < 930 and set(overlaps[0]["features"]) == {"5", "13"}


def test_the_yaizu_community_centres_import_from_the_national_csv_format(store: Store) -> None:
    csv = next(yaizu("地域交流センター").glob("*.csv"))
    report = run(store, csv, layer=CENTERS)
    assert report["errors"] == [], report["errors"]
    assert report["format"] == "csv" and (report["read"], report["imported"]) == (9, 9)
    assert report["mapping"]["fields"]["code"] == "NO"
    centers = store.read_layer(CENTERS)
    assert "港地域交流センター" in set(centers["name"])
    minato = centers.set_index("name").loc["港地域交流センター"]
    assert minato["address"] == "静岡県焼津市石津港町40-1"
    assert set(centers["kind"]) == {"地域交流センター"}
    assert centers.crs.to_epsg() == TEST_SRID


def test_geoapp_import_prints_one_json_report(database_url, districts_shp, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--crs", str(TEST_SRID)]).exit_code == 0
    result = runner.invoke(main, ["import", "districts", str(districts_shp), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in (
        "layer",
        "source",
        "read",
        "imported",
        "repaired",
        "rejected",
        "encoding",
        "crs",
        "warnings",
        "errors",
        "coverage",
    ):
        assert key in report
    assert set(report["coverage"]) >= {"gaps", "overlaps"}


def test_geoapp_import_reports_in_japanese_and_fails_on_bad_input(
    database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade", "--crs", str(TEST_SRID)])
    empty = tmp_path / "empty.shp"
    empty.write_bytes(b"")
    result = runner.invoke(main, ["import", "districts", str(empty)])
    assert result.exit_code == 1
    assert "empty.shp" in result.output and "何も保存していません" in result.output
    unknown = runner.invoke(main, ["import", "rivers", str(empty)])
    assert unknown.exit_code != 0 and "rivers" in unknown.output
