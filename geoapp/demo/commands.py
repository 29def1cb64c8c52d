"""``geoapp demo``: load the demo city 青葉川市 and serve the app on it."""

from __future__ import annotations

import click
from werkzeug.serving import run_simple

from ..web import current
from .city import DEMO_ACCOUNTS, load_demo_city, prepare_demo_planning
from .grants import prepare_demo_grants
from .organizations import prepare_demo_organizations


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="待ち受けるアドレス / host")
@click.option("--port", default=5000, show_default=True, type=int, help="ポート / port")
@click.option("--reload-data", is_flag=True, help="デモデータを読み込み直す / reload the demo data")
@click.option("--force", is_flag=True, help="別の市のデータを上書きする / overwrite another city")
@click.option("--no-serve", is_flag=True, help="読み込みだけ行う / load only, do not serve")
@current.with_app
def demo(host: str, port: int, reload_data: bool, force: bool, no_serve: bool) -> None:
    """デモ市を読み込んで表示 / Load the demo city and serve the app."""
    app = current.app()
    store = current.store()
    if load_demo_city(store, force=reload_data or force):
        click.echo("デモ市「青葉川市」を読み込みました。 / Loaded the demo city.")
    for made in prepare_demo_planning(store, current.planning()):
        click.echo(f"作成 / made: {made}")
    for made in prepare_demo_organizations(current.organizations()):
        click.echo(f"作成 / made: {made}")
    for made in prepare_demo_grants(current.organizations(), current.subsidies()):
        click.echo(f"作成 / made: {made}")
    for name, role, password in DEMO_ACCOUNTS:
        click.echo(f"デモ用ログイン / demo login ({role}): {name} / {password}")
    if no_serve:
        return
    click.echo(f"取り込み画面（要ログイン） / import page: http://{host}:{port}/admin/import/")
    click.echo(f"重ね合わせ / overlay: http://{host}:{port}/overlay")
    click.echo(f"オープンデータ / open data: http://{host}:{port}/opendata")
    click.echo(f"OGC API – Features: http://{host}:{port}/ogcapi/")
    click.echo(f"区域案の編集（要ログイン） / plan editor: http://{host}:{port}/plans/")
    click.echo(f"補助金の報告 / subsidy report: http://{host}:{port}/grants/report")
    click.echo(
        f"http://{host}:{port}/ で公開中（Ctrl+C で終了） / serving at http://{host}:{port}/"
    )
    run_simple(host, port, app, threaded=True)
