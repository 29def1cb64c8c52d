"""Population counts loaded for stored districts from a table by code, on both backends:
UTF-8 with a BOM and CP932 files, unknown codes and districts without a row listed, bad
values refused naming line and column with nothing stored; from the command line and
from the upload page, and seen at once by the plans."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import TEST_SRID
from flask import Flask
from shapes import grid_centers, grid_zones, nine_districts
from staff import GRID_CITY, PASSWORD, Staff

from geoapp.accounts.users import add_user
from geoapp.cli import main
from geoapp.importing.population_table import load_population
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.plans.service import Planning
from geoapp.storage import Store

COUNTS = ["population", "households", "population_65"]


def store_grid_without_counts(store: Store) -> None:
    """The grid city, its districts without any counts (as Yaizu's 自治会 come)."""
    districts = nine_districts()
    districts[COUNTS] = None
    store.save_city(GRID_CITY)
    store.replace_layers(
        {DISTRICTS: districts, SCHOOL_ZONES: grid_zones(), CENTERS: grid_centers()},
        source="grid without counts",
    )


def write_table(path: Path, lines: list[str], encoding: str) -> Path:
    """A CSV of ``lines`` (CRLF, as spreadsheets save) in ``encoding``."""
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def resident_register(tmp_path: Path, encoding: str = "utf-8-sig") -> Path:
    """A 住民基本台帳 style table: G1 to G8 (G9 missing) and a code no district has."""
    rows = [f'G{n},第{n}区,{40 * n},"{1000 * n:,}",{300 * n}' for n in range(1, 9)]
    return write_table(
        tmp_path / "住民基本台帳.csv",
        ["町丁コード,町丁名,世帯数,人口総数,65歳以上", *rows, "X1,存在しない町,1,2,1"],
        encoding,
    )


def stored_counts(store: Store) -> dict[str, list]:
    """Each district's counts as stored (None where unknown)."""
    districts = store.read_layer(DISTRICTS).set_index("code")[COUNTS]
    return {
        code: [None if pd.isna(value) else int(value) for value in row]
        for code, row in districts.iterrows()
    }


@pytest.fixture
def grid_store(store: Store) -> Store:
    """A store holding the grid city without counts."""
    store_grid_without_counts(store)
    return store


def test_a_utf8_table_with_a_bom_fills_the_districts_it_names(
    grid_store: Store, tmp_path: Path
) -> None:
    report = load_population(grid_store, resident_register(tmp_path))
    assert report.ok and report.stored and report.encoding == "utf-8"
    assert report.mapping["fields"] == {
        "code": "町丁コード",
        "population": "人口総数",
        "households": "世帯数",
        "population_65": "65歳以上",
    }
    assert report.matched == [f"G{n}" for n in range(1, 9)]
    assert report.unknown_codes == [{"row": 10, "code": "X1"}]
    assert report.without_row == ["G9"]
    counts = stored_counts(grid_store)
    assert counts["G3"] == [3000, 120, 900]
    assert counts["G9"] == [None, None, None]


def test_a_cp932_table_is_read_and_leaves_unnamed_counts_as_they_were(
    grid_store: Store, tmp_path: Path
) -> None:
    load_population(grid_store, resident_register(tmp_path))
    table = write_table(
        tmp_path / "人口.csv",
        [
            "行政区コード,行政区名,人口",
            "G9,第９区,900",
            "G3,第３区,３０００",
            "G4,第４区,400",
            "G1,第1区,",
        ],
        "cp932",
    )
    report = load_population(grid_store, table)
    assert report.ok and report.encoding == "cp932"
    assert report.mapping["fields"] == {"code": "行政区コード", "population": "人口"}
    counts = stored_counts(grid_store)
    assert counts["G9"] == [900, None, None]
    assert counts["G3"] == [3000, 120, 900]  # full-width digits read as a count
    assert counts["G1"] == [None, 40, 300]  # an empty cell makes the count unknown
    assert counts["G2"] == [2000, 80, 600]  # no row: left as it was


def test_a_bad_value_is_refused_naming_its_line_and_column_and_nothing_is_stored(
    grid_store: Store, tmp_path: Path
) -> None:
    table = write_table(
        tmp_path / "bad.csv",
        ["CODE,JINKO,SETAI", "G1,100,40", "G2,約200,80", "G3,300,-5", "G4,40,50"],
        "utf-8",
    )
    before = grid_store.data_stamp()
    report = load_population(grid_store, table)
    assert not report.ok and not report.stored
    assert [(e["row"], e["column"], e["value"]) for e in report.errors] == [
        (3, "JINKO", "約200"),
        (4, "SETAI", "-5"),
    ]
    assert report.errors[0]["message"] == "3行目の「JINKO」（約200）は0以上の整数ではありません。"
    assert all(row == [None, None, None] for row in stored_counts(grid_store).values())
    assert grid_store.data_stamp() == before


def test_more_people_aged_65_than_people_and_a_repeated_code_are_refused(
    grid_store: Store, tmp_path: Path
) -> None:
    table = write_table(
        tmp_path / "odd.csv", ["code,population,population_65", "G1,10,20", "G2,5,1", "G2,6,1"],
        "utf-8",
    )  # fmt: skip
    report = load_population(grid_store, table)
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (2, "population_65"),
        (4, "code"),
    ]
    assert not report.stored and stored_counts(grid_store)["G2"] == [None, None, None]


def test_a_dry_run_reports_and_stores_nothing(grid_store: Store, tmp_path: Path) -> None:
    report = load_population(grid_store, resident_register(tmp_path), dry_run=True)
    assert report.ok and not report.stored and len(report.matched) == 8
    assert stored_counts(grid_store)["G1"] == [None, None, None]


def test_plans_see_the_loaded_population_at_once(grid_store: Store, tmp_path: Path) -> None:
    planning = Planning(grid_store)
    before = planning.geography()
    assert before.population[0] != before.population[0]  # NaN: unknown
    load_population(grid_store, resident_register(tmp_path))
    after = planning.geography()
    assert after.stamp != before.stamp
    assert list(after.population[:3]) == [1000.0, 2000.0, 3000.0]


def test_geoapp_import_population_prints_the_report(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--crs", str(TEST_SRID)]).exit_code == 0
    from geoapp.storage import open_store

    store = open_store(database_url, TEST_SRID, pool_size=2)
    try:
        store_grid_without_counts(store)
    finally:
        store.close()
    table = write_table(tmp_path / "pop.csv", ["KEY,N", "G1,150", "Z9,1"], "utf-8")
    shown = runner.invoke(
        main, ["import", "population", str(table), "--map", "code=KEY,population=N"]
    )
    assert shown.exit_code == 0, shown.output
    assert "行政区にないコード: Z9（3行目）" in shown.output and "保存しました。" in shown.output
    assert "G2, G3" in shown.output
    dry = runner.invoke(main, ["import", "population", str(table), "--dry-run", "--json",
                               "--map", "code=KEY,population=N"])  # fmt: skip
    report = json.loads(dry.stdout)
    assert report["matched"] == ["G1"] and report["unknown_codes"] == [{"row": 3, "code": "Z9"}]
    assert report["stored"] is False and len(report["without_row"]) == 8
    refused = runner.invoke(main, ["import", "population", str(table), "--crs", "6676"])
    assert refused.exit_code != 0 and "--crs" in refused.output


def test_the_upload_page_checks_then_loads_a_population_table(app: Flask, tmp_path: Path) -> None:
    store = app.extensions["geoapp.store"]
    store_grid_without_counts(store)
    add_user(store, "tanaka", "planner", PASSWORD)
    staff = Staff(app, "tanaka")
    page = staff.get("/admin/import/").get_data(as_text=True)
    assert '<option value="population">' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    table = resident_register(tmp_path, "cp932")
    checked = staff.client.post(
        "/admin/import/",
        data={
            "csrf_token": token,
            "layer": "population",
            "files": (io.BytesIO(table.read_bytes()), table.name),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert 'data-report-status="checked"' in checked
    assert '<strong data-figure="matched">8</strong>' in checked
    assert "X1" in checked and "G9" in checked
    assert stored_counts(store)["G1"] == [None, None, None]
    confirm = re.search(r'action="(/admin/import/[^"]+/confirm)"', checked).group(1)
    stored = staff.client.post(confirm, data={"csrf_token": token}).get_data(as_text=True)
    assert 'data-report-status="stored"' in stored
    assert stored_counts(store)["G1"] == [1000, 40, 300]
    plan = staff.new_plan()
    west = plan["checks"]["communities"][0]
    assert west["population"] == 1000 + 4000 + 5000 + 7000  # G1 G4 G5 G7
    assert plan["checks"]["missing_population"] == ["G9"]


def test_the_english_population_report_names_rows_and_separates_lists_in_english(
    app: Flask, tmp_path: Path
) -> None:
    store = app.extensions["geoapp.store"]
    store_grid_without_counts(store)
    add_user(store, "tanaka", "planner", PASSWORD)
    staff = Staff(app, "tanaka")
    page = staff.get("/admin/import/?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    table = resident_register(tmp_path)
    checked = staff.client.post(
        "/admin/import/?lang=en",
        data={
            "csrf_token": token,
            "layer": "population",
            "files": (io.BytesIO(table.read_bytes()), table.name),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    unknown = re.search(r'data-list="unknown-codes">(.*?)</ul>', checked, re.S).group(1)
    assert re.search(r"X1 <small[^>]*>row \d+</small>", unknown)
    assert "Codes matching no district" in checked
    report = checked[checked.index("data-report-status") : checked.index("</section>")]
    assert "、" not in report and "行" not in report
