"""Accounts: admins and planners with hashed passwords, and a login rate limit.

Failed logins are kept in the database, so the limit holds across every worker process.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from werkzeug.security import check_password_hash, generate_password_hash

from .errors import BadInput, Conflict, TooManyAttempts, Unauthorized
from .storage import Store
from .storage.base import Session, as_datetime

logger = logging.getLogger(__name__)

Role = Literal["admin", "planner"]
ROLES: tuple[Role, ...] = ("admin", "planner")
ROLE_LABELS = {"admin": ("管理者", "Administrator"), "planner": ("計画担当", "Planner")}

MIN_PASSWORD_LENGTH = 10
ATTEMPT_WINDOW = timedelta(minutes=15)
ATTEMPTS_KEPT = timedelta(days=30)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 30
_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
# Checked when the name is unknown, so a wrong name takes as long as a wrong password.
_UNKNOWN_USER_HASH = generate_password_hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    """A logged-in account."""

    name: str
    role: Role
    session_epoch: int = 0

    @property
    def is_admin(self) -> bool:
        """Whether this account administers the city's data and adopts plans."""
        return self.role == "admin"


def add_user(store: Store, name: str, role: str, password: str | None = None) -> tuple[User, str]:
    """Create an account; returns it with its password (a new random one when not given)."""
    check_user_name(name)
    if role not in ROLES:
        raise BadInput(
            f"役割「{role}」は使えません。admin または planner を指定してください。",
            f"Unknown role {role!r}; use admin or planner.",
        )
    password = password or secrets.token_urlsafe(12)
    check_password(password)
    with store.session(write=True) as session:
        if session.rows("SELECT id FROM users WHERE name = %s", (name,)):
            raise Conflict(
                f"ユーザー「{name}」は既にあります。",
                f"A user called {name!r} already exists.",
            )
        session.run(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (%s, %s, %s, %s)",
            (name, role, generate_password_hash(password), datetime.now(UTC)),
        )
    logger.info("added user %s (%s)", name, role)
    return User(name, cast(Role, role)), password


def set_password(store: Store, name: str, password: str) -> None:
    """Give an existing account a new password; its sessions elsewhere end."""
    check_password(password)
    with store.session(write=True) as session:
        _require_account(session, name)
        session.run(
            "UPDATE users SET password_hash = %s, session_epoch = session_epoch + 1 "
            "WHERE name = %s",
            (generate_password_hash(password), name),
        )
    logger.info("new password for %s", name)


def remove_user(store: Store, name: str) -> None:
    """Delete an account (its sessions end; plans keep its name as their author)."""
    with store.session(write=True) as session:
        _require_account(session, name)
        session.run("DELETE FROM users WHERE name = %s", (name,))
    logger.info("removed user %s", name)


def _require_account(session: Session, name: str) -> None:
    """Refuse a name no account has."""
    if not session.rows("SELECT id FROM users WHERE name = %s", (name,)):
        raise BadInput(f"ユーザー「{name}」はありません。", f"There is no user {name!r}.")


def list_users(store: Store) -> list[User]:
    """Every account, by name."""
    with store.session() as session:
        rows = session.rows("SELECT name, role FROM users ORDER BY name")
    return [User(row["name"], row["role"]) for row in rows]


def find_user(store: Store, name: str) -> User | None:
    """The account called ``name``, if it still exists (sessions outlive deleted accounts)."""
    with store.session() as session:
        rows = session.rows("SELECT name, role, session_epoch FROM users WHERE name = %s", (name,))
    return User(rows[0]["name"], rows[0]["role"], rows[0]["session_epoch"]) if rows else None


def authenticate(store: Store, name: str, password: str, remote_addr: str) -> User:
    """The account whose password this is; refused while too many recent logins failed.

    Every attempt is recorded; a refusal is recorded too, so hammering never unlocks.
    """
    now = datetime.now(UTC)
    with store.session(write=True) as session:
        _refuse_when_limited(session, name, remote_addr, now)
        rows = session.rows(
            "SELECT name, role, password_hash, session_epoch FROM users WHERE name = %s", (name,)
        )
        stored = rows[0]["password_hash"] if rows else _UNKNOWN_USER_HASH
        succeeded = check_password_hash(stored, password) and bool(rows)
        session.run(
            "INSERT INTO login_attempts (name, remote_addr, attempted_at, succeeded) "
            "VALUES (%s, %s, %s, %s)",
            (name, remote_addr, now, succeeded),
        )
        session.run("DELETE FROM login_attempts WHERE attempted_at < %s", (now - ATTEMPTS_KEPT,))
    if not succeeded:
        logger.warning("failed login for %r from %s", name, remote_addr)
        raise Unauthorized(
            "ユーザー名またはパスワードが違います。",
            "The user name or password is wrong.",
        )
    return User(rows[0]["name"], rows[0]["role"], rows[0]["session_epoch"])


def _refuse_when_limited(session: Session, name: str, remote_addr: str, now: datetime) -> None:
    """Raise ``TooManyAttempts`` when the name or the address failed too often lately."""
    since = now - ATTEMPT_WINDOW
    last_success = session.rows(
        "SELECT max(attempted_at) AS at FROM login_attempts WHERE name = %s AND succeeded = %s",
        (name, True),
    )[0]["at"]
    name_since = max(since, as_datetime(last_success)) if last_success else since
    by_name = session.rows(
        "SELECT count(*) AS n FROM login_attempts WHERE name = %s AND succeeded = %s "
        "AND attempted_at > %s",
        (name, False, name_since),
    )[0]["n"]
    by_address = session.rows(
        "SELECT count(*) AS n FROM login_attempts WHERE remote_addr = %s AND succeeded = %s "
        "AND attempted_at > %s",
        (remote_addr, False, since),
    )[0]["n"]
    if by_name >= MAX_FAILURES_PER_NAME or by_address >= MAX_FAILURES_PER_ADDRESS:
        minutes = int(ATTEMPT_WINDOW.total_seconds() // 60)
        raise TooManyAttempts(
            f"ログインの失敗が続いたため、一時的にログインできません。{minutes}分ほど待ってから"
            "もう一度お試しください。",
            f"Too many failed logins; wait about {minutes} minutes and try again.",
        )


def check_user_name(name: str) -> None:
    """Refuse user names that would be awkward in logs and URLs."""
    if not _NAME.match(name):
        raise BadInput(
            f"ユーザー名「{name}」は使えません。英数字と . _ @ - の2〜64文字にしてください。",
            f"User name {name!r} is not allowed; use 2-64 letters, digits or . _ @ -.",
        )


def check_password(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(
            f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。",
            f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.",
        )
