"""CSV files as geoapp writes them for spreadsheets: UTF-8 with a BOM (Excel reads it),
CRLF rows (RFC 4180), and no cell that a spreadsheet would run as a formula.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (after
any quotes) gets one ``'`` in front, as OWASP advises against CSV injection; numbers are
written as numbers, so ``-3`` stays a number. Reading geoapp's own CSV back, ``unquoted``
drops exactly that one quote again: a cell of one or more ``'`` followed by one of those
characters loses its first ``'``. Text that started with quotes was given one more, so the
round trip returns every text unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from ..errors import BadInput
from ..translatable import Text

_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_QUOTED_FORMULA_START = re.compile(r"'+[=+\-@\t\r]")


def safe_cell(value: object) -> object:
    """``value`` as a cell no spreadsheet runs: formula-like text gets a leading ``'``."""
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


def unquoted(text: str) -> str:
    """A cell of geoapp's CSV as the text it was before ``safe_cell``."""
    return text[1:] if _QUOTED_FORMULA_START.match(text) else text


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str = "utf-8-sig"
) -> bytes:
    """A CSV file of ``header`` and ``rows``, every text cell made safe; in UTF-8 with a
    BOM, or ``cp932`` (Shift_JIS), refused naming the first character it cannot hold."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    text = buffer.getvalue()
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        character = exc.object[exc.start]
        line = text.count("\n", 0, exc.start) + 1
        raise BadInput(
            Text(
                "{line}行目の「{character}」（U+{code:04X}）は Shift_JIS で書けません。"
                "UTF-8 で出力してください。",
                line=line,
                character=character,
                code=ord(character),
            )
        ) from None


def csv_text(data: bytes, filename: str) -> str:
    """A CSV file's text: UTF-8 (with or without BOM), else Shift_JIS (CP932)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput(
        Text(
            "{file} の文字コードを読み取れません。UTF-8 または Shift_JIS で保存してください。",
            file=filename,
        )
    )


def csvt_bytes(kinds: Sequence[str]) -> bytes:
    """The ``.csvt`` file GDAL and QGIS read beside a CSV of the same name: one quoted type
    per column (``String``, ``Integer``, ``Real``), so a code like ``0012`` stays text."""
    return (",".join(f'"{kind}"' for kind in kinds) + "\r\n").encode("ascii")


def frame_csvt_bytes(frame: pd.DataFrame) -> bytes:
    """The ``.csvt`` of ``frame_csv_bytes(frame)``: each column's type from its dtype."""
    kinds = []
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_integer_dtype(dtype):
            kinds.append("Integer")
        elif pd.api.types.is_float_dtype(dtype):
            kinds.append("Real")
        else:
            kinds.append("String")
    return csvt_bytes(kinds)


def frame_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as a CSV file (no index), every text cell made safe; missing values empty."""
    safe = frame.copy()
    for column in safe.columns:
        dtype = safe[column].dtype
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            safe[column] = safe[column].map(safe_cell)
    safe.columns = [str(safe_cell(str(name))) for name in safe.columns]
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
