"""年度 and 和暦."""

from datetime import UTC, date, datetime

import pytest

from geoapp.japanese_calendar import fiscal_year, fiscal_year_label, wareki_date, wareki_datetime


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), "令和8年11月23日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
    ],
)
def test_dates_are_written_in_the_era_calendar(day: date, expected: str) -> None:
    assert wareki_date(day) == expected


def test_the_fiscal_year_starts_on_april_first() -> None:
    assert fiscal_year(date(2027, 3, 31)) == 2026
    assert fiscal_year(date(2027, 4, 1)) == 2027


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2023, "令和5年度（2023年度）"),
        (2019, "令和元年度（2019年度）"),
        (2018, "平成30年度（2018年度）"),
    ],
)
def test_fiscal_years_are_labelled_in_wareki_and_western_years(year: int, expected: str) -> None:
    assert fiscal_year_label(year) == expected


def test_a_stored_utc_time_shows_in_japan_time_and_the_era_calendar() -> None:
    stored = datetime(2026, 11, 23, 16, 5, tzinfo=UTC)
    assert wareki_datetime(stored) == "令和8年11月24日 01:05"
    assert wareki_datetime(stored.replace(tzinfo=None)) == "令和8年11月24日 01:05"
