"""The upload page: check, then confirm or cancel; off unless the admin setting says so."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from layer_files import write_shapefile, zip_shapefile
from test_importer import districts_frame

from geoapp.layers import DISTRICTS


@pytest.fixture
def uploads_app(app: Flask) -> Flask:
    """The app with the upload page switched on."""
    app.config["ADMIN_UPLOADS"] = True
    return app


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the upload form."""
    page = client.get("/admin/import/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def upload(client: FlaskClient, path: Path, **fields: str):
    """Post one file to the upload form."""
    data = {
        "csrf_token": csrf_token(client),
        "layer": "districts",
        **fields,
        "files": (io.BytesIO(path.read_bytes()), path.name),
    }
    return client.post("/admin/import/", data=data, content_type="multipart/form-data")


@pytest.fixture
def districts_zip(tmp_path: Path) -> Path:
    """The e-Stat style districts, zipped."""
    shp = write_shapefile(districts_frame(), tmp_path / "src" / "町丁.shp")
    return zip_shapefile(shp, tmp_path / "町丁.zip")


def test_the_upload_page_is_off_unless_the_admin_turns_it_on(app: Flask) -> None:
    response = app.test_client().get("/admin/import/", headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "GEOAPP_ADMIN_UPLOADS" in response.get_data(as_text=True)


def test_an_upload_is_checked_then_stored_on_confirmation(uploads_app, districts_zip) -> None:
    client = uploads_app.test_client()
    store = uploads_app.extensions["geoapp.store"]
    checked = upload(client, districts_zip).get_data(as_text=True)
    assert 'data-report-status="checked"' in checked and "町丁.zip" in checked
    assert store.count(DISTRICTS) == 0
    confirm = re.search(r'action="(/admin/import/[^"]+/confirm)"', checked).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', checked).group(1)
    stored = client.post(confirm, data={"csrf_token": token}).get_data(as_text=True)
    assert 'data-report-status="stored"' in stored
    assert store.count(DISTRICTS) == 4
    again = client.post(confirm, data={"csrf_token": token})
    assert again.status_code == 404


def test_a_cancelled_upload_stores_nothing(uploads_app, districts_zip) -> None:
    client = uploads_app.test_client()
    checked = upload(client, districts_zip).get_data(as_text=True)
    cancel = re.search(r'action="(/admin/import/[^"]+/cancel)"', checked).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', checked).group(1)
    page = client.post(cancel, data={"csrf_token": token}, follow_redirects=True)
    assert "取り消しました" in page.get_data(as_text=True)
    assert uploads_app.extensions["geoapp.store"].count(DISTRICTS) == 0
    assert not list((Path(uploads_app.instance_path) / "uploads").iterdir())


def test_a_hostile_zip_is_refused_and_leaves_nothing_behind(uploads_app, tmp_path) -> None:
    hostile = tmp_path / "evil.zip"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("../../etc/evil.shp", b"x")
    client = uploads_app.test_client()
    page = upload(client, hostile).get_data(as_text=True)
    assert 'data-report-status="failed"' in page
    assert "evil" in page
    assert not list((Path(uploads_app.instance_path) / "uploads").iterdir())
    assert not (tmp_path.parent / "etc").exists()


def test_a_post_without_the_csrf_token_is_refused(uploads_app, districts_zip) -> None:
    client = uploads_app.test_client()
    response = client.post(
        "/admin/import/",
        data={"layer": "districts", "files": (io.BytesIO(districts_zip.read_bytes()), "a.zip")},
        content_type="multipart/form-data",
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert "トークン" in response.get_data(as_text=True)
    assert uploads_app.extensions["geoapp.store"].count(DISTRICTS) == 0


def test_a_bad_form_value_names_the_field(uploads_app, districts_zip) -> None:
    response = upload(uploads_app.test_client(), districts_zip, crs="JGD2011")
    assert response.status_code == 400
    assert "EPSG" in response.get_data(as_text=True)
