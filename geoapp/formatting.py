"""Numbers, yen, dates and fiscal years as each language writes them, in one place.

Japanese: 1,234 人, 12.5%, 200,000円, 1,700千円, 令和6年4月1日, 令和6年度（2024年度）.
English: 1,234, 12.5%, ¥200,000, ¥1,700 thousand, 2024-04-01, FY2024. Numbers come from Babel's
locale data; the calendar from ``japanese_calendar``. Templates reach these as filters
(``geoapp.web.i18n``) in the request's language.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal, format_percent

from .japanese_calendar import (
    fiscal_year_label,
    japan_time,
    wareki_date,
    wareki_datetime,
    wareki_fiscal_year,
)
from .translatable import N_

MISSING = "—"


def _half_up(value: float | Decimal, digits: int) -> Decimal:
    """``value`` as written (its shortest decimal form) rounded half up (四捨五入) to
    ``digits`` decimals: 2.675 → 2.68, as static/text.js rounds it too; never −0."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


def _pattern(digits: int) -> str:
    """Babel's pattern for a grouped figure with ``digits`` decimals."""
    return "#,##0" + ("." + "0" * digits if digits else "")


def number(value: float | None, lang: str, digits: int = 0, signed: bool = False) -> str:
    """A figure with the locale's grouping (1,234; 12.5 with ``digits=1``), — for none;
    ``signed``, a change with its sign (+1,234, -56, +0)."""
    if value is None or value != value:
        return MISSING
    pattern = _pattern(digits)
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(_half_up(value, digits), format=pattern, locale=lang)


def percent(share: float | None, lang: str, digits: int = 1) -> str:
    """A share (0.125) as a percentage with the locale's signs: 12.5%; — for none. A share
    above 0 that would round to 0 reads <0.1%, not 0.0% (a district barely in a
    zone is still in it)."""
    if share is None or share != share:
        return MISSING
    pattern = _pattern(digits) + "%"
    rounded = _half_up(Decimal(str(share)).scaleb(2), digits)
    if share > 0 and not rounded:
        return "<" + format_percent(Decimal(1).scaleb(-digits - 2), format=pattern, locale=lang)
    return format_percent(rounded.scaleb(-2), format=pattern, locale=lang)


def yen(amount: int | None, lang: str) -> str:
    """An amount of money: 200,000円 in Japanese, ¥200,000 in English."""
    if amount is None:
        return MISSING
    if lang == "ja":
        return f"{number(amount, lang)}円"
    return format_currency(amount, "JPY", locale=lang)


def thousands_of_yen(amount: int | None) -> int | None:
    """An amount in 千円, rounded half up (千円未満四捨五入), as budgets are tabled."""
    return None if amount is None else (amount + 500) // 1000


def thousand_yen(amount: int | None, lang: str) -> str:
    """An amount in thousands of yen, rounded half up: 1,700千円, ¥1,700 thousand."""
    value = thousands_of_yen(amount)
    if value is None:
        return MISSING
    if lang == "ja":
        return f"{number(value, lang)}千円"
    return f"{format_currency(value, 'JPY', locale=lang)} thousand"


def day(when: date | str | None, lang: str) -> str:
    """A date: 令和6年4月1日 (和暦) in Japanese, 2024-04-01 (ISO 8601) in English."""
    if when is None:
        return MISSING
    if isinstance(when, str):
        when = date.fromisoformat(when[:10])
    return wareki_date(when) if lang == "ja" else when.isoformat()


def moment(when: datetime | str | None, lang: str) -> str:
    """A stored time in Japan time: 令和6年4月1日 17:28, 2024-04-01 17:28 JST."""
    if when is None:
        return MISSING
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    if lang == "ja":
        return wareki_datetime(when)
    return f"{japan_time(when):%Y-%m-%d %H:%M} JST"


def fiscal_year(year: int, lang: str) -> str:
    """A fiscal year in full: 令和6年度（2024年度）, FY2024 (April 2024 – March 2025)."""
    if lang == "ja":
        return fiscal_year_label(year)
    return f"FY{year} (April {year} – March {year + 1})"


def fiscal_year_short(year: int, lang: str) -> str:
    """A fiscal year as a chart, a slider or a table heading names it: 令和6年度, FY2024."""
    return wareki_fiscal_year(year) if lang == "ja" else f"FY{year}"


# An aside after a word, as each language brackets it: 公民館（集会所）, Kominkan (meeting hall).
ASIDE = N_("（{text}）")
