"""What a new district layer does to the plans: plans assign districts by code, so a
district whose code stays keeps its community, an assigned code that vanishes is listed
per plan, and a district new to the city starts unassigned in every plan.

The plans are read before the layer is written, so a dry run reports the same as the load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..storage import Store
from ..storage import plans as records
from .model import PlanState


def code_order(code: str) -> tuple[int, int, str]:
    """A sort key putting numeric codes in numeric order (2 before 10), then the others."""
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


@dataclass(frozen=True)
class PlansBeforeImport:
    """The districts (code → name) and every plan's record and state before a load."""

    districts: dict[str, str]
    plans: list[tuple[dict[str, Any], PlanState]]

    @classmethod
    def read(cls, store: Store) -> PlansBeforeImport:
        """The stored districts' codes and names and every plan, in one snapshot."""
        with store.session() as session:
            districts = records.district_names(session)
            plans = [(row, records.read_state(session, row)) for row in records.plan_rows(session)]
        return cls(districts, plans)

    def changes(
        self, loaded: Iterable[str], names: Mapping[str, str], upsert: bool
    ) -> dict[str, Any]:
        """The districts that vanish and those new to the city, and for each plan the
        assignments kept, the assigned codes that vanish and the new districts it leaves
        unassigned; nothing for a city's first districts (every code would be new).

        Parameters
        ----------
        loaded
            The codes of the districts being stored.
        names
            Their names, by code.
        upsert
            Whether the load keeps the districts it does not name (an upsert).
        """
        if not self.districts:
            return {}
        after = set(loaded) | (set(self.districts) if upsert else set())
        vanished = sorted(set(self.districts) - after, key=code_order)
        new = sorted(after - set(self.districts), key=code_order)
        return {
            "vanished": [{"code": code, "name": self.districts[code]} for code in vanished],
            "new": [{"code": code, "name": names.get(code)} for code in new],
            "plans": [
                _plan_changes(row, state, set(vanished), new, after) for row, state in self.plans
            ],
        }


def _plan_changes(
    row: dict[str, Any], state: PlanState, vanished: set[str], new: list[str], after: set[str]
) -> dict[str, Any]:
    """One plan's part of the changes."""
    lost = sorted((code for code in state.assignments if code in vanished), key=code_order)
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "kept": sum(1 for code in state.assignments if code in after),
        "vanished": [
            {
                "code": code,
                "community": state.assignments[code],
                "community_name": state.communities.get(state.assignments[code], {}).get("name"),
            }
            for code in lost
        ],
        "new": [code for code in new if code not in state.assignments],
    }
