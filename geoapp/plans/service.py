"""Plan operations for the API and the CLI, free of Flask: create, read, edit, check,
version, restore, compare and publish plans.

Every change runs in one write transaction that first locks the plan's row and compares
the version the client edited against with the stored one: a stale edit is refused with
the newer version named, never applied on top. The caches it reads through live in
``caches.py``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..accounts.users import User
from ..errors import BadInput, Conflict, Forbidden, NotFound, PlanReadOnly
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from ..storage import Store
from ..storage import plans as records
from ..storage.base import Session
from ..translatable import Text
from .caches import GeographyCache, PlanCache
from .changelog import changes_text, describe_versions
from .checks import assignment_array, plan_checks, updated_assignment
from .edits import MAX_NAME, MAX_TEXT, operation_named, palette_color, text_field
from .geography import Geography, build_geography
from .history import diff_states
from .model import (
    PUBLIC_COMMUNITY_FIELDS,
    STATUS_NAMES,
    STATUSES,
    TRANSITIONS,
    Delta,
    PlanState,
    apply_delta,
    delta_between,
    is_empty,
    replay,
)

logger = logging.getLogger(__name__)

EDITABLE_STATUSES = ("draft", "proposed")
GeographyLoader = Callable[[Store], Geography]
# Called after a plan is adopted, with who adopted it and the plan's id; what it returns
# is added to the adoption's answer under the listener's name.
AdoptionListener = Callable[[User, int], dict[str, Any]]


def load_geography(store: Store) -> Geography:
    """The plan geography of the stored layers (district adjacency, majority zones)."""
    from ..overlay.adjacency import district_adjacency
    from ..overlay.zones import majority_zones

    districts = store.read_layer(DISTRICTS)
    zones = store.read_layer(SCHOOL_ZONES)
    majority = majority_zones(districts, zones) if len(districts) and len(zones) else None
    return build_geography(
        districts,
        store.read_layer(CENTERS),
        district_adjacency(districts),
        majority,
        dict(zip(zones["code"].astype(str), zones["name"], strict=True)),
    )


class Planning:
    """The plans of one store, with the caches that keep an edit fast."""

    def __init__(self, store: Store, geography_loader: GeographyLoader = load_geography) -> None:
        self.store = store
        self._load_geography = geography_loader
        self._geography = GeographyCache()
        self._plans = PlanCache()
        self._adoption_listeners: dict[str, AdoptionListener] = {}

    def when_adopted(self, name: str, listener: AdoptionListener) -> None:
        """Call ``listener`` after every adoption (the organizations follow the adopted
        plan's communities); its answer is added to the adoption's under ``name``."""
        self._adoption_listeners[name] = listener

    # --- the city -------------------------------------------------------------------------
    def geography(self) -> Geography:
        """The district geography, rebuilt when the data generation stored in the database
        has changed (a load through any process)."""
        stamp = self.store.data_stamp()
        geo = self._geography.get(
            stamp, lambda: dataclasses.replace(self._load_geography(self.store), stamp=stamp)
        )
        with self.store.session() as session:
            targets = records.read_targets(session)
        return dataclasses.replace(geo, target_population=targets)

    def set_targets(self, user: User, low: int | None, high: int | None) -> None:
        """Set the population range communities should fall in (admins only)."""
        require_admin(user, Text("目標人口の設定"))
        if (low is not None and low < 0) or (high is not None and low is not None and low > high):
            raise BadInput(
                Text("目標人口の範囲（{low}〜{high}）が正しくありません。", low=low, high=high)
            )
        with self.store.session(write=True) as session:
            records.write_targets(session, low, high)

    # --- reading --------------------------------------------------------------------------
    def list_plans(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every plan's record, most recently changed first."""
        if status is not None:
            check_status(status)
        with self.store.session() as session:
            return [plan_summary(row) for row in records.plan_rows(session, status)]

    def plan(self, plan_id: int) -> dict[str, Any]:
        """A plan: its record, current state and checks."""
        row, state = self._current(plan_id)
        geo = self.geography()
        return {
            **plan_summary(row),
            **state.to_dict(),
            "checks": plan_checks(geo, state),
        }

    def checks(self, plan_id: int) -> dict[str, Any]:
        """The checks of a plan's current state."""
        row, state = self._current(plan_id)
        return {"plan": plan_id, "version": row["version"], **plan_checks(self.geography(), state)}

    def state(self, plan_id: int) -> tuple[dict[str, Any], PlanState]:
        """A plan's record and current state."""
        return self._current(plan_id)

    def adopted_plan_id(self) -> int:
        """The id of the adopted plan; NotFound when none is adopted."""
        with self.store.session() as session:
            rows = records.plan_rows(session, "adopted")
        if not rows:
            raise NotFound(Text("決定済みの区域案はまだありません。"))
        return rows[0]["id"]

    def public_plan(self) -> dict[str, Any]:
        """The adopted plan's public fields: name, communities and their districts (those
        the district layer has: a code a new layer dropped is the planners' matter)."""
        row, state = self._current(self.adopted_plan_id())
        known = self.geography().index
        return {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "status": row["status"],
            "version": row["version"],
            "updated_at": row["updated_at"].isoformat(),
            "communities": [
                {name: ({"id": cid, **c}).get(name) for name in PUBLIC_COMMUNITY_FIELDS}
                for cid, c in sorted(state.communities.items())
            ],
            "assignments": {
                code: cid for code, cid in sorted(state.assignments.items()) if code in known
            },
        }

    # --- creating -------------------------------------------------------------------------
    def create_plan(
        self,
        user: User,
        name: str,
        description: str = "",
        source: str = "empty",
        copy_of: int | None = None,
        mapping: dict[str, str] | None = None,
        communities: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A new draft plan, empty or built from school zones, another plan or an import.

        Parameters
        ----------
        source
            ``empty``, ``school_zones`` (each district to its majority zone), ``copy``
            (of plan ``copy_of``) or ``import`` (``mapping`` of district code → community name,
            and ``communities``: fields by community name, checked, as a plan file gives them).
        """
        name = text_field({"name": name}, "name", MAX_NAME, required=True)
        description = text_field({"description": description}, "description", MAX_TEXT)
        geo = self.geography()
        if source == "empty":
            state = PlanState()
        elif source == "school_zones":
            state = state_from_school_zones(geo)
        elif source == "copy":
            if copy_of is None:
                raise BadInput(Text("複製元の案（copy_of）を指定してください。"))
            state = self._current(copy_of)[1]
            state = PlanState(
                {},
                {cid: {**c, "locked": False} for cid, c in state.communities.items()},
                dict(state.assignments),
            )
        elif source == "import":
            state = state_from_mapping(geo, mapping or {}, communities)
        else:
            raise BadInput(
                Text(
                    "作成方法（source）「{source}」は使えません。empty, school_zones, copy, import "
                    "のいずれかを指定してください。",
                    source=str(source),
                )
            )
        state = PlanState(
            {"name": name, "description": description, "status": "draft"},
            state.communities,
            state.assignments,
        )
        delta = delta_between(PlanState(), state)
        now = datetime.now(UTC)
        with self.store.session(write=True) as session:
            row = records.insert_plan(session, name, user.name, now)
            plan_id = row["id"]
            next_id = max(state.communities, default=0) + 1
            request = {"source": source, "copy_of": copy_of}
            version = records.write_edit(
                session, row, delta, user.name, now, "create", request, next_id
            )
        self._plans.remember_state(plan_id, version, state)
        logger.info("%s created plan %s (%s) from %s", user.name, plan_id, name, source)
        return self.plan(plan_id)

    # --- changing -------------------------------------------------------------------------
    def edit(
        self, user: User, plan_id: int, base_version: object, operation: object, params: dict
    ) -> dict[str, Any]:
        """Apply one edit operation made against ``base_version``; the new version, the
        changes and the checks."""
        make = operation_named(operation)
        geo = self.geography()

        def change(state: PlanState, row: dict[str, Any]) -> tuple[Delta, int]:
            require_editable(row)
            return make(state, params, geo, row["next_community_id"])

        return self._commit(user, plan_id, base_version, str(operation), params, change, geo)

    def set_status(
        self, user: User, plan_id: int, base_version: object, status: object
    ) -> dict[str, Any]:
        """Move a plan along draft → proposed → adopted → archived; adopting archives the
        plan adopted before. Adopting, and archiving the adopted plan, need an admin."""
        status = check_status(status)
        if status == "adopted":
            require_admin(user, Text("区域案の決定"))
        geo = self.geography()

        def change(state: PlanState, row: dict[str, Any]) -> tuple[Delta, int]:
            current = row["status"]
            if current == "adopted":
                require_admin(user, Text("決定済みの案の変更"))
            if status not in TRANSITIONS[current]:
                raise BadInput(
                    Text(
                        "「{current}」の案を「{wanted}」にはできません。",
                        current=STATUS_NAMES[current],
                        wanted=STATUS_NAMES[status],
                    )
                )
            delta: Delta = {
                "plan": {"status": [current, status]},
                "communities": {},
                "assignments": {},
            }
            return delta, row["next_community_id"]

        def before_commit(session: Session, row: dict[str, Any]) -> None:
            if status == "adopted":
                self._archive_adopted(session, user, row["id"])

        answer = self._commit(
            user,
            plan_id,
            base_version,
            "set_status",
            {"status": status},
            change,
            geo,
            before_commit,
        )
        if status == "adopted":
            for name, listener in self._adoption_listeners.items():
                answer[name] = listener(user, plan_id)
        return answer

    def restore(
        self, user: User, plan_id: int, base_version: object, to_version: object
    ) -> dict[str, Any]:
        """Make the plan's districts and communities what they were at ``to_version``, as a
        new version (nothing is lost: the versions between stay in the history)."""
        target = version_number(to_version, "to_version")
        geo = self.geography()

        def change(state: PlanState, row: dict[str, Any]) -> tuple[Delta, int]:
            require_editable(row)
            old = self._state_at(plan_id, target, row["version"])
            old = PlanState(state.info, old.communities, old.assignments)
            delta = delta_between(state, old, info=False)
            return delta, max(row["next_community_id"], max(old.communities, default=0) + 1)

        return self._commit(
            user, plan_id, base_version, "restore", {"to_version": target}, change, geo
        )

    def _commit(
        self,
        user: User,
        plan_id: int,
        base_version: object,
        operation: str,
        params: dict[str, Any],
        change: Callable[[PlanState, dict[str, Any]], tuple[Delta, int]],
        geo: Geography,
        before_commit: Callable[[Session, dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Lock the plan, refuse a stale base version, apply and store the change with its
        audit record, then check the new state."""
        base = version_number(base_version, "version")
        now = datetime.now(UTC)
        with self.store.session(write=True) as session:
            row = records.plan_row(session, plan_id, lock=True)
            if row is None:
                raise plan_not_found(plan_id)
            if row["version"] != base:
                raise Conflict(
                    Text(
                        "この案は他の人の編集で版 {current} になっています（編集の基にした版は"
                        " {base}）。最新の版を読み込んでから、もう一度編集してください。",
                        current=row["version"],
                        base=base,
                    ),
                    current_version=row["version"],
                    your_version=base,
                )
            state = self._cached_state(session, row)
            assigned = self._plans.assignment(plan_id, row["version"], geo.stamp)
            if assigned is None:
                assigned = assignment_array(geo, state)
            delta, next_id = change(state, row)
            if is_empty(delta):
                raise BadInput(Text("この編集では何も変わりません。"), operation=operation)
            if before_commit is not None:
                before_commit(session, row)
            new_state = apply_delta(state, delta)
            version = records.write_edit(
                session, row, delta, user.name, now, operation, params, next_id
            )
        self._plans.remember_state(plan_id, version, new_state)
        assigned = updated_assignment(geo, assigned, delta["assignments"])
        self._plans.remember_assignment(plan_id, version, geo.stamp, assigned)
        return {
            "plan": plan_id,
            "version": version,
            "operation": operation,
            "changes": delta,
            "checks": plan_checks(geo, new_state, assigned),
        }

    def _archive_adopted(self, session: Session, user: User, adopting: int) -> None:
        """Archive the currently adopted plan (other than ``adopting``), recording it."""
        for other in records.plan_rows(session, "adopted"):
            if other["id"] == adopting:
                continue
            locked = records.plan_row(session, other["id"], lock=True)
            if locked is None or locked["status"] != "adopted":
                continue
            delta: Delta = {
                "plan": {"status": ["adopted", "archived"]},
                "communities": {},
                "assignments": {},
            }
            records.write_edit(
                session,
                locked,
                delta,
                user.name,
                datetime.now(UTC),
                "set_status",
                {"status": "archived", "because_adopted": adopting},
                locked["next_community_id"],
            )
            self._plans.forget(other["id"])

    # --- history --------------------------------------------------------------------------
    def versions(self, plan_id: int) -> list[dict[str, Any]]:
        """The plan's versions, newest first: who made each, when, and what it changed, as
        records and as a line in Japanese and English."""
        with self.store.session() as session:
            if records.plan_row(session, plan_id) is None:
                raise plan_not_found(plan_id)
            rows = records.edit_rows(session, plan_id)
        described = describe_versions(row["changes"] for row in rows)
        return [
            {
                **edit_summary(row),
                "changes": changes,
                "description": {lang: changes_text(changes, lang) for lang in ("ja", "en")},
            }
            for row, changes in reversed(list(zip(rows, described, strict=True)))
        ]

    def audit_log(self, plan_id: int) -> list[dict[str, Any]]:
        """Every edit with its full before/after changes, oldest first."""
        with self.store.session() as session:
            if records.plan_row(session, plan_id) is None:
                raise plan_not_found(plan_id)
            rows = records.edit_rows(session, plan_id)
        return [{**row, "made_at": row["made_at"].isoformat()} for row in rows]

    def version(self, plan_id: int, version: object) -> dict[str, Any]:
        """The plan as it was at ``version``, with that version's checks."""
        number = version_number(version, "version")
        row, _ = self._current(plan_id)
        state = self._state_at(plan_id, number, row["version"])
        return {
            "id": plan_id,
            "version": number,
            **state.to_dict(),
            "checks": plan_checks(self.geography(), state),
        }

    def diff(self, plan_id: int, from_version: object, to_version: object) -> dict[str, Any]:
        """Districts that moved between two versions and the population effect."""
        a = version_number(from_version, "from")
        b = version_number(to_version, "to")
        row, _ = self._current(plan_id)
        old = self._state_at(plan_id, a, row["version"])
        new = self._state_at(plan_id, b, row["version"])
        return {"plan": plan_id, "from": a, "to": b, **diff_states(self.geography(), old, new)}

    def compare(
        self,
        plan_a: int,
        plan_b: int,
        version_a: object | None = None,
        version_b: object | None = None,
    ) -> dict[str, Any]:
        """Two plans (their current versions, or the versions given) compared by community
        name: districts in another community, and the population effect."""
        sides = []
        for plan_id, version in ((plan_a, version_a), (plan_b, version_b)):
            row, state = self._current(plan_id)
            if version not in (None, ""):
                number = version_number(version, "version")
                state = self._state_at(plan_id, number, row["version"])
                row = {**row, "version": number}
            sides.append((row, state))
        (row_a, state_a), (row_b, state_b) = sides
        return {
            "plans": [plan_summary(row_a), plan_summary(row_b)],
            **diff_states(self.geography(), state_a, state_b, key="name"),
        }

    def _state_at(self, plan_id: int, version: int, latest: int) -> PlanState:
        """The plan's state at ``version``, rebuilt from its edits."""
        if not 1 <= version <= latest:
            raise NotFound(
                Text(
                    "案 {plan} に版 {version} はありません（版は 1〜{latest}）。",
                    plan=plan_id,
                    version=version,
                    latest=latest,
                )
            )
        with self.store.session() as session:
            rows = records.edit_rows(session, plan_id, up_to=version)
        return replay([row["changes"] for row in rows])

    # --- state cache ----------------------------------------------------------------------
    def _current(self, plan_id: int) -> tuple[dict[str, Any], PlanState]:
        """A plan's record and current state (from the cache when it is up to date)."""
        with self.store.session() as session:
            row = records.plan_row(session, plan_id)
            if row is None:
                raise plan_not_found(plan_id)
            return row, self._cached_state(session, row)

    def _cached_state(self, session: Session, row: dict[str, Any]) -> PlanState:
        """The state of ``row``'s version: cached, or read and cached."""
        state = self._plans.state(row["id"], row["version"])
        if state is None:
            state = records.read_state(session, row)
            self._plans.remember_state(row["id"], row["version"], state)
        return state


# --- plan construction -------------------------------------------------------------------
def state_from_school_zones(geo: Geography) -> PlanState:
    """One community per school zone holding the districts whose majority zone it is; the
    hub is the zone's centre when exactly one lies in those districts."""
    if geo.majority is None:
        raise BadInput(Text("小学校区のレイヤがないため、小学校区から案を作れません。"))
    communities: dict[int, dict[str, Any]] = {}
    assignments: dict[str, int] = {}
    zones = sorted({str(z) for z in geo.majority["majority_zone"].dropna()})
    for number, zone in enumerate(zones, start=1):
        members = geo.districts_of_zone(zone)
        positions = set(geo.indices(members).tolist())
        centers = [
            code
            for code, position in zip(geo.center_codes, geo.center_district, strict=True)
            if position in positions
        ]
        communities[number] = {
            "name": geo.zone_names.get(zone, zone),
            "name_kana": "",
            "color": palette_color(number),
            "description": "",
            "hub_center": centers[0] if len(centers) == 1 else None,
            "places": [],
            "locked": False,
        }
        assignments.update(dict.fromkeys(members, number))
    return PlanState({}, communities, assignments)


def state_from_mapping(
    geo: Geography,
    mapping: dict[str, str],
    fields: dict[str, dict[str, Any]] | None = None,
) -> PlanState:
    """Communities named in a district code → community name mapping, with the fields a
    plan file gave them (already checked), under the file's ids when they are distinct."""
    given = fields or {}
    names = sorted(set(mapping.values()) | set(given))
    wanted = [given.get(name, {}).get("id") for name in names]
    if all(wanted) and len(set(wanted)) == len(wanted):
        ids = dict(zip(names, wanted, strict=True))
    else:
        ids = {name: number for number, name in enumerate(names, start=1)}
    communities = {
        number: {
            "name": name,
            "name_kana": "",
            "color": palette_color(number),
            "description": "",
            "hub_center": None,
            "places": [],
            "locked": False,
            **{key: value for key, value in given.get(name, {}).items() if key != "id"},
        }
        for name, number in ids.items()
    }
    return PlanState({}, communities, {code: ids[name] for code, name in mapping.items()})


# --- small helpers -----------------------------------------------------------------------
def plan_summary(row: dict[str, Any]) -> dict[str, Any]:
    """A plan record as JSON."""
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "status": row["status"],
        "author": row["author"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "version": row["version"],
    }


def edit_summary(row: dict[str, Any]) -> dict[str, Any]:
    """One version in a plan's history: who, when, what, and how much it moved."""
    changes = row["changes"]
    return {
        "version": row["version"],
        "author": row["author"],
        "made_at": row["made_at"].isoformat(),
        "operation": row["operation"],
        "request": row["request"],
        "districts_changed": len(changes.get("assignments", {})),
        "communities_changed": sorted(int(k) for k in changes.get("communities", {})),
        "plan_fields_changed": sorted(changes.get("plan", {})),
    }


def version_number(value: object, name: str) -> int:
    """A version number from a request."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise BadInput(Text("版番号（{name}）を数字で指定してください。", name=name))
    return int(value)


def check_status(status: object) -> str:
    """A known plan status."""
    if status not in STATUSES:
        raise BadInput(
            Text(
                "状態「{status}」は使えません。{known} のいずれかを指定してください。",
                status=str(status),
                known=", ".join(STATUSES),
            )
        )
    return str(status)


def require_admin(user: User, what: Text) -> None:
    """Refuse a planner what only an admin may do; ``what`` names it (「区域案の決定」,
    "adopting a plan")."""
    if not user.is_admin:
        raise Forbidden(Text("{what}は管理者だけが行えます。", what=what))


def require_editable(row: dict[str, Any]) -> None:
    """Refuse to change an adopted or archived plan."""
    if row["status"] not in EDITABLE_STATUSES:
        raise PlanReadOnly(
            Text(
                "「{status}」の案は編集できません。複製して新しい案として編集してください。",
                status=STATUS_NAMES[row["status"]],
            )
        )


def plan_not_found(plan_id: int) -> NotFound:
    """The error for a plan id that does not exist."""
    return NotFound(Text("区域案 {plan} はありません。", plan=plan_id))
