"""The ``geoapp`` command: run the demo, manage the database, serve the app."""

from __future__ import annotations

import json
import logging
import sys
import unicodedata
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from .app import create_app
from .city import check_metric_crs
from .city_overlay import city_overlay, read_weights
from .demo import DEMO_ACCOUNTS, load_demo_city, prepare_demo_planning
from .errors import BadInput, GeoappError
from .field_mapping import parse_map_option
from .importer import (
    CRS_SOURCES,
    ENCODING_SOURCES,
    STAGES,
    ImportOptions,
    ImportReport,
    import_layer,
)
from .layers import layer_named
from .overlay_report import OverlayReport
from .plans.commands import plan_group, user_group
from .storage import Store

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


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


def command_app() -> Flask:
    """The app a command works with; its database connections close when the command ends."""
    app = create_app()
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(app.extensions["geoapp.store"].close)
    return app


@click.group(cls=GeoappGroup, create_app=command_app)
def main() -> None:
    """geoapp — 広域コミュニティ計画支援 Web GIS / wide-area community planning."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


main.add_command(user_group)
main.add_command(plan_group)


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
    for made in prepare_demo_planning(store, app.extensions["geoapp.plans"]):
        click.echo(f"作成 / made: {made}")
    for name, role, password in DEMO_ACCOUNTS:
        click.echo(f"デモ用ログイン / demo login ({role}): {name} / {password}")
    if no_serve:
        return
    click.echo(f"取り込み画面（要ログイン） / import page: http://{host}:{port}/admin/import/")
    click.echo(f"重ね合わせ / overlay: http://{host}:{port}/overlay")
    click.echo(f"区域案の編集（要ログイン） / plan editor: http://{host}:{port}/plans/")
    click.echo(
        f"http://{host}:{port}/ で公開中（Ctrl+C で終了） / serving at http://{host}:{port}/"
    )
    run_simple(host, port, app, threaded=True)


@main.command("import")
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
@with_appcontext
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
    """レイヤを取り込む / Import a layer (districts, school-zones, centers) from a file."""
    try:
        layer = layer_named(layer_name)
        source = Path(path)
        if not source.exists():
            raise BadInput(
                f"ファイル {path} が見つかりません。パスを確かめてください。",
                f"{path} does not exist; check the path.",
            )
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
    if as_json:
        report = import_layer(_store(), source, options)
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        with click.progressbar(
            length=len(STAGES), label="取り込み中", file=sys.stderr, show_eta=False
        ) as bar:

            def advance(stage: str) -> None:
                bar.label = stage
                bar.update(1)

            report = import_layer(_store(), source, options, progress=advance)
        click.echo(describe_report(report))
    sys.exit(0 if report.ok else 1)


@main.command("overlay")
@click.option(
    "--threshold",
    type=float,
    default=0.05,
    show_default=True,
    help="2番目の校区の割合がこれを超える行政区を分割とみなす / split threshold",
)
@click.option("--json", "as_json", is_flag=True, help="JSON を出力 / print JSON")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="区片の CSV / pieces CSV")
@click.option(
    "--geojson", "geojson_path", type=click.Path(dir_okay=False), help="区片の GeoJSON / pieces"
)
@click.option("--weights", type=click.Path(exists=True), help="人口などの重み（点）/ weights file")
@click.option("--weight-column", help="重みの項目名 / weight column")
@with_appcontext
def overlay_command(
    threshold: float,
    as_json: bool,
    csv_path: str | None,
    geojson_path: str | None,
    weights: str | None,
    weight_column: str | None,
) -> None:
    """行政区・小学校区・拠点施設を重ね合わせる / Overlay districts, school zones, centres."""
    if weights and not weight_column:
        raise BadInput(
            "--weights には --weight-column で重みの項目を指定してください。",
            "--weights needs --weight-column to name the weight column.",
        )
    weight_frame = read_weights(Path(weights)) if weights else None
    report = city_overlay(_store(), threshold, weight_frame, weight_column)
    notes = []
    if csv_path:
        report.piece_table().to_csv(csv_path, index=False, encoding="utf-8-sig")
        notes.append(f"CSV: {csv_path}")
    if geojson_path:
        shapes = report.piece_shapes().to_crs(4326)
        Path(geojson_path).write_text(shapes.to_json(drop_id=True, ensure_ascii=False), "utf-8")
        notes.append(f"GeoJSON: {geojson_path}")
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        for note in notes:
            click.echo(f"書き出し / wrote {note}", err=True)
        return
    click.echo(describe_overlay(report))
    for note in notes:
        click.echo(f"書き出し / wrote {note}")


def _padded(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (Japanese characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - columns, 1)


def describe_overlay(report: OverlayReport) -> str:
    """A Japanese-first, human-readable overlay summary."""
    summary = report.summary()
    lines = [
        f"行政区 / districts: {summary['districts']}  "
        f"分割 / split (>{report.threshold:.0%}): {summary['split_districts']}  "
        f"校区外 / outside zones: {summary['districts_outside_zones']}",
        f"小学校区 / school zones: {summary['zones']}  "
        f"拠点なし / without a centre: {', '.join(summary['zones_without_center_codes']) or '—'}  "
        f"複数 / several: {', '.join(summary['zones_with_several_centers_codes']) or '—'}",
        f"拠点施設 / centres: {summary['centers']}  "
        f"校区外 / outside zones: {', '.join(summary['centers_outside_zones_codes']) or '—'}  "
        f"境界上 / on a boundary: {summary['centers_on_boundary']}",
        "",
        f"{_padded('校区 / zone', 30)}{'按分人口 / population':>24}   拠点 / centres",
    ]
    for zone in report.to_dict()["zones"]:
        population = zone.get("population")
        shown = "—" if population is None else f"{population:,.1f}"
        label = _padded(f"{zone['code']} {zone['name'] or ''}", 30)
        lines.append(f"{label}{shown:>24}   {', '.join(zone['centers']) or '（なし / none）'}")
    split = report.majority[report.majority["split"]]
    if len(split):
        lines += ["", "分割された行政区 / split districts (majority zone, shares):"]
        pieces = report.pieces.groupby("district", sort=False)
        for code, row in split.iterrows():
            shares = ", ".join(
                f"{piece.zone} {piece.district_share:.1%}"
                for piece in pieces.get_group(code).itertuples()
            )
            lines.append(f"  {code} → {row['majority_zone']}  ({shares})")
    for layer, label in (("districts", "行政区 / districts"), ("school_zones", "小学校区 / zones")):
        problems = report.coverage[layer]
        if problems:
            lines.append(f"\n{label}: 隙間・重なり / gaps and overlaps: {len(problems)}")
            for problem in problems[:10]:
                lines.append(
                    f"  {problem.kind} {problem.area_m2:,.1f} m² at ({problem.x:.1f}, "
                    f"{problem.y:.1f}): {', '.join(problem.features)}"
                )
    return "\n".join(lines)


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
    lines += _issue_lines("エラー", report.errors)
    if report.stored:
        lines.append("保存しました。")
    elif report.ok:
        lines.append("試行（--dry-run）のため保存していません。")
    else:
        lines.append("エラーがあるため何も保存していません。データベースは元のままです。")
    return "\n".join(lines)


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


if __name__ == "__main__":
    main()
