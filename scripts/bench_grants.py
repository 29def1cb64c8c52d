"""Benchmark: checking and storing a 20,000-row grants CSV (2,000 organizations × 10
fiscal years) and the annual report for 2,000 organizations, on each storage backend.

The import covers what ``geoapp grants import`` does after reading the file's bytes:
decoding and reading every cell, resolving each organization, reading the organizations'
stages and milestones and the years' earlier grants, checking every rule (stage,
milestones, window, duration, caps, projects per year, budget) row after row, and storing
all rows with an audit row each in one transaction. Targets: under 2 s and under 500 ms.

    python scripts/bench_grants.py [--organizations 2000] [--years 10]
        [--postgis postgresql://postgres@127.0.0.1:5432/geoapp_test]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
from bench_plan_edits import postgis_schema_url

from geoapp.accounts.users import User
from geoapp.organizations.scheme import default_scheme
from geoapp.organizations.service import Organizations
from geoapp.plans.service import Planning
from geoapp.storage import Store, open_store
from geoapp.storage import organizations as records
from geoapp.subsidies.grant_table import read_grant_table
from geoapp.subsidies.service import Subsidies

SRID = 6676
FIRST_YEAR = 2016
TARGET_IMPORT_S = 2.0
TARGET_REPORT_MS = 500.0
ADMIN = User("bench", "admin")


def prepared_store(url: str, organizations: int) -> Store:
    """A store with ``organizations`` organizations, each preparing since 2015 with its
    vision adopted, and the Numata programs with a budget for the project subsidy."""
    store = open_store(url, SRID)
    store.upgrade()
    now = datetime.now(UTC)
    scheme = default_scheme().to_dict()
    for program in scheme["programs"]:
        if program["key"] == "projects":
            program["budget"] = 300_000 * organizations
    with store.session(write=True) as session:
        records.write_scheme_document(session, scheme, ADMIN.name, now)
        ids = [
            records.insert_organization(
                session,
                {
                    "community_id": n + 1,
                    "community_name": f"地区{n + 1:04d}",
                    "name": f"地区{n + 1:04d}",
                },
                now,
            )
            for n in range(organizations)
        ]
        records.insert_stages(
            session,
            [(oid, "preparation", date(2015, 5, 1), "", None, [], ADMIN.name, now) for oid in ids],
        )
        records.insert_milestones(
            session,
            [(oid, "vision", date(2015, 6, 1), "", [], ADMIN.name, now) for oid in ids],
        )
    return store


def grants_csv(organizations: int, years: int) -> bytes:
    """One project grant per organization and fiscal year, named by the organization's
    name (as the finance section writes it), with its fiscal year as 令和/R/西暦 in turn."""
    lines = ["organization,program,fiscal_year,project,requested,granted,decided_on"]
    for n in range(organizations):
        for year in range(FIRST_YEAR, FIRST_YEAR + years):
            shown = (str(year), f"R{year - 2018}" if year >= 2019 else str(year), "")[n % 3]
            lines.append(
                f"地区{n + 1:04d},projects,{shown},地域の見守り,300000,{250_000 + n % 50_000},"
                f"{year}-07-01"
            )
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def run_backend(name: str, url: str, organizations: int, years: int) -> dict[str, float]:
    """The import and report times on one backend."""
    store = prepared_store(url, organizations)
    subsidies = Subsidies(store, Organizations(store, Planning(store)))
    data = grants_csv(organizations, years)
    started, cpu = time.perf_counter(), time.process_time()
    rows = read_grant_table(data, "bench.csv")
    result = subsidies.import_rows(ADMIN, rows, dry_run=False, source="bench.csv")
    imported, imported_cpu = time.perf_counter() - started, time.process_time() - cpu
    if not result.ok or result.stored != organizations * years:
        raise SystemExit(f"{name}: the import was refused: {result.to_dict()['message']}")
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        report = subsidies.annual_report(FIRST_YEAR + years - 1)
        timings.append((time.perf_counter() - started) * 1000)
    assert len(report["organizations"]) == organizations
    store.close()
    return {
        "import_s": imported,
        "import_cpu_s": imported_cpu,
        "report_ms": min(timings),
        "report_ms_max": max(timings),
    }


def main() -> int:
    """Run on SQLite and PostGIS; print the figures; fail when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organizations", type=int, default=2000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument(
        "--postgis", default="postgresql://postgres@127.0.0.1:5432/geoapp_test", help="'' to skip"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        results["sqlite"] = run_backend("sqlite", url, args.organizations, args.years)
    if args.postgis:
        url, schema = postgis_schema_url(args.postgis)
        try:
            results["postgis"] = run_backend("postgis", url, args.organizations, args.years)
        finally:
            with psycopg.connect(args.postgis, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    rows = args.organizations * args.years
    missed = False
    for backend, figures in results.items():
        ok_import = figures["import_s"] < TARGET_IMPORT_S
        ok_report = figures["report_ms"] < TARGET_REPORT_MS
        missed |= not (ok_import and ok_report)
        print(
            f"{backend:8} {rows:,} rows checked and stored in {figures['import_s']:.2f} s "
            f"(this process's CPU {figures['import_cpu_s']:.2f} s; "
            f"{'ok' if ok_import else 'OVER'} < {TARGET_IMPORT_S:.0f} s); annual report for "
            f"{args.organizations:,} organizations in {figures['report_ms']:.0f} ms "
            f"(max of 5: {figures['report_ms_max']:.0f} ms; "
            f"{'ok' if ok_report else 'OVER'} < {TARGET_REPORT_MS:.0f} ms)"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
