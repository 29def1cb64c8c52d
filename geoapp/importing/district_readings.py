"""The districts' readings (よみがな) from a table by district code that the city loads: the
public search matches them, so 「ひらお」 finds 平和 where the data says so. Readings are
never generated (a generated reading misreads place names); they come from the city.

The whole table is checked first; one bad row stores nothing. A load replaces every
reading loaded before, in one transaction recorded among the layer loads.
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
from ..layers import DISTRICTS
from ..sources import read_table
from ..storage import Store
from ..storage.district_counts import LoadRecord
from ..storage.district_readings import replace_district_readings
from ..translatable import Text
from .population_table import EMPTY, NO_DISTRICTS, repeated, row_refusal

logger = logging.getLogger(__name__)

# How a load is recorded among the layer loads.
READINGS = "readings"
# The headers a city's table may give its two columns (compared after NFKC, lower case).
CODE_HEADERS = ("code", "district_code", "コード", "行政区コード", "町丁コード", "町字コード")
KANA_HEADERS = (
    "kana",
    "name_kana",
    "よみ",
    "よみがな",
    "読み",
    "読み仮名",
    "ふりがな",
    "フリガナ",
    "かな",
    "カナ",
    "名称_カナ",
    "名称（かな）",
)
MAX_KANA = 100
# A reading as written: hiragana, katakana, the long-vowel mark and spaces (half-width
# katakana become full-width by NFKC first). No middle dot: EUC-JP text misread as
# Shift_JIS turns into half-width kana behind ・ and 、, which must not pass for readings.
_KANA = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe\u31f0-\u31ff ]+$")


@dataclass
class ReadingsReport:
    """What a readings table gives: its rows, the districts it reads and those it leaves
    without, and the rows it cannot take (line and column)."""

    source: str
    dry_run: bool = False
    encoding: str | None = None
    rows: int = 0
    read: int = 0
    without_reading: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    stored: bool = False

    @property
    def ok(self) -> bool:
        """True when every row could be taken."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {"layer": READINGS, "ok": self.ok, **asdict(self)}


def load_readings(
    store: Store,
    path: Path,
    *,
    encoding: str | None = None,
    dry_run: bool = False,
    source_name: str | None = None,
) -> ReadingsReport:
    """Read a readings table (CSV; UTF-8 with or without BOM, or Shift_JIS) and, unless
    ``dry_run`` or a row is bad, store its readings in place of those loaded before."""
    source = source_name or Path(path).name
    table, used_encoding, _how = read_table(Path(path), encoding)
    code_column, kana_column = _columns(table, source)
    if not len(table):
        raise BadInput(
            Text(
                "{file} に行がありません。"
                "見出しの下に行政区コードとよみがなを1行ずつ書いてください。",
                file=source,
            )
        )
    districts = store.read_layer(DISTRICTS)
    if not len(districts):
        raise BadInput(NO_DISTRICTS)
    report = ReadingsReport(source, dry_run, used_encoding, rows=len(table))
    known = set(districts["code"].astype(str))
    readings = _checked_rows(table, code_column, kana_column, known, report)
    report.read = len(readings)
    report.without_reading = sorted(known - set(readings))
    if report.ok and not dry_run:
        with store.session(write=True) as session:
            report.stored = True  # the load's record says so
            replace_district_readings(
                session,
                readings,
                LoadRecord(READINGS, source, len(readings), datetime.now(UTC)),
                report.to_dict(),
            )
        logger.info("stored the readings of %d districts from %s", len(readings), source)
    return report


def _columns(table: pd.DataFrame, source: str) -> tuple[str, str]:
    """The table's code and reading columns, found by their headers."""
    headers = {unicodedata.normalize("NFKC", str(c)).strip().lower(): str(c) for c in table}
    code = next((headers[h] for h in CODE_HEADERS if h in headers), None)
    kana = next((headers[h] for h in KANA_HEADERS if h in headers), None)
    if code is None or kana is None:
        raise BadInput(
            Text(
                "{file} に{column}がありません。"
                "見出しを code, kana（または 行政区コード, よみがな）にしてください。"
                "ファイルの列: {columns}",
                file=source,
                column=Text("行政区コードの列") if code is None else Text("よみがなの列"),
                columns=", ".join(map(str, table.columns)) or "—",
            ),
            fields=["code" if code is None else "kana"],
        )
    return code, kana


def _checked_rows(
    table: pd.DataFrame, code_column: str, kana_column: str, known: set[str], report: ReadingsReport
) -> dict[str, str]:
    """Each known district's reading, by code; empty, repeated or unknown codes and readings
    that are not kana go into the report, each row numbered as the file's line (the header
    being line 1)."""
    readings: dict[str, str] = {}
    line_of: dict[str, int] = {}
    codes = table[code_column].to_numpy(dtype=object, na_value=None)
    kanas = table[kana_column].to_numpy(dtype=object, na_value=None)
    for index, (raw_code, raw_kana) in enumerate(zip(codes, kanas, strict=True)):
        line = index + 2
        code = unicodedata.normalize("NFKC", str(raw_code or "")).strip()
        kana = unicodedata.normalize("NFKC", str(raw_kana or "")).strip()
        if not code:
            _refuse(report, line, code_column, None, EMPTY)
        elif code in line_of:
            _refuse(report, line, code_column, code, repeated(line_of[code]))
        elif code not in known:
            _refuse(report, line, code_column, code, Text("の行政区は取り込まれていません"))
        elif not kana:
            _refuse(report, line, kana_column, None, EMPTY)
        elif len(kana) > MAX_KANA or not _KANA.match(kana):
            problem = Text("はひらがなかカタカナではありません")
            _refuse(report, line, kana_column, kana[:MAX_KANA], problem)
        else:
            readings[code] = kana
        if code:
            line_of.setdefault(code, line)
    return readings


def _refuse(report: ReadingsReport, line: int, column: str, value: object, problem: Text) -> None:
    """Record a row the load cannot take, naming its line and column."""
    report.errors.append(row_refusal(line, column, value, problem))
