"""The page scripts' figures and dates (static/text.js) read as geoapp.formatting writes
them in the page's language, whatever the browser's own locale: the same text in Chromium
as on the server for every kind of value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_browser import browser  # noqa: F401

from geoapp import formatting

pytestmark = pytest.mark.browser
TEXT_JS = Path(__file__).resolve().parents[1] / "geoapp" / "web" / "static" / "text.js"
NUMBERS = [0, 7, 1234, -1234567, 12.46, 0.5, 2.5, 2.675, -0.004, None]
SHARES = [0.125, 0.5, 0.0004, 0.0005, 0.285, 0.0, 1.0, None]
DAYS = [date(2024, 4, 1), date(2019, 4, 30), date(2019, 5, 1), date(1989, 1, 8), date(1926, 1, 1)]
MOMENTS = [
    datetime(2026, 11, 23, 8, 28, tzinfo=UTC),
    datetime(2019, 4, 30, 15, 30, tzinfo=UTC),  # 2019-05-01 00:30 in Japan: 令和元年
    datetime(2024, 12, 31, 20, 5),  # naive: stored UTC
]


def server_texts(lang: str) -> list[str]:
    """Each value as geoapp.formatting writes it in ``lang``."""
    return [
        *(formatting.number(n, lang) for n in NUMBERS),
        *(formatting.number(n, lang, 2) for n in NUMBERS),
        *(formatting.percent(s, lang) for s in SHARES),
        *(formatting.day(d, lang) for d in DAYS),
        *(formatting.moment(m, lang) for m in MOMENTS),
    ]


@pytest.mark.parametrize(("lang", "browser_locale"), [("ja", "en-US"), ("en", "ja-JP")])
def test_scripts_write_figures_and_dates_as_the_server_does(
    browser,  # noqa: F811
    lang: str,
    browser_locale: str,
) -> None:
    context = browser.new_context(locale=browser_locale, timezone_id="America/New_York")
    try:
        page = context.new_page()
        page.set_content(f'<!doctype html><html lang="{lang}"><head></head><body></body></html>')
        page.add_script_tag(path=str(TEXT_JS))
        shown = page.evaluate(
            """([numbers, shares, days, moments]) => [
                ...numbers.map((n) => formatNumber(n)),
                ...numbers.map((n) => formatNumber(n, 2)),
                ...shares.map((s) => formatPercent(s)),
                ...days.map((d) => formatDay(d)),
                ...moments.map((m) => formatMoment(m)),
            ]""",
            [NUMBERS, SHARES, [d.isoformat() for d in DAYS], [m.isoformat() for m in MOMENTS]],
        )
    finally:
        context.close()
    assert shown == server_texts(lang)
    if lang == "ja":
        assert "令和元年5月1日 00:30" in shown and "平成元年1月8日" in shown
    else:
        assert "2026-11-23 17:28 JST" in shown and "¥" not in "".join(shown)
