"""The upload page: check, then confirm or cancel; only for logged-in admins and planners."""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from layer_files import write_shapefile, zip_shapefile
from staff import Staff
from test_importer import districts_frame

from geoapp import create_app
from geoapp.accounts.users import add_user
from geoapp.layers import DISTRICTS


@pytest.fixture
def uploads_app(app: Flask) -> Flask:
    """The app with a planner account."""
    add_user(app.extensions["geoapp.store"], "tanaka", "planner", "correct horse battery")
    return app


def planner_client(app: Flask) -> FlaskClient:
    """A client logged in as the planner (logging in itself is tested elsewhere)."""
    return Staff(app, "tanaka").client


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


def test_anonymous_visitors_are_sent_to_the_login_page(uploads_app: Flask) -> None:
    response = uploads_app.test_client().get("/admin/import/", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/admin/import/")
    page = planner_client(uploads_app).get("/admin/import/")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)


def test_an_upload_is_checked_then_stored_on_confirmation(uploads_app, districts_zip) -> None:
    client = planner_client(uploads_app)
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
    client = planner_client(uploads_app)
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
    client = planner_client(uploads_app)
    page = upload(client, hostile).get_data(as_text=True)
    assert 'data-report-status="failed"' in page
    assert "evil" in page
    assert not list((Path(uploads_app.instance_path) / "uploads").iterdir())
    assert not (tmp_path.parent / "etc").exists()


def test_a_post_without_the_csrf_token_is_refused(uploads_app, districts_zip) -> None:
    client = planner_client(uploads_app)
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
    response = upload(planner_client(uploads_app), districts_zip, crs="JGD2011")
    assert response.status_code == 400
    assert "EPSG" in response.get_data(as_text=True)


def test_a_checked_upload_left_too_long_expires_and_says_so_on_confirmation(
    uploads_app, districts_zip
) -> None:
    uploads_app.config["PENDING_UPLOAD_LIFETIME"] = timedelta(0)
    client = planner_client(uploads_app)
    checked = upload(client, districts_zip).get_data(as_text=True)
    confirm = re.search(r'action="(/admin/import/[^"]+/confirm)"', checked).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', checked).group(1)
    time.sleep(1.1)  # the token's clock counts whole seconds
    page = client.post(confirm, data={"csrf_token": token}, headers={"Accept": "text/html"})
    assert page.status_code == 410
    assert "期限切れ" in page.get_data(as_text=True)
    assert uploads_app.extensions["geoapp.store"].count(DISTRICTS) == 0
    assert not list((Path(uploads_app.instance_path) / "uploads").iterdir())


def test_expired_uploads_are_removed_at_the_next_upload_and_at_start(
    uploads_app, districts_zip
) -> None:
    root = Path(uploads_app.instance_path) / "uploads"
    hour_ago = int(time.time()) - 3700
    for name in (f"{hour_ago:010d}-{'a' * 24}", f"{hour_ago:010d}-{'b' * 24}"):
        (root / name).mkdir(parents=True)
        (root / name / "big.shp").write_bytes(b"x" * 1000)
    fresh_token = f"{int(time.time()):010d}-{'c' * 24}"
    (root / fresh_token).mkdir()
    checked = upload(planner_client(uploads_app), districts_zip).get_data(as_text=True)
    assert 'data-report-status="checked"' in checked
    kept = sorted(p.name for p in root.iterdir())
    assert len(kept) == 2 and fresh_token in kept  # the fresh one and the new upload
    old_folder = root / f"{hour_ago:010d}-{'d' * 24}"
    old_folder.mkdir()
    restarted = create_app(
        {
            "DATABASE_URL": uploads_app.config["GEOAPP"].database_url,
            "INSTANCE_PATH": uploads_app.instance_path,
            "SECRET_KEY": "test-secret",
        }
    )
    restarted.extensions["geoapp.store"].close()
    assert not old_folder.exists() and (root / fresh_token).exists()
