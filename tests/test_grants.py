"""Grants on the hand-drawn grid city, on both backends: checked when saved through the
API, the form's service and ``geoapp grants import``; an admin's exception audited; every
bad value refused naming its row and column with nothing stored; budgets, the report and
the exports."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from flask import Flask
from staff import Staff
from test_organizations import adopt

from geoapp.accounts.users import User
from geoapp.cli import main
from geoapp.subsidies.service import Subsidies

KANRI = User("kanri", "admin")
HEADER = "organization,program,fiscal_year,project,requested,granted,decided_on\n"


@pytest.fixture
def kanri(grid_app: Flask) -> Staff:
    return Staff(grid_app, "kanri")


@pytest.fixture
def tanaka(grid_app: Flask) -> Staff:
    return Staff(grid_app, "tanaka")


@pytest.fixture
def city(grid_app: Flask, kanri: Staff) -> dict[str, int]:
    """The adopted school-zone plan's two organizations: 東 preparing since 2023-05-01,
    西 preparing since 2022-06-01 that signed the agreement and adopted its vision in
    2024; their ids by name."""
    adopt(kanri, kanri.new_plan())
    orgs = grid_app.extensions["geoapp.organizations"]
    ids = {o["name"][0]: o["id"] for o in orgs.list_organizations(KANRI)}
    orgs.change_stage(KANRI, ids["東"], "preparation", date(2023, 5, 1))
    orgs.change_stage(KANRI, ids["西"], "preparation", date(2022, 6, 1))
    orgs.record_milestone(KANRI, ids["西"], "agreement", date(2024, 7, 1))
    orgs.record_milestone(KANRI, ids["西"], "vision", date(2024, 7, 1))
    orgs.change_stage(KANRI, ids["西"], "growth", date(2024, 7, 1))
    return ids


def service(app: Flask) -> Subsidies:
    return app.extensions["geoapp.subsidies"]


def grant(organization: int, **fields: Any) -> dict[str, Any]:
    return {
        "organization_id": organization,
        "program": "preparation",
        "fiscal_year": "R6",
        "project": "設立準備",
        "requested": 200_000,
        "granted": 200_000,
        "decided_on": "2024-06-01",
        **fields,
    }


def test_a_grant_is_stored_and_audited(
    grid_app: Flask, city: dict[str, int], tanaka: Staff
) -> None:
    answer = tanaka.post("/api/grants", grant(city["東"]))
    assert answer.status_code == 201, answer.get_json()
    stored = answer.get_json()
    assert stored["fiscal_year"] == 2024 and stored["fiscal_year_label"].startswith("令和6年度")
    audit = tanaka.get(f"/api/organizations/{city['東']}/audit").get_json()["audit"]
    assert (
        audit[-1]["action"] == "grant" and audit[-1]["new_value"]["grants"][0]["granted"] == 200_000
    )
    assert audit[-1]["actor"] == "tanaka"


def test_a_refused_grant_names_the_rule_and_stores_nothing(
    grid_app: Flask, city: dict[str, int], tanaka: Staff
) -> None:
    answer = tanaka.post(
        "/api/grants", grant(city["東"], fiscal_year="R7", decided_on="2025-06-01")
    )
    assert answer.status_code == 409
    body = answer.get_json()
    assert body["error"] == "grant_rule"
    assert body["details"]["rules"][0]["rule"] == "duration"
    assert "設立準備事業補助金は準備開始年度から2年度までです（令和5年度開始）" in body["message"]
    assert service(grid_app).grants() == []


def test_an_admin_records_a_refused_grant_as_an_audited_exception(
    grid_app: Flask, city: dict[str, int], kanri: Staff, tanaka: Staff
) -> None:
    late = grant(
        city["東"], fiscal_year="R7", decided_on="2025-06-01", exception_reason="災害で遅延"
    )
    refused = tanaka.post("/api/grants", late)
    assert refused.status_code == 400 and refused.get_json()["details"]["fields"] == [
        "exception_reason"
    ]
    answer = kanri.post("/api/grants", late)
    assert answer.status_code == 201, answer.get_json()
    stored = answer.get_json()
    assert stored["exception_reason"] == "災害で遅延"
    assert [r["rule"] for r in stored["waived_rules"]] == ["duration"]
    audit = kanri.get(f"/api/organizations/{city['東']}/audit").get_json()["audit"][-1]
    assert audit["action"] == "grant" and audit["exception_reason"] == "災害で遅延"
    assert audit["waived_rules"][0]["rule"] == "duration"
    needless = kanri.post("/api/grants", grant(city["東"], exception_reason="念のため"))
    assert needless.status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organization_id", 0),
        ("organization_id", 999),
        ("program", "nothing"),
        ("program", "Ａ"),
        ("fiscal_year", "R"),
        ("fiscal_year", "R7"),
        ("fiscal_year", 1800),
        ("requested", -1),
        ("requested", "abc"),
        ("requested", 10**13),
        ("granted", 200_001),
        ("granted", 1.5),
        ("decided_on", "2024-02-30"),
        ("decided_on", 20240601),
        ("project", "x" * 201),
        ("note", "\x00"),
        ("unknown", 1),
    ],
)
def test_a_bad_value_is_refused_naming_the_field_and_nothing_is_stored(
    grid_app: Flask, city: dict[str, int], tanaka: Staff, field: str, value: object
) -> None:
    answer = tanaka.post("/api/grants", grant(city["東"], **{field: value}))
    assert answer.status_code == 400, answer.get_json()
    body = answer.get_json()
    assert field in body["details"]["fields"], body
    assert field in body["message"] and field in body["message_en"]
    assert service(grid_app).grants() == []


def test_the_entry_form_shows_a_refusal_on_the_form_naming_the_field(
    grid_app: Flask, city: dict[str, int], tanaka: Staff
) -> None:
    page = tanaka.post(
        "/grants/",
        data={**grant(city["東"], requested="abc"), "csrf_token": tanaka.token},
    )
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "requested" in html and 'aria-invalid="true"' in html
    assert service(grid_app).grants() == []
    saved = tanaka.post("/grants/", data={**grant(city["東"]), "csrf_token": tanaka.token})
    assert saved.status_code == 201 and len(service(grid_app).grants()) == 1


def table(*rows: str, encoding: str = "utf-8-sig") -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode(encoding)


def import_table(staff: Staff, data: bytes, dry_run: bool = False) -> Any:
    return staff.post(
        "/api/grants/import" + ("?dry_run=1" if dry_run else ""),
        data={"file": (io.BytesIO(data), "交付.csv")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_a_table_is_stored_whole_in_any_of_its_encodings(
    grid_app: Flask, city: dict[str, int], tanaka: Staff, encoding: str
) -> None:
    east, west = city["東"], city["西"]
    data = table(
        f"{east},preparation,2024,会議,200000,200000,2024-06-01",
        '東小学校区,preparation,R5,,"150,000",150000,',
        f"{west},operating,令和6年度,運営,200000,200000,2024-08-01",
        f"{west},projects,R7,見守り,300000,300000,2025-05-01",
        f"{west},projects,R7,食堂,150000,150000,2025-06-01",
        encoding=encoding,
    )
    checked = import_table(tanaka, data, dry_run=True).get_json()
    assert checked["ok"] and checked["stored"] == 0 and service(grid_app).grants() == []
    answer = import_table(tanaka, data).get_json()
    assert answer["ok"] and answer["stored"] == 5, answer
    assert [v["row"] for v in answer["verdicts"]] == [2, 3, 4, 5, 6]
    assert sorted(g["fiscal_year"] for g in service(grid_app).grants()) == [
        2023,
        2024,
        2024,
        2025,
        2025,
    ]


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [
        ("{east},preparation,2024,,abc,1,2024-06-01", "requested", "bad_value"),
        ("{east},preparation,2024,,100,200,2024-06-01", "granted", "bad_value"),
        ("{east},preparation,2024,,100,-5,2024-06-01", "granted", "bad_value"),
        ("{east},preparation,令和,,100,100,2024-06-01", "fiscal_year", "bad_value"),
        ("{east},preparation,R7,,100,100,2024-06-01", "fiscal_year", "bad_value"),
        ("{east},preparation,,,100,100,", "fiscal_year", "bad_value"),
        ("{east},preparation,2024,,100,100,2024-13-01", "decided_on", "bad_value"),
        ("{east},preparation,2024,,100,100,令和6年", "decided_on", "bad_value"),
        (",preparation,2024,,100,100,2024-06-01", "organization", "bad_value"),
        ("{east},,2024,,100,100,2024-06-01", "program", "bad_value"),
        ("{east},preparation,2024,\x07,100,100,2024-06-01", "project", "bad_value"),
        ("どこか,preparation,2024,,100,100,2024-06-01", "organization", "unknown_organization"),
        ("{east},nothing,2024,,100,100,2024-06-01", "program", "unknown_program"),
    ],
)
def test_a_bad_row_names_its_line_and_column_and_nothing_is_stored(
    grid_app: Flask, city: dict[str, int], tanaka: Staff, row: str, column: str, rule: str
) -> None:
    good = f"{city['東']},preparation,2024,会議,100000,100000,2024-06-01"
    answer = import_table(tanaka, table(good, row.format(east=city["東"]), good))
    body = answer.get_json()
    assert not body["ok"] and body["stored"] == 0
    verdict = body["verdicts"][1]
    assert verdict == {**verdict, "row": 3, "ok": False, "rule": rule, "column": column}
    assert verdict["message"].startswith(f"3行目の「{column}」")
    assert verdict["message_en"].startswith(f"Line 3, column '{column}'")
    assert service(grid_app).grants() == []


def test_rows_are_checked_against_the_rows_before_them(
    grid_app: Flask, city: dict[str, int], tanaka: Staff
) -> None:
    west = city["西"]
    answer = import_table(
        tanaka,
        table(
            f"{west},projects,R7,一,300000,300000,2025-05-01",
            f"{west},projects,R7,二,150000,150000,2025-06-01",
            f"{west},projects,R7,三,10000,10000,2025-07-01",
        ),
    ).get_json()
    assert [v["rule"] for v in answer["verdicts"]] == [None, None, "projects_per_year"]
    assert answer["stored"] == 0 and service(grid_app).grants() == []


def test_the_budget_refuses_a_grant_beyond_it_and_shows_what_is_left(
    grid_app: Flask, city: dict[str, int], kanri: Staff
) -> None:
    programs = kanri.get("/api/programs").get_json()["programs"]
    for program in programs:
        if program["key"] == "operating":
            program["budgets"] = {"2024": 300_000}
    saved = kanri.client.put(
        "/api/programs", json={"programs": programs}, headers={"X-CSRFToken": kanri.token}
    )
    assert saved.status_code == 200, saved.get_json()
    west = city["西"]
    operating = {"program": "operating", "decided_on": "2024-08-01"}
    answer = kanri.post("/api/grants", grant(west, **operating))
    assert answer.status_code == 201, answer.get_json()
    budget = kanri.get("/api/grants/budget?fiscal_year=R6").get_json()["programs"]
    shown = next(b for b in budget if b["program"] == "operating")
    assert shown == {**shown, "budget": 300_000, "granted": 200_000, "remaining": 100_000}
    over = kanri.post("/api/grants", grant(city["東"], **operating, granted=150_000))
    assert over.status_code == 409
    rules = [r["rule"] for r in over.get_json()["details"]["rules"]]
    assert "budget" in rules
    audit = kanri.get("/api/organizations/audit").get_json()["audit"]
    assert audit[-1]["action"] == "programs"


def test_programs_are_checked_when_an_admin_replaces_them(
    grid_app: Flask, city: dict[str, int], kanri: Staff, tanaka: Staff
) -> None:
    def put(staff: Staff, body: object) -> Any:
        return staff.client.put("/api/programs", json=body, headers={"X-CSRFToken": staff.token})

    assert put(tanaka, {"programs": []}).status_code == 403
    bad = put(kanri, {"programs": [{"key": "x", "name": "x", "name_en": "x", "stages": ["ripe"]}]})
    assert bad.status_code == 400 and "programs.0.stages" in bad.get_json()["message"]
    assert kanri.post("/api/grants", grant(city["東"])).status_code == 201
    gone = put(kanri, {"programs": []})
    assert gone.status_code == 409 and "preparation" in gone.get_json()["message"]


def test_the_report_and_exports_hold_the_sums(
    grid_app: Flask, city: dict[str, int], kanri: Staff, tmp_path: Path
) -> None:
    east, west = city["東"], city["西"]
    answer = import_table(
        kanri,
        table(
            f"{east},preparation,2024,会議,200000,199500,2024-06-01",
            f"{west},operating,2024,運営,200000,200000,2024-08-01",
            f"{west},projects,2024,=cmd,300000,300000,2024-09-01",
        ),
    ).get_json()
    assert answer["ok"], answer
    report = kanri.get("/api/grants/report?fiscal_year=2024").get_json()
    assert report["total"] == 699_500
    assert report["program_totals"] == {
        "preparation": 199_500,
        "operating": 200_000,
        "projects": 300_000,
    }
    exported = kanri.get("/api/grants/export.csv?fiscal_year=2024")
    assert exported.data.startswith(b"\xef\xbb\xbf")
    text = exported.data.decode("utf-8-sig")
    assert "'=cmd" in text
    book = openpyxl.load_workbook(io.BytesIO(kanri.get("/api/grants/export.xlsx").data))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert "=cmd" in cells and 199_500 in cells
    sheet = openpyxl.load_workbook(
        io.BytesIO(kanri.get("/api/grants/report.xlsx?fiscal_year=2024").data)
    ).active
    totals = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "合計")
    assert totals[-2] == 699_500 and totals[-1] == 700


def test_the_command_imports_with_verdicts_as_json_and_exports_back(
    grid_app: Flask,
    city: dict[str, int],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("GEOAPP_CRS", "6676")
    runner = CliRunner()
    path = tmp_path / "交付.csv"
    path.write_bytes(
        table(
            f"{city['東']},preparation,R6,,200000,200000,2024-06-01",
            f"{city['東']},preparation,R7,,200000,200000,2025-06-01",
            encoding="cp932",
        )
    )
    refused = runner.invoke(main, ["grants", "import", str(path), "--json"])
    assert refused.exit_code == 1, refused.output
    verdicts = [json.loads(line) for line in refused.output.splitlines() if line.startswith("{")]
    assert [(v["row"], v["ok"], v["rule"]) for v in verdicts] == [
        (2, True, None),
        (3, False, "duration"),
    ]
    assert service(grid_app).grants() == []
    path.write_bytes(table(f"{city['東']},preparation,R6,,200000,200000,2024-06-01"))
    stored = runner.invoke(main, ["grants", "import", str(path)])
    assert stored.exit_code == 0 and "1件" in stored.output, stored.output
    out = tmp_path / "out.csv"
    assert runner.invoke(main, ["grants", "export", "-o", str(out)]).exit_code == 0
    again = runner.invoke(main, ["grants", "import", str(out), "--dry-run", "--json"])
    assert again.exit_code == 1 and '"cap_per_year"' in again.output
