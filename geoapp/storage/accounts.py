"""Account, login-session and login-attempt records, written once for both backends.

``users`` holds the accounts; ``login_sessions`` each open session by the SHA-256 of its
cookie id; ``login_attempts`` every checked login, for the throttle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .base import Session
from .rows import as_datetime


@dataclass(frozen=True)
class PairFailures:
    """Failed logins of one (name, address) pair since its last success."""

    count: int
    last: datetime | None


def user_row(session: Session, name: str) -> dict[str, Any] | None:
    """The account called ``name`` (id, name, role, password_hash), if any."""
    rows = session.rows("SELECT id, name, role, password_hash FROM users WHERE name = %s", (name,))
    return rows[0] if rows else None


def user_rows(session: Session) -> list[dict[str, Any]]:
    """Every account (name, role) by name."""
    return session.rows("SELECT name, role FROM users ORDER BY name")


def live_session_counts(
    session: Session, seen_after: datetime, created_after: datetime
) -> dict[str, int]:
    """How many sessions within both limits each account has open, by account name."""
    rows = session.rows(
        "SELECT u.name, count(*) AS n FROM login_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.last_seen_at > %s AND s.created_at > %s GROUP BY u.name",
        (seen_after, created_after),
    )
    return {row["name"]: int(row["n"]) for row in rows}


def insert_user(session: Session, name: str, role: str, password_hash: str, now: datetime) -> None:
    """A new account."""
    session.run(
        "INSERT INTO users (name, role, password_hash, created_at) VALUES (%s, %s, %s, %s)",
        (name, role, password_hash, now),
    )


def update_password(session: Session, user_id: int, password_hash: str) -> None:
    """A new password hash for an account."""
    session.run("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))


def delete_user(session: Session, user_id: int) -> None:
    """Remove an account; its sessions go with it."""
    delete_user_sessions(session, user_id)
    session.run("DELETE FROM users WHERE id = %s", (user_id,))


def insert_session(
    session: Session, id_hash: str, user_id: int, remote_addr: str, now: datetime
) -> None:
    """A new login session."""
    session.run(
        "INSERT INTO login_sessions (id_hash, user_id, created_at, last_seen_at, remote_addr) "
        "VALUES (%s, %s, %s, %s, %s)",
        (id_hash, user_id, now, now, remote_addr),
    )


def session_user(
    session: Session, id_hash: str, seen_after: datetime, created_after: datetime
) -> dict[str, Any] | None:
    """The account (name, role) and last use of a session still within both limits."""
    rows = session.rows(
        "SELECT u.name, u.role, s.last_seen_at FROM login_sessions s "
        "JOIN users u ON u.id = s.user_id "
        "WHERE s.id_hash = %s AND s.last_seen_at > %s AND s.created_at > %s",
        (id_hash, seen_after, created_after),
    )
    if not rows:
        return None
    return {**rows[0], "last_seen_at": as_datetime(rows[0]["last_seen_at"])}


def touch_session(session: Session, id_hash: str, now: datetime) -> None:
    """Record that a session was used now."""
    session.run("UPDATE login_sessions SET last_seen_at = %s WHERE id_hash = %s", (now, id_hash))


def delete_session(session: Session, id_hash: str) -> None:
    """End one session."""
    session.run("DELETE FROM login_sessions WHERE id_hash = %s", (id_hash,))


def delete_user_sessions(session: Session, user_id: int) -> int:
    """End every session of an account; how many there were."""
    rows = session.rows(
        "DELETE FROM login_sessions WHERE user_id = %s RETURNING id_hash", (user_id,)
    )
    return len(rows)


def purge_sessions(session: Session, seen_before: datetime, created_before: datetime) -> None:
    """Forget the sessions past their idle or absolute limit."""
    session.run(
        "DELETE FROM login_sessions WHERE last_seen_at <= %s OR created_at <= %s",
        (seen_before, created_before),
    )


def insert_attempt(
    session: Session, name: str, remote_addr: str, now: datetime, succeeded: bool
) -> None:
    """Record one checked login."""
    session.run(
        "INSERT INTO login_attempts (name, remote_addr, attempted_at, succeeded) "
        "VALUES (%s, %s, %s, %s)",
        (name, remote_addr, now, succeeded),
    )


def purge_attempts(session: Session, before: datetime) -> None:
    """Forget logins older than ``before``."""
    session.run("DELETE FROM login_attempts WHERE attempted_at < %s", (before,))


def pair_failures(session: Session, name: str, remote_addr: str, since: datetime) -> PairFailures:
    """The pair's failed logins after ``since`` and after its last success."""
    last_success = session.rows(
        "SELECT max(attempted_at) AS at FROM login_attempts "
        "WHERE name = %s AND remote_addr = %s AND succeeded = %s",
        (name, remote_addr, True),
    )[0]["at"]
    start = max(since, as_datetime(last_success)) if last_success else since
    row = session.rows(
        "SELECT count(*) AS n, max(attempted_at) AS last FROM login_attempts "
        "WHERE name = %s AND remote_addr = %s AND succeeded = %s AND attempted_at > %s",
        (name, remote_addr, False, start),
    )[0]
    return PairFailures(int(row["n"]), as_datetime(row["last"]) if row["last"] else None)


def stranger_failures(session: Session, remote_addr: str, since: datetime) -> list[datetime]:
    """When the address's failed logins after ``since`` happened, oldest first, counting
    only names that never logged in from it (its own staff's typos do not count)."""
    rows = session.rows(
        "SELECT a.attempted_at FROM login_attempts a "
        "WHERE a.remote_addr = %s AND a.succeeded = %s AND a.attempted_at > %s "
        "AND NOT EXISTS (SELECT 1 FROM login_attempts b WHERE b.name = a.name "
        "AND b.remote_addr = a.remote_addr AND b.succeeded = %s) ORDER BY a.attempted_at",
        (remote_addr, False, since, True),
    )
    return [as_datetime(row["attempted_at"]) for row in rows]


def pair_ever_succeeded(session: Session, name: str, remote_addr: str) -> bool:
    """Whether this name has logged in from this address within the kept history."""
    return bool(
        session.rows(
            "SELECT 1 AS ok FROM login_attempts "
            "WHERE name = %s AND remote_addr = %s AND succeeded = %s LIMIT 1",
            (name, remote_addr, True),
        )
    )
