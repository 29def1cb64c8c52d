"""``geoapp import``: import a layer file from the command line or a scheduled job.

It opens the database from the settings alone, without building the web app, so that an
unattended import starts quickly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import BadInput
from ..layers import POPULATION, layer_named
from ..plans.model import STATUS_NAMES
from ..settings import instance_folder, load_settings
from ..storage import Store, open_store
from ..translatable import Text
from .district_readings import READINGS, ReadingsReport, load_readings
from .field_mapping import parse_map_option
from .pipeline import ImportOptions, import_layer
from .population_table import PopulationReport, load_population
from .progress import STAGE_LABELS, ProgressStep
from .report import CRS_SOURCES, ENCODING_SOURCES, ImportReport


@click.command("import")
@click.argument("layer_name", metavar="LAYER")
@click.argument("path", metavar="PATH")
@click.option("--encoding", help="属性の文字コード（例: cp932, utf-8） / attribute encoding")
@click.option("--crs", type=int, help="座標系のEPSGコード（.prj がないとき） / source CRS")
@click.option("--map", "mapping", help="項目の対応 FIELD=SOURCE,... / field mapping")
@click.option(
    "--mode",
    type=click.Choice(["replace", "upsert"]),
    default="replace",
    show_default=True,
    help="置き換え、またはコードで更新 / replace or upsert by code",
)
@click.option("--dry-run", is_flag=True, help="検査だけ行い保存しない / check, store nothing")
@click.option("--json", "as_json", is_flag=True, help="JSON の報告を出力 / print a JSON report")
@click.option("--snap", type=float, help="この幅（m）未満の隙間・重なりを閉じる / close slivers")
@click.option("--layer", "source_layer", help="GeoPackage・TopoJSON のレイヤ名 / source layer")
@click.option("--skip-invalid", is_flag=True, help="修復できない地物を除いて取り込む")
def import_command(
    layer_name: str,
    path: str,
    encoding: str | None,
    crs: int | None,
    mapping: str | None,
    mode: str,
    dry_run: bool,
    as_json: bool,
    snap: float | None,
    source_layer: str | None,
    skip_invalid: bool,
) -> None:
    """レイヤを取り込む / Import a layer (districts, school-zones, centers) from a file, or
    the districts' counts (population) or readings (readings) from a table by code."""
    if layer_name in (POPULATION.name, READINGS):
        given = {
            "--crs": crs,
            "--mode": mode != "replace",
            "--snap": snap,
            "--layer": source_layer,
            "--skip-invalid": skip_invalid,
            "--map": layer_name == READINGS and mapping,
        }
        _import_table(
            layer_name,
            path,
            encoding,
            mapping,
            dry_run,
            as_json,
            [name for name, v in given.items() if v],
        )
        return
    try:
        layer = layer_named(layer_name)
        source = Path(path)
        if not source.exists():
            raise BadInput(_missing(path))
        options = ImportOptions(
            layer=layer,
            encoding=encoding,
            crs=crs,
            mapping=parse_map_option(mapping, layer) if mapping else {},
            mode=mode,  # type: ignore[arg-type]
            dry_run=dry_run,
            snap=snap,
            layer_name=source_layer,
            skip_invalid=skip_invalid,
        )
    except BadInput as error:
        if as_json:
            click.echo(json.dumps({"errors": [error.to_dict()]}, ensure_ascii=False, indent=2))
            sys.exit(2)
        raise
    store = command_store()
    try:
        report = _run_import(store, source, options, as_json)
    finally:
        store.close()
    sys.exit(0 if report.ok else 1)


def _import_table(
    kind: str,
    path: str,
    encoding: str | None,
    mapping: str | None,
    dry_run: bool,
    as_json: bool,
    unusable: list[str],
) -> None:
    """``geoapp import population|readings FILE.csv``: the districts' counts or readings
    from a table by code; exit 0 when every row could be taken, 1 when a row is bad (nothing
    is then stored)."""
    try:
        if unusable:
            raise BadInput(
                Text("人口表の取り込みでは {options} は使えません。", options=unusable)
                if kind == POPULATION.name
                else Text("よみがな表の取り込みでは {options} は使えません。", options=unusable)
            )
        source = Path(path)
        if not source.is_file():
            raise BadInput(_missing(path))
        columns = parse_map_option(mapping, POPULATION) if mapping else None
        store = command_store()
        try:
            report: PopulationReport | ReadingsReport = (
                load_readings(store, source, encoding=encoding, dry_run=dry_run)
                if kind == READINGS
                else load_population(
                    store, source, mapping=columns, encoding=encoding, dry_run=dry_run
                )
            )
        finally:
            store.close()
    except BadInput as error:
        if as_json:
            click.echo(json.dumps({"errors": [error.to_dict()]}, ensure_ascii=False, indent=2))
            sys.exit(2)
        raise
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif isinstance(report, ReadingsReport):
        click.echo(describe_readings(report))
    else:
        click.echo(describe_population(report))
    sys.exit(0 if report.ok else 1)


def _missing(path: str) -> Text:
    """The refusal of a file the command cannot find."""
    return Text("ファイル {path} が見つかりません。パスを確かめてください。", path=path)


def describe_population(report: PopulationReport) -> str:
    """A Japanese, human-readable report of a population table's load."""
    fields = report.mapping.get("fields", {})
    guessed = set(report.mapping.get("guessed", []))
    lines = [
        f"人口表の取り込み結果 ← {report.source}（文字コード {report.encoding}）",
        "  項目の対応: "
        + ", ".join(f"{t} ← {s}{'（推定）' if t in guessed else ''}" for t, s in fields.items()),
        f"  行 {report.rows}件 / 行政区に一致 {len(report.matched)}件 / "
        f"不明なコード {len(report.unknown_codes)}件 / 行のない行政区 {len(report.without_row)}件",
    ]
    if report.unknown_codes:
        unknown = [f"{u['code']}（{u['row']}行目）" for u in report.unknown_codes]
        lines.append(f"  行政区にないコード: {_listed(unknown)}")
    if report.without_row:
        lines.append(f"  表に行のない行政区（値は元のまま）: {_listed(report.without_row)}")
    lines += _issue_lines("エラー", report.errors)
    lines.append(_outcome(report.stored, report.ok))
    return "\n".join(lines)


def describe_readings(report: ReadingsReport) -> str:
    """A Japanese, human-readable report of a readings table's load."""
    lines = [
        f"よみがな表の取り込み結果 ← {report.source}（文字コード {report.encoding}）",
        f"  行 {report.rows}件 / よみがなを読み込む行政区 {report.read}件 / "
        f"よみがなのない行政区 {len(report.without_reading)}件",
    ]
    if report.without_reading and report.ok:
        lines.append(f"  よみがなのない行政区: {_listed(report.without_reading)}")
    lines += _issue_lines("エラー", report.errors)
    lines.append(_outcome(report.stored, report.ok))
    return "\n".join(lines)


def _listed(items: list[str], limit: int = 50) -> str:
    """Items joined for one line, the rest counted (``--json`` lists them all)."""
    more = f" … ほか {len(items) - limit}件（--json で全件）" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def command_store() -> Store:
    """The database named by the settings (GEOAPP_DATABASE_URL or the instance folder)."""
    settings = load_settings(instance_folder({}))
    return open_store(
        settings.database_url,
        settings.working_crs,
        settings.pool_size,
        settings.sqlite_busy_timeout,
    )


def _run_import(store: Store, source: Path, options: ImportOptions, as_json: bool) -> ImportReport:
    """Import, printing the JSON report or a progress bar and the Japanese report."""
    if as_json:
        report = import_layer(store, source, options)
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return report
    # The bar moves a quarter a stage; every step redraws it with its counts.
    with click.progressbar(
        length=len(STAGE_LABELS),
        label="取り込み中",
        file=sys.stderr,
        show_eta=False,
        update_min_steps=0,
    ) as bar:
        stages = list(STAGE_LABELS)

        def advance(step: ProgressStep) -> None:
            bar.label = step.label
            bar.update(max(0, stages.index(step.stage) + 1 - bar.pos))

        report = import_layer(store, source, options, progress=advance)
    click.echo(describe_report(report))
    return report


def describe_report(report: ImportReport) -> str:
    """A Japanese, human-readable import report."""
    layer = layer_named(report.layer)
    lines = [
        f"取り込み結果: {layer.label}（{report.layer}） ← {report.source}"
        + (f"（{report.format}）" if report.format else "")
    ]
    if report.encoding or report.crs:
        how = ENCODING_SOURCES.get(report.encoding_source or "", report.encoding_source)
        crs_how = CRS_SOURCES.get(report.crs_source or "", report.crs_source)
        lines.append(
            f"  文字コード: {report.encoding or '—'}（{how}）  座標系: {report.crs}"
            f"（{crs_how}） → 作業用 {report.working_crs or '—'}"
        )
    lines.append(
        f"  読み込み {report.read}件 / 取り込み {report.imported}件 / "
        f"修復 {report.repaired}件 / 除外 {report.rejected}件"
    )
    fields = report.mapping.get("fields", {})
    if fields:
        guessed = set(report.mapping.get("guessed", []))
        pairs = [f"{t} ← {s}{'（推定）' if t in guessed else ''}" for t, s in fields.items()]
        lines.append("  項目の対応: " + ", ".join(pairs))
    lines += _issue_lines("警告", report.warnings)
    lines += _coverage_lines(report.coverage)
    lines += _district_change_lines(report.district_changes)
    lines += _issue_lines("エラー", report.errors)
    lines.append(_outcome(report.stored, report.ok))
    return "\n".join(lines)


def _outcome(stored: bool, ok: bool) -> str:
    """The report's last line: stored, only checked, or refused."""
    if stored:
        return "保存しました。"
    if ok:
        return "試行（--dry-run）のため保存していません。"
    return "エラーがあるため何も保存していません。データベースは元のままです。"


def _issue_lines(title: str, issues: list[dict[str, Any]]) -> list[str]:
    """One line per warning or error, at most 30 (each message names its feature)."""
    if not issues:
        return []
    lines = [f"  {title}（{len(issues)}件）:"]
    for issue in issues[:30]:
        lines.append(f"    - {issue['message']}")
    if len(issues) > 30:
        lines.append(f"    … ほか {len(issues) - 30}件（--json で全件）")
    return lines


def _district_change_lines(changes: dict[str, Any]) -> list[str]:
    """The districts that vanish or are new, and what that does to each plan."""
    if not changes:
        return []
    vanished, new = changes["vanished"], changes["new"]
    lines = [f"  行政区の変化: なくなるコード {len(vanished)}件、新しいコード {len(new)}件"]
    for title, items in (("なくなる", vanished), ("新しい", new)):
        if items:
            lines.append(
                f"    {title}: "
                + _listed([f"{d['code']} {d['name'] or ''}".strip() for d in items])
            )
    for plan in changes["plans"]:
        status = STATUS_NAMES[plan["status"]].in_language("ja")
        lines.append(
            f"  区域案 {plan['id']}「{plan['name']}」（{status}）: 割り当てを保つ行政区 "
            f"{plan['kept']}件、割り当てがなくなるコード {len(plan['vanished'])}件、"
            f"未割当で加わる行政区 {len(plan['new'])}件"
        )
        if plan["vanished"]:
            lines.append(
                "    なくなる: "
                + _listed(
                    [
                        f"{d['code']}（{d['community_name'] or d['community']}）"
                        for d in plan["vanished"]
                    ]
                )
            )
        if plan["new"]:
            lines.append("    未割当: " + _listed(plan["new"]))
    return lines


def _coverage_lines(coverage: dict[str, Any]) -> list[str]:
    """The gaps and overlaps found, largest first."""
    if not coverage.get("checked"):
        return []
    gaps, overlaps = coverage.get("gaps", []), coverage.get("overlaps", [])
    lines = [
        f"  カバレッジ: 隙間 {len(gaps)}か所、重なり {len(overlaps)}か所"
        + (f"、{len(coverage['snapped'])}か所を閉じました" if coverage.get("snapped") else "")
    ]
    for kind, problems in (("隙間", gaps), ("重なり", overlaps)):
        for problem in problems[:10]:
            names = problem.get("feature_names") or [""] * len(problem.get("features", []))
            near = ", ".join(
                f"{code} {name}".strip()
                for code, name in zip(problem.get("features", []), names, strict=True)
            )
            lines.append(
                f"    - {kind} {problem['area_m2']:,.2f} m²  緯度 {problem.get('lat')}, "
                f"経度 {problem.get('lon')}  （{near}）"
            )
    return lines
