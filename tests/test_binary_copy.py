"""geoapp.storage.binary_copy: blocks built a column at a time are read by PostgreSQL's
binary COPY as the values they were made from."""

from __future__ import annotations

import psycopg
import pytest

from geoapp.storage import binary_copy


@pytest.fixture
def connection(postgis_schema_url: str):
    with psycopg.connect(postgis_schema_url, autocommit=True) as opened:
        opened.execute(
            "CREATE TABLE t (name text, count integer, share double precision, raw bytea, "
            "doc jsonb)"
        )
        yield opened


def copied(connection: psycopg.Connection, blocks: list[bytes]) -> list[tuple]:
    """The rows of ``t`` after COPYing the blocks in."""
    with connection.cursor() as cursor:
        copy_sql = "COPY t (name, count, share, raw, doc) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(copy_sql) as copy:
            copy.write(binary_copy.SIGNATURE)
            for block in blocks:
                copy.write(block)
            copy.write(binary_copy.TRAILER)
        return cursor.execute(
            "SELECT name, count, share, raw, doc FROM t ORDER BY count"
        ).fetchall()


def test_values_and_nulls_of_every_kind_come_back_as_they_were(connection) -> None:
    names = ["髙橋①地区", "", None, "a\tb\nc"]
    counts = [-2_147_483_648, 0, 1, 2_147_483_647]
    shares = [0.1, -1e300, None, 2.5]
    heads = [b"\x00", b"", b"\x01" * 3, None]
    bodies = [b"\xff", b"", memoryview(b"\x02" * 3000)[1:], b""]
    docs = ['{"人口": 1}', "{}", '{"a": [1, null]}', '{"b": "\\n"}']
    block = binary_copy.rows_block(
        5,
        [
            binary_copy.text_values(names),
            binary_copy.int4_values(counts),
            binary_copy.float8_values(shares),
            *binary_copy.framed_parts(heads, bodies),
            binary_copy.jsonb_values(docs),
        ],
    )
    rows = copied(connection, [block])
    raws = [b"\x00\xff", b"", b"\x01" * 3 + b"\x02" * 2999, None]
    parsed = [{"人口": 1}, {}, {"a": [1, None]}, {"b": "\n"}]
    assert rows == list(zip(names, counts, shares, raws, parsed, strict=True))


def test_rows_sent_in_several_blocks_or_none_at_all_are_all_stored(connection) -> None:
    def block(first: int, last: int) -> bytes:
        count = last - first
        return binary_copy.rows_block(
            5,
            [
                binary_copy.text_values([f"n{i}" for i in range(first, last)]),
                binary_copy.int4_values(list(range(first, last))),
                binary_copy.float8_values([None] * count),
                binary_copy.bytes_values([None] * count),
                binary_copy.jsonb_values(["{}"] * count),
            ],
        )

    assert block(0, 0) == b""
    rows = copied(connection, [block(0, 3), block(0, 0), block(3, 5)])
    assert [row[1] for row in rows] == [0, 1, 2, 3, 4]
    assert copied(connection, []) == rows
