"""A Shapefile export never drops characters: what CP932 lacks, or what a DBF field cannot
hold, is refused with the community and field named (API and command, both backends)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner
from staff import Staff

from geoapp.cli import main


def named_plan(staff: Staff, name: str, description: str = "") -> int:
    """A plan from school zones whose first community is called ``name``."""
    plan = staff.new_plan()
    answer = staff.edit(
        plan["id"], 1, "update_community", community=1, name=name, description=description
    )
    assert answer.status_code == 200, answer.get_json()
    return plan["id"]


def read_names(data: bytes, tmp_path: Path, encoding: str) -> set[str]:
    """The NAME values of a zipped Shapefile."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    return set(pyogrio.read_dataframe(tmp_path / "communities.shp", encoding=encoding)["NAME"])


def test_a_name_cp932_lacks_is_refused_naming_community_field_and_the_utf8_way(
    tanaka: Staff, tmp_path: Path
) -> None:
    plan_id = named_plan(tanaka, "𠮷田地区")
    answer = tanaka.get(f"/api/plans/{plan_id}/export?format=shp")
    assert answer.status_code == 400
    body = answer.get_json()
    assert "𠮷" in body["message"] and "𠮷田地区" in body["message"]
    assert "（NAME）" in body["message"] and "encoding=utf-8" in body["message"]
    assert "𠮷" in body["message_en"] and "UTF-8" in body["message_en"]
    assert body["message_en"].startswith(
        "The characters “𠮷” in the name (NAME) of community ID 1 (𠮷田地区) do not exist"
    )
    assert "コミュニティ「𠮷田地区」（ID 1）の名称（NAME）の文字「𠮷」" in body["message"]
    assert body["details"]["field"] == "NAME" and body["details"]["community"] == 1
    utf8 = tanaka.get(f"/api/plans/{plan_id}/export?format=shp&encoding=utf-8")
    assert utf8.status_code == 200
    assert "𠮷田地区" in read_names(utf8.data, tmp_path, "utf-8")


def test_the_command_refuses_the_same_export_with_a_non_zero_exit(
    tanaka: Staff, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id = named_plan(tanaka, "西地区", description="𠮷野家の前")
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    output = tmp_path / "plan.zip"
    command = ["plan", "export", str(plan_id), "--format", "shp", "-o", str(output)]
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code != 0
    assert "𠮷" in refused.output and "（DESCR）" in refused.output
    assert "--encoding utf-8" in refused.output
    assert not output.exists()
    written = CliRunner().invoke(main, [*command, "--encoding", "utf-8"])
    assert written.exit_code == 0, written.output
    assert "西地区" in read_names(output.read_bytes(), tmp_path, "utf-8")


def test_cp932_text_that_fits_is_written_whole(tanaka: Staff, tmp_path: Path) -> None:
    description = "髙橋さんの①番地、" * 10
    plan_id = named_plan(tanaka, "髙田地区", description=description)
    answer = tanaka.get(f"/api/plans/{plan_id}/export?format=shp")
    assert answer.status_code == 200, answer.get_json()
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        archive.extractall(tmp_path)
    frame = pyogrio.read_dataframe(tmp_path / "communities.shp", encoding="cp932")
    assert frame.set_index("NAME").loc["髙田地区", "DESCR"] == description


@pytest.mark.parametrize("encoding", ["cp932", "utf-8"])
def test_a_text_longer_than_a_dbf_field_is_refused_not_cut(tanaka: Staff, encoding: str) -> None:
    plan_id = named_plan(tanaka, "西地区", description="長い説明。" * 60)
    answer = tanaka.get(f"/api/plans/{plan_id}/export?format=shp&encoding={encoding}")
    assert answer.status_code == 400
    body = answer.get_json()
    assert "（DESCR）" in body["message"] and "254" in body["message"]
    assert "format=gpkg" in body["message"] and body["details"]["field"] == "DESCR"


def test_a_browser_opening_the_export_link_reads_the_refusal_as_a_page(tanaka: Staff) -> None:
    plan_id = named_plan(tanaka, "𠮷田地区")
    answer = tanaka.get(
        f"/api/plans/{plan_id}/export?format=shp",
        headers={"Sec-Fetch-Dest": "document", "Accept": "text/html"},
    )
    assert answer.status_code == 400 and answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    assert "𠮷田地区" in page and "encoding=utf-8" in page
