"""The ``geoapp`` command: run the demo, manage the database, import layers, serve the app.

Commands that work in the web app's context build it with ``command_app``, through Flask's
``ScriptInfo``; ``geoapp import`` opens the database from the settings alone.
"""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask
from flask.cli import ScriptInfo, routes_command, run_command, shell_command

from .accounts.commands import user_group
from .app import create_app
from .city.commands import city_group
from .demo.commands import demo
from .errors import GeoappError
from .importing.commands import import_command
from .overlay.commands import overlay_command
from .plans.commands import plan_group
from .storage.commands import db
from .web import current

logger = logging.getLogger(__name__)


class GeoappGroup(click.Group):
    """The geoapp commands, with domain errors printed as messages instead of tracebacks."""

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
    app = create_app()
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(app.extensions[current.STORE].close)
    return app


@click.group(cls=GeoappGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """geoapp — 広域コミュニティ計画支援 Web GIS / wide-area community planning."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Flask's app-context commands build the app with command_app, unless a test gave one.
    if not isinstance(ctx.obj, ScriptInfo):
        ctx.obj = ScriptInfo(create_app=command_app, set_debug_flag=False)


for command in (
    city_group,
    db,
    demo,
    import_command,
    overlay_command,
    plan_group,
    routes_command,
    run_command,
    shell_command,
    user_group,
):
    main.add_command(command)


def run(args: list[str] | None = None) -> None:
    """The ``geoapp`` console command (pyproject's entry point) and scheduled jobs' way in."""
    main(args, prog_name="geoapp")


if __name__ == "__main__":
    run()
