"""The choropleth's legend and the annual report, read in Chromium from ``geoapp demo`` on
each backend, hold the sums the database holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import browser, demo_environment, serving, watched_page  # noqa: F401

from geoapp.storage import open_store

pytestmark = pytest.mark.browser
YEAR = 2025


@pytest.fixture
def demo(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``geoapp demo`` (with its five years of grants) on ``database_url``: its URL."""
    env = demo_environment(tmp_path, GEOAPP_DATABASE_URL=database_url)
    with serving("demo", env, tmp_path) as url:
        yield url, database_url


def stored_sums(database_url: str) -> tuple[int, dict[str, int], int]:
    """What the database holds for the year: the total granted, the total per program, and
    the total of the organizations standing for a community of the adopted plan."""
    store = open_store(database_url, 6676)
    try:
        with store.session() as session:
            rows = session.rows(
                "SELECT g.program, sum(g.granted) AS granted, "
                "sum(CASE WHEN o.community_id IS NOT NULL AND o.archived_at IS NULL "
                "THEN g.granted ELSE 0 END) AS mapped "
                "FROM grants g JOIN organizations o ON o.id = g.organization_id "
                "WHERE g.fiscal_year = %s GROUP BY g.program",
                (YEAR,),
            )
    finally:
        store.close()
    programs = {row["program"]: int(row["granted"]) for row in rows}
    return sum(programs.values()), programs, sum(int(row["mapped"]) for row in rows)


def test_the_legend_and_the_report_hold_the_databases_sums(demo: tuple[str, str], browser) -> None:  # noqa: F811
    url, database_url = demo
    total, programs, mapped = stored_sums(database_url)
    assert total > 0 and len(programs) == 3
    context, page, left_machine, console_errors = watched_page(browser, url)
    page.goto(f"{url}/grants/map?fiscal_year={YEAR}", wait_until="networkidle")
    legend = page.locator(".geoapp-legend .legend-total")
    legend.wait_for(timeout=20_000)
    assert int(legend.get_attribute("data-total-yen")) == mapped
    assert legend.inner_text() == f"合計 {round(mapped / 1000):,} 千円"
    counts = [
        int(text.strip("()"))
        for text in page.locator(".geoapp-legend .legend-class .muted").all_inner_texts()
    ]
    assert sum(counts) == page.locator("path.geoapp-subsidy").count() == 14
    page.goto(f"{url}/grants/report?fiscal_year={YEAR}", wait_until="networkidle")
    assert int(page.locator("#report-total").get_attribute("data-total-yen")) == total
    assert page.locator("#report-total").inner_text() == f"{total:,}"
    for key, amount in programs.items():
        cell = page.locator(f'[data-program-total="{key}"]')
        assert cell.inner_text() == f"{amount:,}"
    shown = sum(
        int(cell.get_attribute("data-total")) for cell in page.locator("td[data-total]").all()
    )
    assert shown == total
    assert page.locator("svg.grants-chart rect").count() > 0
    page.emulate_media(media="print")
    assert not page.locator(".app-header").is_visible()
    assert left_machine == [] and console_errors == []
    context.close()
