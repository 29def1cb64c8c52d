"""Copying every table of one geoapp database into another, of either backend, in one
transaction on the target, checked before it commits."""

from __future__ import annotations

import logging

from ..errors import BadInput, Conflict, GeoappError
from ..storage.tables import TableReader, TableWriter
from ..translatable import Text
from .verification import Verification, verify

logger = logging.getLogger(__name__)


class CopyFailed(GeoappError):
    """A copy whose target did not match its source: nothing was kept."""

    code = "copy_failed"


def copy_tables(source: TableReader, target: TableWriter, replace: bool = False) -> Verification:
    """Copy every table of ``source`` into ``target``, which must hold no data unless
    ``replace`` (its rows and login sessions are deleted first, in the same transaction);
    the verification, which must hold for the target to be kept."""
    written = target.reader()
    check_same_schema(source, written)
    held = written.holding_data()
    if held and not replace:
        raise Conflict(
            Text(
                "書き込み先のデータベースにはデータがあります（{tables}）。"
                "置き換える場合は --replace を付けてください。",
                tables=held,
            )
        )
    if replace:
        target.clear()
    target.set_srid(source.srid())
    for table in written.tables():
        columns = table.column_names
        count = target.append(table, columns, source.chunks(source.table(table.name), columns))
        logger.info("copied %s: %d rows", table.name, count)
    target.set_counters(source.counters())
    target.raise_data_generation()
    verification = verify(source, written)
    if not verification.holds:
        raise CopyFailed(
            Text(
                "書き込んだ内容の確認で元との違いが見つかったため、書き込み先は変更していません"
                "（{checks}）。",
                checks=[f"{check.kind} {check.name}" for check in verification.failed()],
            )
        )
    return verification


def check_same_schema(source: TableReader, target: TableReader) -> None:
    """Refuse to copy between databases whose schema versions or tables differ."""
    have, want = source.schema_version(), target.schema_version()
    if have != want:
        raise BadInput(
            Text(
                "コピー元のスキーマの版（{have}）とコピー先の版（{want}）が違います。"
                "両方を `geoapp db upgrade` で最新にしてください。",
                have=have,
                want=want,
            )
        )
    source_tables = {table.name: set(table.column_names) for table in source.tables()}
    target_tables = {table.name: set(table.column_names) for table in target.tables()}
    if source_tables != target_tables:
        differing = sorted(
            name
            for name in source_tables.keys() | target_tables.keys()
            if source_tables.get(name) != target_tables.get(name)
        )
        raise BadInput(
            Text("コピー元とコピー先で表の構成が違います（{tables}）。", tables=differing)
        )
