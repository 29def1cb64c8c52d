"""``geoapp scheme …`` and ``geoapp org …``: the city's scheme of stages and milestones,
and its organizations, for administrators and scripts."""

from __future__ import annotations

from pathlib import Path

import click

from ..plans.commands import operator, print_json
from ..web.current import organizations, with_app
from .scheme import load_scheme, preset_names, scheme_toml
from .spreadsheet import ENCODINGS


@click.group("scheme")
def scheme_group() -> None:
    """組織の段階とマイルストーンの体系 / The organizations' scheme of stages and milestones."""


@scheme_group.command("load")
@click.argument("preset_or_file")
@click.option("--force", is_flag=True, help="記録を新しい体系に対応付ける / map stored records")
@with_app
def scheme_load(preset_or_file: str, force: bool) -> None:
    """プリセット（numata など）か TOML を読み込む / Switch to a preset or a TOML file."""
    scheme = load_scheme(preset_or_file)
    answer = organizations().switch_scheme(operator(None), scheme, force)
    click.echo(f"体系を切り替えました / switched to: {scheme.name}（{scheme.key}）")
    for stage in scheme.stages:
        required = "、".join(stage.requires) or "—"
        click.echo(f"  {stage.key}\t{stage.name}\t{stage.name_en}\t要件 / requires: {required}")
    mapping = answer["mapping"]
    if mapping["stages"] or mapping["milestones"]:
        click.echo(f"対応付け / mapped: {mapping['description']['ja']}")
        click.echo(f"  {mapping['description']['en']}")


@scheme_group.command("export")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@with_app
def scheme_export(output: Path) -> None:
    """今の体系を TOML に書き出す / Write the city's scheme as TOML."""
    output.write_text(scheme_toml(organizations().scheme()), encoding="utf-8")
    click.echo(f"出力しました / wrote: {output}")


@scheme_group.command("presets")
def scheme_presets() -> None:
    """同梱のプリセット一覧 / List the shipped presets."""
    for name in preset_names():
        scheme = load_scheme(name)
        ladder = " → ".join(stage.name for stage in scheme.stages)
        click.echo(f"{name}\t{scheme.organization}\t{ladder}")


@click.group("org")
def org_group() -> None:
    """地域の運営組織 / Community organizations."""


@org_group.command("sync")
@with_app
def org_sync() -> None:
    """決定案の地区に組織を合わせる / Match the organizations to the adopted plan."""
    report = organizations().sync_with_adopted_plan(operator(None))
    click.echo(f"決定案 {report['plan_id']} に合わせました / synced with plan {report['plan_id']}")
    labels = {
        "created": "作成 / created",
        "kept": "継続 / kept",
        "renamed": "名称変更 / renamed",
        "orphaned": "地区がなくなり保管 / orphaned and archived",
    }
    for key, label in labels.items():
        click.echo(f"  {label}: {len(report[key])}")
        for entry in report[key] if key != "kept" else []:
            extra = (
                f"（{entry['old_community_name']} → {entry['new_community_name']}）"
                if key == "renamed"
                else ""
            )
            click.echo(f"    {entry['id']}\t{entry['name']}{extra}")


@org_group.command("export")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--encoding",
    type=click.Choice(sorted(ENCODINGS)),
    default="utf-8",
    show_default=True,
    help="utf-8（BOM 付き、Excel 用）か shift_jis / UTF-8 with a BOM (Excel) or Shift_JIS",
)
@with_app
def org_export(output: Path, encoding: str) -> None:
    """組織の一覧を CSV に書き出す / Write the organizations as CSV."""
    data = organizations().export_csv(operator(None), encoding)
    output.write_bytes(data)
    click.echo(f"出力しました / wrote: {output} ({len(data):,} bytes, {encoding})")


@org_group.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_app
def org_import(source: Path) -> None:
    """CSV の変更を取り込む（誤りがあれば何も保存しない） / Apply a CSV; nothing is stored
    when a row is wrong."""
    answer = organizations().import_csv(operator(None), source.read_bytes(), source.name)
    click.echo(
        f"取り込みました / imported: {answer['rows']} 行、うち変更 {answer['changed']} 行"
        f" / {answer['changed']} of {answer['rows']} rows changed"
    )


@org_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力 / print JSON")
@with_app
def org_list(as_json: bool) -> None:
    """組織と段階の一覧 / List the organizations with their stages."""
    service = organizations()
    found = service.list_organizations(operator(None))
    if as_json:
        print_json(found)
        return
    scheme = service.scheme()
    for org in found:
        stage = scheme.stage(org["stage"]) if org["stage"] else None
        label = f"{stage.name}（{org['stage_since']}〜）" if stage else "—"
        click.echo(f"{org['id']}\t{org['community_id']}\t{org['name']}\t{label}")
