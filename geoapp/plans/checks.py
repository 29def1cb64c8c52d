"""Checks of a plan, recomputed after every edit.

Everything works on flat arrays of the city's districts (``Geography``) and one array of
community ids (-1 for unassigned), so a full recheck of a 10,000-district city takes a
few milliseconds and needs no incremental bookkeeping.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .geography import Geography
from .model import PlanState

UNASSIGNED = -1
# A district touches the city's edge when this much of its boundary has no neighbour.
EDGE_TOLERANCE_M = 0.5


def assignment_array(geography: Geography, state: PlanState) -> np.ndarray:
    """Each district's community id (-1 when unassigned), in the geography's order."""
    assigned = np.full(geography.size, UNASSIGNED, dtype=np.int64)
    index = geography.index
    for code, community_id in state.assignments.items():
        position = index.get(code)
        if position is not None:
            assigned[position] = community_id
    return assigned


def plan_checks(geography: Geography, state: PlanState) -> dict[str, Any]:
    """Every check of the plan: unassigned districts, contiguity, enclaves, strays, hubs,
    population figures and target range, split districts and compactness."""
    assigned = assignment_array(geography, state)
    ids = sorted(state.communities)
    pieces = _pieces(geography, assigned)
    strays = _strays(geography, assigned, pieces)
    figures = _figures(geography, assigned, ids, pieces)
    hubs = _hub_problems(geography, assigned, state, ids)
    low, high = geography.target_population
    outside = [
        cid
        for cid in ids
        if (low is not None and figures[cid]["population"] < low)
        or (high is not None and figures[cid]["population"] > high)
    ]
    unassigned = [geography.codes[i] for i in np.flatnonzero(assigned == UNASSIGNED)]
    checks: dict[str, Any] = {
        "unassigned": unassigned,
        "unknown_districts": sorted(set(state.assignments) - set(geography.index)),
        "non_contiguous": [
            {"community": cid, "pieces": len(pieces[cid])}
            for cid in ids
            if len(pieces.get(cid, [])) > 1
        ],
        "enclaves": _enclaves(geography, assigned, ids),
        "strays": strays,
        "without_hub": hubs["without_hub"],
        "several_hubs": hubs["several_hubs"],
        "hub_outside": hubs["hub_outside"],
        "population_range": {"min": low, "max": high, "outside": outside},
        "split_districts": _split_districts(geography, assigned),
        "communities": [{"id": cid, **figures[cid]} for cid in ids],
    }
    checks["problem_count"] = (
        len(unassigned)
        + len(checks["non_contiguous"])
        + len(checks["enclaves"])
        + len(hubs["without_hub"])
        + len(hubs["several_hubs"])
        + len(hubs["hub_outside"])
        + len(outside)
        + sum(1 for split in checks["split_districts"] if split["against_zone"])
    )
    return checks


def _pieces(geography: Geography, assigned: np.ndarray) -> dict[int, list[list[int]]]:
    """Each community's connected pieces (district positions), the largest by area first."""
    same = (assigned[geography.edge_a] == assigned[geography.edge_b]) & (
        assigned[geography.edge_a] != UNASSIGNED
    )
    size = geography.size
    graph = coo_matrix(
        (np.ones(int(same.sum())), (geography.edge_a[same], geography.edge_b[same])),
        shape=(size, size),
    )
    _, labels = connected_components(graph, directed=False)
    members = np.flatnonzero(assigned != UNASSIGNED)
    order = np.lexsort((labels[members], assigned[members]))
    pieces: dict[int, list[list[int]]] = {}
    previous = (None, None)
    for position in members[order]:
        key = (int(assigned[position]), int(labels[position]))
        if key != previous:
            pieces.setdefault(key[0], []).append([])
            previous = key
        pieces[key[0]][-1].append(int(position))
    area = geography.area
    for community_pieces in pieces.values():
        community_pieces.sort(key=lambda piece: (-float(area[piece].sum()), piece[0]))
    return pieces


def _strays(
    geography: Geography, assigned: np.ndarray, pieces: Mapping[int, list[list[int]]]
) -> list[dict[str, Any]]:
    """Every piece of a community apart from its largest, with the community around it
    (the neighbour sharing the longest boundary with the piece)."""
    found = []
    for community_id, community_pieces in sorted(pieces.items()):
        for piece in community_pieces[1:]:
            around = _longest_neighbour(geography, assigned, piece, community_id)
            found.append(
                {
                    "community": community_id,
                    "districts": sorted(geography.codes[i] for i in piece),
                    "surrounded_by": around,
                }
            )
    return found


def _longest_neighbour(
    geography: Geography, assigned: np.ndarray, piece: list[int], community_id: int
) -> int | None:
    """The other community sharing the longest boundary with ``piece`` (None if none)."""
    inside = np.zeros(geography.size, dtype=bool)
    inside[piece] = True
    a, b, length = geography.edge_a, geography.edge_b, geography.edge_length
    leaving = inside[a] != inside[b]
    other = np.where(inside[a[leaving]], b[leaving], a[leaving])
    other_community = assigned[other]
    useful = (other_community != UNASSIGNED) & (other_community != community_id)
    if not useful.any():
        return None
    totals: dict[int, float] = {}
    for cid, shared in zip(other_community[useful], length[leaving][useful], strict=True):
        totals[int(cid)] = totals.get(int(cid), 0.0) + float(shared)
    return max(sorted(totals), key=lambda cid: totals[cid])


def _enclaves(geography: Geography, assigned: np.ndarray, ids: list[int]) -> list[dict[str, Any]]:
    """Communities entirely surrounded by one other community (not touching the city edge)."""
    a, b = assigned[geography.edge_a], assigned[geography.edge_b]
    crossing = a != b
    neighbours: dict[int, set[int]] = {}
    for first, second in zip(a[crossing], b[crossing], strict=True):
        neighbours.setdefault(int(first), set()).add(int(second))
        neighbours.setdefault(int(second), set()).add(int(first))
    edge = np.bincount(
        assigned[assigned != UNASSIGNED],
        geography.outer_length[assigned != UNASSIGNED],
        minlength=max(ids, default=0) + 1,
    )
    found = []
    for cid in ids:
        around = neighbours.get(cid, set())
        if len(around) == 1 and UNASSIGNED not in around and edge[cid] <= EDGE_TOLERANCE_M:
            found.append({"community": cid, "surrounded_by": next(iter(around))})
    return found


def _figures(
    geography: Geography,
    assigned: np.ndarray,
    ids: list[int],
    pieces: Mapping[int, list[list[int]]],
) -> dict[int, dict[str, Any]]:
    """Population, households, 65+ share, area and Polsby-Popper compactness per community.

    The perimeter of a union of coverage polygons is the sum of their perimeters less
    twice the boundary they share, so no geometry is unioned here.
    """
    length = max(ids, default=0) + 1
    member = assigned != UNASSIGNED
    keys = assigned[member]

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(keys, values[member].astype(float), minlength=length)

    population, households = total(geography.population), total(geography.households)
    population_65, area = total(geography.population_65), total(geography.area)
    perimeter = total(geography.perimeter)
    same = (assigned[geography.edge_a] == assigned[geography.edge_b]) & (
        assigned[geography.edge_a] != UNASSIGNED
    )
    internal = np.bincount(
        assigned[geography.edge_a[same]], geography.edge_length[same], minlength=length
    )
    perimeter = perimeter - 2 * internal
    counts = np.bincount(keys, minlength=length)
    figures = {}
    for cid in ids:
        people = int(population[cid])
        figures[cid] = {
            "districts": int(counts[cid]),
            "population": people,
            "households": int(households[cid]),
            "population_65": int(population_65[cid]),
            "share_65": round(population_65[cid] / people, 4) if people else None,
            "area_km2": round(area[cid] / 1e6, 4),
            "polsby_popper": (
                round(4 * math.pi * area[cid] / perimeter[cid] ** 2, 4)
                if perimeter[cid] > 0
                else None
            ),
            "pieces": len(pieces.get(cid, [])),
        }
    return figures


def _hub_problems(
    geography: Geography, assigned: np.ndarray, state: PlanState, ids: list[int]
) -> dict[str, list[Any]]:
    """Communities with no centre inside, with several, and hubs lying outside their community."""
    inside: dict[int, list[str]] = {cid: [] for cid in ids}
    for code, position in zip(geography.center_codes, geography.center_district, strict=True):
        if position >= 0 and assigned[position] in inside:
            inside[int(assigned[position])].append(code)
    hub_outside = []
    for cid in ids:
        hub = state.communities[cid].get("hub_center")
        if hub and hub not in inside[cid]:
            hub_outside.append({"community": cid, "hub_center": hub})
    return {
        "without_hub": [cid for cid in ids if not inside[cid]],
        "several_hubs": [
            {"community": cid, "centers": sorted(inside[cid])}
            for cid in ids
            if len(inside[cid]) > 1
        ],
        "hub_outside": hub_outside,
    }


def _split_districts(geography: Geography, assigned: np.ndarray) -> list[dict[str, Any]]:
    """Each split district with its majority zone, and whether it sits in another community
    than the one holding most of that zone's districts."""
    majority = geography.majority
    if majority is None or not len(majority):
        return []
    codes = [code for code in majority.index if code in geography.index]
    zones = majority.loc[codes, "majority_zone"].to_numpy()
    communities = assigned[geography.indices(codes)]
    zone_community: dict[str, int] = {}
    for zone in sorted({str(z) for z in zones if z is not None}):
        held = communities[(zones == zone) & (communities != UNASSIGNED)]
        if len(held):
            values, counts = np.unique(held, return_counts=True)
            zone_community[zone] = int(values[np.argmax(counts)])
    found = []
    split = majority.loc[codes, "split"].to_numpy(dtype=bool)
    for position in np.flatnonzero(split):
        code, zone = codes[position], zones[position]
        community = int(communities[position])
        expected = zone_community.get(str(zone))
        found.append(
            {
                "district": code,
                "majority_zone": zone,
                "majority_share": round(float(majority.at[code, "majority_share"]), 4),
                "community": None if community == UNASSIGNED else community,
                "zone_community": expected,
                "against_zone": community != UNASSIGNED
                and expected is not None
                and community != expected,
            }
        )
    return found
