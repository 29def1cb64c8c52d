"""The subsidies' pages and JSON API: thin routes over ``Subsidies``.

Anyone reads the programs, the budget, the annual report, the chart and the choropleth
(the amounts granted per community are public); the grants themselves (with notes and
exceptions), their entry and imports are for logged-in admins and planners, sending the
CSRF token as the plans API does; only admins replace the programs, record exceptions and
delete grants.

- ``GET  /api/programs``; ``PUT /api/programs`` ``{"programs": [...]}`` (admins)
- ``GET  /api/grants?fiscal_year=&program=&organization_id=``; ``POST /api/grants``
  ``{"organization_id", "program", "fiscal_year", "project", "requested", "granted",
  "decided_on", "note", "exception_reason"}``; ``DELETE /api/grants/<id>`` (admins)
- ``POST /api/grants/import?dry_run=1`` (multipart ``file``: the CSV of ``geoapp grants
  import``), ``GET /api/grants/export.csv|.xlsx?fiscal_year=``
- ``GET  /api/grants/budget|report?fiscal_year=``, ``/api/grants/report.csv|.xlsx``,
  ``/api/grants/chart.svg``, ``/api/grants/map?fiscal_year=&program=&measure=``
- pages: ``/grants/`` (list, entry form, CSV check), ``/grants/report``, ``/grants/map``
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts.views import current_user, require_user
from ..errors import BadInput, GeoappError
from ..exports.spreadsheet_csv import frame_csv_bytes
from ..formatting import fiscal_year_short
from ..japanese_calendar import fiscal_year, today_in_japan
from ..translatable import Text
from ..web.content_policy import nonce
from ..web.current import organizations, store, subsidies
from ..web.downloads import attachment
from ..web.i18n import request_language, translate
from ..web.map_credits import add_credits
from ..web.request_limits import MAX_BODY_BYTES, accepts_files
from ..web.validation import check_file_name, from_args, from_form, from_json
from ..web.vendor_assets import leaflet_css_url, leaflet_js_url
from ..web.views import adopted_communities, city_basemap
from ..web.webmap import render_map
from .chart import chart_legend, program_color, years_chart
from .choropleth import MEASURE_LABELS, UNITS, shown_amount, subsidy_map
from .grant_table import GrantRow, read_grant_table, read_row
from .requests import (
    GrantEntry,
    GrantFilter,
    GrantForm,
    ImportOptions,
    MapQuery,
    ProgramsDocument,
    YearQuery,
)
from .service import ImportResult
from .spreadsheets import grants_table, report_table, workbook_bytes

public = Blueprint("subsidies", __name__)
staff = Blueprint("grants", __name__)
admin = Blueprint("programs_admin", __name__)
BLUEPRINTS = (public, staff, admin)
MAX_TABLE_BYTES = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff.before_request
def require_staff() -> None:
    """Grants are for admins and planners."""
    require_user("admin", "planner")


@admin.before_request
def require_admin() -> None:
    """Only admins replace the programs."""
    require_user("admin")


def asked_year(given: int | None) -> int:
    """The fiscal year asked for, or this one."""
    return given if given is not None else fiscal_year(today_in_japan())


# --- programs -----------------------------------------------------------------------------------
@public.get("/api/programs")
def get_programs() -> Response:
    """The city's programs with their rules."""
    return jsonify({"programs": subsidies().program_documents()})


@admin.put("/api/programs")
def put_programs() -> Response:
    """Replace the city's programs (checked against its stages and milestones)."""
    body = from_json(ProgramsDocument)
    return jsonify({"programs": subsidies().save_programs(require_user(), body.programs)})


# --- grants -------------------------------------------------------------------------------------
@staff.get("/api/grants")
def list_grants() -> Response:
    """Grants by fiscal year, program and organization."""
    asked = from_args(GrantFilter)
    return jsonify(
        {"grants": subsidies().grants(asked.fiscal_year, asked.program, asked.organization_id)}
    )


@staff.post("/api/grants")
def create_grant() -> tuple[Response, int]:
    """Check and store one grant (409 naming the rule it breaks)."""
    entry = from_json(GrantEntry)
    return jsonify(subsidies().record_grant(require_user(), entry_row(entry))), 201


@staff.delete("/api/grants/<int:grant_id>")
def delete_grant(grant_id: int) -> Response:
    """Remove a grant entered by mistake (admins; audited)."""
    subsidies().delete_grant(require_user(), grant_id)
    return jsonify({"deleted": grant_id})


@staff.post("/api/grants/import")
@accepts_files(MAX_TABLE_BYTES + MAX_BODY_BYTES)
def import_grants() -> tuple[Response, int]:
    """Check a grants CSV and store every row, or none (``?dry_run=1``: check only)."""
    options = from_args(ImportOptions)
    filename, data = uploaded_table()
    rows = read_grant_table(data, filename)
    result = subsidies().import_rows(require_user(), rows, options.dry_run, filename)
    return jsonify(result.to_dict()), result.status


@staff.get("/api/grants/export.csv")
def export_csv() -> Response:
    """Grants as CSV (UTF-8 with BOM) that imports back."""
    asked = from_args(YearQuery)
    table = grants_table(subsidies().grants(asked.fiscal_year), program_names())
    return attachment(frame_csv_bytes(table), "text/csv", f"grants{_suffix(asked.fiscal_year)}.csv")


@staff.get("/api/grants/export.xlsx")
def export_xlsx() -> Response:
    """Grants as an XLSX workbook."""
    asked = from_args(YearQuery)
    table = grants_table(subsidies().grants(asked.fiscal_year), program_names())
    return attachment(
        workbook_bytes({"grants": table}), XLSX, f"grants{_suffix(asked.fiscal_year)}.xlsx"
    )


def entry_row(entry: GrantEntry) -> GrantRow:
    """A checked request as a table row, so the form, the API and the CSV share one
    reading of the fiscal year, the decision date and the amounts."""
    return read_row(
        0,
        {
            "organization": str(entry.organization_id),
            "program": entry.program,
            "fiscal_year": "" if entry.fiscal_year is None else str(entry.fiscal_year),
            "project": entry.project,
            "requested": str(entry.requested),
            "granted": str(entry.granted),
            "decided_on": entry.decided_on.isoformat() if entry.decided_on else "",
            "note": entry.note,
            "exception_reason": entry.exception_reason or "",
        },
    )


def uploaded_table() -> tuple[str, bytes]:
    """The uploaded CSV (``file``): its name and bytes."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput(Text("取り込む CSV（file）を選んでください。"), fields=["file"])
    check_file_name(upload.filename, "file")
    data = upload.read(MAX_TABLE_BYTES + 1)
    if len(data) > MAX_TABLE_BYTES:
        raise BadInput(
            Text("{file} が大きすぎます（20MBまで）。", file=upload.filename), fields=["file"]
        )
    return upload.filename, data


def program_names() -> dict[str, str]:
    """The programs' Japanese names by key."""
    return {program.key: program.name for program in subsidies().programs()}


def _suffix(year: int | None) -> str:
    """``-2024`` for a fiscal year's file."""
    return "" if year is None else f"-{year}"


# --- budget, report, chart, map -----------------------------------------------------------------
@public.get("/api/grants/budget")
def budget() -> Response:
    """Per program in the fiscal year: budget, granted and remaining."""
    year = asked_year(from_args(YearQuery).fiscal_year)
    return jsonify({"fiscal_year": year, "programs": subsidies().budget(year)})


@public.get("/api/grants/report")
def report() -> Response:
    """The annual report as JSON."""
    return jsonify(subsidies().annual_report(asked_year(from_args(YearQuery).fiscal_year)))


@public.get("/api/grants/report.csv")
def report_csv() -> Response:
    """The annual report as CSV (UTF-8 with BOM)."""
    data = subsidies().annual_report(asked_year(from_args(YearQuery).fiscal_year))
    table = report_table(data, request_language())
    return attachment(
        frame_csv_bytes(table), "text/csv", f"grants-report-{data['fiscal_year']}.csv"
    )


@public.get("/api/grants/report.xlsx")
def report_xlsx() -> Response:
    """The annual report as an XLSX workbook."""
    data = subsidies().annual_report(asked_year(from_args(YearQuery).fiscal_year))
    table = report_table(data, request_language())
    return attachment(
        workbook_bytes({data["label"]: table}), XLSX, f"grants-report-{data['fiscal_year']}.xlsx"
    )


@public.get("/api/grants/chart.svg")
def chart_svg() -> Response:
    """Grants by fiscal year and program as an SVG chart."""
    work = subsidies()
    programs = chart_programs(work.totals_by_year())
    svg = years_chart(work.totals_by_year(), programs, request_language())
    return Response(str(svg), mimetype="image/svg+xml")


@public.get("/api/grants/map")
def map_values() -> Response:
    """Per community of the adopted plan: the amount granted in the fiscal year (of one
    program or all) and the value of the measure, with the class breaks."""
    asked = from_args(MapQuery)
    year = asked_year(asked.fiscal_year)
    values, _frame = community_values(year, asked.program, asked.measure)
    return jsonify(
        {
            "fiscal_year": year,
            "program": asked.program,
            "measure": asked.measure,
            "communities": values,
            "total": sum(v["granted"] for v in values),
        }
    )


def chart_programs(years: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The programs of the city, and any key a past grant names that it no longer has."""
    programs = [
        {"key": p.key, "name": p.name, "name_en": p.name_en} for p in subsidies().programs()
    ]
    known = {p["key"] for p in programs}
    for key in sorted({k for year in years for k in year["amounts"]} - known):
        programs.append({"key": key, "name": key, "name_en": key})
    return programs


def community_values(
    year: int, program: str | None, measure: str
) -> tuple[list[dict[str, Any]], Any]:
    """The measure per community, and the communities' frame (None before adoption)."""
    if program is not None:
        subsidies().program(program)
    _plan, frame = adopted_communities()
    if frame is None:
        return [], None
    figures = [
        {
            "id": int(row.id),
            "name": row.name,
            "population": None if pd.isna(row.population) else int(row.population),
            "households": None if pd.isna(row.households) else int(row.households),
        }
        for row in frame.itertuples()
    ]
    values = subsidies().community_amounts(year, program, figures, measure)  # type: ignore[arg-type]
    return values, frame


# --- pages --------------------------------------------------------------------------------------
@staff.get("/grants/")
def grants_page() -> str:
    """The grants of a fiscal year, the entry form and the CSV check."""
    return _grants_page(from_args(GrantFilter))


@staff.post("/grants/")
def grants_form() -> tuple[str, int] | Response:
    """Record a grant from the form; a refusal shows on the form, nothing stored."""
    try:
        entry = from_form(GrantForm)
        grant = subsidies().record_grant(require_user(), entry_row(entry))
    except GeoappError as error:
        if error.status >= 500:
            raise
        return _grants_page(GrantFilter(), error=error, form=request.form.to_dict()), int(
            error.status
        )
    return _grants_page(GrantFilter(fiscal_year=grant["fiscal_year"]), saved=grant), 201


@staff.post("/grants/import")
@accepts_files(MAX_TABLE_BYTES + MAX_BODY_BYTES)
def grants_import_form() -> tuple[str, int]:
    """Check (and, unless asked only to check, store) an uploaded grants CSV."""
    dry_run = request.form.get("dry_run") == "1"
    try:
        filename, data = uploaded_table()
        result = subsidies().import_rows(
            require_user(), read_grant_table(data, filename), dry_run, filename
        )
    except GeoappError as error:
        if error.status >= 500:
            raise
        return _grants_page(GrantFilter(), import_error=error), int(error.status)
    return _grants_page(GrantFilter(), imported=result), result.status


def _grants_page(
    asked: GrantFilter,
    error: GeoappError | None = None,
    form: dict[str, str] | None = None,
    saved: dict[str, Any] | None = None,
    imported: ImportResult | None = None,
    import_error: GeoappError | None = None,
) -> str:
    """The grants page for a fiscal year (this one by default)."""
    work = subsidies()
    year = asked_year(asked.fiscal_year)
    programs = work.programs()
    names = {p.key: p for p in programs}
    grants = work.grants(year, asked.program, asked.organization_id)
    lang = request_language()
    fields = error.details.get("fields", []) if error else []
    return render_template(
        "subsidies/grants.html",
        city=store().city(),
        year=year,
        years=work.fiscal_years(),
        programs=programs,
        program_names={k: (p.name_en if lang == "en" else p.name) for k, p in names.items()},
        asked=asked,
        grants=grants,
        organizations=organizations().list_organizations(current_user()),
        budget=work.budget(year),
        error=error,
        error_fields=fields,
        form=form or {},
        saved=saved,
        imported=imported,
        import_error=import_error,
        is_admin=bool(current_user() and current_user().is_admin),
    )


@public.get("/grants/report")
def report_page() -> str:
    """The annual report: the table per community and program, totals, budget and the
    chart by fiscal year; printable on A4."""
    work = subsidies()
    year = asked_year(from_args(YearQuery).fiscal_year)
    data = work.annual_report(year)
    years = work.totals_by_year()
    programs = chart_programs(years)
    lang = request_language()
    return render_template(
        "subsidies/report.html",
        city=store().city(),
        report=data,
        year=year,
        years=work.fiscal_years(),
        chart=years_chart(years, programs, lang, legend=False),
        chart_legend=chart_legend(programs, lang),
        colors={p["key"]: program_color(i) for i, p in enumerate(programs)},
        staff=current_user() is not None,
    )


@public.get("/grants/map")
def map_page() -> str:
    """The choropleth of a fiscal year's grants by community."""
    asked = from_args(MapQuery)
    lang = request_language()
    year = asked_year(asked.fiscal_year)
    work = subsidies()
    programs = work.programs()
    program = work.program(asked.program) if asked.program else None
    values, frame = community_values(year, asked.program, asked.measure)
    city = store().city()
    rendered = None
    what = (
        (program.name_en if lang == "en" else program.name)
        if program
        else translate("すべての制度", lang)
    )
    title = f"{fiscal_year_short(year, lang)} {what}"
    if frame is not None:
        shown_frame = frame[["id", "geometry"]].copy()
        by_id = {v["id"]: v for v in values}
        for column in ("name", "granted", "value", "population", "households"):
            shown_frame[column] = [by_id[int(i)][column] for i in frame["id"]]
        fmap, _classes = subsidy_map(
            shown_frame,
            asked.measure,
            title,
            city_basemap(city),
            lang,
            leaflet_js_url(),
            leaflet_css_url(),
        )
        add_credits(fmap, city.credits if city else "")
        rendered = render_map(fmap, nonce())
    return render_template(
        "subsidies/map.html",
        city=city,
        map=rendered,
        year=year,
        years=work.fiscal_years(),
        programs=programs,
        program=program,
        measure=asked.measure,
        measures=MEASURE_LABELS,
        unit=UNITS[asked.measure],
        values=sorted(values, key=lambda v: -(v["value"] or 0)),
        shown_amount=lambda value, measure: shown_amount(value, measure, lang),
        total=sum(v["granted"] for v in values),
        title=title,
        data_url=url_for(
            "subsidies.map_values", fiscal_year=year, program=asked.program, measure=asked.measure
        ),
    )
