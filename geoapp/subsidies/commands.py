"""``geoapp grants …``: the finance section's batch import, exports, budgets and reports.
Output is plain text, or JSON where a script reads it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import BadInput
from ..exports.spreadsheet_csv import frame_csv_bytes
from ..japanese_calendar import fiscal_year, parse_fiscal_year, today_in_japan
from ..plans.commands import operator, print_json
from ..translatable import Text
from ..web.current import subsidies, with_app
from .grant_table import read_grant_table
from .spreadsheets import grants_table, report_table, workbook_bytes


def _year(text: str | None) -> int:
    """``--fiscal-year`` (2024, R6, 令和6年度; this fiscal year when not given)."""
    if text is None:
        return fiscal_year(today_in_japan())
    try:
        return parse_fiscal_year(text)
    except ValueError:
        raise BadInput(
            Text(
                "「--fiscal-year」: 「{text}」は年度ではありません（2024、R6、令和6年度）。",
                text=text,
            )
        ) from None


@click.group("grants")
def grants_group() -> None:
    """補助金の交付記録・予算・報告 / Subsidy grants, budgets and reports."""


@grants_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="検査だけ（保存しない） / check only")
@click.option("--json", "as_json", is_flag=True, help="行ごとの判定を JSON で / verdicts as JSON")
@click.option("--user", "user_name", help="記録者のアカウント / account recording the grants")
@with_app
def import_command(path: Path, dry_run: bool, as_json: bool, user_name: str | None) -> None:
    """交付記録の CSV を検査して取り込む（すべての行か、何も保存しない） / Check and store a
    grants CSV: every row, or none."""
    rows = read_grant_table(path.read_bytes(), path.name)
    result = subsidies().import_rows(operator(user_name), rows, dry_run, path.name)
    if as_json:
        for verdict in result.verdicts:
            click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        for verdict in result.verdicts:
            if not verdict.verdict.ok or verdict.excepted:
                click.echo(verdict.verdict.message)
        refused = sum(1 for v in result.verdicts if not v.verdict.ok)
        if dry_run:
            click.echo(f"検査のみ: {len(rows)}行、うち{refused}行が規則に反しています。")
        elif result.ok:
            click.echo(f"{result.stored}件の交付を記録しました。")
        else:
            click.echo(f"{refused}行が規則に反するため、何も保存していません（全{len(rows)}行）。")
    if not result.ok:
        sys.exit(1)


@grants_group.command("export")
@click.option("--fiscal-year", "year", help="年度（2024、R6、令和6年度。省略するとすべて）")
@click.option("--format", "kind", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_app
def export_command(year: str | None, kind: str, output: Path) -> None:
    """交付記録を CSV（UTF-8、BOM つき）か XLSX で出力する / Export grants as CSV or XLSX;
    the CSV imports back."""
    work = subsidies()
    names = {program.key: program.name for program in work.programs()}
    table = grants_table(work.grants(_year(year) if year else None), names)
    data = frame_csv_bytes(table) if kind == "csv" else workbook_bytes({"grants": table})
    output.write_bytes(data)
    click.echo(f"{len(table)}件を {output} に書きました。")


@grants_group.command("budget")
@click.option("--fiscal-year", "year", help="年度（省略すると今年度）")
@click.option("--json", "as_json", is_flag=True)
@with_app
def budget_command(year: str | None, as_json: bool) -> None:
    """制度ごとの予算・交付済み・残り / Budget, granted and remaining per program."""
    rows = subsidies().budget(_year(year))
    if as_json:
        print_json(rows)
        return
    for row in rows:
        budget = "—" if row["budget"] is None else f"{row['budget']:,}円"
        remaining = "—" if row["remaining"] is None else f"{row['remaining']:,}円"
        click.echo(f"{row['name']}: 予算 {budget}、交付 {row['granted']:,}円、残り {remaining}")


@grants_group.command("report")
@click.option("--fiscal-year", "year", help="年度（省略すると今年度）")
@click.option("--format", "kind", type=click.Choice(["json", "csv", "xlsx"]), default="json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@with_app
def report_command(year: str | None, kind: str, output: Path | None) -> None:
    """年度の報告（組織・制度ごとの交付額、合計、予算の執行） / The annual report."""
    report = subsidies().annual_report(_year(year))
    if kind == "json":
        text = json.dumps(report, ensure_ascii=False, indent=2)
        if output is None:
            click.echo(text)
        else:
            output.write_text(text, encoding="utf-8")
        return
    table = report_table(report, "ja")
    data = frame_csv_bytes(table) if kind == "csv" else workbook_bytes({report["label"]: table})
    if output is None:
        raise BadInput(Text("CSV・XLSX は -o で出力先を指定してください。"))
    output.write_bytes(data)
    click.echo(f"{report['label']}の報告を {output} に書きました。")


@grants_group.command("programs")
@click.option("--json", "as_json", is_flag=True)
@with_app
def programs_command(as_json: bool) -> None:
    """市の補助制度とその規則 / The city's subsidy programs and their rules."""
    documents = subsidies().program_documents()
    if as_json:
        print_json(documents)
        return
    for document in documents:
        click.echo(f"{document['key']}: {document['name']}（{document['name_en']}）")
