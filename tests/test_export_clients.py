"""Plan exports as GIS clients read them: Debian's GDAL (``ogrinfo``, ``ogr2ogr``,
``validate_gpkg.py``) opens each without a warning, GeoJSON follows RFC 7946 (winding,
7 decimals, MultiPolygon), a later version appends to the table of an earlier one, the
GeoPackage is 1.2 with QGIS styles, and the Shapefile names Shift_JIS as every reader
understands it."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import conftest
import pytest
import shapely
from conftest import missing
from staff import Staff

VALIDATE_GPKG = Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py")


def gdal(*command: str) -> subprocess.CompletedProcess[str]:
    """Run one of Debian's GDAL programs; skip (fail under CI) where it is not installed."""
    if shutil.which(command[0]) is None:
        missing(f"{command[0]} is not installed (apt-get install gdal-bin)")
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def export(staff: Staff, plan_id: int, query: str, path: Path) -> Path:
    """Save one export of the plan at ``path``."""
    answer = staff.get(f"/api/plans/{plan_id}/export?{query}")
    assert answer.status_code == 200, answer.get_json()
    path.write_bytes(answer.data)
    return path


def assert_valid_geopackage(path: Path) -> None:
    """GDAL's validate_gpkg.py accepts the file, warnings counted as errors."""
    if not VALIDATE_GPKG.exists():
        missing("GDAL's validate_gpkg.py is not installed (apt-get install python3-gdal)")
    checked = subprocess.run(
        ["/usr/bin/python3", str(VALIDATE_GPKG), "--warning-as-error", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def with_exclave(staff: Staff) -> tuple[int, int]:
    """A plan whose first community gains a district apart from it in version 2."""
    plan = staff.new_plan()
    west = plan["communities"][0]["id"]
    far = next(
        code for code, cid in sorted(plan["assignments"].items(), reverse=True) if cid != west
    )
    moved = staff.edit(plan["id"], 1, "assign", districts=[far], community=west)
    assert moved.status_code == 200, moved.get_json()
    return plan["id"], west


def test_geojson_follows_rfc_7946(tanaka: Staff, tmp_path: Path) -> None:
    plan_id, _ = with_exclave(tanaka)
    path = export(tanaka, plan_id, "format=geojson", tmp_path / "plan.geojson")
    collection = json.loads(path.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert not any(isinstance(v, dict | list) for v in feature["properties"].values())
        for polygon in feature["geometry"]["coordinates"]:
            exterior, *holes = (shapely.LinearRing(ring) for ring in polygon)
            assert exterior.is_ccw and not any(hole.is_ccw for hole in holes)
            for x, y in (xy for ring in polygon for xy in ring):
                assert round(x, 7) == x and round(y, 7) == y
        assert shapely.geometry.shape(feature["geometry"]).is_valid
    info = gdal("ogrinfo", "-ro", "-al", "-so", str(path))
    assert info.returncode == 0 and "Warning" not in info.stderr + info.stdout, info.stderr
    assert "Multi Polygon" in info.stdout


def test_a_later_version_appends_to_the_table_of_an_earlier_one(
    tanaka: Staff, tmp_path: Path
) -> None:
    plan = tanaka.new_plan()
    first = export(tanaka, plan["id"], "format=gpkg", tmp_path / "v1.gpkg")
    west = plan["communities"][0]["id"]
    far = next(
        code for code, cid in sorted(plan["assignments"].items(), reverse=True) if cid != west
    )
    tanaka.edit(plan["id"], 1, "assign", districts=[far], community=west)
    second = export(tanaka, plan["id"], "format=gpkg", tmp_path / "v2.gpkg")
    combined = tmp_path / "all.gpkg"
    made = gdal("ogr2ogr", "-f", "GPKG", str(combined), str(first), "communities")
    assert made.returncode == 0, made.stderr
    appended = gdal("ogr2ogr", "-append", str(combined), str(second), "communities")
    assert appended.returncode == 0 and "ERROR" not in appended.stderr, appended.stderr
    info = gdal("ogrinfo", "-ro", "-so", str(combined), "communities")
    assert "Feature Count: 4" in info.stdout
    for fmt in ("geojson",):
        one = export(tanaka, plan["id"], f"format={fmt}", tmp_path / f"v2.{fmt}")
        again = gdal("ogr2ogr", "-append", str(combined), str(one), "-nln", "communities")
        assert again.returncode == 0 and "ERROR" not in again.stderr, again.stderr


def test_the_geopackage_is_version_1_2_valid_with_every_layer_and_styles(
    tanaka: Staff, tmp_path: Path
) -> None:
    plan = tanaka.new_plan()
    path = export(tanaka, plan["id"], "format=gpkg", tmp_path / "plan.gpkg")
    assert_valid_geopackage(path)
    with sqlite3.connect(path) as package:
        assert package.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert package.execute("PRAGMA user_version").fetchone()[0] == 10200
        tables = dict(package.execute("SELECT table_name, data_type FROM gpkg_contents"))
        styles = package.execute("SELECT f_table_name, styleQML FROM layer_styles").fetchall()
    assert tables == {
        "communities": "features",
        "districts": "features",
        "places": "features",
        "layer_styles": "attributes",
    }
    assert [name for name, _ in styles] == ["communities"]
    assert '"color"' in styles[0][1] or "color" in styles[0][1]
    info = gdal("ogrinfo", "-ro", "-al", "-so", str(path))
    assert info.returncode == 0 and "Warning" not in info.stderr + info.stdout, info.stderr
    assert "Feature Count: 0" in info.stdout  # places: present though empty


@pytest.mark.parametrize("encoding", ["cp932", "utf-8"])
def test_debians_ogrinfo_reads_the_shapefile_text_without_options(
    tanaka: Staff, tmp_path: Path, encoding: str
) -> None:
    plan = tanaka.new_plan()
    data = tanaka.get(f"/api/plans/{plan['id']}/export?format=shp&encoding={encoding}").data
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    info = gdal("ogrinfo", "-ro", "-al", str(tmp_path / "communities.shp"))
    assert info.returncode == 0 and "Warning" not in info.stderr, info.stderr
    assert "西小学校区" in info.stdout and "東小学校区" in info.stdout
    assert "POP (Integer" in info.stdout and "NAME (String) = 西小学校区" in info.stdout
    fields = gdal("ogrinfo", "-ro", "-so", str(tmp_path / "districts.shp"), "districts")
    assert "COMMUNITY: String (15.0)" in fields.stdout or "COMMUNITY: String" in fields.stdout
    assert "String (80.0)" not in fields.stdout  # sized to the content, not GDAL's default


def test_the_plan_csv_with_its_csvt_keeps_codes_as_text_in_ogrinfo(
    tanaka: Staff, tmp_path: Path
) -> None:
    plan = tanaka.new_plan()
    export(tanaka, plan["id"], "format=csv", tmp_path / "plan.csv")
    answer = tanaka.get(f"/api/plans/{plan['id']}/export?format=csvt")
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].endswith("-v1.csvt")
    (tmp_path / "plan.csvt").write_bytes(answer.data)
    info = gdal("ogrinfo", "-ro", "-al", str(tmp_path / "plan.csv"))
    assert info.returncode == 0 and "Warning" not in info.stderr, info.stderr
    assert "district_code: String" in info.stdout and "community_id: Integer" in info.stdout
    assert "district_code (String) = G1" in info.stdout
    assert "community (String) = 西小学校区" in info.stdout


@pytest.mark.parametrize("in_ci", [True, False])
def test_a_missing_gdal_program_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, in_ci: bool
) -> None:
    monkeypatch.setattr(conftest, "IN_CI", in_ci)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys.modules[__name__], "VALIDATE_GPKG", tmp_path / "validate_gpkg.py")
    outcome = pytest.fail.Exception if in_ci else pytest.skip.Exception
    with pytest.raises(outcome, match="ogrinfo is not installed"):
        gdal("ogrinfo", "--version")
    with pytest.raises(outcome, match=r"validate_gpkg\.py is not installed"):
        assert_valid_geopackage(tmp_path / "any.gpkg")
