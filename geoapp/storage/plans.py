"""Plan records, written once for both backends through a ``Session``.

``plans`` holds each plan's current version; ``plan_communities`` and ``plan_assignments``
its current state; ``plan_edits`` every version's delta with who made it and when (the
audit log, from which any version is rebuilt).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..plans.model import COMMUNITY_FIELDS, Delta, PlanState
from .base import Session
from .rows import as_datetime, as_json

_PLAN_COLUMNS = (
    "id, name, description, status, author, created_at, updated_at, version, next_community_id"
)


def insert_plan(session: Session, name: str, author: str, now: datetime) -> dict[str, Any]:
    """A new, empty draft at version 0; its record."""
    rows = session.rows(
        "INSERT INTO plans (name, description, status, author, created_at, updated_at, version, "
        f"next_community_id) VALUES (%s, '', 'draft', %s, %s, %s, 0, 1) RETURNING {_PLAN_COLUMNS}",
        (name, author, now, now),
    )
    return _plan(rows[0])


def plan_row(session: Session, plan_id: int, lock: bool = False) -> dict[str, Any] | None:
    """One plan's record; ``lock`` holds it until the session ends (writers queue here)."""
    rows = session.rows(
        f"SELECT {_PLAN_COLUMNS} FROM plans WHERE id = %s" + (" FOR UPDATE" if lock else ""),
        (plan_id,),
    )
    return _plan(rows[0]) if rows else None


def plan_rows(session: Session, status: str | None = None) -> list[dict[str, Any]]:
    """Every plan's record (or those with ``status``), newest change first."""
    where, params = ("WHERE status = %s", (status,)) if status else ("", ())
    rows = session.rows(
        f"SELECT {_PLAN_COLUMNS} FROM plans {where} ORDER BY updated_at DESC, id DESC", params
    )
    return [_plan(row) for row in rows]


def read_state(session: Session, plan: dict[str, Any]) -> PlanState:
    """A plan's current state from its records."""
    communities = {
        int(row["id"]): {
            **{name: row[name] for name in COMMUNITY_FIELDS},
            "places": as_json(row["places"]) or [],
            "locked": bool(row["locked"]),
        }
        for row in session.rows(
            f"SELECT id, {', '.join(COMMUNITY_FIELDS)} FROM plan_communities WHERE plan_id = %s",
            (plan["id"],),
        )
    }
    assignments = {
        row["district_code"]: int(row["community_id"])
        for row in session.rows(
            "SELECT district_code, community_id FROM plan_assignments WHERE plan_id = %s",
            (plan["id"],),
        )
    }
    info = {name: plan[name] for name in ("name", "description", "status")}
    return PlanState(info, communities, assignments)


def write_edit(
    session: Session,
    plan: dict[str, Any],
    delta: Delta,
    author: str,
    now: datetime,
    operation: str,
    request: dict[str, Any],
    next_community_id: int,
) -> int:
    """Store one edit: the delta applied to the current state, the audit record and the
    plan's next version number (returned)."""
    plan_id, version = plan["id"], plan["version"] + 1
    _apply_communities(session, plan_id, delta["communities"].items())
    _apply_assignments(session, plan_id, delta["assignments"].items())
    info = {name: values[1] for name, values in delta["plan"].items()}
    session.run(
        "UPDATE plans SET name = %s, description = %s, status = %s, updated_at = %s, "
        "version = %s, next_community_id = %s WHERE id = %s",
        (
            info.get("name", plan["name"]),
            info.get("description", plan["description"]),
            info.get("status", plan["status"]),
            now,
            version,
            next_community_id,
            plan_id,
        ),
    )
    session.run(
        "INSERT INTO plan_edits (plan_id, version, author, made_at, operation, request, changes) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (plan_id, version, author, now, operation, request, delta),
    )
    return version


def _apply_communities(
    session: Session, plan_id: int, changes: Iterable[tuple[str, list[Any]]]
) -> None:
    """Upsert or delete the changed communities."""
    gone, kept = [], []
    for key, (_, after) in changes:
        if after is None:
            gone.append((plan_id, int(key)))
        else:
            kept.append((plan_id, int(key), *[after[name] for name in COMMUNITY_FIELDS]))
    if gone:
        session.run_many("DELETE FROM plan_communities WHERE plan_id = %s AND id = %s", gone)
    if kept:
        columns = ", ".join(COMMUNITY_FIELDS)
        updates = ", ".join(f"{name} = excluded.{name}" for name in COMMUNITY_FIELDS)
        session.run_many(
            f"INSERT INTO plan_communities (plan_id, id, {columns}) VALUES "
            f"(%s, %s, {', '.join('%s' for _ in COMMUNITY_FIELDS)}) "
            f"ON CONFLICT (plan_id, id) DO UPDATE SET {updates}",
            kept,
        )


def _apply_assignments(
    session: Session, plan_id: int, changes: Iterable[tuple[str, list[Any]]]
) -> None:
    """Upsert or delete the changed assignments."""
    gone, kept = [], []
    for code, (_, after) in changes:
        if after is None:
            gone.append((plan_id, code))
        else:
            kept.append((plan_id, code, int(after)))
    if gone:
        session.run_many(
            "DELETE FROM plan_assignments WHERE plan_id = %s AND district_code = %s", gone
        )
    if kept:
        session.run_many(
            "INSERT INTO plan_assignments (plan_id, district_code, community_id) "
            "VALUES (%s, %s, %s) ON CONFLICT (plan_id, district_code) "
            "DO UPDATE SET community_id = excluded.community_id",
            kept,
        )


def edit_rows(
    session: Session, plan_id: int, up_to: int | None = None, with_changes: bool = True
) -> list[dict[str, Any]]:
    """A plan's edits (the audit log), oldest first, up to version ``up_to``."""
    columns = "version, author, made_at, operation, request" + (", changes" if with_changes else "")
    where, params = "plan_id = %s", [plan_id]
    if up_to is not None:
        where += " AND version <= %s"
        params.append(up_to)
    rows = session.rows(f"SELECT {columns} FROM plan_edits WHERE {where} ORDER BY version", params)
    for row in rows:
        row["made_at"] = as_datetime(row["made_at"])
        row["request"] = as_json(row["request"])
        if with_changes:
            row["changes"] = as_json(row["changes"])
    return rows


def delete_plan(session: Session, plan_id: int) -> None:
    """Remove a plan with its communities, assignments and edits."""
    for table in ("plan_edits", "plan_assignments", "plan_communities"):
        session.run(f"DELETE FROM {table} WHERE plan_id = %s", (plan_id,))
    session.run("DELETE FROM plans WHERE id = %s", (plan_id,))


def _plan(row: dict[str, Any]) -> dict[str, Any]:
    """A plan row with its timestamps as datetimes and ids as ints."""
    return {
        **row,
        "id": int(row["id"]),
        "created_at": as_datetime(row["created_at"]),
        "updated_at": as_datetime(row["updated_at"]),
    }


def district_names(session: Session) -> dict[str, str]:
    """The stored districts' names by code."""
    return {row["code"]: row["name"] for row in session.rows("SELECT code, name FROM districts")}


def read_targets(session: Session) -> tuple[int | None, int | None]:
    """The target population range communities should fall in (either end may be open)."""
    rows = session.rows("SELECT population_min, population_max FROM community_targets")
    return (rows[0]["population_min"], rows[0]["population_max"]) if rows else (None, None)


def write_targets(session: Session, low: int | None, high: int | None) -> None:
    """Set the target population range."""
    session.run(
        "INSERT INTO community_targets (id, population_min, population_max) "
        "VALUES (1, %s, %s) ON CONFLICT (id) DO UPDATE SET "
        "population_min = excluded.population_min, "
        "population_max = excluded.population_max",
        (low, high),
    )
