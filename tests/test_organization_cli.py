"""``geoapp demo`` gives the demo city's organizations five years of history; ``geoapp org``
and ``geoapp scheme`` export, import, sync and switch them (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from geoapp.cli import main
from geoapp.organizations.scheme import load_scheme, read_scheme_toml


def run(cli: CliRunner, *args: str) -> str:
    answer = cli.invoke(main, list(args))
    assert answer.exit_code == 0, answer.output
    return answer.output


def test_the_demo_has_organizations_at_every_stage_with_milestones_and_exceptions(
    demo_cli: CliRunner,
) -> None:
    found = json.loads(run(demo_cli, "org", "list", "--json"))
    stages = [org["stage"] for org in found]
    assert {stages.count(s) for s in ("preparation", "growth", "expansion", None)} >= {2}
    assert all(stages.count(s) for s in ("preparation", "growth", "expansion", None))
    assert all("staff_assigned" in org["milestones"] for org in found)
    assert sum("agreement" in org["milestones"] for org in found) >= 6
    first = {int(org["stage_since"][:4]) for org in found if org["stage_since"]}
    assert max(first) - min(first) >= 3, "five fiscal years of history"


def test_the_csv_round_trips_in_both_encodings_and_an_edited_cell_is_stored(
    demo_cli: CliRunner, tmp_path: Path
) -> None:
    utf8, sjis = tmp_path / "組織.csv", tmp_path / "組織-sjis.csv"
    run(demo_cli, "org", "export", str(utf8))
    run(demo_cli, "org", "export", "--encoding", "shift_jis", str(sjis))
    assert utf8.read_bytes().startswith(b"\xef\xbb\xbf")
    assert utf8.read_bytes()[3:].decode("utf-8").replace("〜", "～") == sjis.read_bytes().decode(
        "cp932"
    )
    for path in (utf8, sjis):
        assert "うち変更 0 行" in run(demo_cli, "org", "import", str(path))
    text = sjis.read_bytes().decode("cp932").replace("佐藤 美咲", "渡辺 直子", 1)
    sjis.write_bytes(text.encode("cp932"))
    assert "うち変更 1 行" in run(demo_cli, "org", "import", str(sjis))
    assert "渡辺 直子" in run(demo_cli, "org", "list", "--json")


def test_a_csv_with_a_bad_row_is_refused_naming_row_and_column_and_stores_nothing(
    demo_cli: CliRunner, tmp_path: Path
) -> None:
    before = run(demo_cli, "org", "list", "--json")
    bad = tmp_path / "誤り.csv"
    bad.write_bytes(
        "id,name,stage,stage_since,milestone:vision\n1,新しい名前,,,\n2,名前,expansion,2024/4/1,"
        "\n3,名前,,,2024-02-30\n".encode("cp932")
    )
    answer = demo_cli.invoke(main, ["org", "import", str(bad)])
    assert answer.exit_code == 1
    assert "誤り.csv" in answer.output and "何も保存していません" in answer.output
    assert "4行目「milestone:vision」" in answer.output
    assert run(demo_cli, "org", "list", "--json") == before


def test_a_scheme_switch_that_would_lose_records_needs_force_and_reports_the_mapping(
    demo_cli: CliRunner, tmp_path: Path
) -> None:
    refused = demo_cli.invoke(main, ["scheme", "load", "yuzawa"])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert "段階「preparation」" in refused.output
    forced = run(demo_cli, "scheme", "load", "yuzawa", "--force")
    assert "「introduction」へ" in forced
    exported = tmp_path / "scheme.toml"
    run(demo_cli, "scheme", "export", str(exported))
    assert read_scheme_toml(exported.read_bytes(), "scheme.toml") == load_scheme("yuzawa")
    stages = {org["stage"] for org in json.loads(run(demo_cli, "org", "list", "--json"))}
    assert stages <= {"introduction", "growth", "maturity", None}


def test_org_sync_keeps_every_organization_of_the_adopted_plan(demo_cli: CliRunner) -> None:
    output = run(demo_cli, "org", "sync")
    assert "継続 / kept: 14" in output and "作成 / created: 0" in output
