"""PostgreSQL's own backup tools for a PostGIS geoapp database: ``pg_dump`` in custom format
of the URL's current schema, and its restore through ``pg_restore`` and ``psql`` in one
transaction."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import BadInput, StorageUnavailable
from ..translatable import Text
from .postgis_tables import PostGISReader

# The first bytes of a custom-format dump.
MAGIC = b"PGDMP"
_VERSION = re.compile(r"(\d+)\.")
# The statements after a restore: the restored database gets an origin of its own (caches
# must never take it for the one dumped) and no login session of the old one.
_AFTER_RESTORE = """
DO $$ BEGIN
  IF to_regclass({generation}) IS NOT NULL THEN
    EXECUTE format('UPDATE %s SET origin = substr(md5(random()::text || clock_timestamp()::text),
                    1, 16), generation = generation + 1', {generation});
  END IF;
  IF to_regclass({sessions}) IS NOT NULL THEN
    EXECUTE format('DELETE FROM %s', {sessions});
  END IF;
END $$;
"""


def is_dump(path: Path) -> bool:
    """Whether the file at ``path`` is a custom-format dump."""
    with path.open("rb") as file:
        return file.read(len(MAGIC)) == MAGIC


def pg_dump_suits(reader: PostGISReader) -> bool:
    """Whether a ``pg_dump`` is installed that can dump this server (its major version is
    the server's or newer)."""
    tool = shutil.which("pg_dump")
    if tool is None:
        return False
    answer = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    found = _VERSION.search(answer.stdout)
    server = int(reader.connection.info.server_version) // 10000
    return found is not None and int(found[1]) >= server


def dump(reader: PostGISReader, url: str, path: Path) -> None:
    """Dump the current schema of ``url`` to ``path`` as the reader's transaction sees it
    (its snapshot is exported to ``pg_dump``), so that the reader's counts are the dump's."""
    snapshot = reader.connection.execute("SELECT pg_export_snapshot()").fetchone()
    schema = reader.connection.execute("SELECT current_schema()").fetchone()
    assert snapshot and schema
    _run(
        [
            "pg_dump",
            "--format=custom",
            f"--schema={schema[0]}",
            f"--snapshot={snapshot[0]}",
            "--no-owner",
            "--no-privileges",
            f"--file={path}",
            f"--dbname={url}",
        ]
    )


def dumped_schema_version(path: Path) -> int:
    """The newest migration recorded in the dump (0 if it has none)."""
    script = _run(["pg_restore", "--data-only", "--table=schema_migrations", "--file=-", str(path)])
    versions = []
    copying = False
    for line in script.splitlines():
        if line.startswith("COPY "):
            copying = True
        elif line == "\\.":
            copying = False
        elif copying and line:
            versions.append(int(line.split("\t", 1)[0]))
    return max(versions, default=0)


def dumped_schema(path: Path) -> str:
    """The schema the dump's tables belong to."""
    for entry in _table_of_contents(path):
        fields = entry.split()
        if len(fields) >= 6 and fields[3] == "TABLE" and fields[4] != "DATA":
            return fields[4]
    raise BadInput(Text("{path} にはgeoappの表がありません。", path=path))


def restore_dump(path: Path, url: str, replace_tables: Sequence[str]) -> None:
    """Restore the dump at ``path`` into ``url``'s current schema (the one dumped) in one
    transaction, after dropping ``replace_tables``; the dump's schema itself is not
    created again."""
    with psycopg.connect(url, autocommit=True) as connection:
        schema = connection.execute("SELECT current_schema()").fetchone()
    assert schema is not None
    before = "".join(
        sql.SQL("DROP TABLE IF EXISTS {}.{} CASCADE;\n")
        .format(sql.Identifier(schema[0]), sql.Identifier(name))
        .as_string(None)
        for name in replace_tables
    )
    after = _AFTER_RESTORE.format(
        generation=sql.Literal(f'"{schema[0]}".data_generation').as_string(None),
        sessions=sql.Literal(f'"{schema[0]}".login_sessions').as_string(None),
    )
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as listing:
        listing.write(
            "\n".join(entry for entry in _table_of_contents(path) if " SCHEMA " not in entry)
        )
        listing.flush()
        _restore_through_psql(path, Path(listing.name), url, before, after)


def _restore_through_psql(path: Path, listing: Path, url: str, before: str, after: str) -> None:
    """Pipe the dump's entries in ``listing`` as SQL into one ``psql`` transaction, between
    the statements ``before`` and ``after``."""
    _require("psql")
    restore = subprocess.Popen(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            f"--use-list={listing}",
            "--file=-",
            str(path),
        ],
        stdout=subprocess.PIPE,
    )
    psql = subprocess.Popen(
        [
            "psql",
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--dbname={url}",
            "--file=-",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert restore.stdout and psql.stdin and psql.stderr
    try:
        psql.stdin.write(before.encode())
        shutil.copyfileobj(restore.stdout, psql.stdin)
        psql.stdin.write(after.encode())
        psql.stdin.close()
    except BrokenPipeError:
        restore.kill()
    failed = psql.wait()
    restore.wait()
    if failed or restore.returncode:
        message = psql.stderr.read().decode(errors="replace").strip()
        raise StorageUnavailable(
            Text("ダンプを復元できませんでした（何も変更していません）: {message}", message=message)
        )


def _table_of_contents(path: Path) -> Iterator[str]:
    """The entries of the dump's table of contents."""
    for line in _run(["pg_restore", "--list", str(path)]).splitlines():
        if line and not line.startswith(";"):
            yield line


def _require(tool: str) -> None:
    """Refuse to go on without one of PostgreSQL's client tools."""
    if shutil.which(tool) is None:
        raise StorageUnavailable(
            Text("{tool} がインストールされていません（PostgreSQLのクライアント）。", tool=tool)
        )


def _run(command: list[str]) -> str:
    """Run a PostgreSQL tool; its output, or the error it printed."""
    _require(command[0])
    answer = subprocess.run(command, capture_output=True, text=True, check=False)
    if answer.returncode:
        raise StorageUnavailable(
            Text("{tool} が失敗しました: {message}", tool=command[0], message=answer.stderr.strip())
        )
    return answer.stdout
