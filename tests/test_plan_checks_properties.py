"""The vectorized plan checks agree with slow, obvious computations on random plans of a
4 × 4 grid (adjacency from geoapp.adjacency, geometry from shapely)."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapes import SRID, grid_centers

from geoapp.overlay.adjacency import district_adjacency, neighbours
from geoapp.plans.checks import plan_checks
from geoapp.plans.geography import build_geography
from geoapp.plans.model import PlanState

SIDE = 4
CODES = [f"Q{row}{col}" for row in range(SIDE) for col in range(SIDE)]
DISTRICTS = gpd.GeoDataFrame(
    {
        "code": CODES,
        "name": CODES,
        "population": 10,
        "households": 5,
        "population_65": 3,
    },
    geometry=[
        shapely.box(col * 100, row * 100, col * 100 + 100, row * 100 + 100)
        for row in range(SIDE)
        for col in range(SIDE)
    ],
    crs=SRID,
)
ADJACENCY = district_adjacency(DISTRICTS)
GEOGRAPHY = build_geography(DISTRICTS, grid_centers().iloc[:0], ADJACENCY)
NEIGHBOURS = neighbours(ADJACENCY, CODES)
ON_EDGE = {f"Q{r}{c}" for r in range(SIDE) for c in range(SIDE) if {r, c} & {0, SIDE - 1}}


def components(members: set[str]) -> list[set[str]]:
    """Connected groups of ``members``, found by walking the neighbours."""
    left, found = set(members), []
    while left:
        start = left.pop()
        group, todo = {start}, [start]
        while todo:
            for other in NEIGHBOURS[todo.pop()] & left:
                left.discard(other)
                group.add(other)
                todo.append(other)
        found.append(group)
    return found


plans = st.lists(st.sampled_from([None, 1, 2, 3]), min_size=len(CODES), max_size=len(CODES))


@settings(max_examples=150, deadline=None)
@given(plans)
def test_checks_agree_with_a_walk_over_the_neighbours(picks: list[int | None]) -> None:
    assignments = {code: cid for code, cid in zip(CODES, picks, strict=True) if cid}
    communities = {cid: {"name": f"C{cid}", "hub_center": None} for cid in (1, 2, 3)}
    checks = plan_checks(GEOGRAPHY, PlanState({}, communities, assignments))
    figures = {c["id"]: c for c in checks["communities"]}
    stray_count = sum(len(s["districts"]) for s in checks["strays"])
    expected_strays = 0
    expected_enclaves = []
    for cid in (1, 2, 3):
        members = {code for code, owner in assignments.items() if owner == cid}
        groups = components(members)
        assert figures[cid]["pieces"] == len(groups)
        if groups:
            expected_strays += len(members) - max(len(group) for group in groups)
        outside = {n for code in members for n in NEIGHBOURS[code]} - members
        owners = {assignments.get(code) for code in outside}
        if members and not (members & ON_EDGE) and len(owners) == 1 and None not in owners:
            expected_enclaves.append({"community": cid, "surrounded_by": owners.pop()})
        if members:
            union = shapely.union_all([DISTRICTS.geometry[CODES.index(c)] for c in members])
            compactness = 4 * math.pi * union.area / union.length**2
            assert figures[cid]["polsby_popper"] == pytest.approx(compactness, abs=1e-4)
    assert stray_count == expected_strays
    assert checks["enclaves"] == expected_enclaves
    assert checks["unassigned"] == sorted(set(CODES) - set(assignments))
