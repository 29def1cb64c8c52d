"""Benchmark: majority school zone and shares of every district, geoapp against its peers.

Why: the overlay must stay interactive on large cities. The issue's target is at least 3×
faster than the fastest peer at 100,000 districts, with peak memory under 2 GiB.

What: for each size (default 10,000 and 100,000 districts of about 60 vertices each) it
generates a district coverage (Voronoi cells with wiggled shared edges) and school zones
built mostly of whole districts, with a fraction of districts cut by straight zone lines
(as in real data). In the same run it computes every district's majority zone and shares
with

(a) geoapp (``geoapp.zone_assignment``),
(b) ``geopandas.overlay`` plus a groupby,
(c) ``maup.assign`` plus ``maup.intersections``,
(d) one PostGIS query (``ST_CoveredBy`` short cut, else ``ST_Intersection``),

checks that all four give the same majority zone for every district and the same shares
(to 1e-6), and prints each one's time, peak memory and ratio to the fastest peer.

Each method runs in a fresh subprocess. Time is wall time of the computation only (the
layers are already loaded; for PostGIS, already in indexed tables). Peak memory is the
subprocess's peak resident set size (VmHWM in /proc, which unlike ``ru_maxrss`` does not
inherit the parent's peak across fork and exec), including the loaded layers and the
imported libraries; for PostGIS it is the server backend's peak plus the client's. Run with
``pip install -e '.[bench]'`` and ``python scripts/bench_overlay.py`` (``--help`` for
options; ``--postgis-url`` defaults to the local test server).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoapp.overlay.zones import majority_zones

SRID = 6676
DISTRICT_SPACING = 200.0
SEED_SURPLUS = 1.6
DISTRICTS_PER_ZONE = 250
POINTS_PER_EDGE = 9
WIGGLE = 0.04
STRADDLE_FRACTION = 0.15
METHODS = ("geoapp", "geopandas", "maup", "postgis")
PEERS = ("geopandas", "maup", "postgis")
DEFAULT_POSTGIS_URL = "postgresql://postgres@127.0.0.1:5432/geoapp_test"
SHARE_TOLERANCE = 1e-6


# --- synthetic coverages --------------------------------------------------------------------
def district_coverage(count: int, rng: np.random.Generator) -> np.ndarray:
    """About ``count`` Voronoi districts with ~60 vertices each, forming an exact coverage.

    The ``count`` cells nearest the middle of a larger seeded square are kept: a roughly
    round city with a ragged outline and no holes. Each shared edge is densified and
    wiggled once, so both neighbours hold the very same vertices; cells whose wiggles
    would cross themselves or a neighbour keep straight edges.
    """
    seeds = int(count * SEED_SURPLUS)
    side = np.sqrt(seeds) * DISTRICT_SPACING
    square = shapely.box(0, 0, side, side)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(rng.uniform(0, side, size=(seeds, 2))), extend_to=square
        )
    )
    middle = shapely.Point(side / 2, side / 2)
    cells = cells[np.argsort(shapely.distance(shapely.centroid(cells), middle))[:count]]
    cells = cells[rng.permutation(len(cells))]
    amplitude = np.full(1, WIGGLE)
    while True:
        districts = _wiggled(cells, amplitude)
        invalid = ~shapely.is_valid(districts)
        if not invalid.any():
            invalid = ~shapely.is_empty(shapely.coverage_invalid_edges(districts))
        if not invalid.any():
            return districts
        amplitude = _straighten(cells, invalid, amplitude)


def _edges(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ring edge as (start, end) points, its cell, and its ring's edge count."""
    rings = shapely.get_exterior_ring(cells)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    last = np.r_[ring_of[1:] != ring_of[:-1], True]
    start = coords[~last]
    end = coords[1:][~last[:-1]]
    cell_of = ring_of[~last]
    return start, end, cell_of


def _wiggled(cells: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """The cells with every edge densified and wiggled the same way from both sides."""
    start, end, cell_of = _edges(cells)
    flipped = (start[:, 0] > end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] > end[:, 1]))
    low = np.where(flipped[:, None], end, start)
    high = np.where(flipped[:, None], start, end)
    keys, edge_id = np.unique(np.hstack([low, high]), axis=0, return_inverse=True)
    edge_id = edge_id.ravel()
    if amplitude.size != len(keys):
        amplitude = np.full(len(keys), WIGGLE)
    waves = 1 + np.arange(len(keys)) % 2
    t = np.linspace(0, 1, POINTS_PER_EDGE + 2)[:-1]
    a, b = keys[:, :2], keys[:, 2:]
    normal = np.stack([a[:, 1] - b[:, 1], b[:, 0] - a[:, 0]], axis=1)
    bend = (amplitude * np.sin(np.pi * np.outer(waves, t).T)).T
    along = t[None, :, None] * (b - a)[:, None, :]
    points = a[:, None, :] + along + bend[:, :, None] * normal[:, None, :]
    forward = points[edge_id]
    backward = np.concatenate(
        [np.broadcast_to(b[edge_id][:, None, :], (len(edge_id), 1, 2)), points[edge_id][:, :0:-1]],
        axis=1,
    )
    ring_points = np.where(flipped[:, None, None], backward, forward).reshape(-1, 2)
    ring_index = np.repeat(cell_of, POINTS_PER_EDGE + 1)
    closing = np.r_[ring_index[1:] != ring_index[:-1], True]
    ends = np.flatnonzero(closing) + 1
    coords = np.insert(ring_points, ends, ring_points[_first_of(closing)], axis=0)
    index = np.insert(ring_index, ends, ring_index[closing])
    return shapely.polygons(shapely.linearrings(coords, indices=index))


def _first_of(closing: np.ndarray) -> np.ndarray:
    """The first point's position of each ring, given the flags of each ring's last point."""
    return np.r_[0, np.flatnonzero(closing)[:-1] + 1]


def _straighten(cells: np.ndarray, invalid: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """Amplitudes with the edges of the invalid cells made straight."""
    start, end, cell_of = _edges(cells)
    flipped = (start[:, 0] > end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] > end[:, 1]))
    low = np.where(flipped[:, None], end, start)
    high = np.where(flipped[:, None], start, end)
    keys, edge_id = np.unique(np.hstack([low, high]), axis=0, return_inverse=True)
    amplitude = np.full(len(keys), WIGGLE) if amplitude.size != len(keys) else amplitude.copy()
    amplitude[edge_id.ravel()[invalid[cell_of]]] = 0.0
    return amplitude


def school_zones(districts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Zones of about ``DISTRICTS_PER_ZONE`` districts: most districts whole, and a fraction
    of those on a zone line cut along it (each piece going to its side's zone)."""
    count = max(2, len(districts) // DISTRICTS_PER_ZONE)
    xmin, ymin, xmax, ymax = shapely.total_bounds(districts)
    seeds = rng.uniform((xmin, ymin), (xmax, ymax), size=(count, 2))
    frame = shapely.box(xmin - 1000, ymin - 1000, xmax + 1000, ymax + 1000)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
    cells = shapely.intersection(cells, frame)
    points = shapely.point_on_surface(districts)
    cell_tree = shapely.STRtree(cells)
    home = np.full(len(districts), -1)
    d_idx, c_idx = cell_tree.query(points, predicate="intersects")
    home[d_idx] = c_idx
    d_idx, c_idx = cell_tree.query(districts, predicate="intersects")
    crossing = np.bincount(d_idx, minlength=len(districts)) > 1
    straddle = crossing & (rng.random(len(districts)) < STRADDLE_FRACTION)
    keep = straddle[d_idx]
    pieces = shapely.intersection(districts[d_idx[keep]], cells[c_idx[keep]])
    piece_cell = c_idx[keep]
    zones = []
    for cell in range(len(cells)):
        whole = districts[(home == cell) & ~straddle]
        parts = [shapely.coverage_union_all(whole)] if len(whole) else []
        parts.extend(pieces[piece_cell == cell])
        zones.append(shapely.union_all(parts) if parts else None)
    zones = np.array(zones, dtype=object)
    return zones[~shapely.is_missing(zones) & ~shapely.is_empty(zones)]


def write_layers(count: int, seed: int, folder: Path) -> tuple[int, int]:
    """Generate one size's layers into ``folder`` (pickled WKB); their feature counts."""
    rng = np.random.default_rng(seed)
    districts = district_coverage(count, rng)
    zones = school_zones(districts, rng)
    data = {
        "districts": shapely.to_wkb(districts),
        "zones": shapely.to_wkb(zones),
    }
    (folder / "layers.pickle").write_bytes(pickle.dumps(data))
    return len(districts), len(zones)


def read_layers(folder: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The layers written by ``write_layers`` as frames with codes."""
    data = pickle.loads((folder / "layers.pickle").read_bytes())
    districts = gpd.GeoDataFrame(
        {"code": [f"D{i:06d}" for i in range(len(data["districts"]))]},
        geometry=shapely.from_wkb(data["districts"]),
        crs=SRID,
    )
    zones = gpd.GeoDataFrame(
        {"code": [f"Z{i:04d}" for i in range(len(data["zones"]))]},
        geometry=shapely.from_wkb(data["zones"]),
        crs=SRID,
    )
    return districts, zones


# --- the four methods ------------------------------------------------------------------------
def with_geoapp(districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """geoapp's majority zones."""
    return majority_zones(districts, zones)[["majority_zone", "majority_share", "second_share"]]


def with_geopandas(districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """geopandas.overlay, then the largest piece of each district by a groupby."""
    pieces = gpd.overlay(
        districts[["code", "geometry"]],
        zones[["code", "geometry"]].rename(columns={"code": "zone"}),
        how="intersection",
        keep_geom_type=True,
    )
    pieces["share"] = pieces.area / pieces["code"].map(districts.set_index("code").area)
    return _majority_table(pieces.rename(columns={"code": "district"}))


def with_maup(districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """maup.assign for the majority zone, maup.intersections for the shares."""
    import maup

    sources = districts.set_index("code")
    targets = zones.set_index("code")
    assignment = maup.assign(sources, targets)
    pieces = maup.intersections(sources, targets, area_cutoff=0)
    frame = pd.DataFrame(
        {
            "district": pieces.index.get_level_values(0),
            "zone": pieces.index.get_level_values(1),
            "share": pieces.area.to_numpy()
            / sources.area.reindex(pieces.index.get_level_values(0)).to_numpy(),
        }
    )
    table = _majority_table(frame)
    table["majority_zone"] = assignment.reindex(table.index)
    return table


def _majority_table(pieces: pd.DataFrame) -> pd.DataFrame:
    """Majority zone, its share and the second share per district, from (district, zone,
    share) rows."""
    ordered = pieces.sort_values(["district", "share"], ascending=[True, False])
    ranked = ordered.assign(rank=ordered.groupby("district").cumcount())
    first = ranked[ranked["rank"] == 0].set_index("district")
    second = ranked[ranked["rank"] == 1].set_index("district")["share"]
    return pd.DataFrame(
        {
            "majority_zone": first["zone"],
            "majority_share": first["share"],
            "second_share": second.reindex(first.index).fillna(0.0),
        }
    )


POSTGIS_QUERY = """
WITH pieces AS (
    SELECT d.code AS district, z.code AS zone,
           CASE WHEN ST_CoveredBy(d.geom, z.geom) THEN 1.0
                ELSE ST_Area(ST_Intersection(d.geom, z.geom)) / ST_Area(d.geom) END AS share
    FROM bench_districts d JOIN bench_zones z ON ST_Intersects(d.geom, z.geom)
), ranked AS (
    SELECT district, zone, share,
           row_number() OVER (PARTITION BY district ORDER BY share DESC, zone) AS rank
    FROM pieces WHERE share > 0
)
SELECT district, max(zone) FILTER (WHERE rank = 1), max(share) FILTER (WHERE rank = 1),
       coalesce(max(share) FILTER (WHERE rank = 2), 0)
FROM ranked GROUP BY district
"""


def with_postgis(
    districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, url: str, timer: dict
) -> pd.DataFrame:
    """One PostGIS query over indexed tables, loaded (untimed) into a scratch schema."""
    import psycopg

    schema = f"bench_{int(time.time() * 1000)}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        try:
            connection.execute(f"SET search_path = {schema}, public")
            connection.execute("SET max_parallel_workers_per_gather = 0")
            connection.execute("SET work_mem = '256MB'")
            for table, frame in (("bench_districts", districts), ("bench_zones", zones)):
                connection.execute(f"CREATE TABLE {table} (code text, geom geometry)")
                ewkb = shapely.to_wkb(
                    shapely.set_srid(frame.geometry.to_numpy(), SRID), hex=True, include_srid=True
                )
                with connection.cursor().copy(f"COPY {table} (code, geom) FROM STDIN") as copy:
                    for row in zip(frame["code"], ewkb, strict=True):
                        copy.write_row(row)
                connection.execute(f"CREATE INDEX ON {table} USING gist (geom)")
                connection.execute(f"ANALYZE {table}")
            backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
            started = time.perf_counter()
            rows = connection.execute(POSTGIS_QUERY).fetchall()
            timer["seconds"] = time.perf_counter() - started
            timer["server_peak_bytes"] = _peak_of_process(backend)
        finally:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
    columns = ["district", "majority_zone", "majority_share", "second_share"]
    table = pd.DataFrame(rows, columns=columns)
    return table.set_index("district").astype({"majority_share": float, "second_share": float})


def _peak_of_process(pid: int) -> int:
    """The peak resident set size of a process on this machine, in bytes (0 if unknown)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def run_method(method: str, folder: Path, postgis_url: str) -> None:
    """Subprocess entry: run one method on the layers in ``folder``, write its result."""
    if method == "maup":
        import maup  # noqa: F401 (imported before the clock starts, as the others are)
    districts, zones = read_layers(folder)
    timer: dict = {}
    started = time.perf_counter()
    if method == "geoapp":
        table = with_geoapp(districts, zones)
    elif method == "geopandas":
        table = with_geopandas(districts, zones)
    elif method == "maup":
        table = with_maup(districts, zones)
    else:
        table = with_postgis(districts, zones, postgis_url, timer)
    seconds = timer.get("seconds", time.perf_counter() - started)
    peak = _peak_of_process(os.getpid())
    table.to_pickle(folder / f"{method}.pickle")
    result = {"seconds": seconds, "peak_bytes": peak + timer.get("server_peak_bytes", 0)}
    (folder / f"{method}.json").write_text(json.dumps(result))


# --- the run ----------------------------------------------------------------------------------
def measure(method: str, folder: Path, postgis_url: str) -> dict:
    """Run one method in a fresh interpreter; its time and peak memory."""
    command = [sys.executable, __file__, "--run-method", method, "--data", str(folder)]
    command += ["--postgis-url", postgis_url]
    subprocess.run(command, check=True)
    return json.loads((folder / f"{method}.json").read_text())


def compare(folder: Path, methods: list[str]) -> list[str]:
    """Disagreements between each method and geoapp: majority zones and shares."""
    reference = pd.read_pickle(folder / "geoapp.pickle")
    problems = []
    for method in methods:
        if method == "geoapp":
            continue
        other = pd.read_pickle(folder / f"{method}.pickle").reindex(reference.index)
        differ = reference["majority_zone"].astype(str) != other["majority_zone"].astype(str)
        share_gap = (reference["majority_share"] - other["majority_share"].astype(float)).abs()
        second_gap = (reference["second_share"] - other["second_share"].astype(float)).abs()
        if differ.any():
            problems.append(f"{method}: {int(differ.sum())} districts with another majority zone")
        if (share_gap > SHARE_TOLERANCE).any() or (second_gap > SHARE_TOLERANCE).any():
            problems.append(
                f"{method}: shares differ by up to {max(share_gap.max(), second_gap.max()):.2e}"
            )
    return problems


def report(size: int, zones: int, straddling: int, results: dict[str, dict]) -> None:
    """Print one size's table: time, peak memory, ratio to the fastest peer."""
    peers = {m: r["seconds"] for m, r in results.items() if m in PEERS}
    fastest = min(peers, key=peers.get) if peers else None
    print(f"\n{size:,} districts, {zones} zones, {straddling:,} districts split by a zone line")
    print(f"{'method':<12}{'time (s)':>10}{'peak (MiB)':>12}{'vs fastest peer':>18}")
    for method, result in results.items():
        ratio = peers[fastest] / result["seconds"] if fastest else float("nan")
        note = f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower"
        print(
            f"{method:<12}{result['seconds']:>10.2f}{result['peak_bytes'] / 2**20:>12.0f}"
            f"{note if method != fastest else 'fastest peer':>18}"
        )


def main() -> None:
    """Parse arguments; either run the whole benchmark or one method (subprocess mode)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgis-url", default=DEFAULT_POSTGIS_URL)
    parser.add_argument("--run-method", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_method:
        run_method(args.run_method, args.data, args.postgis_url)
        return
    methods = ["geoapp", *[m for m in args.methods if m != "geoapp"]]
    failed = False
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-overlay-") as tmp:
            folder = Path(tmp)
            started = time.perf_counter()
            n_districts, n_zones = write_layers(size, args.seed, folder)
            print(f"generated {n_districts:,} districts in {time.perf_counter() - started:.0f} s")
            results = {method: measure(method, folder, args.postgis_url) for method in methods}
            reference = pd.read_pickle(folder / "geoapp.pickle")
            report(n_districts, n_zones, int((reference["second_share"] > 0).sum()), results)
            problems = compare(folder, methods)
            print("same assignment and shares: " + ("yes" if not problems else "NO"))
            for problem in problems:
                print("  " + problem)
            failed = failed or bool(problems)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
