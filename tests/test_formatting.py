"""Figures, yen, dates and fiscal years as each language writes them (geoapp.formatting),
and the templates' filters that use them in the request's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask, render_template_string

from geoapp import formatting
from geoapp.web.i18n import bracketed

JAPANESE = ["1,234,567", "12.5", "200,000円", "1,700千円", "令和6年4月1日"]
ENGLISH = ["1,234,567", "12.5", "¥200,000", "¥1,700 thousand", "2024-04-01"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ja", [*JAPANESE, "令和元年度（2019年度）"]),
        ("en", [*ENGLISH, "FY2019 (April 2019 – March 2020)"]),
    ],
)
def test_each_language_writes_figures_money_and_dates(lang: str, expected: list[str]) -> None:
    assert [
        formatting.number(1234567, lang),
        formatting.number(12.46, lang, 1),
        formatting.yen(200_000, lang),
        formatting.thousand_yen(1_699_500, lang),
        formatting.day(date(2024, 4, 1), lang),
        formatting.fiscal_year(2019, lang),
    ] == expected


def test_missing_values_show_a_dash_and_thousands_round_half_up() -> None:
    assert {
        formatting.number(None, "ja"),
        formatting.yen(None, "en"),
        formatting.day(None, "ja"),
    } == {"—"}
    assert formatting.number(float("nan"), "en") == "—"
    assert [formatting.thousands_of_yen(a) for a in (499, 500, 1_499, None)] == [0, 1, 1, None]
    assert formatting.fiscal_year_short(2024, "ja") == "令和6年度"
    assert formatting.fiscal_year_short(2024, "en") == "FY2024"


def test_stored_times_show_in_japan_time() -> None:
    moment = datetime(2026, 11, 23, 8, 28, tzinfo=UTC)
    assert formatting.moment(moment, "ja") == "令和8年11月23日 17:28"
    assert formatting.moment(moment.isoformat(), "en") == "2026-11-23 17:28 JST"


def test_an_aside_is_bracketed_as_the_language_does() -> None:
    assert bracketed("集会所", "ja") == "（集会所）"
    assert bracketed("meeting hall", "en") == " (meeting hall)"


def test_the_templates_filters_follow_the_request_language(app: Flask) -> None:
    page = (
        "{{ 200000|yen }} {{ 1700000|thousand_yen }} {{ day|day }} {{ 2024|fiscal_year_short }} "
        "{{ 5|bracketed }}"
    )
    for lang, expected in (
        ("ja", "200,000円 1,700千円 令和6年4月1日 令和6年度 （5）"),
        ("en", "¥200,000 ¥1,700 thousand 2024-04-01 FY2024  (5)"),
    ):
        with app.test_request_context(f"/?lang={lang}"):
            assert render_template_string(page, day=date(2024, 4, 1)) == expected


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_share_reads_as_a_percentage_and_a_sliver_says_so(lang: str) -> None:
    assert [
        formatting.percent(0.125, lang),
        formatting.percent(0.5, lang, 0),
        formatting.percent(0.00012, lang, 3),
        formatting.percent(0.0004, lang),
        formatting.percent(0.0, lang),
        formatting.percent(None, lang),
        formatting.percent(12.3456, lang),
    ] == ["12.5%", "50%", "0.012%", "<0.1%", "0.0%", "—", "1,234.6%"]


def test_the_percent_filter_follows_the_request_language(app: Flask) -> None:
    for lang in ("ja", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            assert render_template_string("{{ 0.1234|percent }} {{ x|percent(3) }}", x=None) == (
                "12.3% —"
            )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_figures_round_half_up_as_written_and_changes_carry_their_sign(lang: str) -> None:
    assert [formatting.number(v, lang, 2) for v in (2.675, 1.005, -0.004)] == [
        "2.68",
        "1.01",
        "0.00",
    ]
    assert [formatting.number(v, lang, signed=True) for v in (1234, -56, 0)] == [
        "+1,234",
        "-56",
        "+0",
    ]
