"""The ``geoapp`` command: run the demo, manage the database, import layers, serve the app.

Every command lives in its own module and is loaded only when asked for, and Flask only for
the commands that work in the web app's context: ``geoapp import`` in a nightly job must
not pay for loading the web app.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import TYPE_CHECKING

import click

from .errors import GeoappError

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)

# Each command's name and where it is defined, as module:attribute.
COMMANDS = {
    "city": "geoapp.city.commands:city_group",
    "db": "geoapp.storage.commands:db",
    "demo": "geoapp.demo.commands:demo",
    "grants": "geoapp.subsidies.commands:grants_group",
    "import": "geoapp.importing.commands:import_command",
    "org": "geoapp.organizations.commands:org_group",
    "overlay": "geoapp.overlay.commands:overlay_command",
    "plan": "geoapp.plans.commands:plan_group",
    "routes": "flask.cli:routes_command",
    "run": "flask.cli:run_command",
    "scheme": "geoapp.organizations.commands:scheme_group",
    "shell": "flask.cli:shell_command",
    "user": "geoapp.accounts.commands:user_group",
}
# The commands that open the database on their own, without the web app.
WITHOUT_APP = frozenset({"import"})


class GeoappGroup(click.Group):
    """The geoapp commands, loaded on first use, with domain errors printed as messages
    instead of tracebacks."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in WITHOUT_APP:
            _offer_app(ctx)
        module, attribute = COMMANDS[cmd_name].split(":")
        return getattr(importlib.import_module(module), attribute)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except GeoappError as error:
            click.secho(f"エラー: {error.message}", fg="red", err=True)
            if error.message_en != error.message:
                click.echo(f"Error: {error.message_en}", err=True)
            sys.exit(1)


def _offer_app(ctx: click.Context) -> None:
    """Let Flask's ``with_appcontext`` commands build the app with ``command_app``."""
    from flask.cli import ScriptInfo

    root = ctx.find_root()
    if not isinstance(root.obj, ScriptInfo):
        root.obj = ScriptInfo(create_app=command_app, set_debug_flag=False)


def command_app() -> Flask:
    """The app a command works with; its database connections close when the command ends."""
    from .app import create_app
    from .web import current

    app = create_app()
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(app.extensions[current.STORE].close)
    return app


@click.group(cls=GeoappGroup)
def main() -> None:
    """geoapp — 広域コミュニティ計画支援 Web GIS / wide-area community planning."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


if __name__ == "__main__":
    main()
