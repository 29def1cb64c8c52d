"""``geoapp overlay``: overlay the stored districts, school zones and centres, and print
or write the result."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import click
import pandas as pd

from ..errors import BadInput
from ..exports.spreadsheet_csv import frame_csv_bytes
from ..formatting import percent
from ..translatable import Text
from ..web import current
from .report import OverlayReport
from .stored_city import city_overlay, read_weights


@click.command("overlay")
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
@current.with_app
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
        raise BadInput(Text("--weights には --weight-column で重みの項目を指定してください。"))
    weight_frame = read_weights(Path(weights)) if weights else None
    store = current.store()
    report = city_overlay(store, threshold, weight_frame, weight_column)
    notes = []
    if csv_path:
        Path(csv_path).write_bytes(frame_csv_bytes(report.piece_table()))
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


def _outside_zone_lines(report: OverlayReport, limit: int = 20) -> list[str]:
    """The districts' land and people in no school zone: the total, a warning above the
    threshold, and the districts with the most such land."""
    total = report.uncovered_summary()
    if not total["districts"]:
        return []
    people = total["population"]
    shown_people = "—" if people is None else f"{people:,.1f}"
    if total["population_share"] is not None:
        shown_people += f"（{total['population_share']:.3%}）"
    lines = [
        "",
        f"どの校区にも入らない部分 / land in no school zone: 行政区 {total['districts']}"
        f"（一部 / partly {total['districts_partly_outside']}）  "
        f"面積 / area {total['area_m2']:,.1f} m²（{percent(total['area_share'], 'ja', 3)}）  "
        f"人口 / population {shown_people}",
    ]
    if total["warning"]:
        share = percent(total["warning_share"], "ja")
        lines.append(
            f"  注意 / warning: 市全体の {share} を超えています。"
            f"校区の線を確かめてください / more than {share} of the "
            "city lies in no zone; check the zone lines."
        )
    names = dict(zip(report.districts["code"].astype(str), report.districts["name"], strict=True))
    table = report.uncovered_districts().sort_values("uncovered_area_m2", ascending=False)
    for code, row in table.head(limit).iterrows():
        lost = row.get("uncovered_population")
        lost_text = "—" if lost is None or pd.isna(lost) else f"{lost:,.1f}"
        label = _padded(f"{code} {names.get(code) or ''}", 30)
        lines.append(
            f"  {label}{row['uncovered_area_m2']:>12,.1f} m²  ({row['uncovered_share']:.2%})"
            f"  人口 / population {lost_text}"
        )
    if len(table) > limit:
        lines.append(f"  … ほか / and {len(table) - limit}（--json で全件 / all with --json）")
    return lines


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
    lines += _outside_zone_lines(report)
    split = report.majority[report.majority["split"]]
    if len(split):
        lines += ["", "分割された行政区 / split districts (majority zone, shares):"]
        pieces = report.pieces.groupby("district", sort=False)
        for code, row in split.iterrows():
            shares = ", ".join(
                f"{piece.zone} {percent(piece.district_share, 'ja')}"
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
