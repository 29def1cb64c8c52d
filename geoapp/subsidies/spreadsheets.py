"""Grants and the annual report as tables for spreadsheets: CSV through the app's
spreadsheet-safe writer, XLSX through openpyxl (amounts as numbers with thousands
separators, text never taken as a formula)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from ..formatting import thousands_of_yen
from ..web.i18n import translate
from .grant_table import OPTIONAL_COLUMNS, READER_COLUMNS, REQUIRED_COLUMNS

_YEN_FORMAT = "#,##0"


def grants_table(grants: list[dict[str, Any]], program_names: Mapping[str, str]) -> pd.DataFrame:
    """Grants as the import reads them back (``organization`` is the id), with the
    organization's and program's names beside."""
    rows = [
        {
            "organization": grant["organization_id"],
            "organization_name": grant["organization"],
            "program": grant["program"],
            "program_name": program_names.get(grant["program"], ""),
            "fiscal_year": grant["fiscal_year"],
            "project": grant["project"],
            "requested": grant["requested"],
            "granted": grant["granted"],
            "decided_on": grant["decided_on"] or "",
            "note": grant["note"],
            "exception_reason": grant["exception_reason"] or "",
        }
        for grant in grants
    ]
    columns = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *READER_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


def report_table(report: Mapping[str, Any], lang: str) -> pd.DataFrame:
    """The annual report as one table: a row per organization with its amount per program,
    its total in yen and in 千円; then the totals, the budget, granted and remaining."""
    t = lambda text: translate(text, lang)  # noqa: E731
    programs = report["programs"]
    names = [p["name_en"] if lang == "en" else p["name"] for p in programs]
    header = [
        t("交付先の組織"),
        *[f"{name}（{t('円')}）" for name in names],
        t("合計（円）"),
        t("合計（千円）"),
    ]
    rows = []
    for entry in report["organizations"]:
        amounts = [entry["amounts"].get(p["key"], 0) for p in programs]
        rows.append(
            [entry["organization"], *amounts, entry["total"], thousands_of_yen(entry["total"])]
        )
    totals = [report["program_totals"].get(p["key"], 0) for p in programs]
    rows.append([t("合計"), *totals, report["total"], thousands_of_yen(report["total"])])
    rows.append(
        [
            t("合計（千円）"),
            *[thousands_of_yen(v) for v in totals],
            None,
            thousands_of_yen(report["total"]),
        ]
    )
    budgets = {row["program"]: row for row in report["budget"]}
    for label, key in (
        ("予算（円）", "budget"),
        ("交付済み（円）", "granted"),
        ("残り（円）", "remaining"),
    ):
        values = [budgets.get(p["key"], {}).get(key) for p in programs]
        rows.append([t(label), *values, None, None])
    return pd.DataFrame(rows, columns=header)


def workbook_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with a sheet per table: a bold header, numbers as numbers with
    thousands separators, every text a string (never a formula)."""
    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(_sheet_title(title))
        sheet.append([str(column) for column in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.data_type = "s"
        for values in frame.itertuples(index=False):
            sheet.append([None if _missing(value) else value for value in values])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                elif isinstance(cell.value, int | float):
                    cell.number_format = _YEN_FORMAT
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 2), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "sheet"


def _missing(value: object) -> bool:
    """True for an empty cell (None or NaN)."""
    return value is None or (isinstance(value, float) and value != value)
