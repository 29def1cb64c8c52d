"""Yaizu's 自治会, which carry no population, in the editor of a real headless Chromium:
one "人口のデータがありません" check instead of a target alarm per community and "—" in the
panels; then a population table loaded from the command line fills them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from shared_data import yaizu
from test_browser import (
    GEOAPP,
    browser,
    demo_environment,
    free_port,
    wait_until_healthy,
    watched_page,
)

pytestmark = pytest.mark.browser
__all__ = ["browser"]

PLANNER, PASSWORD = "tanaka", "yaizu-planner-2026"


def geoapp(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run one ``geoapp`` command; its output."""
    done = subprocess.run(
        [GEOAPP, *args], env=env, input=stdin, text=True, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def yaizu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    """Yaizu's associations and school zones, a planner, a plan from school zones and a
    target range, served by ``geoapp run``; the URL and the commands' environment."""
    instance = tmp_path_factory.mktemp("yaizu-instance")
    env = demo_environment(instance)
    geoapp(env, "db", "upgrade", "--crs", "6676")
    geoapp(env, "import", "districts", str(yaizu("自治会区域")))
    geoapp(env, "import", "school-zones", str(yaizu("小学校区")))
    geoapp(env, "user", "add", PLANNER, "--role", "planner", "--password-stdin", stdin=PASSWORD)
    geoapp(env, "plan", "targets", "--min", "3000", "--max", "10000")
    geoapp(env, "plan", "create", "小学校区案", "--from", "school_zones", "--user", PLANNER)
    port = free_port()
    with (instance / "server.log").open("w") as log:
        process = subprocess.Popen(
            [GEOAPP, "run", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, process)
            yield url, env
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_the_editor_says_the_population_is_missing_then_shows_the_loaded_one(
    yaizu_server: tuple[str, dict], browser, tmp_path: Path
) -> None:
    url, env = yaizu_server
    context, page, left_machine, console_errors = watched_page(browser, url)
    page.goto(url + "/login?next=/plans/1/edit")
    page.fill("#login-name", PLANNER)
    page.fill("#login-password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    checks = page.locator("#check-list .check-item").all_inner_texts()
    assert "人口のデータがありません（35行政区）" in checks
    assert not [text for text in checks if "人口が目標の範囲外です" in text]
    figures = page.locator("#community-list [data-figure=population]").all_inner_texts()
    assert len(figures) == 12 and set(figures) == {"—"}

    codes = json.loads(geoapp(env, "plan", "check", "1"))["missing_population"]
    table = tmp_path / "人口.csv"
    table.write_text(
        "町丁コード,人口総数\n" + "".join(f"{code},500\n" for code in codes),
        encoding="utf-8-sig",
    )
    assert "保存しました。" in geoapp(env, "import", "population", str(table))
    page.reload()
    page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    checks = page.locator("#check-list .check-item").all_inner_texts()
    assert not [text for text in checks if "人口のデータがありません" in text]
    figures = page.locator("#community-list [data-figure=population]").all_inner_texts()
    assert "—" not in figures and sum(int(f.replace(",", "")) for f in figures) == 35 * 500
    assert left_machine == [] and console_errors == []
    context.close()
