"""Benchmark ``geoapp import`` against GDAL's ``ogr2ogr`` loading the same Shapefile.

Generates district coverages of 10,000 and 100,000 Voronoi cells (edges divided every 28 m,
about 60 vertices a district, like real 町丁 polygons) as CP932 Shapefiles in plane zone VIII
(EPSG:6676) without a .cpg, as city data arrives, then times, in the same run and on the
same machine:

- ``geoapp import districts FILE`` into a fresh SQLite file;
- ``geoapp import districts FILE`` into a fresh PostGIS schema;
- ``ogr2ogr`` loading the same file into the same PostGIS (COPY, GiST index, no checks).

Each load runs as its own process; its wall time and peak resident memory (``ru_maxrss``
of that process, from ``os.wait4``; the districts are generated in another process so the
parent that forks the loads stays small) are printed with the ratio to ogr2ogr. geoapp also
decodes, maps fields, validates every geometry and checks the coverage; ogr2ogr does none
of that. Targets: at most 1.5× ogr2ogr's time, and under 1 GiB peak at 100,000 districts.

The three loads take turns, ``--repeat`` times, and each one's fastest run is compared (its
median is printed too): a shared machine's speed drifts from minute to minute, and the
fastest run is the one least disturbed by other work. Each starts from the same state: the
previous load's tables dropped (so that autovacuum has nothing of theirs to do) and a
CHECKPOINT made (so that no load pays for writing out another's pages).

Needs Debian's gdal-bin (ogr2ogr) and a PostGIS database:
``GEOAPP_BENCH_POSTGIS_URL``, else ``GEOAPP_TEST_POSTGIS_URL`` (default
postgresql://postgres@127.0.0.1:5432/geoapp_test, made when missing).

    python scripts/bench_import.py [--sizes 10000 100000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
import shapely
from psycopg import sql

CRS = 6676
VERTEX_SPACING_M = 28.0
POSTGIS_URL = os.environ.get(
    "GEOAPP_BENCH_POSTGIS_URL",
    os.environ.get("GEOAPP_TEST_POSTGIS_URL", "postgresql://postgres@127.0.0.1:5432/geoapp_test"),
)
GEOAPP = Path(sys.executable).parent / "geoapp"
_KANJI = "青葉桜松竹梅川山田原本新東西南北中上下港浜宮森岡谷沢"


@dataclass(frozen=True)
class Run:
    """One timed load."""

    label: str
    seconds: float
    peak_mib: float


def make_districts(count: int, seed: int = 7) -> gpd.GeoDataFrame:
    """``count`` Voronoi districts tiling a square city, with Japanese names and counts."""
    rng = np.random.default_rng(seed)
    side = 400.0 * np.sqrt(count)
    points = shapely.points(rng.uniform(0, side, size=(count, 2)))
    extent = shapely.box(0, 0, side, side)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=extent)
    )
    cells = shapely.intersection(cells, extent)
    # About 60 vertices a district, like real 町丁 polygons; both sides of a shared edge get
    # the same added vertices, so the districts stay a coverage.
    cells = shapely.segmentize(cells, max_segment_length=VERTEX_SPACING_M)
    population = rng.integers(0, 3000, size=len(cells))
    names = [
        f"{_KANJI[i % len(_KANJI)]}{_KANJI[(i // len(_KANJI)) % len(_KANJI)]}町{i // 900 + 1}丁目"
        for i in range(len(cells))
    ]
    return gpd.GeoDataFrame(
        {
            "KEY_CODE": [f"{i:08d}" for i in range(len(cells))],
            "S_NAME": names,
            "JINKO": population,
            "SETAI": population // 2,
            "KOUREI": population // 3,
        },
        geometry=_near_yaizu(shapely.set_precision(cells, 0.001)),
        crs=CRS,
    )


def _near_yaizu(cells: np.ndarray) -> np.ndarray:
    """Cells moved near Yaizu: x east −19 km, y north −128 km of zone VIII's origin."""
    return shapely.transform(cells, lambda xy: xy + np.array([-19_000.0, -128_000.0]))


def write_shapefile(frame: gpd.GeoDataFrame, folder: Path) -> Path:
    """The frame as a CP932 Shapefile without .cpg."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "districts.shp"
    frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding="cp932")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def _generate(count: int, folder: Path) -> None:
    """Write the generated districts (run in a child process)."""
    write_shapefile(make_districts(count), folder)


def timed(label: str, command: list[str], env: dict[str, str]) -> Run:
    """Run ``command`` and measure its wall time and peak memory; fail loudly on error."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{label} failed:\n{output}")
    return Run(label, seconds, usage.ru_maxrss / 1024)


def fresh_schema(connection: psycopg.Connection) -> str:
    """A new empty schema for one load."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return schema


def postgis_url(schema: str) -> str:
    """The benchmark database with ``schema`` first on the search path."""
    joiner = "&" if "?" in POSTGIS_URL else "?"
    return f"{POSTGIS_URL}{joiner}options=-csearch_path%3D{schema},public"


def geoapp_import(label: str, shp: Path, database_url: str, workdir: Path) -> Run:
    """``geoapp db upgrade`` (untimed), then the timed ``geoapp import``.

    Both run with Python's bytecode cache on, as for an installed geoapp (pip compiles it):
    under a shell's PYTHONDONTWRITEBYTECODE, an editable install would compile geoapp's
    own modules again on every run, a tenth of a second that no deployment pays.
    """
    env = {
        **os.environ,
        "GEOAPP_DATABASE_URL": database_url,
        "GEOAPP_INSTANCE_PATH": str(workdir / "instance"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [str(GEOAPP), "db", "upgrade", "--crs", str(CRS)], env=env, check=True, capture_output=True
    )
    return timed(label, [str(GEOAPP), "import", "districts", str(shp), "--json"], env)


def ogr2ogr_load(shp: Path, schema: str) -> Run:
    """GDAL's load of the same file into the same PostGIS, reprojected to the same CRS."""
    info = psycopg.conninfo.conninfo_to_dict(POSTGIS_URL)
    target = "PG:" + " ".join(f"{key}={value}" for key, value in info.items() if key != "options")
    command = [
        "ogr2ogr",
        "-f",
        "PostgreSQL",
        target,
        str(shp),
        "-nln",
        f"{schema}.districts",
        "-nlt",
        "MULTIPOLYGON",
        "-t_srs",
        f"EPSG:{CRS}",
        "-lco",
        "GEOMETRY_NAME=geom",
        "-oo",
        "ENCODING=CP932",
    ]
    return timed("ogr2ogr → PostGIS", command, dict(os.environ))


def bench(
    count: int, workdir: Path, connection: psycopg.Connection, repeat: int
) -> list[list[Run]]:
    """Every load of one generated city, ``repeat`` times in turn: a list of runs a load."""
    started = time.perf_counter()
    shp = workdir / f"districts_{count}" / "districts.shp"
    # Generated in a separate process: a child's peak memory (ru_maxrss) starts from what
    # its parent holds when it forks, so the parent must not hold the districts.
    maker = multiprocessing.get_context("spawn").Process(target=_generate, args=(count, shp.parent))
    maker.start()
    maker.join()
    if maker.exitcode != 0:
        raise SystemExit(f"generating {count:,} districts failed")
    os.sync()  # the new files are on disk before any load is timed
    print(f"\n{count:,} districts: generated in {time.perf_counter() - started:.1f} s")
    sqlite_file = workdir / f"bench_{count}.sqlite3"
    loads: list[Callable[[], Run]] = [
        lambda: ogr2ogr_load(shp, fresh_schema(connection)),
        lambda: geoapp_import("geoapp → SQLite", shp, f"sqlite:///{sqlite_file}", workdir),
        lambda: geoapp_import(
            "geoapp → PostGIS", shp, postgis_url(fresh_schema(connection)), workdir
        ),
    ]
    runs: list[list[Run]] = [[] for _ in loads]
    for _ in range(repeat):
        for load, done in zip(loads, runs, strict=True):
            settle(connection)
            sqlite_file.unlink(missing_ok=True)
            done.append(load())
    settle(connection)
    return runs


def settle(connection: psycopg.Connection) -> None:
    """Drop the loads' schemas and write every dirty page out: each load starts alike."""
    rows = connection.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\\_%'"
    ).fetchall()
    for (schema,) in rows:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    connection.execute("CHECKPOINT")


def report(runs: list[list[Run]]) -> None:
    """Print each load's fastest and median time, its highest peak and the ratios of the
    fastest runs to ogr2ogr's."""
    fastest = [min(run.seconds for run in load) for load in runs]
    print(
        f"{'load':<20}{'min s':>8}{'median s':>10}{'peak MiB':>10}{'× ogr2ogr':>11}   each run (s)"
    )
    for load, least in zip(runs, fastest, strict=True):
        median = statistics.median(run.seconds for run in load)
        peak = max(run.peak_mib for run in load)
        each = " ".join(f"{run.seconds:.2f}" for run in load)
        print(
            f"{load[0].label:<20}{least:>8.2f}{median:>10.2f}{peak:>10.0f}"
            f"{least / fastest[0]:>11.2f}   {each}"
        )
    verdicts = ", ".join(
        f"{load[0].label.removeprefix('geoapp → ')} "
        + ("ok" if least <= 1.5 * fastest[0] else "SLOWER than 1.5×")
        for load, least in zip(runs[1:], fastest[1:], strict=True)
    )
    memory = "ok" if max(run.peak_mib for load in runs[1:] for run in load) < 1024 else "OVER 1 GiB"
    print(f"target ≤ 1.5× ogr2ogr into PostGIS: {verdicts}; peak under 1 GiB: {memory}")


def bench_database() -> psycopg.Connection:
    """A connection to the benchmark database, created (with PostGIS) when it is missing."""
    try:
        connection = psycopg.connect(POSTGIS_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise SystemExit(f"PostgreSQL is not reachable at {POSTGIS_URL}: {exc}") from exc
        name = psycopg.conninfo.conninfo_to_dict(POSTGIS_URL)["dbname"]
        server = psycopg.conninfo.make_conninfo(POSTGIS_URL, dbname="postgres")
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        connection = psycopg.connect(POSTGIS_URL, autocommit=True)
    connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return connection


def main() -> None:
    """Generate, load, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each load (fastest compared)"
    )
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    if not shutil.which("ogr2ogr"):
        raise SystemExit("ogr2ogr is missing: apt-get install gdal-bin")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="geoapp-bench-import-"))
    with bench_database() as connection:
        try:
            for count in args.sizes:
                report(bench(count, workdir, connection, max(1, args.repeat)))
        finally:
            settle(connection)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
