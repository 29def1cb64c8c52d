"""The open data page and its downloads: every dataset in every format opens in GDAL with
the published count, CRS and Japanese text and only public fields; the CSV's .csvt keeps
codes as text; the GeoPackage is valid; the DCAT catalogue lists downloads that answer."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import psycopg
import pyogrio
import pytest
from conftest import fresh_schema, missing, with_demo_grants
from flask import Flask
from test_export_clients import assert_valid_geopackage, gdal
from test_ogcapi import assert_no_staff_field_of_grants

from geoapp.ogcapi.collections import COLLECTIONS, GRANT_FIELDS
from geoapp.opendata.files import FORMATS, SHAPEFILE_NAMES


@pytest.fixture
def demo_app(demo_app: Flask) -> Flask:
    """The demo city with its grants, which the open data publishes."""
    return with_demo_grants(demo_app)


def opened(folder: Path) -> Path:
    """The file GDAL opens of an unzipped Shapefile set: the .shp, or a table's .dbf."""
    return next(folder.glob("*.shp"), None) or next(folder.glob("*.dbf"))


def test_the_page_lists_every_dataset_with_licence_date_and_downloads(demo_app: Flask) -> None:
    client = demo_app.test_client()
    page = client.get("/opendata").get_data(as_text=True)
    assert 'href="/opendata"' in client.get("/").get_data(as_text=True)
    assert "CC BY 4.0" in page and "出典: " in page and "令和" in page
    for collection in COLLECTIONS:
        assert f'data-dataset="{collection.id}"' in page
        for name in FORMATS:
            offered = collection.shapefile or not name.startswith("shp")
            assert (f"/opendata/{collection.id}/{name}" in page) == offered, (collection, name)
    english = client.get("/opendata?lang=en").get_data(as_text=True)
    assert "Open data" in english and "Source: " in english


@pytest.mark.parametrize("file_format", ["geojson", "gpkg", "shp", "shp-utf8"])
def test_every_dataset_opens_in_gdal_with_its_count_and_public_fields(
    demo_app: Flask, tmp_path: Path, file_format: str
) -> None:
    client = demo_app.test_client()
    for collection in COLLECTIONS:
        if not collection.shapefile and file_format.startswith("shp"):
            assert client.get(f"/opendata/{collection.id}/{file_format}").status_code == 404
            continue
        answer = client.get(f"/opendata/{collection.id}/{file_format}")
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        count = json.loads(client.get(f"/ogcapi/collections/{collection.id}/items").data)[
            "numberMatched"
        ]
        if file_format.startswith("shp"):
            zipfile.ZipFile(io.BytesIO(answer.data)).extractall(tmp_path / collection.id)
            path = opened(tmp_path / collection.id)
        else:
            path = tmp_path / f"{collection.id}.{file_format}"
            path.write_bytes(answer.data)
        layer = collection.id.replace("-", "_") if file_format == "gpkg" else None
        frame = pyogrio.read_dataframe(path, layer=layer)
        assert len(frame) == count
        if collection.geometry_type is None:
            assert "geometry" not in frame.columns or frame.geometry.isna().all()
        else:
            assert frame.crs is not None
        names = " ".join(str(v) for v in frame.iloc[:, :4].to_numpy().ravel())
        assert any("\u4e00" <= ch <= "\u9fff" for ch in names), names[:200]
        if not file_format.startswith("shp"):
            allowed = {"id", *collection.fields, "lon", "lat", "geometry"}
            assert set(frame.columns) <= allowed, set(frame.columns) - allowed


def test_the_geopackages_are_valid_and_the_csv_keeps_codes_as_text(
    demo_app: Flask, tmp_path: Path
) -> None:
    client = demo_app.test_client()
    for name in ("districts", "organizations", "grants"):  # with geometry and without
        path = tmp_path / f"{name}.gpkg"
        path.write_bytes(client.get(f"/opendata/{name}/gpkg").data)
        assert_valid_geopackage(path)
    (tmp_path / "districts.csv").write_bytes(client.get("/opendata/districts/csv").data)
    (tmp_path / "districts.csvt").write_bytes(client.get("/opendata/districts/csvt").data)
    table = pyogrio.read_dataframe(tmp_path / "districts.csv", read_geometry=False)
    assert table["code"].map(type).eq(str).all()
    assert str(table["population"].dtype).startswith("int")


def test_the_catalogue_describes_every_dataset_and_its_downloads_answer(demo_app: Flask) -> None:
    client = demo_app.test_client()
    answer = client.get("/opendata/catalog.json")
    assert answer.mimetype == "application/ld+json"
    catalogue = answer.get_json()
    assert catalogue["@type"] == "dcat:Catalog" and catalogue["dct:license"]["@id"]
    datasets = catalogue["dcat:dataset"]
    assert [d["dct:identifier"] for d in datasets] == [c.id for c in COLLECTIONS]
    for dataset in datasets:
        assert dataset["dct:modified"]["@value"] and dataset["dct:rights"]
        for distribution in dataset["dcat:distribution"]:
            url = (distribution.get("dcat:downloadURL") or distribution["dcat:accessURL"])["@id"]
            assert client.get(url.removeprefix("http://localhost")).status_code == 200, url


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_grants_open_in_every_format_as_a_table_with_yen_as_integers(
    demo_app: Flask, tmp_path: Path
) -> None:
    client = demo_app.test_client()
    served = json.loads(client.get("/ogcapi/collections/grants/items?limit=1000").data)
    count = served["numberMatched"]
    total = sum(f["properties"]["granted"] for f in served["features"])
    assert count > 0 and total > 0
    for file_format in ("geojson", "csv", "gpkg", "shp", "shp-utf8"):
        answer = client.get(f"/opendata/grants/{file_format}")
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        assert answer.headers["ETag"] and answer.headers["Cache-Control"].startswith("public")
        folder = tmp_path / file_format
        folder.mkdir()
        if file_format.startswith("shp"):
            archive = zipfile.ZipFile(io.BytesIO(answer.data))
            names = sorted(archive.namelist())
            assert names == ["grants.cpg", "grants.dbf"], names  # a table: no made-up shapes
            archive.extractall(folder)
            cpg = (folder / "grants.cpg").read_text()
            language_byte = (folder / "grants.dbf").read_bytes()[29]
            cp932 = file_format == "shp"
            assert (cpg, language_byte) == (("932", 0x13) if cp932 else ("UTF-8", 0))
            path = folder / "grants.dbf"
            columns = {SHAPEFILE_NAMES[name]: name for name in ("id", *GRANT_FIELDS)}
        else:
            path = folder / f"grants.{file_format}"
            path.write_bytes(answer.data)
            columns = {name: name for name in ("id", *GRANT_FIELDS)}
            if file_format == "csv":
                (folder / "grants.csvt").write_bytes(client.get("/opendata/grants/csvt").data)
        info = gdal("ogrinfo", "-ro", "-al", str(path))
        assert info.returncode == 0 and "Warning" not in info.stderr, info.stderr
        assert "ERROR" not in info.stderr and f"Feature Count: {count}" in info.stdout
        assert "Geometry: None" in info.stdout or "Geometry: Unknown (any)" in info.stdout
        granted = next(k for k, v in columns.items() if v == "granted")
        assert f"{granted}: Integer" in info.stdout, info.stdout[:2000]
        assert "令和" in info.stdout and "設立準備" in info.stdout  # Japanese intact
        frame = pyogrio.read_dataframe(path, layer="grants" if file_format == "gpkg" else None)
        assert set(frame.columns) - {"geometry"} == set(columns), frame.columns
        assert "geometry" not in frame.columns or frame.geometry.isna().all()
        table = frame.rename(columns=columns)
        assert str(table["granted"].dtype).startswith("int"), table.dtypes
        assert int(table["granted"].sum()) == total
        assert table["program_name"].str.contains("補助").all()
        text = path.read_bytes().decode("cp932" if file_format == "shp" else "utf-8", "replace")
        assert_no_staff_field_of_grants(demo_app, text)
    geojson = json.loads(client.get("/opendata/grants/geojson").data)
    assert all(feature["geometry"] is None for feature in geojson["features"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_shp2pgsql_loads_the_shift_jis_shapefiles_into_postgis_without_options(
    demo_app: Flask, postgis_server: str, tmp_path: Path
) -> None:
    if shutil.which("shp2pgsql") is None or shutil.which("psql") is None:
        missing("shp2pgsql or psql is not installed (apt-get install postgis)")
    client = demo_app.test_client()
    served = {
        name: json.loads(client.get(f"/ogcapi/collections/{name}/items?limit=1000").data)
        for name in ("communities", "districts", "grants")
    }
    with fresh_schema(postgis_server) as url:
        for name in served:
            zipfile.ZipFile(io.BytesIO(client.get(f"/opendata/{name}/shp").data)).extractall(
                tmp_path / name
            )
            path = opened(tmp_path / name)
            table = ["-n"] if path.suffix == ".dbf" else []  # grants: the DBF table alone
            made = subprocess.run(
                ["shp2pgsql", *table, str(path), name], capture_output=True, check=False
            )
            assert made.returncode == 0, made.stderr.decode("utf-8", "replace")
            loaded = subprocess.run(
                ["psql", "-v", "ON_ERROR_STOP=1", "-q", url],
                input=made.stdout,
                capture_output=True,
                check=False,
            )
            assert loaded.returncode == 0, loaded.stderr.decode("utf-8", "replace")
        with psycopg.connect(url) as connection:
            names = {row[0] for row in connection.execute("SELECT name FROM communities")}
            granted = connection.execute("SELECT sum(granted), count(*) FROM grants").fetchone()
            kinds = connection.execute(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'grants' "
                "AND column_name IN ('granted', 'fy') AND table_schema = current_schema()"
            ).fetchall()
            districts = connection.execute("SELECT count(*) FROM districts").fetchone()[0]
    assert names == {f["properties"]["name"] for f in served["communities"]["features"]}
    grants = served["grants"]["features"]
    assert granted == (sum(f["properties"]["granted"] for f in grants), len(grants))
    assert {kind for (kind,) in kinds} <= {"smallint", "integer", "bigint"}, kinds
    assert districts == served["districts"]["numberMatched"]
