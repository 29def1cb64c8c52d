"""``geoapp plan …``: plans for administrators and scripts. Output is plain text, or JSON
where a script reads it."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import click

from ..accounts.users import User, find_user
from ..errors import BadInput
from ..formatting import number, percent
from ..translatable import Text
from ..web.current import planning, store, with_app
from .exchange import EXPORT_FORMATS, PlanFile, export_plan, read_plan_csv, read_plan_geojson
from .model import STATUS_NAMES, STATUSES

SOURCES = ("empty", "school_zones", "copy", "csv", "geojson")


def operator(name: str | None) -> User:
    """Who a command acts as: the named account, or the shell user as an administrator."""
    if name is None:
        return User(f"cli:{getpass.getuser()}", "admin")
    user = find_user(store(), name)
    if user is None:
        raise BadInput(Text("ユーザー「{name}」はありません。", name=name))
    return user


def print_json(value: Any) -> None:
    """JSON on stdout, Japanese kept readable."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group("plan")
def plan_group() -> None:
    """区域案の作成・確認・出力 / Create, check and export boundary plans."""


@plan_group.command("create")
@click.argument("name")
@click.option("--from", "source", type=click.Choice(SOURCES), default="empty", show_default=True)
@click.option("--copy-of", type=int, help="複製元の案 / plan to copy (--from copy)")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--description", default="", help="説明 / description")
@click.option("--user", "user_name", help="作成者のアカウント / author account")
@with_app
def plan_create(
    name: str,
    source: str,
    copy_of: int | None,
    path: Path | None,
    description: str,
    user_name: str | None,
) -> None:
    """案を作る / Create a draft plan (empty, from school zones, a copy, CSV or GeoJSON)."""
    work = planning()
    plan_file: PlanFile | None = None
    if source in ("csv", "geojson"):
        if path is None:
            raise BadInput(Text("--file で取り込むファイルを指定してください。"))
        read = read_plan_csv if source == "csv" else read_plan_geojson
        plan_file = read(path.read_bytes(), work.geography(), path.name)
    plan = work.create_plan(
        operator(user_name),
        name,
        description,
        "import" if plan_file is not None else source,
        copy_of,
        plan_file.mapping if plan_file else None,
        plan_file.communities if plan_file else None,
    )
    click.echo(
        f"作成しました / created: 案 {plan['id']}「{plan['name']}」 "
        f"（コミュニティ {len(plan['communities'])}、問題 {plan['checks']['problem_count']} 件）"
    )


@plan_group.command("list")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--json", "as_json", is_flag=True, help="JSON で出力 / print JSON")
@with_app
def plan_list(status: str | None, as_json: bool) -> None:
    """案の一覧 / List plans."""
    plans = planning().list_plans(status)
    if as_json:
        print_json(plans)
        return
    for plan in plans:
        label = STATUS_NAMES[plan["status"]].in_language("ja")
        click.echo(
            f"{plan['id']}\t{label}\t版{plan['version']}\t{plan['name']}\t{plan['author']}"
            f"\t{plan['updated_at'][:16]}"
        )


@plan_group.command("show")
@click.argument("plan_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON で出力 / print JSON")
@with_app
def plan_show(plan_id: int, as_json: bool) -> None:
    """案の内容 / Show a plan: its communities and their figures."""
    plan = planning().plan(plan_id)
    if as_json:
        print_json(plan)
        return
    label = STATUS_NAMES[plan["status"]].in_language("ja")
    click.echo(
        f"案 {plan['id']}「{plan['name']}」 {label} 版{plan['version']} 作成 {plan['author']}"
    )
    figures = {c["id"]: c for c in plan["checks"]["communities"]}
    for community in plan["communities"]:
        figure = figures[community["id"]]
        share = percent(figure["share_65"], "ja")
        people = number(figure["population"], "ja")
        click.echo(
            f"  {community['id']:>3} {community['name']}\t行政区 {figure['districts']}"
            f"\t人口 {people}\t高齢化率 {share}"
        )
    click.echo(f"未割当の行政区 / unassigned: {len(plan['checks']['unassigned'])}")
    missing = plan["checks"]["missing_population"]
    if missing:
        click.echo(
            f"人口のデータがありません（{len(missing)}行政区） / "
            f"no population data for {len(missing)} districts"
        )
    unknown = plan["checks"]["unknown_districts"]
    if unknown:
        click.echo(
            f"行政区のレイヤからなくなったコード / codes no longer in the districts: {len(unknown)}"
            f"（{'、'.join(unknown[:30])}{' …' if len(unknown) > 30 else ''}）"
        )


@plan_group.command("check")
@click.argument("plan_id", type=int)
@with_app
def plan_check(plan_id: int) -> None:
    """案の検査結果を JSON で出力 / Print the plan's checks as JSON."""
    print_json(planning().checks(plan_id))


@plan_group.command("export")
@click.argument("plan_id", type=int)
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="geojson")
@click.option("--encoding", type=click.Choice(["cp932", "utf-8"]), default="cp932")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_app
def plan_export(plan_id: int, fmt: str, encoding: str, output: Path) -> None:
    """案をファイルに出力 / Export a plan (GeoJSON, GeoPackage, Shapefile zip, CSV)."""
    work = planning()
    row, state = work.state(plan_id)
    data, _, _ = export_plan(
        work.geography(), state, fmt, f"plan-{plan_id}-v{row['version']}", encoding
    )
    output.write_bytes(data)
    click.echo(f"出力しました / wrote: {output} ({len(data):,} bytes)")


@plan_group.command("adopt")
@click.argument("plan_id", type=int)
@with_app
def plan_adopt(plan_id: int) -> None:
    """案を決定する（前の決定案は保管） / Adopt a plan (the adopted one is archived)."""
    work = planning()
    admin = operator(None)
    row, _ = work.state(plan_id)
    if row["status"] == "draft":
        row = {**row, **work.set_status(admin, plan_id, row["version"], "proposed")}
    answer = work.set_status(admin, plan_id, row["version"], "adopted")
    click.echo(f"決定しました / adopted: 案 {plan_id}（版 {answer['version']}）")


@plan_group.command("targets")
@click.option("--min", "low", type=int, help="下限 / lower bound")
@click.option("--max", "high", type=int, help="上限 / upper bound")
@with_app
def plan_targets(low: int | None, high: int | None) -> None:
    """コミュニティの目標人口 / Set the communities' target population range."""
    planning().set_targets(operator(None), low, high)
    click.echo(f"目標人口 / target population: {low or '—'} 〜 {high or '—'}")
