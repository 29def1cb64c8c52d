"""QGIS 3.22 (Debian 12's python3-qgis) adds every export and every OGC API collection as
a valid layer with the published count; the GeoPackage's layer_styles and the Shapefile's
.qml give the communities their colours (the fill read from the colour field) and their
names as labels. Run in CI's QGIS step (GEOAPP_TEST_QGIS=1); QGIS runs in Debian's own
Python through tests/qgis_layers.py."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import missing, with_demo_grants
from flask import Flask

from geoapp.ogcapi.collections import COLLECTIONS
from geoapp.plans.exchange import export_plan

pytestmark = pytest.mark.qgis
SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_layers.py")


@pytest.fixture
def demo_app(demo_app: Flask) -> Flask:
    """The demo city with its grants, which the open data publishes."""
    return with_demo_grants(demo_app)


def qgis_layers(layers: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Each layer as QGIS loads it (see qgis_layers.py)."""
    has_qgis = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False
    )
    if has_qgis.returncode != 0:
        missing("QGIS is not installed (apt-get install python3-qgis qgis-providers)")
    loaded = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE), json.dumps(layers)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    return json.loads(loaded.stdout.strip().splitlines()[-1])


def ogr(name: str, path: Path, layer: str | None = None) -> dict[str, str]:
    """A file layer as the Data Source Manager adds it."""
    uri = f"{path}|layername={layer}" if layer else str(path)
    return {"name": name, "uri": uri, "provider": "ogr"}


def assert_community_style(found: dict[str, Any], color: str, name: str) -> None:
    """Filled by the colour field and labelled by the name, as the style says."""
    assert found["renderer"] == "singleSymbol" and found["fill_field"] == color, found
    assert found["labels"] and found["label_field"] == name, found


def test_qgis_loads_every_plan_export_with_its_styles(demo_app: Flask, tmp_path: Path) -> None:
    planning = demo_app.extensions["geoapp.plans"]
    _, state = planning.state(planning.adopted_plan_id())
    geography = planning.geography()
    communities, districts = len(state.communities), len(geography.codes)
    for fmt in ("gpkg", "geojson", "csv", "csvt"):
        data, name, _ = export_plan(geography, state, fmt, "plan")
        (tmp_path / name).write_bytes(data)
    data, _, _ = export_plan(geography, state, "shp", "plan")
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path / "shp")
    found = qgis_layers(
        [
            ogr("gpkg communities", tmp_path / "plan.gpkg", "communities"),
            ogr("gpkg districts", tmp_path / "plan.gpkg", "districts"),
            ogr("gpkg places", tmp_path / "plan.gpkg", "places"),
            ogr("geojson", tmp_path / "plan.geojson"),
            ogr("csv", tmp_path / "plan.csv"),
            ogr("shp communities", tmp_path / "shp" / "communities.shp"),
            ogr("shp districts", tmp_path / "shp" / "districts.shp"),
        ]
    )
    assert all(layer["valid"] for layer in found.values()), found
    assert found["gpkg communities"]["count"] == found["geojson"]["count"] == communities
    assert found["shp communities"]["count"] == communities
    assert found["gpkg districts"]["count"] == found["shp districts"]["count"] == districts
    assert found["csv"]["count"] == districts
    assert found["gpkg communities"]["crs"] == found["shp communities"]["crs"] != ""
    assert_community_style(found["gpkg communities"], "color", "name")
    assert_community_style(found["shp communities"], "COLOR", "NAME")


def test_qgis_loads_every_open_data_download(demo_app: Flask, tmp_path: Path) -> None:
    client = demo_app.test_client()
    wanted, counts = [], {}
    for collection in COLLECTIONS:
        count = client.get(f"/ogcapi/collections/{collection.id}/items").get_json()
        for fmt, suffix in (("gpkg", "gpkg"), ("geojson", "geojson"), ("csv", "csv")):
            path = tmp_path / f"{collection.id}.{suffix}"
            path.write_bytes(client.get(f"/opendata/{collection.id}/{fmt}").data)
            layer = collection.id.replace("-", "_") if fmt == "gpkg" else None
            wanted.append(ogr(f"{collection.id} {fmt}", path, layer))
            counts[f"{collection.id} {fmt}"] = count["numberMatched"]
        (tmp_path / f"{collection.id}.csvt").write_bytes(
            client.get(f"/opendata/{collection.id}/csvt").data
        )
        if collection.shapefile:  # a table's zip holds its .dbf alone
            data = client.get(f"/opendata/{collection.id}/shp").data
            zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path / collection.id)
            shapes = sorted((tmp_path / collection.id).glob("*.shp"))
            first = shapes[0] if shapes else next((tmp_path / collection.id).glob("*.dbf"))
            wanted.append(ogr(f"{collection.id} shp", first))
            counts[f"{collection.id} shp"] = count["numberMatched"]
    found = qgis_layers(wanted)
    assert {name: layer["valid"] for name, layer in found.items()} == dict.fromkeys(counts, True)
    assert {name: layer["count"] for name, layer in found.items()} == counts
    assert_community_style(found["communities gpkg"], "color", "name")


def test_qgis_adds_every_ogc_api_collection_as_a_layer(
    served: tuple[str, list[str]], demo_app: Flask
) -> None:
    root, _ = served
    client = demo_app.test_client()
    counts = {
        c.id: client.get(f"/ogcapi/collections/{c.id}/items").get_json()["numberMatched"]
        for c in COLLECTIONS
    }
    found = qgis_layers(
        [
            {"name": c.id, "uri": f"url='{root}/ogcapi' typename='{c.id}'", "provider": "OAPIF"}
            for c in COLLECTIONS
        ]
    )
    assert {name: layer["valid"] for name, layer in found.items()} == dict.fromkeys(counts, True)
    assert {name: layer["count"] for name, layer in found.items()} == counts
    assert found["districts"]["crs"] == "OGC:CRS84" or found["districts"]["crs"].startswith("EPSG")
