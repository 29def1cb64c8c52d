"""``geoapp city show`` and ``geoapp city set``: the city's name, code, base map, credits
and centre kinds, checked as the settings page checks them."""

from __future__ import annotations

import json

import click

from ..web.basemap import BASEMAPS
from ..web.current import settings, store, with_app
from .model import City, crs_name
from .settings_form import CUSTOM_BASEMAP, apply_settings, parse_center_kind, settings_input


@click.group("city")
def city_group() -> None:
    """市の設定 / The city's settings."""


@city_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力 / print JSON")
@with_app
def city_show(as_json: bool) -> None:
    """市の設定を表示 / Print the city's settings."""
    db = store()
    db.require_current_schema()
    city = db.city()
    if city is None:
        click.echo("市の設定はまだありません。`geoapp city set` で設定してください。")
        click.echo("No city is set up yet; use `geoapp city set`.")
        return
    override = settings().basemap
    if as_json:
        body = {**city.to_row(), "center_kinds": [k.to_dict() for k in city.center_kinds]}
        click.echo(json.dumps({**body, "basemap_override": override}, ensure_ascii=False))
        return
    _print_city(city, override)


def _print_city(city: City, override: str | None) -> None:
    """The settings as lines of text."""
    click.echo(f"市区町村名 / name: {city.name}")
    click.echo(f"よみがな / kana: {city.name_kana}")
    click.echo(f"市区町村コード / code: {city.municipality_code} {city.prefecture}".rstrip())
    click.echo(f"作業用座標系 / working CRS: EPSG:{city.working_crs} {crs_name(city.working_crs)}")
    click.echo(f"背景地図 / basemap: {city.basemap}")
    if city.basemap_attribution:
        click.echo(f"背景地図の出典 / basemap attribution: {city.basemap_attribution}")
    if override:
        click.echo(f"  （環境変数 GEOAPP_BASEMAP={override} が優先されます / overridden)")
    click.echo(f"出典・利用条件 / credits: {city.credits}")
    click.echo(f"デモ市 / demo: {'はい / yes' if city.demo else 'いいえ / no'}")
    click.echo("拠点施設の種別 / centre kinds:")
    for kind in city.center_kinds:
        aliases = f" ({'、'.join(kind.aliases)})" if kind.aliases else ""
        click.echo(f"  {kind.name} {kind.color}{aliases}")


@city_group.command("set")
@click.option("--name", help="市区町村名 / city name")
@click.option("--kana", help="よみがな / reading")
@click.option("--code", help="市区町村コード（5桁か検査数字つき6桁） / municipality code")
@click.option("--basemap", help="gsi-pale・gsi-std・none・タイル URL / preset or tile URL")
@click.option("--attribution", help="庁内タイルの出典表示 / in-house tiles' attribution")
@click.option("--credits", help="地図に表示する出典・利用条件 / data credits shown on maps")
@click.option(
    "--center-kind",
    "center_kinds",
    multiple=True,
    help="拠点施設の種別（名称=#色[=別名、別名]、繰り返し指定で一覧を置き換え） / "
    "centre kind NAME=#COLOR[=ALIAS,ALIAS], repeat to replace the list",
)
@with_app
def city_set(
    name: str | None,
    kana: str | None,
    code: str | None,
    basemap: str | None,
    attribution: str | None,
    credits: str | None,
    center_kinds: tuple[str, ...],
) -> None:
    """市の設定を変える（指定した項目だけ） / Change the given settings."""
    db = store()
    db.require_current_schema()
    current = db.city()
    given = settings_input(current)
    for value, attribute in (
        (name, "name"),
        (kana, "name_kana"),
        (code, "municipality_code"),
        (attribution, "basemap_attribution"),
        (credits, "credits"),
    ):
        if value is not None:
            setattr(given, attribute, value)
    if basemap is not None:
        preset = basemap in BASEMAPS
        given.basemap = basemap if preset else CUSTOM_BASEMAP
        given.basemap_url = "" if preset else basemap
    if center_kinds:
        given.center_kinds = [parse_center_kind(text) for text in center_kinds]
    city = apply_settings(given, current, db.geometry_srid())
    db.save_city(city)
    click.echo("市の設定を保存しました。 / Saved the city settings.")
    _print_city(city, settings().basemap)
