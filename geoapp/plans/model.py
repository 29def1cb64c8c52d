"""A plan's state and the deltas between states.

A plan is a flat ``{district code: community id}`` mapping plus its communities and its
name, description and status. Every edit is stored as a delta holding each changed item's
value before and after, so a version can be rebuilt forwards or backwards exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..translatable import Text

Status = Literal["draft", "proposed", "adopted", "archived"]
STATUSES: tuple[Status, ...] = ("draft", "proposed", "adopted", "archived")
STATUS_NAMES: dict[str, Text] = {
    "draft": Text("作成中"),
    "proposed": Text("提案"),
    "adopted": Text("決定"),
    "archived": Text("保管"),
}


def status_names(lang: str) -> dict[str, str]:
    """Each status's name in ``lang``, for the pages and the editor's script."""
    return {status: name.in_language(lang) for status, name in STATUS_NAMES.items()}


# Which status may follow which; adopting archives the plan adopted before.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"proposed", "archived"}),
    "proposed": frozenset({"draft", "adopted", "archived"}),
    "adopted": frozenset({"archived"}),
    "archived": frozenset({"draft"}),
}
INFO_FIELDS = ("name", "description", "status")
COMMUNITY_FIELDS = (
    "name",
    "name_kana",
    "color",
    "description",
    "hub_center",
    "places",
    "locked",
)
# Fields an anonymous visitor may read of the adopted plan's communities (not the lock).
PUBLIC_COMMUNITY_FIELDS = ("id", *(name for name in COMMUNITY_FIELDS if name != "locked"))

Delta = dict[str, dict[str, list[Any]]]


@dataclass(frozen=True)
class PlanState:
    """What one version of a plan holds."""

    info: dict[str, Any] = field(default_factory=dict)
    communities: dict[int, dict[str, Any]] = field(default_factory=dict)
    assignments: dict[str, int] = field(default_factory=dict)

    def community(self, community_id: int) -> dict[str, Any] | None:
        """The community with this id, if the plan has it."""
        return self.communities.get(community_id)

    def members(self, community_id: int) -> list[str]:
        """The codes of the districts assigned to a community, sorted."""
        return sorted(code for code, cid in self.assignments.items() if cid == community_id)

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON: communities as a list ordered by id."""
        return {
            **self.info,
            "communities": [
                {"id": cid, **self.communities[cid]} for cid in sorted(self.communities)
            ],
            "assignments": dict(sorted(self.assignments.items())),
        }


def empty_delta() -> Delta:
    """A delta that changes nothing."""
    return {"plan": {}, "communities": {}, "assignments": {}}


def is_empty(delta: Delta) -> bool:
    """Whether ``delta`` changes nothing."""
    return not any(delta.get(part) for part in ("plan", "communities", "assignments"))


def delta_between(old: PlanState, new: PlanState, info: bool = True) -> Delta:
    """The delta turning ``old`` into ``new`` (without the plan's info unless ``info``)."""
    delta = empty_delta()
    if info:
        for name in INFO_FIELDS:
            if old.info.get(name) != new.info.get(name):
                delta["plan"][name] = [old.info.get(name), new.info.get(name)]
    _diff_into(delta["communities"], old.communities, new.communities)
    _diff_into(delta["assignments"], old.assignments, new.assignments)
    return delta


def _diff_into(
    target: dict[str, list[Any]], old: Mapping[Any, Any], new: Mapping[Any, Any]
) -> None:
    """Record every key whose value differs, as ``[before, after]`` (None where absent)."""
    for key in old.keys() | new.keys():
        before, after = old.get(key), new.get(key)
        if before != after:
            target[str(key)] = [before, after]


def apply_delta(state: PlanState, delta: Delta, reverse: bool = False) -> PlanState:
    """The state after ``delta`` (or before it, with ``reverse``); ``state`` is not changed."""
    pick = 0 if reverse else 1
    info = dict(state.info)
    for name, values in delta.get("plan", {}).items():
        info[name] = values[pick]
    communities = dict(state.communities)
    for key, values in delta.get("communities", {}).items():
        _put(communities, int(key), values[pick])
    assignments = dict(state.assignments)
    for code, values in delta.get("assignments", {}).items():
        _put(assignments, code, values[pick])
    return PlanState(info, communities, assignments)


def _put(target: dict[Any, Any], key: Any, value: Any) -> None:
    """Set ``key`` to ``value``, or remove it when ``value`` is None."""
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def replay(deltas: list[Delta]) -> PlanState:
    """The state reached by applying ``deltas`` in order to an empty plan."""
    state = PlanState()
    for delta in deltas:
        state = apply_delta(state, delta)
    return state
