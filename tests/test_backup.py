"""Backups, restores and the move between SQLite and PostGIS, on the demo city with several
plans, edits and accounts, with real files, real PostGIS schemas and real processes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pyogrio
import pytest
import shapely
from conftest import TEST_SRID, app_with, fresh_schema, upgraded_store
from flask import Flask
from staff import api_log_in

from geoapp.accounts.users import User, add_user
from geoapp.backup.files import Written, back_up, file_kind, restore
from geoapp.demo.city import DEMO_ACCOUNTS, demo_city, load_demo_city, prepare_demo_planning
from geoapp.errors import BadInput, Conflict
from geoapp.layers import DISTRICTS
from geoapp.organizations.scheme import presets_dir, read_scheme_toml
from geoapp.plans.model import replay
from geoapp.storage import open_store
from geoapp.storage import plans as records
from geoapp.storage.migration import latest_version
from geoapp.storage.tables import NOT_COPIED
from geoapp.storage.transfer import snapshot
from geoapp.subsidies.grant_table import GrantRow

GEOAPP = str(Path(sys.executable).parent / "geoapp")
EDITOR = Path(__file__).with_name("plan_edits_process.py")
ADMIN = User("demo-admin", "admin")


# --- the demo city with every table holding rows ------------------------------------------
def fill_demo_city(app: Flask) -> None:
    """The demo city and its plans, a third plan with edits and a status change, free
    properties on the districts, another account and a login (an attempt and a session)."""
    store = app.extensions["geoapp.store"]
    planning = app.extensions["geoapp.plans"]
    load_demo_city(store)
    districts = store.read_layer(DISTRICTS)
    districts["properties"] = [
        {"備考": f"メモ {i}" if i % 3 else None, "順位": i, "旧町名": ["上町", "下町"]}
        for i in range(len(districts))
    ]
    store.upsert_layers({DISTRICTS: districts}, source="備考の追加")
    prepare_demo_planning(store, planning)
    plan = planning.create_plan(ADMIN, "第三の案", "テスト用", "school_zones")
    version = plan["version"]
    first, second = plan["communities"][0]["id"], plan["communities"][1]["id"]
    moved = [code for code, cid in sorted(plan["assignments"].items()) if cid == first][:2]
    version = planning.edit(
        ADMIN, plan["id"], version, "assign", {"community": second, "districts": moved}
    )["version"]
    version = planning.edit(
        ADMIN, plan["id"], version, "update_community", {"community": second, "name": "統合地区"}
    )["version"]
    planning.set_status(ADMIN, plan["id"], version, "proposed")
    add_user(store, "suzuki", "planner", "suzuki-password-1")
    fill_organizations(app)
    client = app.test_client()
    assert api_log_in(client, "demo", "wrong password").status_code == 401
    assert api_log_in(client, "demo", DEMO_ACCOUNTS[0][2]).status_code == 200


def fill_organizations(app: Flask) -> None:
    """The city's scheme stored, a stage change, a milestone and two grants (one an
    exception) of one organization (the demo's adoption made one organization per
    community)."""
    organizations = app.extensions["geoapp.organizations"]
    preset = presets_dir() / "numata.toml"
    organizations.switch_scheme(ADMIN, read_scheme_toml(preset.read_bytes(), preset.name))
    first = organizations.list_organizations(ADMIN)[0]["id"]
    organizations.change_stage(ADMIN, first, "preparation", date(2023, 4, 1), "説明会の後")
    organizations.record_milestone(ADMIN, first, "agreement", date(2024, 3, 31), "締結式", [])
    grant = GrantRow(
        0, str(first), "preparation", 2023, "準備会", 200_000, 200_000, date(2023, 6, 1)
    )
    waived = GrantRow(0, str(first), "preparation", 2025, "三年目", 1, 1, None, "", "特認")
    stored = app.extensions["geoapp.subsidies"].import_rows(ADMIN, [grant, waived], False, "test")
    assert stored.stored == 2


@pytest.fixture
def demo_sqlite(tmp_path: Path) -> Iterator[str]:
    """An SQLite file holding the filled demo city; its URL."""
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    with app_with(url, tmp_path / "instance") as app:
        fill_demo_city(app)
    yield url


@pytest.fixture
def demo_postgis(tmp_path: Path, postgis_server: str) -> Iterator[str]:
    """A PostGIS schema holding the filled demo city; its URL."""
    with fresh_schema(postgis_server) as url, app_with(url, tmp_path / "pg-instance") as app:
        fill_demo_city(app)
        app.extensions["geoapp.store"].close()
        yield url


@pytest.fixture
def other_postgis(postgis_server: str) -> Iterator[str]:
    """An empty PostGIS schema (no tables)."""
    with fresh_schema(postgis_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgis"])
def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend, without a schema yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'target.sqlite3'}"
        return
    with fresh_schema(request.getfixturevalue("postgis_server")) as url:
        yield url


# --- reading whole databases independently of the code under test ---------------------------
def schema_tables(url: str) -> set[str]:
    """Every table of the database's schema, from its own catalogue."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            rows = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            ).fetchall()
        return {row[0] for row in rows}
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).fetchall()
    return {row[0] for row in rows}


def comparable(value: Any) -> Any:
    """A value as compared across backends: JSON text as what it holds (PostgreSQL's jsonb
    orders an object's keys its own way), everything else as it is (WKB byte for byte)."""
    if isinstance(value, str) and value.startswith(("{", "[")):
        return json.loads(value)
    return value


def every_row(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every copied table's rows in the neutral form, keyed by column name."""
    tables = {}
    with snapshot(url) as reader:
        for table in reader.tables():
            tables[table.name] = [
                {
                    name: comparable(value)
                    for name, value in zip(table.column_names, row, strict=True)
                }
                for chunk in reader.chunks(table, table.column_names)
                for row in chunk
            ]
    return tables


def histories(app: Flask) -> dict[int, Any]:
    """Each plan's record, versions, audit log and diff from its first version to its last."""
    planning = app.extensions["geoapp.plans"]
    found = {}
    for plan in planning.list_plans():
        found[plan["id"]] = {
            "plan": planning.plan(plan["id"]),
            "versions": planning.versions(plan["id"]),
            "audit": planning.audit_log(plan["id"]),
            "diff": planning.diff(plan["id"], 1, plan["version"]),
        }
    return found


def geoapp_command(url: str, *args: str, instance: Path) -> subprocess.CompletedProcess[str]:
    """Run ``geoapp ARGS`` as a process on the database at ``url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOAPP_")}
    env.update(GEOAPP_DATABASE_URL=url, GEOAPP_INSTANCE_PATH=str(instance), GEOAPP_CRS="6676")
    return subprocess.run(
        [GEOAPP, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


# --- the move and back ------------------------------------------------------------------------
def test_sqlite_to_postgis_and_back_keeps_every_table_login_plan_history_and_diff(
    demo_sqlite: str, other_postgis: str, tmp_path: Path
) -> None:
    copied = schema_tables(demo_sqlite) - NOT_COPIED.keys()
    original = every_row(demo_sqlite)
    assert set(original) == copied, "a table of the schema is not copied"
    for name, rows in original.items():
        assert rows, f"the demo fixture leaves {name} empty: give it rows so its copy is tested"
    assert any(row["properties"] for row in original["districts"])
    assert any(row["school_location"] for row in original["school_zones"])

    there = geoapp_command(demo_sqlite, "db", "copy", "--to", other_postgis, instance=tmp_path)
    assert there.returncode == 0, there.stderr
    assert "NG" not in there.stdout and "plan_edits" in there.stdout and "area m²" in there.stdout
    back_url = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    back = geoapp_command(back_url, "db", "copy", "--from", other_postgis, instance=tmp_path)
    assert back.returncode == 0, back.stderr

    for url in (other_postgis, back_url):
        assert schema_tables(url) - NOT_COPIED.keys() == copied
        assert every_row(url) == original
    with psycopg.connect(other_postgis) as connection:
        assert connection.execute("SELECT count(*) FROM login_sessions").fetchone() == (0,)

    with app_with(demo_sqlite, tmp_path / "a") as before:
        expected = histories(before)
    for url in (other_postgis, back_url):
        with app_with(url, tmp_path / "b") as after:
            assert histories(after) == expected
            for name, _, password in DEMO_ACCOUNTS:
                assert api_log_in(after.test_client(), name, password).status_code == 200
            assert api_log_in(after.test_client(), "suzuki", "suzuki-password-1").status_code == 200
            store, planning = after.extensions["geoapp.store"], after.extensions["geoapp.plans"]
            new_plan = planning.create_plan(ADMIN, "コピー後の案", "", "school_zones")
            assert new_plan["id"] == max(expected) + 1
            add_user(store, "sato", "planner", "sato-password-12")


def test_a_copy_refuses_a_target_holding_data_unless_replacing(
    demo_sqlite: str, demo_postgis: str, tmp_path: Path
) -> None:
    refused = geoapp_command(demo_sqlite, "db", "copy", "--to", demo_postgis, instance=tmp_path)
    assert refused.returncode == 1
    assert "--replace" in refused.stderr and "Traceback" not in refused.stderr
    replaced = geoapp_command(
        demo_sqlite, "db", "copy", "--to", demo_postgis, "--replace", instance=tmp_path
    )
    assert replaced.returncode == 0, replaced.stderr
    assert every_row(demo_postgis) == every_row(demo_sqlite)


# --- backups and restores ---------------------------------------------------------------------
@pytest.mark.parametrize("portable", [False, True], ids=["native", "geopackage"])
def test_a_backup_of_either_backend_restores_into_either(
    demo_sqlite: str, demo_postgis: str, empty_target: str, portable: bool, tmp_path: Path
) -> None:
    for source in (demo_sqlite, demo_postgis):
        path = tmp_path / ("backup.gpkg" if portable else "backup.bin")
        written = back_up(source, path, force=True, portable=portable)
        assert written.size == path.stat().st_size > 0
        assert sum(written.rows.values()) == sum(map(len, every_row(source).values()))
        if written.kind == "pg_dump":  # restores into PostgreSQL, the schema dumped
            if empty_target.startswith("sqlite"):
                with pytest.raises(BadInput, match="PostgreSQL"):
                    restore(path, empty_target)
            else:
                with pytest.raises(BadInput, match="検索パス"):
                    restore(path, empty_target)
            before = every_row(source)
            with pytest.raises(Conflict, match="--replace"):
                restore(path, source)
            assert restore(path, source, replace=True).rows == written.rows
            assert every_row(source) == before
            continue
        restored = restore(path, empty_target, replace=True)
        assert restored.rows == written.rows
        assert every_row(empty_target) == every_row(source)


def test_the_geopackage_opens_without_geoapp_with_exact_geometry_and_every_table(
    demo_sqlite: str, tmp_path: Path
) -> None:
    path = tmp_path / "city.gpkg"
    back_up(demo_sqlite, path, portable=True)
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    original = every_row(demo_sqlite)
    assert set(original) <= set(layers)
    assert layers["districts"] == "MultiPolygon" and layers["centers"] == "Point"
    districts = pyogrio.read_dataframe(path, layer="districts")
    assert districts.crs.to_epsg() == TEST_SRID
    assert len(districts) == len(original["districts"])
    assert shapely.to_wkb(districts.geometry.values).tolist() == [
        row["geom"] for row in original["districts"]
    ]
    edits = pyogrio.read_dataframe(path, layer="plan_edits")
    assert len(edits) == len(original["plan_edits"])
    metadata = pyogrio.read_dataframe(path, layer="geoapp_archive")
    recorded = dict(zip(metadata["key"], metadata["value"], strict=True))
    assert int(recorded["schema_version"]) == latest_version("sqlite")


def test_backup_says_what_it_wrote_and_refuses_to_overwrite_without_force(
    demo_sqlite: str, tmp_path: Path
) -> None:
    path = tmp_path / "nightly.sqlite3"
    first = geoapp_command(demo_sqlite, "db", "backup", str(path), instance=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "plan_edits" in first.stdout and "MB" in first.stdout and "rows" in first.stdout
    again = geoapp_command(demo_sqlite, "db", "backup", str(path), instance=tmp_path)
    assert again.returncode == 1 and "--force" in again.stderr
    forced = geoapp_command(demo_sqlite, "db", "backup", "--force", str(path), instance=tmp_path)
    assert forced.returncode == 0, forced.stderr


def test_the_summary_counts_tables_and_rows_in_the_english_singular_and_plural() -> None:
    one = Written("sqlite", {"users": 1}, 2_500_000, 1.25).summary()
    assert one.in_language("ja") == "SQLite (online backup): 表 1、行 1、2.5 MB、1.2 秒"
    assert one.in_language("en") == "SQLite (online backup): 1 table, 1 row, 2.5 MB, 1.2 s"
    many = Written("pg_dump", {"users": 2, "plans": 3000}, 0, 0.5).summary()
    assert many.in_language("en") == "pg_dump (custom format): 2 tables, 3,002 rows, 0.5 s"


def test_restore_refuses_a_target_holding_data_and_replaces_it_in_one_go(
    demo_sqlite: str, empty_target: str, tmp_path: Path
) -> None:
    path = tmp_path / "backup.sqlite3"
    back_up(demo_sqlite, path)
    with upgraded_store(empty_target) as store:
        store.save_city(demo_city())
        add_user(store, "other", "admin", "other-password-1")
    with pytest.raises(Conflict, match="--replace"):
        restore(path, empty_target)
    with app_with(empty_target, tmp_path / "t") as app:
        assert api_log_in(app.test_client(), "other", "other-password-1").status_code == 200
    restore(path, empty_target, replace=True)
    assert every_row(empty_target) == every_row(demo_sqlite)
    with app_with(empty_target, tmp_path / "t2") as app:
        assert api_log_in(app.test_client(), "other", "other-password-1").status_code == 401


@pytest.mark.parametrize("portable", [False, True], ids=["sqlite", "geopackage"])
def test_restore_refuses_a_backup_of_a_newer_schema(
    demo_sqlite: str, empty_target: str, portable: bool, tmp_path: Path
) -> None:
    path = tmp_path / "future.backup"
    back_up(demo_sqlite, path, portable=portable)
    newer = latest_version("sqlite") + 1
    with sqlite3.connect(path) as connection:
        if portable:
            connection.execute(
                "UPDATE geoapp_archive SET value = ? WHERE key = 'schema_version'", (str(newer),)
            )
        else:
            connection.execute(
                "INSERT INTO schema_migrations VALUES (?, 'from_the_future', '2030-01-01')",
                (newer,),
            )
    with pytest.raises(BadInput, match=f"版（{newer}）") as refused:
        restore(path, empty_target)
    assert "update geoapp" in refused.value.message_en


@pytest.mark.parametrize("portable", [False, True], ids=["sqlite", "geopackage"])
def test_restore_upgrades_a_backup_of_an_older_schema(
    empty_target: str, portable: bool, tmp_path: Path
) -> None:
    old_url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = open_store(old_url, TEST_SRID)
    old.upgrade(target=6)
    old.save_city(demo_city())
    add_user(old, "veteran", "admin", "veteran-password-1")
    old.close()
    path = tmp_path / "old.backup"
    back_up(old_url, path, portable=portable)
    restored = restore(path, empty_target)
    assert restored.rows["users"] == 1
    with app_with(empty_target, tmp_path / "i") as app:
        assert app.extensions["geoapp.store"].schema_version() == latest_version("sqlite")
        assert api_log_in(app.test_client(), "veteran", "veteran-password-1").status_code == 200


# --- consistency while planners edit ----------------------------------------------------------
@pytest.mark.parametrize("portable", [False, True], ids=["native", "geopackage"])
@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_a_backup_taken_during_200_edits_restores_each_plan_equal_to_its_audit_replayed(
    backend: str, portable: bool, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source = request.getfixturevalue(f"demo_{backend}")
    editor = subprocess.Popen(
        [sys.executable, str(EDITOR), source, "2", "200", "20"], stdout=subprocess.PIPE, text=True
    )
    assert editor.stdout is not None and editor.stdout.readline().strip() == "started"
    backups = []
    while editor.poll() is None or not backups:
        path = tmp_path / f"during-{len(backups)}.backup"
        back_up(source, path, portable=portable)
        backups.append((path, editor.poll() is None))
    assert editor.wait() == 0
    assert any(during for _, during in backups), "no backup was taken while editing"
    drafts = set()
    for number, (path, _) in enumerate(backups):
        if file_kind(path) == "pg_dump":
            target = source  # a dump restores into the schema it was taken from
            restore(path, target, replace=True)
        else:
            target = f"sqlite:///{tmp_path / f'restored-{number}.sqlite3'}"
            restore(path, target)
        drafts.add(_draft_version_with_every_plan_its_audit_replayed(target))
    assert all(4 <= version <= 4 + 200 for version in drafts)
    assert max(drafts) > 4


def _draft_version_with_every_plan_its_audit_replayed(url: str) -> int:
    """Check that every plan's stored state is its audit log replayed, and its version the
    last edit's; the draft plan's version."""
    store = open_store(url, TEST_SRID, pool_size=1)
    try:
        with store.session() as session:
            for row in records.plan_rows(session):
                edits = records.edit_rows(session, row["id"])
                assert row["version"] == edits[-1]["version"] == len(edits)
                assert records.read_state(session, row) == replay([e["changes"] for e in edits])
            (draft,) = (row["version"] for row in records.plan_rows(session) if row["id"] == 2)
    finally:
        store.close()
    return draft


# --- a killed copy ----------------------------------------------------------------------------
def _wait_for_lock_wait(url: str, process: subprocess.Popen[str]) -> None:
    """Wait until a session on the server waits for a lock (the copy reached the locked
    table), failing if the copy ends first."""
    deadline = time.monotonic() + 120
    with psycopg.connect(url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            waiting = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.05)
    pytest.fail("the copy never reached the locked table")


def _start_copy(here: str, direction: str, other: str, instance: Path) -> subprocess.Popen[str]:
    """``geoapp db copy DIRECTION OTHER`` as a process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOAPP_")}
    env.update(GEOAPP_DATABASE_URL=here, GEOAPP_INSTANCE_PATH=str(instance))
    return subprocess.Popen(
        [GEOAPP, "db", "copy", direction, other],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _holds_nothing(url: str) -> None:
    """The database has the schema and no row in any copied table."""
    with snapshot(url) as reader:
        assert reader.schema_version() == latest_version(reader.backend)
        assert reader.holding_data() == []


def test_a_copy_into_postgis_killed_midway_leaves_it_empty(
    demo_sqlite: str, other_postgis: str, tmp_path: Path
) -> None:
    with upgraded_store(other_postgis):
        pass
    with psycopg.connect(other_postgis) as blocker:
        with snapshot(other_postgis) as reader:
            last = reader.tables()[-1].name
        blocker.execute(f"LOCK TABLE {last} IN SHARE MODE")  # lets reads by, holds writes
        copying = _start_copy(demo_sqlite, "--to", other_postgis, tmp_path)
        _wait_for_lock_wait(other_postgis, copying)
        copying.send_signal(signal.SIGKILL)
        copying.wait()
        blocker.rollback()
    _holds_nothing(other_postgis)
    again = geoapp_command(demo_sqlite, "db", "copy", "--to", other_postgis, instance=tmp_path)
    assert again.returncode == 0, again.stderr


def test_a_copy_into_sqlite_killed_midway_leaves_it_empty(
    demo_postgis: str, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    with psycopg.connect(demo_postgis) as blocker:
        with snapshot(demo_postgis) as reader:
            last = reader.tables()[-1].name
        blocker.execute(f"LOCK TABLE {last} IN ACCESS EXCLUSIVE MODE")  # holds the read
        copying = _start_copy(target, "--from", demo_postgis, tmp_path)
        _wait_for_lock_wait(demo_postgis, copying)
        time.sleep(0.2)
        copying.send_signal(signal.SIGKILL)
        copying.wait()
        blocker.rollback()
    _holds_nothing(target)
    again = geoapp_command(target, "db", "copy", "--from", demo_postgis, instance=tmp_path)
    assert again.returncode == 0, again.stderr
