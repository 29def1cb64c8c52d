"""The ``geoapp`` command: run the demo, manage the database, import layers, serve the app.

Commands other than ``db`` live in their own modules and are loaded only when asked for:
``geoapp import`` in a nightly job must not pay for loading the whole web app.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from . import current
from .city import check_metric_crs
from .errors import GeoappError

logger = logging.getLogger(__name__)

# Each command's name and where it is defined, as module:attribute.
COMMANDS = {
    "demo": "geoapp.demo_command:demo",
    "import": "geoapp.import_command:import_command",
    "overlay": "geoapp.overlay_command:overlay_command",
    "plan": "geoapp.plans.commands:plan_group",
    "user": "geoapp.plans.commands:user_group",
}


class GeoappGroup(FlaskGroup):
    """Flask's command group with the geoapp commands loaded on first use, and domain
    errors printed as messages instead of tracebacks."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except GeoappError as error:
            click.secho(f"エラー: {error.message}", fg="red", err=True)
            if error.message_en != error.message:
                click.echo(f"Error: {error.message_en}", err=True)
            sys.exit(1)


def command_app() -> Flask:
    """The app a command works with; its database connections close when the command ends."""
    from .app import create_app  # the web app is heavy: built only for commands that use it

    app = create_app()
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(app.extensions[current.STORE].close)
    return app


@click.group(cls=GeoappGroup, create_app=command_app)
def main() -> None:
    """geoapp — 広域コミュニティ計画支援 Web GIS / wide-area community planning."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@main.group()
def db() -> None:
    """データベースの管理 / Manage the database."""


@db.command("upgrade")
@click.option("--crs", type=int, help="新しいデータベースの作業用座標系 (EPSG) / working CRS")
@with_appcontext
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
@with_appcontext
def db_version() -> None:
    """スキーマの版を表示 / Print the schema version."""
    click.echo(current.store().schema_version())


if __name__ == "__main__":
    main()
