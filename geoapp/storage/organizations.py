"""Organization records, written once for both backends through a ``Session``.

``organization_scheme`` holds the city's scheme document; ``organizations`` one row per
organization (public and non-public columns side by side, read apart); ``organization_
stages`` each dated stage change; ``organization_milestones`` the date each milestone was
reached; ``organization_audit`` every change with who, when, before and after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from .base import Session
from .rows import as_date, as_datetime, as_json

# Columns anyone may read, and those only staff may.
PUBLIC_COLUMNS = (
    "id",
    "community_id",
    "name",
    "name_kana",
    "hub_center",
    "contact_public",
    "notes_public",
)
STAFF_COLUMNS = (
    "area_staff",
    "contact_private",
    "notes_private",
    "plan_id",
    "community_name",
    "districts",
    "version",
    "created_at",
    "updated_at",
    "archived_at",
)
EDITABLE_COLUMNS = (
    "name",
    "name_kana",
    "hub_center",
    "area_staff",
    "contact_public",
    "notes_public",
    "contact_private",
    "notes_private",
)
# An audit row's columns, as ``insert_audits`` takes them.
AUDIT_COLUMNS = (
    "organization_id",
    "made_at",
    "actor",
    "action",
    "old_value",
    "new_value",
    "exception_reason",
    "waived_rules",
)
# The stage an organization was at on a day: its latest change on or before it.
_STAGE_ON = (
    "(SELECT s.stage FROM organization_stages s WHERE s.organization_id = o.id "
    "AND s.effective_on <= {day} ORDER BY s.effective_on DESC, s.id DESC LIMIT 1)"
)


# --- the scheme ----------------------------------------------------------------------------
def scheme_document(session: Session) -> dict[str, Any] | None:
    """The stored scheme document, or None before one is loaded."""
    rows = session.rows("SELECT document FROM organization_scheme WHERE id = 1")
    return as_json(rows[0]["document"]) if rows else None


def write_scheme_document(
    session: Session, document: dict[str, Any], actor: str, now: datetime
) -> None:
    """Store the scheme document in place of the one before."""
    session.run(
        "INSERT INTO organization_scheme (id, document, loaded_at, loaded_by) "
        "VALUES (1, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET document = excluded.document, "
        "loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by",
        (document, now, actor),
    )


def stage_keys_in_use(session: Session) -> dict[str, int]:
    """How many stage changes name each stage key."""
    rows = session.rows("SELECT stage, count(*) AS n FROM organization_stages GROUP BY stage")
    return {row["stage"]: int(row["n"]) for row in rows}


def milestone_keys_in_use(session: Session) -> dict[str, int]:
    """How many milestone records each milestone key has."""
    rows = session.rows(
        "SELECT milestone, count(*) AS n FROM organization_milestones GROUP BY milestone"
    )
    return {row["milestone"]: int(row["n"]) for row in rows}


def rename_stage_keys(session: Session, mapping: dict[str, str]) -> None:
    """Give the stage changes naming an old key the new key."""
    session.run_many(
        "UPDATE organization_stages SET stage = %s WHERE stage = %s",
        [(new, old) for old, new in mapping.items()],
    )


def rename_milestone_keys(session: Session, mapping: dict[str, str | None]) -> None:
    """Give milestone records the new key, or delete them where the new key is None (an
    organization holding both keys keeps the earlier date)."""
    for old, new in mapping.items():
        if new is not None:
            session.run(
                "DELETE FROM organization_milestones WHERE milestone = %s AND EXISTS ("
                "SELECT 1 FROM organization_milestones m WHERE m.milestone = %s "
                "AND m.organization_id = organization_milestones.organization_id "
                "AND m.achieved_on <= organization_milestones.achieved_on)",
                (old, new),
            )
            session.run(
                "DELETE FROM organization_milestones WHERE milestone = %s AND EXISTS ("
                "SELECT 1 FROM organization_milestones m WHERE m.milestone = %s "
                "AND m.organization_id = organization_milestones.organization_id)",
                (new, old),
            )
            session.run(
                "UPDATE organization_milestones SET milestone = %s WHERE milestone = %s",
                (new, old),
            )
        else:
            session.run("DELETE FROM organization_milestones WHERE milestone = %s", (old,))


# --- organizations -------------------------------------------------------------------------
def organization_rows(
    session: Session,
    staff: bool,
    include_archived: bool = False,
    ids: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Organizations by id, with their current stage and its date; only the public columns
    unless ``staff``."""
    columns = PUBLIC_COLUMNS + (STAFF_COLUMNS if staff else ())
    where, params = [], []
    if not include_archived:
        where.append("o.archived_at IS NULL")
    if ids is not None:
        if not ids:
            return []
        where.append(f"o.id IN ({', '.join('%s' for _ in ids)})")
        params.extend(ids)
    rows = session.rows(
        f"SELECT {', '.join('o.' + c for c in columns)}, c.stage, c.effective_on AS stage_since "
        "FROM organizations o LEFT JOIN organization_stages c ON c.id = ("
        "SELECT s.id FROM organization_stages s WHERE s.organization_id = o.id "
        "ORDER BY s.effective_on DESC, s.id DESC LIMIT 1) "
        f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY o.id",
        params,
    )
    return [_organization(row) for row in rows]


def organization_row(
    session: Session, organization_id: int, lock: bool = False
) -> dict[str, Any] | None:
    """One organization's full record (every column); ``lock`` holds it for a change."""
    rows = session.rows(
        f"SELECT {', '.join(PUBLIC_COLUMNS + STAFF_COLUMNS)} FROM organizations WHERE id = %s"
        + (" FOR UPDATE" if lock else ""),
        (organization_id,),
    )
    return _organization(rows[0]) if rows else None


def insert_organization(session: Session, fields: dict[str, Any], now: datetime) -> int:
    """A new organization; its id."""
    defaults: dict[str, Any] = {
        **dict.fromkeys(EDITABLE_COLUMNS, ""),
        "plan_id": None,
        "community_id": None,
        "community_name": "",
        "districts": [],
        "hub_center": None,
    }
    names = list(defaults)
    values = [fields.get(name, defaults[name]) for name in names]
    rows = session.rows(
        f"INSERT INTO organizations ({', '.join(names)}, version, created_at, updated_at) "
        f"VALUES ({', '.join('%s' for _ in names)}, 1, %s, %s) RETURNING id",
        (*values, now, now),
    )
    return int(rows[0]["id"])


def update_organization(
    session: Session, organization_id: int, fields: dict[str, Any], now: datetime
) -> None:
    """Change the given columns (editable ones and the plan link), raising the version."""
    allowed = (*EDITABLE_COLUMNS, "plan_id", "community_id", "community_name", "districts")
    names = [name for name in fields if name in allowed]
    assignments = "".join(f"{name} = %s, " for name in names)
    session.run(
        f"UPDATE organizations SET {assignments}version = version + 1, updated_at = %s "
        "WHERE id = %s",
        (*(fields[name] for name in names), now, organization_id),
    )


def archive_organization(session: Session, organization_id: int, now: datetime) -> None:
    """Archive an organization whose community the adopted plan no longer has."""
    session.run(
        "UPDATE organizations SET archived_at = %s, community_id = NULL, "
        "version = version + 1, updated_at = %s WHERE id = %s",
        (now, now, organization_id),
    )


def touch_organization(session: Session, organization_id: int, now: datetime) -> None:
    """Raise an organization's version (its stage or milestones changed)."""
    update_organization(session, organization_id, {}, now)


# --- stages and milestones ------------------------------------------------------------------
def stage_history(session: Session, organization_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The stage changes of some organizations, oldest first."""
    if not organization_ids:
        return []
    rows = session.rows(
        "SELECT id, organization_id, stage, effective_on, note, exception_reason, "
        "waived_rules, recorded_by, recorded_at FROM organization_stages "
        f"WHERE organization_id IN ({', '.join('%s' for _ in organization_ids)}) "
        "ORDER BY organization_id, effective_on, id",
        list(organization_ids),
    )
    for row in rows:
        row["effective_on"] = as_date(row["effective_on"])
        row["recorded_at"] = as_datetime(row["recorded_at"])
        row["waived_rules"] = as_json(row["waived_rules"]) or []
    return rows


def insert_stage(
    session: Session,
    organization_id: int,
    stage: str,
    on: date,
    note: str,
    exception_reason: str | None,
    waived_rules: list[dict[str, str]],
    actor: str,
    now: datetime,
) -> int:
    """Record a stage change; its id."""
    rows = session.rows(
        "INSERT INTO organization_stages (organization_id, stage, effective_on, note, "
        "exception_reason, waived_rules, recorded_by, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (organization_id, stage, on, note, exception_reason, waived_rules, actor, now),
    )
    return int(rows[0]["id"])


def insert_stages(session: Session, rows: Iterable[Sequence[Any]]) -> None:
    """Record many stage changes at once: (organization id, stage, date, note, exception
    reason, waived rules, actor, time) each."""
    session.run_many(
        "INSERT INTO organization_stages (organization_id, stage, effective_on, note, "
        "exception_reason, waived_rules, recorded_by, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        rows,
    )


def milestone_rows(
    session: Session, organization_ids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Milestone records (of some organizations, or all), by organization and date."""
    where, params = "", []
    if organization_ids is not None:
        if not organization_ids:
            return []
        where = f"WHERE organization_id IN ({', '.join('%s' for _ in organization_ids)}) "
        params = list(organization_ids)
    rows = session.rows(
        "SELECT organization_id, milestone, achieved_on, note, links, recorded_by, "
        f"recorded_at FROM organization_milestones {where}"
        "ORDER BY organization_id, achieved_on, milestone",
        params,
    )
    for row in rows:
        row["achieved_on"] = as_date(row["achieved_on"])
        row["recorded_at"] = as_datetime(row["recorded_at"])
        row["links"] = as_json(row["links"]) or []
    return rows


def upsert_milestone(
    session: Session,
    organization_id: int,
    milestone: str,
    on: date,
    note: str,
    links: list[dict[str, str]],
    actor: str,
    now: datetime,
) -> None:
    """Record the date a milestone was reached (a new date replaces the old one)."""
    session.run(
        "INSERT INTO organization_milestones (organization_id, milestone, achieved_on, note, "
        "links, recorded_by, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (organization_id, milestone) DO UPDATE SET "
        "achieved_on = excluded.achieved_on, note = excluded.note, links = excluded.links, "
        "recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
        (organization_id, milestone, on, note, links, actor, now),
    )


def insert_milestones(session: Session, rows: Iterable[Sequence[Any]]) -> None:
    """Record many milestones at once: (organization id, milestone, date, note, links,
    actor, time) each."""
    session.run_many(
        "INSERT INTO organization_milestones (organization_id, milestone, achieved_on, note, "
        "links, recorded_by, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        rows,
    )


# --- the state on a day ---------------------------------------------------------------------
def organization_ids_by_community(session: Session) -> dict[int, int]:
    """{community id: its active organization's id}, for the maps' links."""
    rows = session.rows(
        "SELECT id, community_id FROM organizations "
        "WHERE archived_at IS NULL AND community_id IS NOT NULL"
    )
    return {int(row["community_id"]): int(row["id"]) for row in rows}


def stages_on(session: Session, day: date) -> list[dict[str, Any]]:
    """Every active organization's id, community and stage on ``day`` (None before its
    first stage), found through the (organization, date) index."""
    return session.rows(
        f"SELECT o.id, o.community_id, {_STAGE_ON.format(day='%s')} AS stage "
        "FROM organizations o WHERE o.archived_at IS NULL ORDER BY o.id",
        (day,),
    )


def stage_counts_on(session: Session, days: Sequence[tuple[int, date]]) -> list[dict[str, Any]]:
    """How many active organizations were at each stage (None: none yet) on each of the
    days, given as (fiscal year, day): rows of fiscal_year, stage, n."""
    if not days:
        return []
    values = ", ".join("(%s, %s)" for _ in days)
    return session.rows(
        f"WITH days (fiscal_year, last_day) AS (VALUES {values}) "
        "SELECT fiscal_year, stage, count(*) AS n FROM ("
        f"SELECT d.fiscal_year, {_STAGE_ON.format(day='d.last_day')} AS stage "
        "FROM days d CROSS JOIN organizations o WHERE o.archived_at IS NULL) AS states "
        "GROUP BY fiscal_year, stage ORDER BY fiscal_year",
        [value for pair in days for value in pair],
    )


def milestones_reached_by(session: Session, day: date) -> dict[str, int]:
    """How many active organizations had reached each milestone by ``day``."""
    rows = session.rows(
        "SELECT m.milestone, count(*) AS n FROM organization_milestones m "
        "JOIN organizations o ON o.id = m.organization_id "
        "WHERE o.archived_at IS NULL AND m.achieved_on <= %s GROUP BY m.milestone",
        (day,),
    )
    return {row["milestone"]: int(row["n"]) for row in rows}


def first_stage_date(session: Session) -> date | None:
    """The date of the earliest stage change recorded."""
    rows = session.rows("SELECT min(effective_on) AS first FROM organization_stages")
    return as_date(rows[0]["first"]) if rows and rows[0]["first"] else None


def change_stamp(session: Session) -> str:
    """A stamp that moves on every change of the organizations, their stages, milestones
    or the scheme (each is audited and raises a version), for caches of what they publish:
    the last audit row, the number of organizations and the sum of their versions."""
    row = session.rows(
        "SELECT (SELECT max(id) FROM organization_audit) AS audit, count(*) AS n, "
        "coalesce(sum(version), 0) AS versions FROM organizations"
    )[0]
    return f"{row['audit'] or 0}-{row['n']}-{row['versions']}"


def last_change(session: Session) -> datetime | None:
    """When the organizations or the scheme last changed (the latest audit row)."""
    rows = session.rows("SELECT max(made_at) AS made_at FROM organization_audit")
    return as_datetime(rows[0]["made_at"]) if rows and rows[0]["made_at"] else None


# --- the audit log --------------------------------------------------------------------------
def insert_audit(
    session: Session,
    organization_id: int | None,
    actor: str,
    now: datetime,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    exception_reason: str | None = None,
    waived_rules: list[dict[str, str]] | None = None,
) -> None:
    """Record one change: who, when, what it was before and after."""
    session.run(
        "INSERT INTO organization_audit (organization_id, made_at, actor, action, old_value, "
        "new_value, exception_reason, waived_rules) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (organization_id, now, actor, action, old, new, exception_reason, waived_rules or []),
    )


def insert_audits(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """Record many changes at once: (organization id, time, actor, action, old, new,
    exception reason, waived rules) each."""
    session.insert_rows("organization_audit", AUDIT_COLUMNS, rows)


def audit_rows(session: Session, organization_id: int | None) -> list[dict[str, Any]]:
    """The audit log of one organization (None: of the scheme and syncs), oldest first."""
    where = "organization_id = %s" if organization_id is not None else "organization_id IS NULL"
    rows = session.rows(
        "SELECT id, organization_id, made_at, actor, action, old_value, new_value, "
        f"exception_reason, waived_rules FROM organization_audit WHERE {where} ORDER BY id",
        (organization_id,) if organization_id is not None else (),
    )
    for row in rows:
        row["made_at"] = as_datetime(row["made_at"])
        row["old_value"] = as_json(row["old_value"])
        row["new_value"] = as_json(row["new_value"])
        row["waived_rules"] = as_json(row["waived_rules"]) or []
    return rows


def _organization(row: dict[str, Any]) -> dict[str, Any]:
    """An organization row with its values as Python types."""
    row = dict(row)
    if "districts" in row:
        row["districts"] = as_json(row["districts"]) or []
    for name in ("created_at", "updated_at", "archived_at"):
        if row.get(name) is not None:
            row[name] = as_datetime(row[name])
    if row.get("stage_since") is not None:
        row["stage_since"] = as_date(row["stage_since"])
    return row
