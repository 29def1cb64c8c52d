"""Grant records, written once for both backends through a ``Session``: the grants
themselves, what the rules read of the organizations and of earlier grants, and the sums
the budget, the annual report, the chart and the choropleth show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .base import Session
from .rows import as_date, as_datetime, as_json

GRANT_COLUMNS = (
    "organization_id",
    "program",
    "fiscal_year",
    "project",
    "requested",
    "granted",
    "decided_on",
    "note",
    "exception_reason",
    "waived_rules",
    "recorded_by",
    "recorded_at",
)
_INSERT = (
    f"INSERT INTO grants ({', '.join(GRANT_COLUMNS)}) "
    f"VALUES ({', '.join('%s' for _ in GRANT_COLUMNS)})"
)


# --- what the rules read ----------------------------------------------------------------------
def organization_names(session: Session) -> list[dict[str, Any]]:
    """Every organization's id, name, community and whether it is archived (by id)."""
    return session.rows(
        "SELECT id, name, community_id, archived_at IS NOT NULL AS archived "
        "FROM organizations ORDER BY id"
    )


def stage_changes(session: Session, organization_ids: Sequence[int] | None = None) -> list[dict]:
    """The stage changes (organization_id, effective_on, stage) of some organizations (or
    all), oldest first."""
    where, params = _ids_filter("organization_id", organization_ids)
    rows = session.rows(
        f"SELECT organization_id, effective_on, stage FROM organization_stages {where}"
        "ORDER BY organization_id, effective_on, id",
        params,
    )
    for row in rows:
        row["effective_on"] = as_date(row["effective_on"])
    return rows


def milestone_dates(session: Session, organization_ids: Sequence[int] | None = None) -> list[dict]:
    """The milestones reached (organization_id, milestone, achieved_on) of some
    organizations (or all)."""
    where, params = _ids_filter("organization_id", organization_ids)
    rows = session.rows(
        f"SELECT organization_id, milestone, achieved_on FROM organization_milestones {where}",
        params,
    )
    for row in rows:
        row["achieved_on"] = as_date(row["achieved_on"])
    return rows


def granted_in_years(session: Session, years: Sequence[int]) -> list[tuple[int, str, int, int]]:
    """(organization id, program, fiscal year, granted) of every grant of more than 0 in
    the fiscal years, in the order decided (the rules number a year's projects so)."""
    if not years:
        return []
    rows = session.rows(
        "SELECT organization_id, program, fiscal_year, granted FROM grants "
        f"WHERE fiscal_year IN ({', '.join('%s' for _ in years)}) AND granted > 0 "
        "ORDER BY decided_on, id",
        list(years),
    )
    return [
        (int(r["organization_id"]), r["program"], int(r["fiscal_year"]), int(r["granted"]))
        for r in rows
    ]


def _ids_filter(column: str, ids: Sequence[int] | None) -> tuple[str, list[int]]:
    """A WHERE clause limiting ``column`` to ``ids`` (none: no limit)."""
    if ids is None:
        return "", []
    if not ids:
        return "WHERE 1 = 0 ", []
    return f"WHERE {column} IN ({', '.join('%s' for _ in ids)}) ", list(ids)


# --- writing ----------------------------------------------------------------------------------
def insert_grant(session: Session, values: Sequence[Any]) -> int:
    """Store one grant (values in ``GRANT_COLUMNS`` order); its id."""
    return int(session.rows(f"{_INSERT} RETURNING id", values)[0]["id"])


def insert_grants(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """Store many grants (values in ``GRANT_COLUMNS`` order), many rows a statement."""
    session.insert_rows("grants", GRANT_COLUMNS, rows)


def grant_row(session: Session, grant_id: int) -> dict[str, Any] | None:
    """One grant with its organization's name."""
    rows = _grants(session, "g.id = %s", [grant_id])
    return rows[0] if rows else None


def delete_grant(session: Session, grant_id: int) -> None:
    """Remove one grant (a decision entered by mistake)."""
    session.run("DELETE FROM grants WHERE id = %s", (grant_id,))


def program_keys_in_use(session: Session) -> dict[str, int]:
    """How many grants each program key has."""
    rows = session.rows("SELECT program, count(*) AS n FROM grants GROUP BY program")
    return {row["program"]: int(row["n"]) for row in rows}


# --- reading ----------------------------------------------------------------------------------
def grant_rows(
    session: Session,
    fiscal_year: int | None = None,
    program: str | None = None,
    organization_id: int | None = None,
) -> list[dict[str, Any]]:
    """Grants with their organization's name, by fiscal year, program and decision."""
    where, params = [], []
    for column, value in (
        ("g.fiscal_year", fiscal_year),
        ("g.program", program),
        ("g.organization_id", organization_id),
    ):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    return _grants(session, " AND ".join(where) or "1 = 1", params)


def _grants(session: Session, where: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Grants matching ``where``, oldest fiscal year first."""
    rows = session.rows(
        "SELECT g.id, g.organization_id, o.name AS organization, o.community_id, g.program, "
        "g.fiscal_year, g.project, g.requested, g.granted, g.decided_on, g.note, "
        "g.exception_reason, g.waived_rules, g.recorded_by, g.recorded_at "
        f"FROM grants g JOIN organizations o ON o.id = g.organization_id WHERE {where} "
        "ORDER BY g.fiscal_year, g.program, o.name, g.decided_on, g.id",
        params,
    )
    for row in rows:
        row["decided_on"] = as_date(row["decided_on"]) if row["decided_on"] else None
        row["recorded_at"] = as_datetime(row["recorded_at"])
        row["waived_rules"] = as_json(row["waived_rules"]) or []
    return rows


def public_grant_rows(session: Session, organization_id: int) -> list[dict[str, Any]]:
    """The grants paid to one organization (more than 0) with only what anyone may see:
    fiscal year, program, project and amount; never the exception, the notes or who
    recorded them. Oldest fiscal year first."""
    return session.rows(
        "SELECT fiscal_year, program, project, granted FROM grants "
        "WHERE organization_id = %s AND granted > 0 ORDER BY fiscal_year, program, id",
        (organization_id,),
    )


def year_totals(session: Session, fiscal_year: int) -> list[dict[str, Any]]:
    """Per organization and program in a fiscal year: its name and community, the sums
    requested and granted, the grants of more than 0 and the refusals (grants of 0)."""
    return session.rows(
        "SELECT g.organization_id, o.name AS organization, o.community_id, g.program, "
        "sum(g.requested) AS requested, sum(g.granted) AS granted, "
        "sum(CASE WHEN g.granted > 0 THEN 1 ELSE 0 END) AS grants, "
        "sum(CASE WHEN g.granted = 0 THEN 1 ELSE 0 END) AS refused "
        "FROM grants g JOIN organizations o ON o.id = g.organization_id "
        "WHERE g.fiscal_year = %s GROUP BY g.organization_id, o.name, o.community_id, g.program "
        "ORDER BY o.name, g.organization_id, g.program",
        (fiscal_year,),
    )


def program_year_totals(session: Session) -> list[dict[str, Any]]:
    """Granted per program and fiscal year (every year with a grant)."""
    return session.rows(
        "SELECT fiscal_year, program, sum(granted) AS granted, count(*) AS grants "
        "FROM grants GROUP BY fiscal_year, program ORDER BY fiscal_year, program"
    )


def grant_years(session: Session) -> list[int]:
    """The fiscal years that have grants, oldest first."""
    rows = session.rows("SELECT DISTINCT fiscal_year FROM grants ORDER BY fiscal_year")
    return [int(row["fiscal_year"]) for row in rows]


def published_grant_rows(session: Session) -> list[dict[str, Any]]:
    """The grants of more than 0 as the open data publishes them (id, fiscal year, program,
    organization id, name and community, amount): never the project, the amount asked,
    the notes, the exception or who recorded it."""
    return session.rows(
        "SELECT g.id, g.fiscal_year, g.program, g.organization_id, o.name AS organization, "
        "o.community_id, g.granted FROM grants g JOIN organizations o ON o.id = g.organization_id "
        "WHERE g.granted > 0 ORDER BY g.fiscal_year, g.program, g.organization_id, g.id"
    )


def grants_stamp(session: Session) -> str:
    """A stamp that moves on every grant recorded or deleted, for caches of what is
    published of them: the last grant audit row, the number of grants, the sum granted."""
    row = session.rows(
        "SELECT (SELECT max(id) FROM organization_audit WHERE action IN ('grant', "
        "'grant_delete')) AS audit, count(*) AS n, coalesce(sum(granted), 0) AS granted "
        "FROM grants"
    )[0]
    return f"{row['audit'] or 0}-{row['n']}-{row['granted']}"


def grants_last_change(session: Session) -> datetime | None:
    """When a grant was last recorded or deleted (None: never)."""
    rows = session.rows(
        "SELECT max(made_at) AS made_at FROM organization_audit "
        "WHERE action IN ('grant', 'grant_delete')"
    )
    return as_datetime(rows[0]["made_at"]) if rows and rows[0]["made_at"] else None


def lock_grant_writes(session: Session) -> None:
    """Wait for other writers of grants to finish (SQLite's write session already holds the
    database's lock)."""
    session.run("SELECT id FROM grant_writes WHERE id = 1 FOR UPDATE")
