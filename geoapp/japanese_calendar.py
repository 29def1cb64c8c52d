"""Japanese dates: the fiscal year (年度, April–March) and era years (和暦)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")

# (first day, era name), newest first.
_ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)

# Era names and their Latin initials as fiscal years are written (R6, H30), with the
# calendar year of each era's first year.
_ERA_FIRST_YEARS = {"令和": 2019, "R": 2019, "平成": 1989, "H": 1989, "昭和": 1926, "S": 1926}
_FISCAL_YEAR = re.compile(
    r"^(?:(?P<western>\d{4})|(?P<era>令和|平成|昭和|[RHS])\s*(?P<year>元|\d{1,2}))\s*(?:年度?)?$"
)


def _era_year(name: str, year: int) -> str:
    """``令和元年`` for the first year of an era, ``令和8年`` otherwise."""
    return f"{name}{'元' if year == 1 else year}年"


def wareki_date(day: date) -> str:
    """The date in the Japanese era calendar, e.g. 令和8年11月23日."""
    for start, name in _ERAS:
        if day >= start:
            return f"{_era_year(name, day.year - start.year + 1)}{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def fiscal_year(day: date) -> int:
    """The fiscal year (starting April 1) a date falls in, as its calendar year."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_start(year: int) -> date:
    """The first day of fiscal year ``year``: April 1."""
    return date(year, 4, 1)


def fiscal_year_end(year: int) -> date:
    """The last day of fiscal year ``year``: March 31 of the next calendar year."""
    return date(year + 1, 3, 31)


def today_in_japan() -> date:
    """Today's date in Japan, whatever the server's time zone."""
    return datetime.now(UTC).astimezone(JST).date()


def fiscal_year_label(year: int) -> str:
    """A fiscal year as 和暦 and 西暦: 令和8年度（2026年度）."""
    era = wareki_fiscal_year(year)
    return f"{era}（{year}年度）" if era != f"{year}年度" else era


def wareki_fiscal_year(year: int) -> str:
    """A fiscal year in the era calendar: 令和8年度, 令和元年度.

    A fiscal year is named by the era in force on its first day, April 1 (FY2019, begun
    under 平成, is called 令和元年度 all the same).
    """
    first_day = date(year, 4, 1)
    for start, name in _ERAS:
        if first_day >= start or (name == "令和" and year == 2019):
            return f"{_era_year(name, year - start.year + 1)[:-1]}年度"
    return f"{year}年度"


def japan_time(moment: datetime) -> datetime:
    """A stored time (aware, or naive UTC) in Japan Standard Time."""
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(JST)


def wareki_datetime(moment: datetime) -> str:
    """A stored time in Japan time and the era calendar: 令和8年11月23日 17:28."""
    local = japan_time(moment)
    return f"{wareki_date(local.date())} {local:%H:%M}"


def parse_fiscal_year(text: str) -> int:
    """A fiscal year as written in a table: ``2024``, ``2024年度``, ``R6``, ``令和6年度``,
    ``令和元年度``, ``H30`` (full-width digits too); ``ValueError`` for anything else."""
    normal = unicodedata.normalize("NFKC", text).strip().upper()
    found = _FISCAL_YEAR.match(normal)
    if found is None:
        raise ValueError(f"not a fiscal year: {text!r}")
    if found["western"]:
        return int(found["western"])
    year = 1 if found["year"] == "元" else int(found["year"])
    if year < 1:
        raise ValueError(f"not a fiscal year: {text!r}")
    return _ERA_FIRST_YEARS[found["era"]] + year - 1
