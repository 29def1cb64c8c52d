"""Rows in PostgreSQL's binary COPY format, built a column at a time.

psycopg's ``write_row`` formats one row a call, which costs a large import more than the
server takes to store it. Here each column's values are framed at once (a 4-byte length
before each value, -1 for NULL) and the rows of a block joined in one pass; the block goes
to ``Copy.write`` after ``SIGNATURE``, and ``TRAILER`` ends the data.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # no flags, no header extension
TRAILER = b"\xff\xff"
_NULL = b"\xff\xff\xff\xff"
_LENGTH = struct.Struct(">i").pack
_INT4 = struct.Struct(">ii").pack
_FLOAT8 = struct.Struct(">id").pack


def text_values(values: Sequence[str | None]) -> list[bytes]:
    """Text values framed for a ``text`` column (UTF-8, the client encoding)."""
    return [_NULL if value is None else _framed(value.encode()) for value in values]


def bytes_values(values: Sequence[bytes | None]) -> list[bytes]:
    """Values framed as they are: ``bytea``, or another type's binary form."""
    return [_NULL if value is None else _LENGTH(len(value)) + value for value in values]


def int4_values(values: Sequence[int | None]) -> list[bytes]:
    """Whole numbers framed for an ``integer`` column."""
    return [_NULL if value is None else _INT4(4, value) for value in values]


def float8_values(values: Sequence[float | None]) -> list[bytes]:
    """Reals framed for a ``double precision`` column."""
    return [_NULL if value is None else _FLOAT8(8, value) for value in values]


def rows_block(columns: Sequence[list[bytes]]) -> bytes:
    """The rows whose framed values ``columns`` hold, column by column, as one block."""
    if not columns or not columns[0]:
        return b""
    width = len(columns) + 1
    parts: list[bytes] = [b""] * (len(columns[0]) * width)
    parts[0::width] = [len(columns).to_bytes(2, "big")] * len(columns[0])
    for position, column in enumerate(columns, start=1):
        parts[position::width] = column
    return b"".join(parts)


def _framed(value: bytes) -> bytes:
    """A value with its length before it."""
    return _LENGTH(len(value)) + value
