"""Differences between two plan states: districts that moved and the population effect.

Versions of one plan are compared by community id; two different plans by community name
(their ids are unrelated).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

from .geography import Geography
from .model import PlanState

Key = Literal["id", "name"]


def diff_states(geo: Geography, old: PlanState, new: PlanState, key: Key = "id") -> dict[str, Any]:
    """What changed from ``old`` to ``new``: moved districts, per-community population
    before and after, and communities added, removed or edited."""
    old_of, new_of = _community_of(old, key), _community_of(new, key)
    moved = []
    for code in sorted(old.assignments.keys() | new.assignments.keys()):
        before, after = old_of.get(code), new_of.get(code)
        if before != after:
            position = geo.index.get(code)
            moved.append(
                {
                    "district": code,
                    "district_name": geo.districts.at[position, "name"]
                    if position is not None
                    else None,
                    "population": _population(geo, position),
                    "from": _label(old, old.assignments.get(code)),
                    "to": _label(new, new.assignments.get(code)),
                }
            )
    old_totals, new_totals = _totals(geo, old, key), _totals(geo, new, key)
    effect = []
    for name in sorted(old_totals.keys() | new_totals.keys(), key=str):
        before = old_totals.get(name, (0, 0))
        after = new_totals.get(name, (0, 0))
        if before != after:
            effect.append(
                {
                    "community": name,
                    "population_before": before[0],
                    "population_after": after[0],
                    "population_change": None
                    if before[0] is None or after[0] is None
                    else after[0] - before[0],
                    "districts_before": before[1],
                    "districts_after": after[1],
                }
            )
    old_keys, new_keys = _keys(old, key), _keys(new, key)
    return {
        "compared_by": key,
        "moved": moved,
        "moved_population": _sum_known(item["population"] for item in moved),
        "population_effect": effect,
        "communities_added": sorted(new_keys - old_keys, key=str),
        "communities_removed": sorted(old_keys - new_keys, key=str),
        "communities_edited": sorted(
            (k for k in old_keys & new_keys if _fields(old, k, key) != _fields(new, k, key)),
            key=str,
        ),
    }


def _community_of(state: PlanState, key: Key) -> dict[str, Any]:
    """Each district's community, as id or name."""
    if key == "id":
        return dict(state.assignments)
    return {code: state.communities[cid]["name"] for code, cid in state.assignments.items()}


def _label(state: PlanState, cid: int | None) -> dict[str, Any] | None:
    """A community as ``{"id", "name"}``."""
    if cid is None:
        return None
    return {"id": cid, "name": state.communities.get(cid, {}).get("name")}


def _totals(geo: Geography, state: PlanState, key: Key) -> dict[Any, tuple[int | None, int]]:
    """Population (None when a member's is unknown) and district count per community."""
    members: dict[Any, list[int | None]] = {
        (cid if key == "id" else c["name"]): [] for cid, c in state.communities.items()
    }
    for code, cid in state.assignments.items():
        name = cid if key == "id" else state.communities[cid]["name"]
        members.setdefault(name, []).append(_population(geo, geo.index.get(code)))
    return {name: (_sum_known(values), len(values)) for name, values in members.items()}


def _population(geo: Geography, position: int | None) -> int | None:
    """A district's population; 0 for a code the city no longer has, None when unknown."""
    if position is None:
        return 0
    value = geo.population[position]
    return None if math.isnan(value) else int(value)


def _sum_known(values: Iterable[int | None]) -> int | None:
    """The sum of counts, unknown (None) when any of them is."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _keys(state: PlanState, key: Key) -> set[Any]:
    """The communities' ids or names."""
    return (
        set(state.communities) if key == "id" else {c["name"] for c in state.communities.values()}
    )


def _fields(state: PlanState, value: Any, key: Key) -> dict[str, Any] | None:
    """A community's fields, found by id or name."""
    if key == "id":
        return state.communities.get(value)
    return next((c for c in state.communities.values() if c["name"] == value), None)
