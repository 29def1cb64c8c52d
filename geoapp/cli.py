"""The ``geoapp`` command: run the demo, manage the database, serve the app."""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from .app import create_app
from .city import check_metric_crs
from .demo import load_demo_city
from .errors import GeoappError
from .storage import Store

logger = logging.getLogger(__name__)


def _store() -> Store:
    """The store of the current app."""
    return current_app.extensions["geoapp.store"]


class GeoappGroup(FlaskGroup):
    """Flask's command group, with domain errors printed as messages instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except GeoappError as error:
            click.secho(f"エラー: {error.message}", fg="red", err=True)
            if error.message_en != error.message:
                click.echo(f"Error: {error.message_en}", err=True)
            sys.exit(1)


@click.group(cls=GeoappGroup, create_app=lambda: create_app())
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
    store = _store()
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
    click.echo(_store().schema_version())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="待ち受けるアドレス / host")
@click.option("--port", default=5000, show_default=True, type=int, help="ポート / port")
@click.option("--reload-data", is_flag=True, help="デモデータを読み込み直す / reload the demo data")
@click.option("--force", is_flag=True, help="別の市のデータを上書きする / overwrite another city")
@click.option("--no-serve", is_flag=True, help="読み込みだけ行う / load only, do not serve")
@with_appcontext
def demo(host: str, port: int, reload_data: bool, force: bool, no_serve: bool) -> None:
    """デモ市を読み込んで表示 / Load the demo city and serve the app."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    store = _store()
    if load_demo_city(store, force=reload_data or force):
        click.echo("デモ市「青葉川市」を読み込みました。 / Loaded the demo city.")
    if no_serve:
        return
    click.echo(
        f"http://{host}:{port}/ で公開中（Ctrl+C で終了） / serving at http://{host}:{port}/"
    )
    run_simple(host, port, app, threaded=True)


if __name__ == "__main__":
    main()
