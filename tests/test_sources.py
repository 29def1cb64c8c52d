"""geoapp.sources: layer files as they arrive, read correctly or refused with a clear reason."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from layer_files import replace_dbf, write_measured_shapefile, write_shapefile, zip_shapefile
from pyproj import CRS
from shapely import Point, Polygon, box
from shared_data import YAIZU

from geoapp.errors import BadInput
from geoapp.sources import (
    GeometryArray,
    check_coordinates_in_japan,
    crs_candidates,
    read_source,
)

ZONE_8 = 6676
# Plane coordinates (zone VIII: x east, y north of 36°N 138.5°E) around Yaizu.
EAST, NORTH = -19_000.0, -128_000.0
NATIONAL_HEADER = (
    "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_通称,"
    "POIコード,住所,方書,緯度,経度,電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,"
    "終了時間,利用可能日時特記事項,説明,バリアフリー情報,URL,備考"
)


def yaizu(relative: str) -> Path:
    """A path in the shared Yaizu open data, or a skip (a failure in CI) when it is missing."""
    if not YAIZU.is_dir():
        reason = f"the shared data folder {YAIZU} is missing (see ../shared/data/README.md)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return YAIZU / relative


def zones_frame() -> gpd.GeoDataFrame:
    """Two zones near Yaizu in plane zone VIII; 髙 and ① need CP932, not plain Shift_JIS."""
    return gpd.GeoDataFrame(
        {
            "CODE": ["0012", "0034"],
            "NAME": ["Minato", "髙橋①地区"],
            "名前": ["港", "焼津"],
        },
        geometry=[
            box(EAST, NORTH, EAST + 500, NORTH + 500),
            box(EAST + 500, NORTH, EAST + 1000, NORTH + 500),
        ],
        crs=ZONE_8,
    )


@pytest.fixture
def zones_shp(tmp_path: Path) -> Path:
    """The zones as a CP932 Shapefile without .cpg, as cities send them."""
    return write_shapefile(zones_frame(), tmp_path / "地区" / "zones.shp")


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary-files folder of the test's own, to see what unpacking leaves behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def refusal(path: Path, **options: object) -> BadInput:
    """The BadInput that reading ``path`` raises."""
    with pytest.raises(BadInput) as caught:
        read_source(path, **options)
    return caught.value


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` in ``encoding`` and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# Shapefile encodings


def test_cp932_without_cpg_is_detected(zones_shp: Path) -> None:
    data = read_source(zones_shp)
    assert (data.format, data.encoding, data.encoding_source) == ("shapefile", "cp932", "detected")
    assert list(data.frame.columns) == ["CODE", "NAME", "名前", "geometry"]
    assert data.frame["NAME"].tolist() == ["Minato", "髙橋①地区"]
    assert data.frame["CODE"].tolist() == ["0012", "0034"]
    assert (data.crs.to_epsg(), data.crs_source) == (ZONE_8, "prj")
    assert data.source == "zones.shp"
    assert data.warnings == []


def test_utf8_with_cpg(tmp_path: Path) -> None:
    shp = tmp_path / "zones.shp"
    zones_frame().to_file(shp, engine="pyogrio", encoding="UTF-8")
    assert shp.with_suffix(".cpg").read_text().strip().upper() == "UTF-8"
    data = read_source(shp)
    assert (data.encoding, data.encoding_source) == ("utf-8", "cpg")
    assert data.frame["名前"].tolist() == ["港", "焼津"]


def test_shift_jis_cpg_reads_cp932_extensions(zones_shp: Path) -> None:
    zones_shp.with_suffix(".cpg").write_text("Shift_JIS")
    data = read_source(zones_shp)
    assert (data.encoding, data.encoding_source) == ("cp932", "cpg")
    assert data.frame["NAME"].tolist() == ["Minato", "髙橋①地区"]


def test_utf8_without_cpg_is_detected(tmp_path: Path) -> None:
    data = read_source(write_shapefile(zones_frame(), tmp_path / "zones.shp", encoding="utf-8"))
    assert (data.encoding, data.encoding_source) == ("utf-8", "detected")
    assert data.frame["名前"].tolist() == ["港", "焼津"]


def test_dbf_language_id_0x13_reads_cp932(zones_shp: Path) -> None:
    dbf = zones_shp.with_suffix(".dbf")
    content = bytearray(dbf.read_bytes())
    content[29] = 0x13
    dbf.write_bytes(bytes(content))
    data = read_source(zones_shp)
    assert (data.encoding, data.encoding_source) == ("cp932", "dbf_language_id")
    assert data.frame["名前"].tolist() == ["港", "焼津"]


def test_wrong_cpg_is_refused_and_encoding_overrides_it(zones_shp: Path) -> None:
    zones_shp.with_suffix(".cpg").write_text("UTF-8")
    error = refusal(zones_shp)
    assert "--encoding" in error.message
    assert error.details["reason"] == "encoding_undecodable"
    data = read_source(zones_shp, encoding="Shift_JIS")
    assert (data.encoding, data.encoding_source) == ("cp932", "given")
    assert data.frame["名前"].tolist() == ["港", "焼津"]


def test_wrong_explicit_encoding_names_field_and_feature(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"NAME": ["Minato", "高新田"]}, geometry=zones_frame().geometry, crs=ZONE_8
    )
    shp = write_shapefile(frame, tmp_path / "names.shp")
    error = refusal(shp, encoding="utf-8")
    assert (error.details["field"], error.details["feature"]) == ("NAME", 2)
    assert "names.dbf" in error.message
    assert "「NAME」" in error.message and "2 番目の地物" in error.message
    assert "--encoding" in error.message and "--encoding" in error.message_en
    assert error.message_en.startswith(
        "names.dbf: field “NAME” of feature 2 cannot be decoded with the given encoding utf-8."
    )


def test_mixed_utf8_and_cp932_values_are_refused_not_garbled(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"NAME": ["港", "浜"]}, geometry=zones_frame().geometry, crs=ZONE_8)
    shp = write_shapefile(frame, tmp_path / "mixed.shp", encoding="utf-8")
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes().replace("浜".encode(), "浜".encode("cp932") + b" "))
    error = refusal(shp)
    assert (error.details["field"], error.details["feature"]) == ("NAME", 2)
    assert "混ざって" in error.message
    assert "UTF-8 で読めません。ほかの値は UTF-8 なので" in error.message
    assert "with UTF-8. The other values are UTF-8, so the encodings seem mixed." in (
        error.message_en
    )


def test_unknown_encoding_name_is_refused(zones_shp: Path) -> None:
    error = refusal(zones_shp, encoding="klingon")
    assert error.details["reason"] == "encoding_unknown"
    assert "klingon" in error.message


def test_100000_records_are_checked_quickly(tmp_path: Path) -> None:
    count = 100_000
    frame = gpd.GeoDataFrame(
        {"NAME": [f"地区{number}" for number in range(count)]},
        geometry=gpd.points_from_xy([EAST] * count, [NORTH] * count),
        crs=ZONE_8,
    )
    shp = write_shapefile(frame, tmp_path / "many.shp")
    started = time.monotonic()
    data = read_source(shp)
    assert time.monotonic() - started < 20
    assert len(data.frame) == count
    assert data.encoding == "cp932"
    assert data.frame["NAME"].iloc[-1] == "地区99999"


# Shapefile parts


@pytest.mark.parametrize("suffix", [".shx", ".dbf"])
def test_missing_part_is_named(zones_shp: Path, suffix: str) -> None:
    zones_shp.with_suffix(suffix).unlink()
    error = refusal(zones_shp)
    assert f"zones{suffix}" in error.message
    assert error.details["reason"] == "file_missing"


def test_missing_prj_lists_candidates_and_crs_is_accepted(zones_shp: Path) -> None:
    zones_shp.with_suffix(".prj").unlink()
    error = refusal(zones_shp)
    assert "zones.prj" in error.message
    assert "--crs" in error.message
    assert "判別できません" in error.message
    assert set(error.details["candidates"]) == set(range(6669, 6688))
    assert "EPSG:6676" in error.message
    assert error.message_en.startswith(
        "zones.prj is missing. Give the CRS as an EPSG code with --crs. The coordinates"
    )
    assert "EPSG:6676 (plane zone VIII)" in error.message_en
    data = read_source(zones_shp, crs=ZONE_8)
    assert (data.crs.to_epsg(), data.crs_source) == (ZONE_8, "given")


def test_crs_outside_the_japanese_list_is_refused(zones_shp: Path) -> None:
    error = refusal(zones_shp, crs=3857)
    assert error.details["reason"] == "crs_not_accepted"
    assert "6669–6687" in error.message


def test_given_crs_overrides_the_prj_with_a_warning(zones_shp: Path) -> None:
    data = read_source(zones_shp, crs=2450)
    assert (data.crs.to_epsg(), data.crs_source) == (2450, "given")
    assert [note["code"] for note in data.warnings] == ["crs_overridden"]


@pytest.mark.parametrize("suffix", [".shp", ".shx", ".dbf", ".prj"])
def test_zero_byte_part_is_named(zones_shp: Path, suffix: str) -> None:
    zones_shp.with_suffix(suffix).write_bytes(b"")
    error = refusal(zones_shp)
    assert f"zones{suffix}" in error.message
    assert error.details["reason"] in ("file_empty", "crs_missing")


@pytest.mark.parametrize("name", ["zones.zip", "centres.csv", "zones.geojson", "city.gpkg"])
def test_zero_byte_file_is_named(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    error = refusal(path)
    assert name in error.message
    assert error.details["reason"] == "file_empty"


def test_truncated_shp_is_named(zones_shp: Path) -> None:
    content = zones_shp.read_bytes()
    zones_shp.write_bytes(content[:-20])
    error = refusal(zones_shp)
    assert "zones.shp" in error.message
    assert error.details["reason"] == "file_damaged"


def test_truncated_dbf_is_named(zones_shp: Path) -> None:
    dbf = zones_shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[:-40])
    error = refusal(zones_shp)
    assert "zones.dbf" in error.message
    assert error.details["reason"] == "file_damaged"


def test_two_fields_with_one_name_are_refused_naming_it(zones_shp: Path) -> None:
    dbf = zones_shp.with_suffix(".dbf")
    header = bytearray(dbf.read_bytes())
    second_name = header.index(b"NAME")
    header[second_name : second_name + 4] = b"CODE"
    dbf.write_bytes(bytes(header))
    error = refusal(zones_shp)
    assert error.details["reason"] == "field_repeated" and error.details["field"] == "CODE"
    assert "zones.dbf" in error.message and "CODE" in error.message


def test_parts_from_different_exports_are_refused(zones_shp: Path, tmp_path: Path) -> None:
    other = write_shapefile(zones_frame().iloc[:1], tmp_path / "other" / "zones.shp")
    zones_shp.with_suffix(".dbf").write_bytes(other.with_suffix(".dbf").read_bytes())
    error = refusal(zones_shp)
    assert error.details["reason"] == "shapefile_parts_differ"


def test_deleted_records_are_skipped_with_a_warning(zones_shp: Path) -> None:
    dbf = zones_shp.with_suffix(".dbf")
    content = bytearray(dbf.read_bytes())
    header_length = int.from_bytes(content[8:10], "little")
    content[header_length] = ord("*")
    dbf.write_bytes(bytes(content))
    data = read_source(zones_shp)
    assert data.frame["NAME"].tolist() == ["髙橋①地区"]
    assert [note["code"] for note in data.warnings] == ["deleted_records"]
    assert data.warnings[0]["message_en"] == "1 deleted record in zones.dbf is skipped."


def test_text_values_are_trimmed_as_gdal_trims_them(tmp_path: Path) -> None:
    """Both ways text is read, from the DBF a column at a time (NAME) and by GDAL value by
    value (NOTE, whose newline inside a value rules out the first way), trim alike."""
    values = {
        "NAME": ["  先頭", "末尾  ", "前\0後ろ", "      ", "髙橋①"],
        "NOTE": ["  先頭", "末尾  ", "前\0後ろ", "      ", "改\n行"],
    }
    squares = [box(EAST + 100 * i, NORTH, EAST + 100 * i + 100, NORTH + 100) for i in range(5)]
    placeholders = {name: ["x" * 12] * 5 for name in values}
    frame = gpd.GeoDataFrame(placeholders, geometry=squares, crs=ZONE_8)
    shp = write_shapefile(frame, tmp_path / "t.shp")
    dbf = shp.with_suffix(".dbf")
    content = bytearray(dbf.read_bytes())
    header_length = int.from_bytes(content[8:10], "little")
    record_length = int.from_bytes(content[10:12], "little")
    offset = 1
    for field, texts in enumerate(values.values()):
        width = content[32 + 32 * field + 16]
        for row, text in enumerate(texts):
            at = header_length + row * record_length + offset
            content[at : at + width] = text.encode("cp932").ljust(width, b" ")
        offset += width
    dbf.write_bytes(bytes(content))
    data = read_source(shp)
    assert data.frame["NAME"].tolist() == ["先頭", "末尾", "前", None, "髙橋①"]
    assert data.frame["NOTE"].tolist() == ["先頭", "末尾", "前", None, "改\n行"]
    assert data.frame.geometry.geom_equals(gpd.GeoSeries(squares, crs=ZONE_8)).all()


@pytest.mark.filterwarnings("ignore:Value .* parsed incompletely")
def test_numbers_read_from_the_dbf_equal_what_gdal_reads(tmp_path: Path) -> None:
    """Numeric fields are parsed from the DBF bytes, except those GDAL must read itself;
    either way each column holds GDAL's values in GDAL's type."""
    fields = [
        ("SMALL", "N", 9, 0),
        ("BIG", "N", 15, 0),
        ("REAL", "N", 12, 3),
        ("ODD", "N", 9, 0),
        ("PADDED", "N", 9, 0),
        ("FULL", "F", 10, 2),
    ]
    rows = [
        [b"      123", b"1234567890123", b"   1.500", b"  12abc", b"12\0\0\0", b"  1.25"],
        [b"     -45", b"           -7", b" -2.25e1", b"    1.5", b"\0\0\0\0", b"  -0.50"],
        [b"", b"", b"", b"", b"       7", b" 2.00"],
        [b"*********", b"42", b"      .5", b"      3", b"       8", b"    3.75"],
        [b"+7", b"0", b"***", b"1e3", b"9", b"  4.00"],
    ]
    squares = [box(EAST + 100 * i, NORTH, EAST + 100 * i + 100, NORTH + 100) for i in range(5)]
    shp = write_shapefile(gpd.GeoDataFrame(geometry=squares, crs=ZONE_8), tmp_path / "n.shp")
    replace_dbf(shp, fields, rows)
    ours = read_source(shp).fields
    gdal = pyogrio.read_dataframe(shp, read_geometry=False)
    for name, *_ in fields:
        assert ours[name].dtype == gdal[name].dtype, name
        assert ours[name].equals(gdal[name]), (name, ours[name].tolist(), gdal[name].tolist())
    assert ours["SMALL"].tolist()[:2] == [123, -45] and np.isnan(ours["SMALL"][2])


def test_three_dimensional_coordinates_are_a_warning(tmp_path: Path) -> None:
    ring = [(EAST, NORTH, 5.0), (EAST + 100, NORTH, 5.0), (EAST + 100, NORTH + 100, 6.0)]
    frame = gpd.GeoDataFrame({"NAME": ["港"]}, geometry=[Polygon(ring)], crs=ZONE_8)
    data = read_source(write_shapefile(frame, tmp_path / "z.shp"))
    assert [note["code"] for note in data.warnings] == ["has_z"]
    assert data.warnings[0]["message"].startswith("1 件の地物が3次元（Z・M）の座標")
    assert data.warnings[0]["message_en"].startswith("1 feature has 3D (Z/M) coordinates;")


def test_measured_coordinates_are_dropped_with_a_warning(tmp_path: Path) -> None:
    square = box(EAST, NORTH, EAST + 100, NORTH + 100)
    frame = gpd.GeoDataFrame({"NAME": ["港"]}, geometry=[square], crs=ZONE_8)
    data = read_source(write_measured_shapefile(frame, tmp_path / "m.shp"))
    assert [note["code"] for note in data.warnings] == ["has_m"]
    assert "m.shp" in data.warnings[0]["message"]
    assert data.frame.geometry.iloc[0].normalize().equals(square.normalize())


# Folders and zips


def test_folder_with_one_shapefile(zones_shp: Path) -> None:
    data = read_source(zones_shp.parent)
    assert data.source == "地区"
    assert len(data.frame) == 2


def test_folder_with_several_shapefiles_lists_them(zones_shp: Path) -> None:
    write_shapefile(zones_frame(), zones_shp.parent / "more.shp")
    error = refusal(zones_shp.parent)
    assert "zones.shp" in error.message and "more.shp" in error.message
    assert error.details["reason"] == "several_files"
    assert len(read_source(zones_shp.parent, layer_name="more").frame) == 2


def test_zip_with_a_subfolder_is_read_and_cleaned_up(
    zones_shp: Path, tmp_path: Path, private_tmp: Path
) -> None:
    archive = tmp_path / "zones.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(zones_shp.parent.iterdir()):
            bundle.write(part, f"地区/{part.name}")
    data = read_source(archive)
    assert (data.source, data.format, data.encoding) == ("zones.zip", "shapefile", "cp932")
    assert data.frame["NAME"].tolist() == ["Minato", "髙橋①地区"]
    assert list(private_tmp.iterdir()) == []


def test_flat_zip(zones_shp: Path, tmp_path: Path) -> None:
    data = read_source(zip_shapefile(zones_shp, tmp_path / "flat.zip"))
    assert data.frame["名前"].tolist() == ["港", "焼津"]


def test_zip_from_japanese_windows_with_cp932_names(zones_shp: Path, tmp_path: Path) -> None:
    archive = tmp_path / "zones.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(zones_shp.parent.iterdir()):
            if part.suffix != ".prj":
                bundle.write(part, f"abcd/abcd{part.suffix}")
    archive.write_bytes(archive.read_bytes().replace(b"abcd", "地区".encode("cp932")))
    assert "zones.zip/地区/地区.prj" in refusal(archive).message
    data = read_source(archive, crs=ZONE_8)
    assert data.frame["名前"].tolist() == ["港", "焼津"]


def test_missing_part_in_a_zip_is_named(zones_shp: Path, tmp_path: Path) -> None:
    zones_shp.with_suffix(".shx").unlink()
    error = refusal(zip_shapefile(zones_shp, tmp_path / "zones.zip"))
    assert "zones.zip/zones.shx" in error.message


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    error = refusal(write_text(tmp_path / "zones.zip", "not a zip"))
    assert error.details["reason"] == "zip_invalid"
    assert "zones.zip" in error.message


def unsafe_zip(path: Path, member: zipfile.ZipInfo | str) -> Path:
    """A zip with a harmless text file and one unsafe member."""
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("readme.txt", "hello")
        bundle.writestr(member, "evil")
    return path


def symlink_member() -> zipfile.ZipInfo:
    """A zip member that is a symbolic link."""
    member = zipfile.ZipInfo("link.shp")
    member.create_system = 3
    member.external_attr = (stat.S_IFLNK | 0o777) << 16
    return member


@pytest.mark.parametrize(
    "member",
    ["../evil.txt", "data/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt", symlink_member()],
    ids=["parent", "nested-parent", "absolute", "drive", "symlink"],
)
def test_unsafe_zip_members_are_refused_before_unpacking(
    tmp_path: Path, private_tmp: Path, member: zipfile.ZipInfo | str
) -> None:
    error = refusal(unsafe_zip(tmp_path / "evil.zip", member))
    assert error.details["reason"] == "zip_unsafe_member"
    assert "evil.zip" in error.message
    assert list(private_tmp.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_zip_bomb_is_refused_from_declared_sizes(tmp_path: Path, private_tmp: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("zeros.csv", b"0" * 5_000_000)
    assert archive.stat().st_size < 50_000
    error = refusal(archive, max_unpacked_bytes=1_000_000)
    assert error.details["reason"] == "zip_too_large"
    assert list(private_tmp.iterdir()) == []


def test_zip_whose_headers_understate_sizes_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("zeros.csv", b"0" * 2_000)
    content = bytearray(archive.read_bytes())
    local = content.find(b"PK\x03\x04")
    central = content.find(b"PK\x01\x02")
    content[local + 22 : local + 26] = (10).to_bytes(4, "little")
    content[central + 24 : central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(content))
    error = refusal(archive, max_unpacked_bytes=1_000)
    assert error.details["reason"] in ("zip_invalid", "zip_too_large")


# GeoJSON, GeoPackage, TopoJSON


def test_geojson_is_lon_lat(tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    zones_frame().to_crs(4326).to_file(path, driver="GeoJSON", engine="pyogrio")
    data = read_source(path)
    assert (data.format, data.encoding, data.encoding_source) == ("geojson", None, "format")
    assert (data.crs.to_epsg(), data.crs_source) == (4326, "embedded")
    assert data.frame["NAME"].tolist() == ["Minato", "髙橋①地区"]
    check_coordinates_in_japan(data.geometry, data.crs, data.source)


def test_geojson_legacy_crs_member(tmp_path: Path) -> None:
    collection = json.loads(zones_frame().to_json())
    collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6676"}}
    path = write_text(tmp_path / "zones.json", json.dumps(collection, ensure_ascii=False))
    data = read_source(path)
    assert (data.format, data.crs.to_epsg()) == ("geojson", ZONE_8)


def test_geojson_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    text = zones_frame().to_crs(4326).to_json(ensure_ascii=False)
    error = refusal(write_text(tmp_path / "zones.geojson", text, encoding="cp932"))
    assert "UTF-8" in error.message
    assert error.details["reason"] == "encoding_undecodable"


def test_geopackage_with_two_layers_needs_a_layer_name(tmp_path: Path) -> None:
    path = tmp_path / "city.gpkg"
    zones_frame().to_file(path, layer="districts", driver="GPKG", engine="pyogrio")
    zones_frame().iloc[:1].to_file(path, layer="school_zones", driver="GPKG", engine="pyogrio")
    error = refusal(path)
    assert error.details["reason"] == "several_layers"
    assert "districts" in error.message and "school_zones" in error.message
    assert "--layer" in error.message
    data = read_source(path, layer_name="school_zones")
    assert (data.format, data.encoding, len(data.frame)) == ("gpkg", None, 1)
    assert (data.crs.to_epsg(), data.crs_source) == (ZONE_8, "embedded")
    unknown = refusal(path, layer_name="nope")
    assert unknown.details["reason"] == "unknown_layer"
    assert "districts" in unknown.message


def topology(objects: list[str]) -> dict:
    """A small TopoJSON topology with one polygon per object, near Yaizu in lon/lat."""
    arcs = [
        [[138.30 + 0.02 * index, 34.84], [138.32 + 0.02 * index, 34.84], [138.31, 34.86]]
        for index in range(len(objects))
    ]
    for arc in arcs:
        arc.append(arc[0])
    return {
        "type": "Topology",
        "objects": {
            name: {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[index]], "properties": {"名前": name}}
                ],
            }
            for index, name in enumerate(objects)
        },
        "arcs": arcs,
    }


def test_topojson_with_one_object(tmp_path: Path) -> None:
    path = write_text(tmp_path / "zones.topojson", json.dumps(topology(["港地区"])))
    data = read_source(path)
    assert (data.format, data.encoding_source) == ("topojson", "format")
    assert data.frame["名前"].tolist() == ["港地区"]
    assert data.crs.to_epsg() == 4326
    check_coordinates_in_japan(data.geometry, data.crs, data.source)


def test_topojson_json_with_several_objects_needs_a_layer_name(tmp_path: Path) -> None:
    path = write_text(tmp_path / "city.json", json.dumps(topology(["zones", "centres"])))
    error = refusal(path)
    assert error.details["reason"] == "several_layers"
    assert "zones" in error.message and "centres" in error.message
    data = read_source(path, layer_name="centres")
    assert (data.format, data.frame["名前"].tolist()) == ("topojson", ["centres"])


def test_unknown_extension_lists_supported_formats(tmp_path: Path) -> None:
    error = refusal(write_text(tmp_path / "zones.kml", "<kml/>"))
    assert error.details["reason"] == "unsupported_format"
    assert ".gpkg" in error.message and ".shp" in error.message


def test_missing_path_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nothing.shp").details["reason"] == "file_missing"


# CSV


def national_csv(rows: list[str]) -> str:
    """A facility list in the national standard format (公共施設一覧)."""
    return "\r\n".join([NATIONAL_HEADER, *rows]) + "\r\n"


def facility(code: str, name: str, lat: str, lon: str) -> str:
    """One row of the national facility list."""
    return f"{code},1,北海道,函館市,{name},カナ,,,住所,,{lat},{lon},,,,課,,,,,,,,公民館"


def test_national_format_csv_with_bom(tmp_path: Path) -> None:
    text = national_csv([facility("012025", "港公民館", "34.84", "138.32")])
    path = write_text(tmp_path / "centres.csv", "\ufeff" + text)
    data = read_source(path, point_layer=True)
    assert (data.format, data.encoding, data.encoding_source) == ("csv", "utf-8", "detected")
    assert (data.crs.to_epsg(), data.crs_source) == (6668, "csv_lonlat")
    assert data.frame.columns[0] == "都道府県コード又は市区町村コード"
    assert data.frame["都道府県コード又は市区町村コード"].tolist() == ["012025"]
    assert data.frame["名称"].tolist() == ["港公民館"]
    assert data.frame.geometry.iloc[0].equals(Point(138.32, 34.84))
    check_coordinates_in_japan(data.geometry, data.crs, data.source)


def test_cp932_csv_is_detected_and_encoding_overrides(tmp_path: Path) -> None:
    text = "code,name,lat,lon\n0012,港公民館,34.84,138.32\n0034,髙橋①公民館,34.85,138.33\n"
    path = write_text(tmp_path / "centres.csv", text, encoding="cp932")
    data = read_source(path)
    assert (data.encoding, data.encoding_source) == ("cp932", "detected")
    assert data.frame["name"].tolist() == ["港公民館", "髙橋①公民館"]
    assert data.frame["code"].tolist() == ["0012", "0034"]
    assert read_source(path, encoding="cp932").encoding_source == "given"
    error = refusal(path, encoding="utf-8")
    assert (error.details["feature"], error.details["field"]) == (1, "name")
    assert "--encoding" in error.message


def test_cp932_tab_separated_text_with_quoted_cells_is_read_by_gdal(tmp_path: Path) -> None:
    text = (
        '名称\t 緯度 \t経度\t備考\n"港, 本町"\t３４．８４\t138.32\t\n髙橋①\t34.85\t138.33\t0012\n'
    )
    data = read_source(write_text(tmp_path / "centres.txt", text, "cp932"), point_layer=True)
    assert (data.format, data.encoding) == ("csv", "cp932")
    assert list(data.fields.columns) == ["名称", "緯度", "経度", "備考"]
    assert data.frame["名称"].tolist() == ["港, 本町", "髙橋①"]
    assert data.frame["緯度"].tolist() == ["３４．８４", "34.85"]
    assert data.frame["備考"].isna().tolist() == [True, False]
    assert data.frame.geometry.iloc[0].equals(Point(138.32, 34.84))
    assert data.frame.geometry.iloc[1].equals(Point(138.33, 34.85))


def test_csv_mixing_utf8_and_cp932_is_refused(tmp_path: Path) -> None:
    data = "名称,緯度,経度\n港,34.84,138.32\n".encode() + "浜,34.85,138.33\n".encode("cp932")
    path = tmp_path / "centres.csv"
    path.write_bytes(data)
    error = refusal(path)
    assert (error.details["feature"], error.details["field"]) == (2, "名称")
    assert "混ざって" in error.message


@pytest.mark.parametrize(
    ("value", "shown"), [("", "が空です"), ("北緯34度", "「北緯34度」")], ids=["empty", "text"]
)
def test_csv_bad_latitude_names_row_and_value(tmp_path: Path, value: str, shown: str) -> None:
    rows = [facility("222127", "港", "34.84", "138.32"), facility("222127", "浜", value, "138.3")]
    error = refusal(write_text(tmp_path / "centres.csv", national_csv(rows)))
    assert (error.details["feature"], error.details["field"]) == (2, "緯度")
    assert "2 件目" in error.message and shown in error.message


def test_csv_lat_lon_aliases_and_full_width_digits(tmp_path: Path) -> None:
    path = write_text(tmp_path / "centres.csv", "name,Latitude,Longitude\n港,３４．８４,138.32\n")
    data = read_source(path)
    assert data.frame.geometry.iloc[0].equals(Point(138.32, 34.84))


def test_csv_with_swapped_latitude_and_longitude_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path / "centres.csv", "名称,緯度,経度\n港,138.32,34.84\n")
    data = read_source(path)
    with pytest.raises(BadInput) as caught:
        check_coordinates_in_japan(data.geometry, data.crs, data.source)
    assert caught.value.details["reason"] == "coordinates_swapped"
    assert "入れ替わって" in caught.value.message


def test_csv_outside_japan_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path / "paris.csv", "name,lat,lon\nLouvre,48.86,2.34\n")
    data = read_source(path)
    with pytest.raises(BadInput) as caught:
        check_coordinates_in_japan(data.geometry, data.crs, data.source)
    assert caught.value.details["reason"] == "coordinates_outside_japan"
    assert "経度 2.34" in caught.value.message


def test_plane_csv_needs_crs_and_reads_survey_axes(tmp_path: Path) -> None:
    text = f"名称,X座標,Y座標\n港,{NORTH},{EAST}\n浜,{NORTH + 100},{EAST + 100}\n"
    path = write_text(tmp_path / "centres.csv", text)
    error = refusal(path)
    assert error.details["reason"] == "crs_missing"
    assert ZONE_8 in error.details["candidates"]
    data = read_source(path, crs=ZONE_8)
    assert data.crs_source == "given"
    assert data.frame.geometry.iloc[0].equals(Point(EAST, NORTH))
    check_coordinates_in_japan(data.geometry, data.crs, data.source)


def test_csv_without_coordinates_lists_its_columns(tmp_path: Path) -> None:
    error = refusal(write_text(tmp_path / "centres.csv", "名称,住所\n港,焼津市\n"))
    assert error.details["reason"] == "csv_coordinates_missing"
    assert "住所" in error.message


# Coordinates and CRS candidates


def test_wrong_prj_puts_data_outside_japan(zones_shp: Path) -> None:
    data = read_source(zones_shp, crs=6668)
    with pytest.raises(BadInput) as caught:
        check_coordinates_in_japan(data.geometry, data.crs, data.source)
    assert caught.value.details["reason"] == "coordinates_outside_japan"
    assert ZONE_8 in caught.value.details["candidates"]


def test_degrees_under_a_plane_crs_are_refused(tmp_path: Path) -> None:
    geometry = GeometryArray(np.array([box(138.3, 34.8, 138.4, 34.9)]))
    with pytest.raises(BadInput) as caught:
        check_coordinates_in_japan(geometry, CRS.from_epsg(ZONE_8), "zones.shp")
    assert caught.value.details["candidates"] == [6668, 4612, 4326]


def test_stray_features_outside_japan_are_named(tmp_path: Path) -> None:
    text = "名称,緯度,経度\n港,34.84,138.32\n浜,0,0\n湊,34.85,138.33\n"
    data = read_source(write_text(tmp_path / "centres.csv", text))
    with pytest.raises(BadInput) as caught:
        check_coordinates_in_japan(data.geometry, data.crs, data.source)
    assert caught.value.details["feature"] == 2
    assert "2 番目" in caught.value.message


def test_crs_candidates() -> None:
    assert crs_candidates((138.2, 34.7, 138.4, 34.9)) == [6668, 4612, 4326]
    plane = crs_candidates((EAST, NORTH, EAST + 1000, NORTH + 500))
    assert sorted(plane) == list(range(6669, 6688))
    assert plane.index(ZONE_8) < plane.index(6687)
    assert crs_candidates((1.5e7, 4.1e6, 1.6e7, 4.2e6)) == []


# The real Yaizu open data


def test_yaizu_residents_associations() -> None:
    data = read_source(yaizu("自治会区域/自治会区域.shp"))
    assert len(data.frame) == 35
    assert (data.crs.to_epsg(), data.crs_source) == (2450, "prj")
    assert (data.encoding, data.encoding_source) == ("cp932", "cpg")
    assert "高新田自治会" in data.frame["SAFIELD000"].tolist()
    check_coordinates_in_japan(data.geometry, data.crs, data.source)


def test_yaizu_school_zones() -> None:
    data = read_source(yaizu("小学校区"))
    assert len(data.frame) == 13
    assert data.crs.to_epsg() == 2450
    assert "大井川東小学校" in data.frame["SAFIELD001"].tolist()
    check_coordinates_in_japan(data.geometry, data.crs, data.source)


def test_yaizu_junior_high_zones_are_lon_lat() -> None:
    data = read_source(yaizu("中学校区/中学校区.shp"))
    assert (len(data.frame), data.crs.to_epsg()) == (9, 6668)
    check_coordinates_in_japan(data.geometry, data.crs, data.source)


def test_yaizu_community_centres() -> None:
    data = read_source(yaizu("地域交流センター/222127_community_center.csv"), point_layer=True)
    assert len(data.frame) == 9
    assert (data.encoding, data.crs.to_epsg(), data.crs_source) == ("utf-8", 6668, "csv_lonlat")
    assert "港地域交流センター" in data.frame["名称"].tolist()
    assert set(data.frame["都道府県コード又は市区町村コード"]) == {"222127"}
    check_coordinates_in_japan(data.geometry, data.crs, data.source)
