"""Benchmark: backup, restore and copy of a generated city with 100,000 districts and 20
plans of 1,000 versions each, on SQLite and PostGIS. Target: each under 60 s with a peak
memory under 1 GiB.

Each operation runs as the ``geoapp db`` command in its own process, whose wall time and
peak resident memory (from ``wait4``) are printed with the size of the file written.

    python scripts/bench_backup.py [--districts 100000] [--plans 20] [--versions 1000]
        [--postgis postgresql://postgres@127.0.0.1:5432/geoapp_test]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from geoapp.accounts.users import add_user
from geoapp.city.model import City
from geoapp.plans.service import Planning
from geoapp.storage import open_store
from geoapp.storage import plans as records

sys.path.insert(0, str(Path(__file__).parent))
from bench_plan_edits import SRID, generated_city

GEOAPP = str(Path(sys.executable).parent / "geoapp")
TARGET_SECONDS = 60.0
TARGET_MEMORY_MB = 1024.0


def build_city(url: str, districts: int, plans: int, versions: int) -> None:
    """The generated city with ``plans`` plans of ``versions`` versions, each edit after
    the first moving one district to the community of a neighbouring one."""
    store = open_store(url, SRID)
    store.upgrade()
    store.save_city(City("ベンチ市", "べんちし", "999997", SRID))
    store.replace_layers(generated_city(districts), source="generated")
    admin, _ = add_user(store, "bench-admin", "admin", "bench-admin-password")
    planning = Planning(store)
    for number in range(plans):
        plan = planning.create_plan(admin, f"案 {number + 1}", "", "school_zones")
        assignments = dict(plan["assignments"])
        codes = sorted(assignments)
        with store.session(write=True) as session:
            row = records.plan_row(session, plan["id"], lock=True)
            assert row is not None
            for step in range(versions - 1):
                code, neighbour = (
                    codes[(step * 37) % len(codes)],
                    codes[(step * 37 + 1) % len(codes)],
                )
                old, new = assignments[code], assignments[neighbour]
                delta = {"plan": {}, "communities": {}, "assignments": {code: [old, new]}}
                assignments[code] = new
                row["version"] = records.write_edit(
                    session,
                    row,
                    delta,
                    admin.name,
                    datetime.now(UTC),
                    "assign",
                    {"community": new, "districts": [code]},
                    row["next_community_id"],
                )
        print(f"  plan {number + 1}: {versions} versions", flush=True)
    store.close()


def measured(url: str, *args: str) -> tuple[float, float, str]:
    """Run ``geoapp ARGS`` on the database at ``url``: seconds, peak memory (MB), output.

    The peak is the process's own high-water mark (VmHWM), read while it runs: the rusage
    of a child counts the memory of this process, which it was forked from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOAPP_")}
    env.update(GEOAPP_DATABASE_URL=url, GEOAPP_INSTANCE_PATH=tempfile.mkdtemp())
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [GEOAPP, *args], env=env, stdout=output, stderr=subprocess.STDOUT, text=True
        )
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, _high_water_mark(process.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        output.seek(0)
        text = output.read()
    if process.returncode:
        raise SystemExit(f"geoapp {' '.join(args)} failed:\n{text}")
    return seconds, peak, text


def _high_water_mark(pid: int) -> float:
    """The peak resident memory of a running process, in MB (0 once it has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else 0.0


def fresh_schema(base: str) -> str:
    """A URL whose search path is a new schema."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    return f"{base}?{urlencode({'options': f'-csearch_path={schema},public'})}"


def drop_schema(url: str) -> None:
    """Drop the schema a ``fresh_schema`` URL names."""
    with psycopg.connect(url, autocommit=True) as connection:
        schema = connection.execute("SELECT current_schema()").fetchone()
        if schema and schema[0]:
            connection.execute(f'DROP SCHEMA "{schema[0]}" CASCADE')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=100_000)
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--postgis", default="postgresql://postgres@127.0.0.1:5432/geoapp_test")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    city = f"sqlite:///{folder / 'city.sqlite3'}"
    print(f"building {args.districts:,} districts, {args.plans} plans × {args.versions} versions")
    started = time.perf_counter()
    build_city(city, args.districts, args.plans, args.versions)
    print(f"built in {time.perf_counter() - started:.0f} s\n")
    postgis, back = fresh_schema(args.postgis), fresh_schema(args.postgis)
    files = {name: folder / name for name in ("city.backup", "city.gpkg", "pg.dump")}
    restored = [f"sqlite:///{folder / name}" for name in ("r1.sqlite3", "r2.sqlite3")]
    # (what, on which database, the command, the file it writes)
    steps = [
        ("backup SQLite (online backup)", city, ["backup", files["city.backup"]], True),
        ("backup SQLite → GeoPackage", city, ["backup", "--portable", files["city.gpkg"]], True),
        ("copy SQLite → PostGIS", city, ["copy", "--to", postgis], False),
        ("backup PostGIS (pg_dump)", postgis, ["backup", files["pg.dump"]], True),
        (
            "restore pg_dump → PostGIS (replace)",
            postgis,
            ["restore", "--replace", files["pg.dump"]],
            False,
        ),
        (
            "restore SQLite backup → new SQLite",
            restored[0],
            ["restore", files["city.backup"]],
            False,
        ),
        ("restore GeoPackage → PostGIS", back, ["restore", files["city.gpkg"]], False),
        ("copy PostGIS → new SQLite", restored[1], ["copy", "--from", postgis], False),
    ]
    print(f"{'operation':40} {'seconds':>8} {'peak MB':>8} {'file MB':>8}  verdict")
    failed = False
    try:
        for label, url, command, writes in steps:
            seconds, memory, output = measured(url, "db", *map(str, command))
            size = f"{Path(command[-1]).stat().st_size / 1e6:8.1f}" if writes else " " * 8
            ok = seconds < TARGET_SECONDS and memory < TARGET_MEMORY_MB and " NG" not in output
            failed |= not ok
            verdict = "ok" if ok else "OVER"
            print(f"{label:40} {seconds:8.1f} {memory:8.0f} {size}  {verdict}", flush=True)
    finally:
        drop_schema(postgis)
        drop_schema(back)
    print(f"\ntarget: each under {TARGET_SECONDS:.0f} s and {TARGET_MEMORY_MB:.0f} MB")
    print(f"files in {folder}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
