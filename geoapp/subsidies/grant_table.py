"""The finance section's grants table (CSV): its columns, each cell read as the section
writes it, and a bad cell refused naming its line and column.

Columns: ``organization`` (id or name), ``program`` (key), ``fiscal_year`` (2024, R6 or
令和6年度; may be empty when ``decided_on`` is given), ``project``, ``requested``,
``granted`` (whole yen: 200000, 200,000 or ¥200,000円), ``decided_on`` (2025-03-31 or
2025/3/31), and optionally ``note`` and ``exception_reason`` (admins). Lines are numbered
as in the file, the header being line 1. UTF-8 with or without BOM, or Shift_JIS (CP932).
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import formatting
from ..errors import BadInput
from ..japanese_calendar import fiscal_year, parse_fiscal_year
from ..sources import read_table
from ..translatable import Sentences, Shown, Text, joined
from ..web.validation import unsafe_character
from .programs import MAX_YEN
from .rules import Verdict

REQUIRED_COLUMNS = (
    "organization",
    "program",
    "fiscal_year",
    "project",
    "requested",
    "granted",
    "decided_on",
)
OPTIONAL_COLUMNS = ("note", "exception_reason")
# Columns the export adds for readers, which the import passes over.
READER_COLUMNS = ("organization_name", "program_name")
ALL_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
MAX_TEXT = {"organization": 100, "program": 40, "project": 200, "note": 2000}
MAX_ROWS = 200_000
_YEN = re.compile(r"¥?\s*(\d{1,3}(?:,\d{3})+|\d+)\s*円?")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


@dataclass(frozen=True)
class GrantRow:
    """One line of the table, read: the organization and program as written (resolved by
    the service), or ``problem`` for its first bad cell."""

    line: int
    organization: str = ""
    program: str = ""
    fiscal_year: int = 0
    project: str = ""
    requested: int = 0
    granted: int = 0
    decided_on: date | None = None
    note: str = ""
    exception_reason: str | None = None
    problem: Verdict | None = None


class BadCell(ValueError):
    """A cell the table cannot take: what is wrong, said after the column's name
    (「granted」が空です, "granted is empty")."""

    def __init__(self, what: Text) -> None:
        super().__init__(what.in_language("en"))
        self.what = what


def read_grant_table(data: bytes, filename: str) -> list[GrantRow]:
    """The rows of a grants CSV, each read or refused; a ``BadInput`` when the file cannot
    be read as CSV or lacks a column."""
    with tempfile.TemporaryDirectory() as folder:
        # Saved under the name it was sent with, so the reader's errors name that file.
        name = Path(filename).name
        path = Path(folder) / (name if name not in ("", ".", "..") else "grants.csv")
        path.write_bytes(data)
        table, _encoding, _how = read_table(path)
    columns = [str(column) for column in table.columns]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *READER_COLUMNS)
    unknown = [name for name in columns if name not in known]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(
                Text("列「{columns}」がありません。", columns=joined(missing, "」「", ", "))
            )
        if unknown:
            problems.append(
                Text("列「{columns}」は使えません。", columns=joined(unknown, "」「", ", "))
            )
        raise BadInput(
            Text(
                "{file}: {problems}"
                "見出しは {header}（任意で note, exception_reason）にしてください。",
                file=filename,
                problems=Sentences(*problems),
                header=", ".join(REQUIRED_COLUMNS),
            ),
            fields=missing + unknown,
        )
    if len(table) > MAX_ROWS:
        raise BadInput(
            Text(
                "{file}: 行が多すぎます（{rows:,}行、{limit:,}行まで）。",
                file=filename,
                rows=len(table),
                limit=MAX_ROWS,
            )
        )
    count = len(table)
    read = {
        name: [
            _cell(name, text)
            for text in (
                table[name].to_numpy(dtype=object, na_value=None)
                if name in columns
                else [None] * count
            )
        ]
        for name in ALL_COLUMNS
    }
    return [_row(index + 2, [read[name][index] for name in ALL_COLUMNS]) for index in range(count)]


def read_row(line: int, cells: dict[str, object]) -> GrantRow:
    """One line's cells read, or the line with the problem of its first bad cell."""
    return _row(line, [_cell(name, cells.get(name)) for name in ALL_COLUMNS])


def _row(line: int, values: list[object]) -> GrantRow:
    """A line from its cells' values (in ``ALL_COLUMNS`` order), or the line with the
    problem of its first bad cell."""
    try:
        for value in values:
            if isinstance(value, _Bad):
                raise value
        (organization, program, given, project, requested, granted, decided_on, note, reason) = (
            values
        )
        year = grant_year(given, decided_on)  # type: ignore[arg-type]
        if granted > requested:  # type: ignore[operator]
            raise _Bad(
                "granted",
                Text(
                    "が申請額（{requested}）を超えています",
                    requested=Shown(formatting.yen, requested),
                ),
                granted,
            )
    except _Bad as bad:
        return GrantRow(line, problem=bad_value(line, bad.column, bad.value, bad.what))
    return GrantRow(
        line,
        organization=organization,  # type: ignore[arg-type]
        program=program,  # type: ignore[arg-type]
        fiscal_year=year,
        project=project,  # type: ignore[arg-type]
        requested=requested,  # type: ignore[arg-type]
        granted=granted,  # type: ignore[arg-type]
        decided_on=decided_on,  # type: ignore[arg-type]
        note=note,  # type: ignore[arg-type]
        exception_reason=reason or None,  # type: ignore[arg-type]
    )


def grant_year(given: int | None, decided_on: date | None) -> int:
    """The grant's fiscal year: the one given, which must be that of the decision date
    when both are (April–March: 31 March 2025 is 令和6年度, 1 April 2025 令和7年度)."""
    if given is None and decided_on is None:
        raise _Bad("fiscal_year", Text("が空です（年度か決定日のどちらかが必要です）"), None)
    if decided_on is None:
        return given  # type: ignore[return-value]
    decided_in = fiscal_year(decided_on)
    if given is not None and given != decided_in:
        raise _Bad(
            "fiscal_year",
            Text(
                "（{given}）が決定日{decided_on}の年度（{decided_in}）と違います",
                given=_label(given),
                decided_on=decided_on.isoformat(),
                decided_in=_label(decided_in),
            ),
            None,
        )
    return decided_in


def bad_value(line: int | None, column: str, value: object, what: Text) -> Verdict:
    """The verdict on a bad cell, naming its line (None: a form or API field) and column."""
    return Verdict("bad_value", bad_value_text(line, column, value, what), column)


def bad_value_text(line: int | None, column: str, value: object, what: Text) -> Text:
    """What is wrong with a cell (``what``), after its line, column and value."""
    if value in (None, ""):
        if line:
            return Text("{line}行目の「{column}」{what}。", line=line, column=column, what=what)
        return Text("「{column}」{what}。", column=column, what=what)
    shown = _shown(value)
    if line:
        return Text(
            "{line}行目の「{column}」（{value}）{what}。",
            line=line,
            column=column,
            value=shown,
            what=what,
        )
    return Text("「{column}」（{value}）{what}。", column=column, value=shown, what=what)


# --- cells -----------------------------------------------------------------------------------
class _Bad(Exception):
    """A bad cell: its column, value and what is wrong."""

    def __init__(self, column: str, what: Text, value: object) -> None:
        super().__init__(column)
        self.column, self.what, self.value = column, what, value


def _cell(name: str, raw: object) -> object:
    """One cell as its column's value (None for an empty optional cell), or the ``_Bad``
    that says what is wrong with it."""
    text = raw if isinstance(raw, str) else "" if raw is None else str(raw)
    if (character := unsafe_character(text)) is not None:
        return _Bad(
            name, Text("に使えない文字（{character}）があります", character=character), text
        )
    try:
        return _READERS[name](text.strip())
    except BadCell as bad:
        return _Bad(name, bad.what, text)


def _required_text(name: str) -> object:
    """A reader of a text cell that may not be empty."""

    within_limit = _text(name)

    def read(text: str) -> str:
        if not text:
            raise BadCell(Text("が空です"))
        return within_limit(text)  # type: ignore[operator]

    return read


def _text(name: str) -> object:
    """A reader of a text cell of at most its column's length."""
    limit = MAX_TEXT.get(name, 2000)

    def read(text: str) -> str:
        if len(text) > limit:
            raise BadCell(Text("が長すぎます（{limit}文字まで）", limit=limit))
        return text

    return read


def read_yen(text: str) -> int:
    """Whole yen as written: 200000, 200,000, ¥200,000 or 200,000円 (full-width too)."""
    if text.isascii() and text.isdigit() and len(text) <= 13 and int(text) <= MAX_YEN:
        return int(text)
    found = _YEN.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if not text.strip():
        raise BadCell(Text("が空です"))
    if found is None or int(found.group(1).replace(",", "")) > MAX_YEN:
        raise BadCell(Text("は0以上の整数の金額（円）ではありません"))
    return int(found.group(1).replace(",", ""))


@lru_cache(maxsize=1024)
def read_fiscal_year(text: str) -> int | None:
    """A fiscal year (2024, R6, 令和6年度), or None for an empty cell."""
    if not text:
        return None
    try:
        year = parse_fiscal_year(text)
    except ValueError:
        year = 0
    if not 1900 <= year <= 2200:
        raise BadCell(Text("は年度ではありません（2024、R6、令和6年度 のように書きます）"))
    return year


@lru_cache(maxsize=4096)
def read_date(text: str) -> date | None:
    """A date as 2025-03-31 or 2025/3/31, or None for an empty cell."""
    if not text:
        return None
    found = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    try:
        if found is None:
            raise ValueError(text)
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise BadCell(Text("は日付ではありません（2025-03-31 のように書きます）")) from None


_READERS = {
    "organization": _required_text("organization"),
    "program": _required_text("program"),
    "fiscal_year": read_fiscal_year,
    "project": _text("project"),
    "requested": read_yen,
    "granted": read_yen,
    "decided_on": read_date,
    "note": _text("note"),
    "exception_reason": _text("note"),
}


def _label(year: int) -> Shown:
    """A fiscal year as each language names it: 令和6年度, FY2024."""
    return Shown(formatting.fiscal_year_short, year)


def _shown(value: object) -> str:
    """A cell's value as a message quotes it: at most 30 characters."""
    text = str(value)
    return text if len(text) <= 30 else text[:29] + "…"


def table_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Grants as the table the import reads back (the export's columns first)."""
    return pd.DataFrame(rows, columns=[*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])
