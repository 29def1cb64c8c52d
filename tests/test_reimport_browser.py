"""After the districts are re-imported with one gone and one new, a real Chromium shows the
public map's communities and the editor's checks naming both, with no script error.
The app runs under gunicorn with the default settings, on each backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from staff import PASSWORD, Staff
from test_browser import browser, watched_page
from test_district_reimport import adopted, grid_without_g9_with_g10
from test_several_processes import gunicorn

from geoapp.importing.pipeline import ImportOptions, import_layer
from geoapp.layers import DISTRICTS

pytestmark = pytest.mark.browser
__all__ = ["browser"]


def test_the_public_map_and_the_editor_show_a_reimported_city_without_an_error(
    grid_app: Flask, database_url: str, tmp_path: Path, browser: object
) -> None:
    admin = Staff(grid_app, "kanri")
    plan = adopted(admin, admin.new_plan())
    report = import_layer(
        grid_app.extensions["geoapp.store"],
        grid_without_g9_with_g10(tmp_path),
        ImportOptions(layer=DISTRICTS),
    )
    assert report.stored, report.errors
    instance = tmp_path / "served"
    instance.mkdir()
    with gunicorn(database_url, instance) as server:
        context, page, left_machine, console_errors = watched_page(browser, server)
        try:
            page.goto(server + "/")
            page.wait_for_selector("path.geoapp-community")
            assert page.locator("path.geoapp-community").count() == 2
            assert page.locator("path.geoapp-district").count() == 9

            page.goto(f"{server}/login?next=/plans/{plan['id']}/edit")
            page.fill("#login-name", "kanri")
            page.fill("#login-password", PASSWORD)
            page.click("form.login-form button[type=submit]")
            page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
            checks = page.locator("#check-list").inner_text()
            assert "行政区のレイヤからなくなったコード: G9（東小学校区）" in checks
            assert "未割当の行政区: 1件" in checks
            assert page.locator("[data-check=vanished]").count() == 1
        finally:
            context.close()
    assert console_errors == []
    assert left_machine == []
