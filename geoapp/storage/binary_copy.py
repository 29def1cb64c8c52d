"""Rows in PostgreSQL's binary COPY format, built a column at a time.

psycopg's ``write_row`` formats one row a call, which costs a large import more than the
server takes to store it. Here each column's values are framed at once (a 4-byte length
before each value, -1 for NULL) and the rows of a block joined in one pass; the block goes
to ``Copy.write`` after ``SIGNATURE``, and ``TRAILER`` ends the data. Large values can come
in two parts, so that their bulk is sent without being copied into a framed value first.
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
_JSONB = struct.Struct(">iB").pack


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


def jsonb_values(texts: Sequence[str]) -> list[bytes]:
    """JSON texts framed for a ``jsonb`` column, whose binary form is a version byte (1)
    and the text."""
    return [_JSONB(len(encoded) + 1, 1) + encoded for encoded in map(str.encode, texts)]


def framed_parts(
    heads: Sequence[bytes | None], bodies: Sequence[bytes | memoryview]
) -> tuple[list[bytes], Sequence[bytes | memoryview]]:
    """Values given in two parts each, framed: the length and the head, then the body as it
    is (not copied); a None head is NULL."""
    frames = [
        _NULL if head is None else _LENGTH(len(head) + len(body)) + head
        for head, body in zip(heads, bodies, strict=True)
    ]
    return frames, bodies


def rows_block(fields: int, parts: Sequence[Sequence[bytes | memoryview]]) -> bytes:
    """The rows of ``fields`` values whose framed bytes ``parts`` hold, in order: a list a
    part, each holding that part of every row (most values are one part; a value framed
    by ``framed_parts`` is two)."""
    if not parts or not parts[0]:
        return b""
    width = len(parts) + 1
    joined: list[bytes | memoryview] = [b""] * (len(parts[0]) * width)
    joined[0::width] = [fields.to_bytes(2, "big")] * len(parts[0])
    for position, part in enumerate(parts, start=1):
        joined[position::width] = part
    return b"".join(joined)


def _framed(value: bytes) -> bytes:
    """A value with its length before it."""
    return _LENGTH(len(value)) + value
