"""Population counts for districts already stored, from a table by district code (such as
住民基本台帳 counts by 町丁): only the counts change, the geometry stays as imported.

The whole table is checked before anything is stored; one bad value stores nothing. The
load is one transaction and is recorded among the layer loads, so caches of the city's
data (the plan geography, the editor's layers) see the new counts.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import BadInput
from ..layers import DISTRICTS, POPULATION
from ..sources import read_table
from ..storage import Store
from ..storage.district_counts import LoadRecord, update_district_counts
from ..translatable import Text
from .field_mapping import choose_mapping

logger = logging.getLogger(__name__)

COUNT_FIELDS = tuple(f.name for f in POPULATION.fields if f.kind == "integer")
# The refusal of a table by district code before any district is stored.
NO_DISTRICTS = Text("行政区がまだ取り込まれていません。先に行政区のレイヤを取り込んでください。")
# What is wrong with an empty cell (after its line and column).
EMPTY = Text("が空です")
# A count as people write it: digits, thousands commas, a ".0" a spreadsheet may add.
_COUNT = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?")


@dataclass
class PopulationReport:
    """What a population table gives: the districts it fills, the codes it does not know,
    the districts it leaves as they were, and the values it cannot take (row and column)."""

    source: str
    dry_run: bool = False
    encoding: str | None = None
    encoding_source: str | None = None
    mapping: dict[str, Any] = field(default_factory=dict)
    rows: int = 0
    matched: list[str] = field(default_factory=list)
    unknown_codes: list[dict[str, Any]] = field(default_factory=list)
    without_row: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    stored: bool = False

    @property
    def ok(self) -> bool:
        """True when every row could be taken (unknown codes are listed, not refused)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {"layer": POPULATION.name, "ok": self.ok, **asdict(self)}


def load_population(
    store: Store,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    source_name: str | None = None,
) -> PopulationReport:
    """Read a population table (CSV; UTF-8 with or without BOM, or CP932) and, unless
    ``dry_run`` or a value is bad, store its counts for the districts it names.

    Only the counts the table has (mapped by ``mapping`` or guessed from the column names)
    change; an empty cell makes that count unknown. Districts it does not name keep theirs.
    """
    table, used_encoding, encoding_source = read_table(Path(path), encoding)
    chosen = choose_mapping(POPULATION, table, mapping)
    counts = [name for name in COUNT_FIELDS if name in chosen.fields]
    report = PopulationReport(
        source=source_name or Path(path).name,
        dry_run=dry_run,
        encoding=used_encoding,
        encoding_source=encoding_source,
        mapping=chosen.to_dict(),
        rows=len(table),
    )
    if not counts:
        columns = [str(c) for c in table.columns]
        raise BadInput(
            Text(
                "人口表に人口・世帯数・65歳以上人口の列が見つかりません。"
                "--map population=列名 のように指定してください。ファイルの列: {columns}",
                columns=", ".join(columns),
            ),
            columns=columns,
        )
    districts = store.read_layer(DISTRICTS)
    if not len(districts):
        raise BadInput(NO_DISTRICTS)
    known = set(districts["code"].astype(str))
    values = _checked_rows(table, chosen.fields, counts, known, report)
    report.without_row = sorted(known - set(values))
    report.matched = sorted(values)
    if report.ok and not dry_run and values:
        _store(store, values, counts, report)
    return report


def _checked_rows(
    table: pd.DataFrame,
    fields: dict[str, str],
    counts: list[str],
    known: set[str],
    report: PopulationReport,
) -> dict[str, list[int | None]]:
    """The counts of each known district, by code; bad values, repeated codes and unknown
    codes go into the report (each row numbered as the file's line, the header being 1)."""
    values: dict[str, list[int | None]] = {}
    line_of: dict[str, int] = {}
    codes = table[fields["code"]].to_numpy(dtype=object, na_value=None)
    cells = {name: table[fields[name]].to_numpy(dtype=object, na_value=None) for name in counts}
    for index, raw_code in enumerate(codes):
        line = index + 2
        code = unicodedata.normalize("NFKC", str(raw_code or "")).strip()
        if not code:
            _refuse(report, line, fields["code"], None, EMPTY)
            continue
        row = [_count(cells[name][index]) for name in counts]
        for name, value in zip(counts, row, strict=True):
            if isinstance(value, str):
                _refuse(report, line, fields[name], value, Text("は0以上の整数ではありません"))
        if any(isinstance(value, str) for value in row):
            continue
        figures = dict(zip(counts, row, strict=True))
        people, elderly = figures.get("population"), figures.get("population_65")
        if people is not None and elderly is not None and elderly > people:
            _refuse(
                report,
                line,
                fields["population_65"],
                elderly,
                Text("が人口（{people:,}）より多くなっています", people=people),
            )
            continue
        if code in line_of:
            _refuse(report, line, fields["code"], code, repeated(line_of[code]))
            continue
        line_of[code] = line
        if code not in known:
            report.unknown_codes.append({"row": line, "code": code})
            continue
        values[code] = list(row)
    return values


def _count(cell: object) -> int | str | None:
    """A count from a cell: an int, None for an empty cell, or the text when it is no count."""
    if cell is None:
        return None
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if not text:
        return None
    match = _COUNT.fullmatch(text)
    return int(match.group(1).replace(",", "")) if match else str(cell)


def _refuse(report: PopulationReport, line: int, column: str, value: object, problem: Text) -> None:
    """Record a value the load cannot take, naming its line and column."""
    report.errors.append(row_refusal(line, column, value, problem))


def repeated(first: int) -> Text:
    """What is wrong with a code a table gave before, on line ``first``."""
    return Text("は{line}行目と重複しています", line=first)


def row_refusal(line: int, column: str, value: object, problem: Text) -> dict[str, Any]:
    """A table's row refused, naming its line, column and value, and what is wrong with
    it (``problem``, which follows the cell: 「が空です」, "is empty"); the message in
    Japanese and English."""
    if value is None:
        text = Text(
            "{line}行目の「{column}」{problem}。", line=line, column=column, problem=problem
        )
    else:
        text = Text(
            "{line}行目の「{column}」（{value}）{problem}。",
            line=line,
            column=column,
            value=str(value),
            problem=problem,
        )
    return {
        "row": line,
        "column": column,
        "value": None if value is None else str(value),
        "message": text.in_language("ja"),
        "message_en": text.in_language("en"),
    }


def _store(
    store: Store,
    values: dict[str, list[int | None]],
    counts: list[str],
    report: PopulationReport,
) -> None:
    """Update the districts' counts and record the load, in one transaction that raises
    the data generation (so every process rebuilds what it derived from the districts)."""
    with store.session(write=True) as session:
        report.stored = True  # the load's record says so
        update_district_counts(
            session,
            counts,
            values,
            LoadRecord(POPULATION.name, report.source, len(values), datetime.now(UTC)),
            report.to_dict(),
        )
    logger.info("stored %s of %d districts from %s", ", ".join(counts), len(values), report.source)
