"""The organizations' maps in headless Chromium on ``geoapp demo`` (default settings, the
GSI base map unreachable, every other outside request refused): the stage and milestone
legends count exactly what the database holds, the communities are drawn in those colours,
and moving the fiscal-year slider with the keyboard redraws an earlier year's state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from test_browser import ARTIFACTS, browser, serving_demo, watched_page

from geoapp import create_app
from geoapp.accounts.users import User
from geoapp.demo.city import DEMO_ACCOUNTS
from geoapp.japanese_calendar import fiscal_year, today_in_japan
from geoapp.organizations.service import Organizations
from geoapp.organizations.stage_colors import NO_STAGE_COLOR, REACHED_COLOR, stage_color

pytestmark = pytest.mark.browser
__all__ = ["browser"]

ADMIN = User("demo-admin", "admin")
_FILLS = """() => [...document.querySelectorAll("path.geoapp-stage-area")]
  .map(path => path.getAttribute("fill"))"""
_LEGEND = """() => Object.fromEntries([...document.querySelectorAll(
  ".geoapp-legend [data-stage-count]")].map(cell => [cell.dataset.stageCount, cell.textContent]))"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Organizations]]:
    """``geoapp demo`` as a user starts it, and the organizations of its database."""
    instance = tmp_path_factory.mktemp("organizations-demo")
    with serving_demo(instance) as url:
        app = create_app({"INSTANCE_PATH": instance})
        try:
            yield url, app.extensions["geoapp.organizations"]
        finally:
            app.extensions["geoapp.store"].close()


def logged_in_page(browser: Any, server: str) -> tuple[Any, Any, list[str], list[str]]:
    """A page on a closed network, logged in as the demo admin."""
    context, page, left_machine, errors = watched_page(browser, server)
    name, _role, password = next(a for a in DEMO_ACCOUNTS if a[1] == "admin")
    page.goto(f"{server}/login?next=/organizations")
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{server}/organizations")
    return context, page, left_machine, errors


def expected_legend(stages: dict[int, str | None], keys: tuple[str, ...]) -> dict:
    """The legend's counts for ``stages``: {stage key or "": 4地区}."""
    counted = Counter(key or "" for key in stages.values())
    return {key: f"{counted.get(key, 0)}地区" for key in (*keys, "")}


def expected_fills(orgs: Organizations, stages: dict[int, str | None]) -> Counter:
    """How many communities the map fills in each colour."""
    scheme = orgs.scheme()
    return Counter(stage_color(scheme, key) for key in stages.values())


def test_the_stage_legend_counts_the_database_and_the_slider_shows_an_earlier_year(
    demo: tuple[str, Organizations], browser: Any
) -> None:
    server, orgs = demo
    scheme = orgs.scheme()
    now = {o["community_id"]: o["stage"] for o in orgs.list_organizations(ADMIN)}
    assert len(set(now.values())) >= 3, "the demo has organizations at several stages"
    context, page, left_machine, errors = logged_in_page(browser, server)
    page.goto(f"{server}/organizations/map", wait_until="networkidle")
    page.wait_for_selector("#areas-map[data-drawn]", state="attached")
    assert page.evaluate(_LEGEND) == expected_legend(now, scheme.stage_keys)
    assert Counter(page.evaluate(_FILLS)) == expected_fills(orgs, now)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "organizations-stage-map.png"))

    slider = page.locator("#fiscal-year")
    first = int(slider.get_attribute("min"))
    assert first < fiscal_year(today_in_japan())
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function(f"() => document.getElementById('fiscal-year').dataset.shown == {first}")
    earlier = orgs.stages_at_fiscal_year_end(first)
    assert page.evaluate(_LEGEND) == expected_legend(earlier, scheme.stage_keys)
    assert Counter(page.evaluate(_FILLS)) == expected_fills(orgs, earlier)
    assert Counter(page.evaluate(_FILLS)) != expected_fills(orgs, now)
    assert page.locator("#fiscal-year-label").inner_text().startswith(("令和", "平成"))
    assert f"fiscal_year={first}" in page.url
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"() => document.getElementById('fiscal-year').dataset.shown == {first + 1}"
    )
    assert page.evaluate(_LEGEND) == expected_legend(
        orgs.stages_at_fiscal_year_end(first + 1), scheme.stage_keys
    )
    page.screenshot(path=str(ARTIFACTS / "organizations-stage-map-earlier.png"))
    assert left_machine == [] and errors == []
    context.close()


def test_the_milestone_legend_counts_areas_that_reached_it_against_all(
    demo: tuple[str, Organizations], browser: Any
) -> None:
    server, orgs = demo
    found = orgs.list_organizations(ADMIN)
    context, page, left_machine, errors = logged_in_page(browser, server)
    for milestone in orgs.scheme().milestone_keys:
        reached = sum(1 for o in found if milestone in o["milestones"])
        page.goto(f"{server}/organizations/milestones?milestone={milestone}")
        page.wait_for_selector("#areas-map[data-drawn]", state="attached")
        legend = page.locator('.geoapp-legend [data-milestone-row="reached"]').inner_text()
        assert legend.endswith(f"{reached}/{len(found)}地区"), (milestone, legend)
        table = page.locator(f'[data-milestone-count="{milestone}"]').inner_text()
        assert table == f"{reached}/{len(found)}地区"
        fills = Counter(page.evaluate(_FILLS))
        assert fills[REACHED_COLOR] == reached
        assert sum(fills.values()) == len(found) and NO_STAGE_COLOR not in fills
    page.screenshot(path=str(ARTIFACTS / "organizations-milestone-map.png"))
    assert left_machine == [] and errors == []
    context.close()
