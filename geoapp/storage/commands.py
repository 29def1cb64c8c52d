"""``geoapp db``: create and upgrade the database schema."""

from __future__ import annotations

import click

from ..city.model import check_metric_crs
from ..web import current


@click.group()
def db() -> None:
    """データベースの管理 / Manage the database."""


@db.command("upgrade")
@click.option("--crs", type=int, help="新しいデータベースの作業用座標系 (EPSG) / working CRS")
@current.with_app
def db_upgrade(crs: int | None) -> None:
    """スキーマを最新版にする / Apply pending schema migrations."""
    store = current.store()
    if crs is not None:
        check_metric_crs(crs)
        store.default_srid = crs
    applied = store.upgrade()
    for migration in applied:
        click.echo(f"適用 / applied: {migration.version:04d} {migration.name}")
    click.echo(f"スキーマの版 / schema version: {store.schema_version()} ({store.backend})")


@db.command("version")
@current.with_app
def db_version() -> None:
    """スキーマの版を表示 / Print the schema version."""
    click.echo(current.store().schema_version())


def _add_backup_commands() -> None:
    """Backup, restore and copy live in their own package (``geoapp.backup``)."""
    from ..backup.commands import backup_command, copy_command, restore_command

    for command in (backup_command, restore_command, copy_command):
        db.add_command(command)


_add_backup_commands()
