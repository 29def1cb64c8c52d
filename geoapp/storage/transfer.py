"""Whole databases read and written table by table, whichever backend a URL names; the
SQLite online backup."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager, closing
from pathlib import Path
from urllib.parse import urlparse

from ..errors import BadInput
from ..translatable import Text
from .tables import TableReader, TableWriter


def sqlite_path(url: str) -> Path | None:
    """The file of an ``sqlite:///`` URL (None for another backend)."""
    return Path(url.removeprefix("sqlite://")) if urlparse(url).scheme == "sqlite" else None


def snapshot(url: str) -> AbstractContextManager[TableReader]:
    """The tables of the database at ``url`` as one read transaction sees them."""
    path = sqlite_path(url)
    if path is not None:
        from .sqlite_tables import sqlite_snapshot

        return sqlite_snapshot(_existing(path))
    from .postgis_tables import postgis_snapshot

    return postgis_snapshot(url)


def writing(url: str) -> AbstractContextManager[TableWriter]:
    """The database at ``url`` filled in one transaction."""
    path = sqlite_path(url)
    if path is not None:
        from .sqlite_tables import sqlite_writing

        return sqlite_writing(path)
    from .postgis_tables import postgis_writing

    return postgis_writing(url)


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy the SQLite file ``source`` to ``target`` with SQLite's online backup, which
    reads one consistent state while other connections go on writing; the copy is one
    self-contained file (no write-ahead log beside it)."""
    with (
        closing(sqlite3.connect(_existing(source))) as reading,
        closing(sqlite3.connect(target)) as written,
    ):
        reading.backup(written)
        written.execute("PRAGMA journal_mode=DELETE")


def _existing(path: Path) -> Path:
    """``path``, which must name a file: reading must not create an empty database."""
    if not path.is_file():
        raise BadInput(Text("データベースファイル {path} がありません。", path=path))
    return path
