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


def updated_assignment(
    geography: Geography, assigned: np.ndarray, changes: dict[str, list[Any]]
) -> np.ndarray:
    """A copy of ``assigned`` with a delta's assignment changes applied."""
    updated = assigned.copy()
    for code, (_, after) in changes.items():
        position = geography.index.get(code)
        if position is not None:
            updated[position] = UNASSIGNED if after is None else after
    return updated


def assignment_array(geography: Geography, state: PlanState) -> np.ndarray:
    """Each district's community id (-1 when unassigned), in the geography's order."""
    assigned = np.full(geography.size, UNASSIGNED, dtype=np.int64)
    index = geography.index
    for code, community_id in state.assignments.items():
        position = index.get(code)
        if position is not None:
            assigned[position] = community_id
    return assigned


def plan_checks(
    geography: Geography, state: PlanState, assigned: np.ndarray | None = None
) -> dict[str, Any]:
    """Every check of the plan: unassigned districts, contiguity, enclaves, strays, hubs,
    population figures and target range, split districts and compactness.

    Districts whose population is unknown make one problem (``missing_population`` lists
    them all), not one per community: a community they belong to has an unknown population
    and is left out of the target range check (``population_range.unknown``).

    ``assigned`` is the state's ``assignment_array``, when the caller keeps it up to date.
    """
    if assigned is None:
        assigned = assignment_array(geography, state)
    ids = sorted(state.communities)
    pieces = _pieces(geography, assigned)
    strays = _strays(geography, assigned, pieces)
    figures = _figures(geography, assigned, ids, pieces)
    hubs = _hub_problems(geography, assigned, state, ids)
    low, high = geography.target_population
    unknown = [cid for cid in ids if figures[cid]["population"] is None]
    outside = [
        cid
        for cid in ids
        if cid not in unknown
        and (
            (low is not None and figures[cid]["population"] < low)
            or (high is not None and figures[cid]["population"] > high)
        )
    ]
    missing = [geography.codes[i] for i in np.flatnonzero(np.isnan(geography.population))]
    unassigned = [geography.codes[i] for i in np.flatnonzero(assigned == UNASSIGNED)]
    # Assigned codes the district layer no longer has (a new layer dropped them).
    vanished = sorted(set(state.assignments) - set(geography.index))
    checks: dict[str, Any] = {
        "unassigned": unassigned,
        "unknown_districts": vanished,
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
        "population_range": {"min": low, "max": high, "outside": outside, "unknown": unknown},
        "missing_population": missing,
        "split_districts": _split_districts(geography, assigned),
        "communities": [
            {
                "id": cid,
                **figures[cid],
                "in_target_range": None
                if (low is None and high is None) or cid in unknown
                else cid not in outside,
            }
            for cid in ids
        ],
    }
    checks["problem_count"] = (
        len(unassigned)
        + len(vanished)
        + len(checks["non_contiguous"])
        + len(checks["enclaves"])
        + len(hubs["without_hub"])
        + len(hubs["several_hubs"])
        + len(hubs["hub_outside"])
        + len(outside)
        + (1 if missing else 0)
        + sum(1 for split in checks["split_districts"] if split["against_zone"])
    )
    return checks


def _pieces(geography: Geography, assigned: np.ndarray) -> dict[int, list[list[int]]]:
    """Each community's connected pieces, the largest by area first. Pieces are listed
    district by district only for communities in several pieces (the others get one empty
    placeholder piece: only their count is used)."""
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
    keys = assigned[members] * size + labels[members]
    piece_keys, piece_of_member = np.unique(keys, return_inverse=True)
    piece_community = piece_keys // size
    communities, piece_counts = np.unique(piece_community, return_counts=True)
    pieces: dict[int, list[list[int]]] = {int(cid): [[]] for cid in communities}
    broken = set(communities[piece_counts > 1].tolist())
    if broken:
        area = geography.area
        chosen = np.isin(piece_community[piece_of_member], list(broken))
        grouped: dict[int, list[int]] = {}
        for position, piece in zip(members[chosen], piece_of_member[chosen], strict=True):
            grouped.setdefault(int(piece), []).append(int(position))
        for cid in broken:
            pieces[cid] = sorted(
                (grouped[int(p)] for p in np.flatnonzero(piece_community == cid)),
                key=lambda piece: (-float(area[piece].sum()), piece[0]),
            )
    return pieces


def _strays(
    geography: Geography, assigned: np.ndarray, pieces: Mapping[int, list[list[int]]]
) -> list[dict[str, Any]]:
    """Every piece of a community apart from its largest, with the community around it
    (the other community sharing the longest boundary with the piece)."""
    strays = [(cid, piece) for cid, found in sorted(pieces.items()) for piece in found[1:]]
    if not strays:
        return []
    label = np.full(geography.size, -1, dtype=np.int64)
    for number, (_, piece) in enumerate(strays):
        label[piece] = number
    around = _longest_neighbours(geography, assigned, label, len(strays))
    return [
        {
            "community": cid,
            "districts": sorted(geography.codes[i] for i in piece),
            "surrounded_by": around[number],
        }
        for number, (cid, piece) in enumerate(strays)
    ]


def _longest_neighbours(
    geography: Geography, assigned: np.ndarray, label: np.ndarray, count: int
) -> list[int | None]:
    """For each labelled piece, the other community sharing the longest boundary with it
    (the lowest id on a tie; None when it touches no other community)."""
    a, b, length = geography.edge_a, geography.edge_b, geography.edge_length
    piece = np.concatenate([label[a], label[b]])
    other = np.concatenate([assigned[b], assigned[a]])
    own = np.concatenate([assigned[a], assigned[b]])
    shared = np.concatenate([length, length])
    useful = (piece >= 0) & (other != UNASSIGNED) & (other != own)
    width = int(assigned.max(initial=0)) + 1
    totals = np.bincount(
        piece[useful] * width + other[useful], shared[useful], minlength=count * width
    ).reshape(count, width)
    best = totals.argmax(axis=1)
    return [int(best[n]) if totals[n, best[n]] > 0 else None for n in range(count)]


def _enclaves(geography: Geography, assigned: np.ndarray, ids: list[int]) -> list[dict[str, Any]]:
    """Communities entirely surrounded by one other community (not touching the city edge)."""
    a, b = assigned[geography.edge_a], assigned[geography.edge_b]
    crossing = a != b
    width = int(assigned.max(initial=0)) + 2  # ids shifted by one: 0 = unassigned
    first = np.concatenate([a[crossing], b[crossing]]) + 1
    second = np.concatenate([b[crossing], a[crossing]]) + 1
    pairs = np.unique(first * width + second)
    owners, counts = np.unique(pairs // width, return_counts=True)
    alone = np.isin(pairs // width, owners[counts == 1])
    only_neighbour = dict(
        zip((pairs[alone] // width - 1).tolist(), (pairs[alone] % width - 1).tolist(), strict=True)
    )
    edge = np.bincount(
        assigned[assigned != UNASSIGNED],
        geography.outer_length[assigned != UNASSIGNED],
        minlength=max(ids, default=0) + 1,
    )
    found = []
    for cid in ids:
        around = only_neighbour.get(cid)
        if around is not None and around != UNASSIGNED and edge[cid] <= EDGE_TOLERANCE_M:
            found.append({"community": cid, "surrounded_by": around})
    return found


def _figures(
    geography: Geography,
    assigned: np.ndarray,
    ids: list[int],
    pieces: Mapping[int, list[list[int]]],
) -> dict[int, dict[str, Any]]:
    """Population, households, 65+ share, area and Polsby-Popper compactness per community.

    A sum is unknown (None) when any member district's figure is unknown, as a planner
    would not trust a partial total as the community's; ``districts_without_population``
    says how many members lack one. The perimeter of a union of coverage polygons is the
    sum of their perimeters less twice the boundary they share, so no geometry is unioned.
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
    without_population = np.bincount(
        keys, np.isnan(geography.population[member]).astype(float), minlength=length
    )
    figures = {}
    for cid in ids:
        people, elderly = _known(population[cid]), _known(population_65[cid])
        figures[cid] = {
            "districts": int(counts[cid]),
            "population": people,
            "households": _known(households[cid]),
            "population_65": elderly,
            "districts_without_population": int(without_population[cid]),
            "share_65": round(elderly / people, 4) if people and elderly is not None else None,
            "area_km2": round(area[cid] / 1e6, 4),
            "polsby_popper": (
                round(4 * math.pi * area[cid] / perimeter[cid] ** 2, 4)
                if perimeter[cid] > 0
                else None
            ),
            "pieces": len(pieces.get(cid, [])),
        }
    return figures


def _known(total: float) -> int | None:
    """A summed count as an int, None when it is unknown (NaN)."""
    return None if math.isnan(total) else int(total)


def _hub_problems(
    geography: Geography, assigned: np.ndarray, state: PlanState, ids: list[int]
) -> dict[str, list[Any]]:
    """Communities whose hub is in question, each named once: a chosen hub outside the
    community; with no hub chosen, no centre inside or several to choose from."""
    inside: dict[int, list[str]] = {cid: [] for cid in ids}
    for code, position in zip(geography.center_codes, geography.center_district, strict=True):
        if position >= 0 and assigned[position] in inside:
            inside[int(assigned[position])].append(code)
    problems: dict[str, list[Any]] = {"without_hub": [], "several_hubs": [], "hub_outside": []}
    for cid in ids:
        hub = state.communities[cid].get("hub_center")
        if hub:
            if hub not in inside[cid]:
                problems["hub_outside"].append({"community": cid, "hub_center": hub})
        elif not inside[cid]:
            problems["without_hub"].append(cid)
        elif len(inside[cid]) > 1:
            problems["several_hubs"].append({"community": cid, "centers": sorted(inside[cid])})
    return problems


def _split_districts(geography: Geography, assigned: np.ndarray) -> list[dict[str, Any]]:
    """Each split district with its majority zone, and whether it sits in another community
    than the one holding most of that zone's districts."""
    split = np.flatnonzero(geography.split)
    if not len(split):
        return []
    zones = geography.zone_index
    width = int(assigned.max(initial=0)) + 2  # community ids shifted by one: 0 = unassigned
    held = (zones >= 0) & (assigned != UNASSIGNED)
    counts = np.bincount(
        zones[held] * width + assigned[held] + 1, minlength=len(geography.zone_codes) * width
    ).reshape(len(geography.zone_codes), width)
    zone_community = counts.argmax(axis=1) - 1
    zone_held = counts.max(axis=1) > 0
    found = []
    for position in split:
        zone = int(zones[position])
        community = int(assigned[position])
        expected = int(zone_community[zone]) if zone >= 0 and zone_held[zone] else None
        found.append(
            {
                "district": geography.codes[position],
                "majority_zone": geography.zone_codes[zone] if zone >= 0 else None,
                "majority_share": round(float(geography.majority_share[position]), 4),
                "community": None if community == UNASSIGNED else community,
                "zone_community": expected,
                "against_zone": community != UNASSIGNED
                and expected is not None
                and community != expected,
            }
        )
    return found
