"""Plans in and out of files through the API (both backends): CSV and GeoJSON imports with
row-level messages; GeoJSON, GeoPackage, Shapefile and CSV exports."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
import shapely.geometry
from shapes import SRID
from staff import Staff


def upload(staff: Staff, name: str, data: bytes, plan_name: str = "取込案"):
    return staff.post(
        "/api/plans/import",
        data={"file": (io.BytesIO(data), name), "name": plan_name},
        content_type="multipart/form-data",
    )


def test_a_shift_jis_csv_without_header_makes_a_plan(tanaka: Staff) -> None:
    rows = "G1,北部\r\nG2,北部\r\nG3,南部\r\n".encode("cp932")
    answer = upload(tanaka, "割当.csv", rows)
    assert answer.status_code == 201, answer.get_json()
    plan = answer.get_json()
    assert sorted(c["name"] for c in plan["communities"]) == ["北部", "南部"]
    assert len(plan["checks"]["unassigned"]) == 6


def test_a_csv_naming_unknown_districts_is_refused_row_by_row(tanaka: Staff) -> None:
    rows = "行政区コード,コミュニティ名\nG1,北部\nX7,北部\nG2,\nG1,南部\n".encode()
    answer = upload(tanaka, "割当.csv", rows)
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["message"] == (
        "割当.csv を取り込めません。3行目: 行政区コード「X7」がありません、"
        "5行目: 行政区「G1」が二つのコミュニティに入っています"
    )
    assert body["message_en"] == (
        "Cannot import 割当.csv: row 3: unknown district code 'X7'; "
        "row 5: district 'G1' is given two communities"
    )
    assert body["details"]["problems"] == [
        "row 3: unknown district code 'X7'",
        "row 5: district 'G1' is given two communities",
    ]
    assert tanaka.get("/api/plans").get_json()["plans"] == []


def test_a_file_of_another_kind_is_refused(tanaka: Staff) -> None:
    answer = upload(tanaka, "plan.xlsx", b"PK\x03\x04")
    assert answer.status_code == 400 and ".csv" in answer.get_json()["message"]


def test_geojson_export_reads_back_as_a_plan_of_the_same_districts(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    exported = tanaka.get(f"/api/plans/{plan['id']}/export?format=geojson")
    assert exported.status_code == 200
    assert exported.mimetype == "application/geo+json"
    collection = json.loads(exported.data)
    assert {f["properties"]["name"] for f in collection["features"]} == {"西小学校区", "東小学校区"}
    west = next(f for f in collection["features"] if f["properties"]["name"] == "西小学校区")
    assert west["properties"]["population"] == 100 + 400 + 500 + 700
    again = upload(tanaka, "plan.geojson", exported.data, "再取込")
    assert again.status_code == 201, again.get_json()
    names = {c["id"]: c["name"] for c in again.get_json()["communities"]}
    rebuilt = {code: names[cid] for code, cid in again.get_json()["assignments"].items()}
    original_names = {c["id"]: c["name"] for c in plan["communities"]}
    assert rebuilt == {code: original_names[cid] for code, cid in plan["assignments"].items()}


def test_geopackage_export_holds_communities_districts_and_places(
    tanaka: Staff, tmp_path: Path
) -> None:
    plan = tanaka.new_plan()
    place = {"name": "中央公園", "lon": 138.3, "lat": 34.9, "note": "避難場所"}
    tanaka.edit(plan["id"], 1, "update_community", community=1, places=[place])
    exported = tanaka.get(f"/api/plans/{plan['id']}/export?format=gpkg")
    path = tmp_path / "plan.gpkg"
    path.write_bytes(exported.data)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"communities", "districts", "places", "layer_styles"}
    districts = pyogrio.read_dataframe(path, layer="districts")
    assert len(districts) == 9 and set(districts["community"]) == {"西小学校区", "東小学校区"}


@pytest.mark.parametrize(
    ("encoding", "cpg", "language_byte"), [("cp932", b"932", 0x13), ("utf-8", b"UTF-8", 0)]
)
def test_shapefile_export_names_its_encoding_in_a_cpg_and_the_dbf_header(
    tanaka: Staff, tmp_path: Path, encoding: str, cpg: bytes, language_byte: int
) -> None:
    plan = tanaka.new_plan()
    exported = tanaka.get(f"/api/plans/{plan['id']}/export?format=shp&encoding={encoding}")
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert archive.read("communities.cpg") == cpg
        assert archive.read("districts.cpg") == cpg
        assert b"<qgis" in archive.read("communities.qml")
        archive.extractall(tmp_path)
    raw = (tmp_path / "communities.dbf").read_bytes()
    assert "西小学校区".encode(encoding) in raw and raw[29] == language_byte
    frame = pyogrio.read_dataframe(tmp_path / "communities.shp")
    assert set(frame["NAME"]) == {"西小学校区", "東小学校区"}
    districts = pyogrio.read_dataframe(tmp_path / "districts.shp")
    assert len(districts) == 9 and set(districts["COMMUNITY"]) == {"西小学校区", "東小学校区"}


def test_csv_export_lists_every_district_with_its_community(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    tanaka.edit(plan["id"], 1, "unassign", districts=["G9"])
    exported = tanaka.get(f"/api/plans/{plan['id']}/export?format=csv")
    text = exported.data.decode("utf-8-sig").splitlines()
    assert text[0] == "district_code,district_name,community_id,community"
    assert len(text) == 10 and text[-1] == "G9,第9区,,"
    assert tanaka.get(f"/api/plans/{plan['id']}/export?format=kml").status_code == 400


def test_display_boundaries_of_neighbours_share_their_edge(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    shapes = tanaka.get(f"/api/plans/{plan['id']}/boundaries").get_json()
    assert len(shapes["features"]) == 2
    assert {f["properties"]["color"] for f in shapes["features"]} == {
        c["color"] for c in plan["communities"]
    }
    parts = [shapely.geometry.shape(f["geometry"]) for f in shapes["features"]]
    together = shapely.union_all(parts)
    assert together.geom_type == "Polygon" and not together.interiors  # no gap opened
    assert shapely.intersection(*parts).area == pytest.approx(0, abs=1e-12)  # no overlap


def test_community_polygons_in_geojson_take_the_districts_they_mostly_cover(
    tanaka: Staff,
) -> None:
    # In lon/lat like any GeoJSON: the left 1.6 columns are 北西, the rest 南東.
    polygons = gpd.GeoDataFrame(
        {"name": ["北西", "南東"]},
        geometry=[shapely.box(0, 0, 160, 300), shapely.box(160, 0, 300, 300)],
        crs=SRID,
    ).to_crs(4326)
    answer = upload(tanaka, "区域.geojson", polygons.to_json().encode())
    assert answer.status_code == 201, answer.get_json()
    plan = answer.get_json()
    names = {c["id"]: c["name"] for c in plan["communities"]}
    placed = {code: names[cid] for code, cid in plan["assignments"].items()}
    assert sorted(code for code, name in placed.items() if name == "北西") == [
        "G1", "G2", "G4", "G5", "G7", "G8",
    ]  # fmt: skip
