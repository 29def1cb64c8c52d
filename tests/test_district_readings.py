"""Readings (よみがな) of the districts from a CSV by code that the city loads, on both
backends: UTF-8 with a BOM and Shift_JIS files, a bad row, an unknown code and a file in
another encoding refused naming line and column with nothing stored; the public search
then finds the districts by their readings, hiragana or katakana; from the command line
and the upload page."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TEST_SRID
from flask import Flask
from shapes import grid_centers, grid_zones, nine_districts
from staff import GRID_CITY, PASSWORD, Staff

from geoapp.accounts.users import add_user
from geoapp.cli import main
from geoapp.errors import BadInput
from geoapp.importing.district_readings import load_readings
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.storage import Store, open_store
from geoapp.storage.district_readings import district_readings

# 第5区 is read ひらお here, which nothing could guess from its name.
GOOD = ["code,name,kana", "G1,第1区,だいいっく", "G5,第5区,ひらお", "G9,第9区,ｷﾀﾉﾊﾗ"]


def store_grid(store: Store) -> None:
    """The grid city's layers, its districts without readings."""
    store.save_city(GRID_CITY)
    store.replace_layers(
        {DISTRICTS: nine_districts(), SCHOOL_ZONES: grid_zones(), CENTERS: grid_centers()},
        source="grid",
    )


def write_table(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def stored(store: Store) -> dict[str, str]:
    with store.session() as session:
        return district_readings(session)


def found(app: Flask, query: str) -> list[str]:
    answer = app.test_client().get("/api/public/search", query_string={"q": query})
    assert answer.status_code == 200
    return [match["district"]["code"] for match in answer.get_json()["matches"]]


@pytest.fixture
def grid_app(app: Flask) -> Flask:
    store_grid(app.extensions["geoapp.store"])
    return app


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_a_readings_table_is_loaded_and_the_search_finds_its_kana(
    grid_app: Flask, tmp_path: Path, encoding: str
) -> None:
    store = grid_app.extensions["geoapp.store"]
    assert found(grid_app, "ひらお") == []
    report = load_readings(store, write_table(tmp_path / "kana.csv", GOOD, encoding))
    assert report.ok and report.stored and report.read == 3
    assert len(report.without_reading) == 6
    assert stored(store) == {"G1": "だいいっく", "G5": "ひらお", "G9": "キタノハラ"}
    assert found(grid_app, "ひらお") == ["G5"]
    assert found(grid_app, "ヒラオ") == ["G5"]
    assert found(grid_app, "きたのはら") == ["G9"]
    again = load_readings(
        store, write_table(tmp_path / "kana.csv", ["code,kana", "G2,みなみ"], encoding)
    )
    assert again.stored and stored(store) == {"G2": "みなみ"}
    assert found(grid_app, "ひらお") == [] and found(grid_app, "ミナミ") == ["G2"]


def test_bad_rows_are_refused_naming_line_and_column_and_nothing_is_stored(
    grid_app: Flask, tmp_path: Path
) -> None:
    store = grid_app.extensions["geoapp.store"]
    load_readings(store, write_table(tmp_path / "good.csv", GOOD, "utf-8-sig"))
    lines = [
        "行政区コード,よみがな",
        "G1,あおば",
        "G1,さくら",
        "Z9,ぜっと",
        "G3,Aoba",
        "G4,",
        ",はな",
    ]
    report = load_readings(store, write_table(tmp_path / "bad.csv", lines, "utf-8"))
    assert not report.ok and not report.stored
    messages = [error["message"] for error in report.errors]
    assert messages == [
        "3行目の「行政区コード」（G1）は2行目と重複しています。",
        "4行目の「行政区コード」（Z9）の行政区は取り込まれていません。",
        "5行目の「よみがな」（Aoba）はひらがなかカタカナではありません。",
        "6行目の「よみがな」が空です。",
        "7行目の「行政区コード」が空です。",
    ]
    assert report.errors[1]["message_en"] == (
        "Line 4, column '行政区コード' (Z9) names no district that is stored."
    )
    assert stored(store)["G5"] == "ひらお" and len(stored(store)) == 3
    assert found(grid_app, "あおば") == []


def refusal(store: Store, path: Path) -> str:
    """The first reason a table is refused (the file's or its first bad row's)."""
    try:
        report = load_readings(store, path)
    except BadInput as error:
        return error.message
    assert not report.ok and not report.stored
    return report.errors[0]["message"]


@pytest.mark.parametrize(
    "lines",
    [
        ["code,kana", "G1,あおば", "G2,さくらだい"],
        ["code,kana", "G1,アオバ", "G2,サクラダイ"],
        ["code,kana", "G1,あおばちょう"],
    ],
)
def test_a_file_in_another_encoding_is_refused_naming_a_row(
    grid_app: Flask, tmp_path: Path, lines: list[str]
) -> None:
    store = grid_app.extensions["geoapp.store"]
    message = refusal(store, write_table(tmp_path / "kana.csv", lines, "euc-jp"))
    assert re.search(r"\d+ ?行目", message) and "kana" in message, message
    message = refusal(store, write_table(tmp_path / "kana.csv", lines, "utf-16"))
    assert "kana.csv は UTF-16" in message and "UTF-8 か Shift_JIS" in message
    assert stored(store) == {}


def test_a_table_without_a_reading_column_or_rows_is_refused(
    grid_app: Flask, tmp_path: Path
) -> None:
    store = grid_app.extensions["geoapp.store"]
    no_kana = write_table(tmp_path / "names.csv", ["code,name", "G1,第1区"], "utf-8")
    with pytest.raises(BadInput) as missing:
        load_readings(store, no_kana)
    assert "よみがなの列がありません" in missing.value.message
    assert "code, name" in missing.value.message
    with pytest.raises(BadInput) as empty:
        load_readings(store, write_table(tmp_path / "empty.csv", ["code,kana"], "utf-8"))
    assert "行がありません" in empty.value.message
    assert stored(store) == {}


def test_geoapp_import_readings_prints_the_report_and_exits_1_on_a_bad_row(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--crs", str(TEST_SRID)]).exit_code == 0
    store = open_store(database_url, TEST_SRID, pool_size=2)
    try:
        store_grid(store)
        good = write_table(tmp_path / "kana.csv", GOOD, "cp932")
        shown = runner.invoke(main, ["import", "readings", str(good)])
        assert shown.exit_code == 0, shown.output
        assert "よみがなを読み込む行政区 3件" in shown.output and "保存しました。" in shown.output
        bad = write_table(tmp_path / "bad.csv", ["code,kana", "G1,かな", "X1,えっくす"], "utf-8")
        refused = runner.invoke(main, ["import", "readings", str(bad), "--json"])
        assert refused.exit_code == 1
        report = json.loads(refused.stdout)
        assert report["errors"][0]["row"] == 3 and report["stored"] is False
        assert stored(store)["G5"] == "ひらお"
        wrong = runner.invoke(main, ["import", "readings", str(good), "--map", "code=KEY"])
        assert wrong.exit_code != 0 and "--map" in wrong.output
    finally:
        store.close()


def test_the_upload_page_checks_then_loads_a_readings_table(
    grid_app: Flask, tmp_path: Path
) -> None:
    store = grid_app.extensions["geoapp.store"]
    add_user(store, "tanaka", "planner", PASSWORD)
    staff = Staff(grid_app, "tanaka")
    page = staff.get("/admin/import/").get_data(as_text=True)
    assert '<option value="readings">' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def upload(lines: list[str]) -> str:
        data = ("\r\n".join(lines) + "\r\n").encode("cp932")
        return staff.client.post(
            "/admin/import/",
            data={
                "csrf_token": token,
                "layer": "readings",
                "files": (io.BytesIO(data), "kana.csv"),
            },
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    refused = upload(["code,kana", "G1,かな", "X1,えっくす"])
    assert 'data-report-status="failed"' in refused
    assert "3行目の「code」（X1）の行政区は取り込まれていません。" in refused
    assert "/confirm" not in refused and stored(store) == {}
    checked = upload(GOOD)
    assert 'data-report-status="checked"' in checked
    assert '<strong data-figure="read">3</strong>' in checked and stored(store) == {}
    confirm = re.search(r'action="(/admin/import/[^"]+/confirm)"', checked).group(1)
    done = staff.client.post(confirm, data={"csrf_token": token}).get_data(as_text=True)
    assert 'data-report-status="stored"' in done
    assert stored(store)["G5"] == "ひらお" and found(grid_app, "ヒラオ") == ["G5"]
