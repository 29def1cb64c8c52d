"""``geoapp db backup``, ``geoapp db restore`` and ``geoapp db copy``: keep a city's data
safe and move it between SQLite and PostGIS."""

from __future__ import annotations

from pathlib import Path
from time import perf_counter

import click

from ..storage import open_store
from ..storage.transfer import snapshot, writing
from ..web import current
from .files import Written, back_up, restore
from .moving import copy_tables


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="既存のファイルを上書きする / overwrite FILE")
@click.option(
    "--portable",
    is_flag=True,
    help="GeoPackage（QGIS等で開ける）で書き出す / write the portable GeoPackage archive",
)
@current.with_app
def backup_command(file: Path, force: bool, portable: bool) -> None:
    """使用中のままバックアップを取る / Back up the database while it is in use."""
    written = back_up(current.settings().database_url, file, force=force, portable=portable)
    _echo_rows(written)
    click.echo(f"書き出しました / wrote {file}")
    _echo_summary(written)


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="データのあるデータベースを置き換える / replace data")
@current.with_app
def restore_command(file: Path, replace: bool) -> None:
    """バックアップから復元する / Restore a backup into the database."""
    written = restore(file, current.settings().database_url, replace=replace)
    if written.verification is not None:
        click.echo(written.verification.table())
    else:
        _echo_rows(written)
    click.echo(f"復元しました / restored {file}")
    _echo_summary(written)


@click.command("copy")
@click.option("--to", "target", help="コピー先のデータベースURL / the database to copy into")
@click.option("--from", "source", help="コピー元のデータベースURL / the database to copy from")
@click.option(
    "--replace", is_flag=True, help="コピー先のデータを置き換える / replace the target's data"
)
@current.with_app
def copy_command(target: str | None, source: str | None, replace: bool) -> None:
    """すべての表を別のデータベースへコピーする / Copy every table to another database."""
    here = current.settings().database_url
    if not target and not source:
        raise click.UsageError("--to か --from を指定してください / give --to or --from")
    source, target = source or here, target or here
    if source == target:
        raise click.UsageError("コピー元とコピー先が同じです / the source is the target")
    started = perf_counter()
    with snapshot(source) as reader:
        store = open_store(target, reader.srid())
        try:
            store.upgrade()
        finally:
            store.close()
        with writing(target) as writer:
            verification = copy_tables(reader, writer, replace=replace)
    click.echo(verification.table())
    click.echo(
        f"コピーしました（{verification.total_rows():,} 行、{perf_counter() - started:.1f} 秒） / "
        f"copied {verification.total_rows():,} rows in {perf_counter() - started:.1f} s"
    )


def _echo_summary(written: Written) -> None:
    """The summary line in Japanese, then in English."""
    summary = written.summary()
    click.echo(f"  {summary.in_language('ja')}\n  {summary.in_language('en')}")


def _echo_rows(written: Written) -> None:
    """Each table's rows, one line a table."""
    width = max(map(len, written.rows), default=0)
    for name, rows in written.rows.items():
        click.echo(f"  {name.ljust(width)}  {rows:>10,}")
