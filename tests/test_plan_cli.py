"""``geoapp demo`` makes the demo accounts and plans; ``geoapp plan …`` works on them
(both backends, the real 300-district demo city)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pyogrio
from click.testing import CliRunner

from geoapp.cli import main


def test_the_demo_has_an_adopted_plan_from_school_zones_and_a_draft(demo_cli: CliRunner) -> None:
    plans = json.loads(demo_cli.invoke(main, ["plan", "list", "--json"]).output)
    assert sorted(p["status"] for p in plans) == ["adopted", "draft"]
    adopted = next(p for p in plans if p["status"] == "adopted")
    shown = json.loads(demo_cli.invoke(main, ["plan", "show", str(adopted["id"]), "--json"]).output)
    assert len(shown["communities"]) == 14
    assert len(shown["assignments"]) == 300 and shown["checks"]["unassigned"] == []
    assert shown["checks"]["population_range"]["min"] == 3000
    assert shown["checks"]["split_districts"], "the demo city has split districts to review"


def test_plan_check_prints_the_checks_as_json(demo_cli: CliRunner) -> None:
    checked = demo_cli.invoke(main, ["plan", "check", "1"])
    assert checked.exit_code == 0, checked.output
    checks = json.loads(checked.output)
    assert checks["plan"] == 1 and len(checks["communities"]) == 14
    assert {"unassigned", "enclaves", "strays", "without_hub", "split_districts"} <= set(checks)


def test_plan_create_export_and_adopt_from_the_command_line(
    demo_cli: CliRunner, tmp_path: Path
) -> None:
    csv_file = tmp_path / "案.csv"
    exported = demo_cli.invoke(
        main, ["plan", "export", "1", "--format", "csv", "-o", str(csv_file)]
    )
    assert exported.exit_code == 0, exported.output
    created = demo_cli.invoke(
        main, ["plan", "create", "CSVから作った案", "--from", "csv", "--file", str(csv_file)]
    )
    assert created.exit_code == 0, created.output
    assert "コミュニティ 14" in created.output
    adopted = demo_cli.invoke(main, ["plan", "adopt", "3"])
    assert adopted.exit_code == 0, adopted.output
    statuses = {
        p["id"]: p["status"]
        for p in json.loads(demo_cli.invoke(main, ["plan", "list", "--json"]).output)
    }
    assert statuses == {1: "archived", 2: "draft", 3: "adopted"}
    shapefile = tmp_path / "plan.zip"
    demo_cli.invoke(main, ["plan", "export", "3", "--format", "shp", "-o", str(shapefile)])
    with zipfile.ZipFile(shapefile) as archive:
        assert archive.read("communities.cpg") == b"932"
        archive.extractall(tmp_path / "shp")
    frame = pyogrio.read_dataframe(tmp_path / "shp" / "communities.shp")
    assert len(frame) == 14 and frame["POP"].sum() == 76036


def test_unknown_plans_are_a_message_not_a_traceback(demo_cli: CliRunner) -> None:
    answer = demo_cli.invoke(main, ["plan", "show", "99"])
    assert answer.exit_code == 1 and "区域案 99 はありません" in answer.output
