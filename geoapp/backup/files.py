"""Backup files: what ``geoapp db backup`` writes for each backend and how ``geoapp db
restore`` reads each kind back, upgrading an older schema on the way."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

from ..errors import BadInput, Conflict
from ..storage import open_store
from ..storage.geopackage import is_geopackage, reading_archive, writing_archive
from ..storage.migration import latest_version
from ..storage.sqlite_tables import sqlite_snapshot
from ..storage.tables import TableReader
from ..storage.transfer import backup_sqlite, snapshot, sqlite_path, writing
from ..translatable import Counted, Text
from .moving import copy_tables
from .verification import Verification

logger = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
# What each kind of backup file is called in messages.
FORMAT_NAMES = {
    "sqlite": "SQLite (online backup)",
    "pg_dump": "pg_dump (custom format)",
    "geopackage": "GeoPackage (portable archive)",
}


@dataclass(frozen=True)
class Written:
    """What a backup or a restore wrote: the file's kind, each table's rows, the bytes of
    the file (0 for a database) and how long it took."""

    kind: str
    rows: dict[str, int]
    size: int
    seconds: float
    verification: Verification | None = field(default=None)

    def summary(self) -> Text:
        """One line: the kind of file, the tables and rows, the file's size and the time."""
        rows = sum(self.rows.values())
        facts: list[object] = [
            Counted("表 {n}", "表 {n}", n=len(self.rows)),
            Counted("行 {n:,}", "行 {n:,}", n=rows),
        ]
        if self.size:
            facts.append(f"{self.size / 1e6:,.1f} MB")
        facts.append(Text("{seconds:.1f} 秒", seconds=self.seconds))
        return Text("{kind}: {facts}", kind=FORMAT_NAMES[self.kind], facts=facts)


def back_up(url: str, path: Path, force: bool = False, portable: bool = False) -> Written:
    """Write a consistent snapshot of the database at ``url`` to ``path`` while it is in
    use: SQLite's online backup for SQLite, ``pg_dump`` for PostGIS where a suitable one
    is installed, else (or with ``portable``) the GeoPackage archive. The file appears
    only once complete."""
    from ..storage.pg_dump import dump, pg_dump_suits

    if path.exists() and not force:
        raise Conflict(
            Text("{path} は既にあります。上書きする場合は --force を付けてください。", path=path)
        )
    started = perf_counter()
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        source = sqlite_path(url)
        if source is not None and not portable:
            backup_sqlite(source, partial)
            with sqlite_snapshot(partial) as reader:
                kind, rows = "sqlite", _row_counts(reader)
        else:
            with snapshot(url) as reader:
                if not portable and reader.backend == "postgis" and pg_dump_suits(reader):
                    dump(reader, url, partial)  # type: ignore[arg-type]
                    kind, rows = "pg_dump", _row_counts(reader)
                else:
                    kind, rows = "geopackage", write_archive(reader, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    written = Written(kind, rows, path.stat().st_size, perf_counter() - started)
    logger.info(
        "backup of %s to %s: %s",
        sqlite_path(url) or "PostGIS",
        path,
        written.summary().in_language("en"),
    )
    return written


def write_archive(reader: TableReader, path: Path) -> dict[str, int]:
    """Write every copied table the reader sees into a new GeoPackage; each table's rows."""
    with writing_archive(path, reader.srid()) as archive:
        rows = {
            table.name: archive.append(table, reader.chunks(table, table.column_names))
            for table in reader.tables()
        }
        archive.record(reader.schema_version(), reader.counters(), rows)
    return rows


def restore(path: Path, url: str, replace: bool = False) -> Written:
    """Restore the backup at ``path`` into the database at ``url``: a database holding no
    data, or any with ``replace``; in one transaction, the schema checked first."""
    if not path.is_file():
        raise BadInput(Text("{path} がありません。", path=path))
    started = perf_counter()
    kind = file_kind(path)
    if kind == "pg_dump":
        rows = _restore_dump(path, url, replace)
        return Written(kind, rows, 0, perf_counter() - started)
    with ExitStack() as stack:
        source = stack.enter_context(_readable(path, kind))
        target = open_store(url, source.srid())
        try:
            target.upgrade()
        finally:
            target.close()
        verification = copy_tables(source, stack.enter_context(writing(url)), replace)
    rows = {check.name: int(check.target) for check in verification.checks if check.kind == "rows"}
    return Written(kind, rows, 0, perf_counter() - started, verification)


def file_kind(path: Path) -> str:
    """What kind of backup the file at ``path`` is."""
    from ..storage.pg_dump import is_dump

    if is_dump(path):
        return "pg_dump"
    if is_geopackage(path):
        return "geopackage"
    with path.open("rb") as file:
        if file.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC:
            return "sqlite"
    raise BadInput(
        Text(
            "{path} はgeoappのバックアップではありません"
            "（SQLiteファイル、pg_dumpのカスタム形式、GeoPackageのいずれでもありません）。",
            path=path,
        )
    )


def check_restorable(version: int, backend: str) -> None:
    """Refuse a backup made by a newer geoapp, whose schema this one does not know."""
    known = latest_version(backend)
    if version > known:
        raise BadInput(
            Text(
                "このバックアップのスキーマの版（{version}）は、このgeoappが扱える版（{known}）"
                "より新しいため復元できません。geoappを更新してから復元してください。",
                version=version,
                known=known,
            )
        )
    if version == 0:
        raise BadInput(Text("このファイルにはgeoappのスキーマがありません。"))


@contextmanager
def _readable(path: Path, kind: str) -> Iterator[TableReader]:
    """The backup's tables at the current schema version: read from the file itself, or
    from a temporary SQLite copy brought up to date by the migrations."""
    with tempfile.TemporaryDirectory(prefix="geoapp-restore-") as folder:
        staged = Path(folder) / "staged.sqlite3"
        if kind == "sqlite":
            with sqlite_snapshot(path) as reader:
                check_restorable(reader.schema_version(), "sqlite")
            shutil.copyfile(path, staged)
        else:
            with reading_archive(path) as archive:
                version = archive.schema_version()
                check_restorable(version, "sqlite")
                if version == latest_version("sqlite"):
                    yield archive
                    return
                _stage(archive, staged, version)
        _upgrade(staged)
        with sqlite_snapshot(staged) as reader:
            yield reader


def _stage(archive: TableReader, staged: Path, version: int) -> None:
    """Copy an archive of an older schema into a new SQLite file at that version."""
    store = open_store(f"sqlite:///{staged}", archive.srid())
    store.upgrade(target=version)
    with writing(f"sqlite:///{staged}") as writer:
        copy_tables(archive, writer)


def _upgrade(staged: Path) -> None:
    """Apply the migrations the staged copy lacks."""
    store = open_store(f"sqlite:///{staged}", 0)
    for migration in store.upgrade():
        logger.info("restore: upgraded the backup to %04d %s", migration.version, migration.name)


def _restore_dump(path: Path, url: str, replace: bool) -> dict[str, int]:
    """Restore a ``pg_dump`` file into the PostGIS database at ``url``, then upgrade it."""
    from ..storage.pg_dump import dumped_schema, dumped_schema_version, restore_dump

    if sqlite_path(url) is not None:
        raise BadInput(
            Text(
                "pg_dumpのファイルはPostgreSQLにだけ復元できます。SQLiteへ移すには、PostGIS へ"
                "復元してから `geoapp db copy` を使うか、`geoapp db backup --portable` の"
                "GeoPackageを復元してください。"
            )
        )
    check_restorable(dumped_schema_version(path), "postgis")
    schema = dumped_schema(path)
    with snapshot(url) as target:
        here = target.schema_name()  # type: ignore[attr-defined]
        tables = target.table_names()
        held = target.holding_data() if "schema_migrations" in tables else []
    if here != schema:
        raise BadInput(
            Text(
                "このダンプはスキーマ {schema} のものですが、復元先の検索パスの先頭は {here} "
                "です。検索パスが {schema} を指すデータベースURLを指定してください。",
                schema=schema,
                here=here,
            )
        )
    if held and not replace:
        raise Conflict(
            Text(
                "復元先のデータベースにはデータがあります（{tables}）。"
                "置き換える場合は --replace を付けてください。",
                tables=held,
            )
        )
    restore_dump(path, url, tables)
    store = open_store(url, 0)
    try:
        store.upgrade()
    finally:
        store.close()
    with snapshot(url) as restored:
        return _row_counts(restored)


def _row_counts(reader: TableReader) -> dict[str, int]:
    """Each copied table's rows."""
    return {table.name: reader.count(table.name) for table in reader.tables()}
