"""Accounts: admins and planners with hashed passwords, checked through the login throttle.

Failed logins are kept in the database, so the throttle holds across every worker process.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import BadInput, Conflict, Unauthorized
from ..storage import Store
from ..storage import accounts as records
from ..storage.base import Session
from ..translatable import N_, Text
from .passwords import check_password
from .throttle import refuse_when_throttled

logger = logging.getLogger(__name__)

Role = Literal["admin", "planner"]
ROLES: tuple[Role, ...] = ("admin", "planner")
# Shown through the catalogue where they appear (``_(label)``), the API gives the Japanese.
ROLE_LABELS = {"admin": N_("管理者"), "planner": N_("計画担当")}

ATTEMPTS_KEPT = timedelta(days=30)
_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
# Checked when the name is unknown, so a wrong name takes as long as a wrong password.
_UNKNOWN_USER_HASH = generate_password_hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    """A logged-in account."""

    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        """Whether this account administers the city's data and adopts plans."""
        return self.role == "admin"


def add_user(store: Store, name: str, role: str, password: str | None = None) -> tuple[User, str]:
    """Create an account; returns it with its password (a new random one when not given)."""
    check_user_name(name)
    if role not in ROLES:
        raise BadInput(
            Text("役割「{role}」は使えません。admin または planner を指定してください。", role=role)
        )
    password = password or secrets.token_urlsafe(12)
    check_password(password, name)
    with store.session(write=True) as session:
        if records.user_row(session, name):
            raise Conflict(Text("ユーザー「{name}」は既にあります。", name=name))
        records.insert_user(session, name, role, generate_password_hash(password), _now())
    logger.info("added user %s (%s)", name, role)
    return User(name, cast(Role, role)), password


def set_password(store: Store, name: str, password: str) -> None:
    """Give an existing account a new password; every session it had open ends."""
    check_password(password, name)
    with store.session(write=True) as session:
        account = require_account(session, name)
        records.update_password(session, account["id"], generate_password_hash(password))
        ended = records.delete_user_sessions(session, account["id"])
    logger.info("new password for %s (%d sessions ended)", name, ended)


def remove_user(store: Store, name: str) -> None:
    """Delete an account (its sessions end; plans keep its name as their author)."""
    with store.session(write=True) as session:
        records.delete_user(session, require_account(session, name)["id"])
    logger.info("removed user %s", name)


def require_account(session: Session, name: str) -> dict[str, Any]:
    """The account called ``name``; refuse a name no account has."""
    account = records.user_row(session, name)
    if account is None:
        raise BadInput(Text("ユーザー「{name}」はありません。", name=name))
    return account


def list_users(store: Store) -> list[User]:
    """Every account, by name."""
    with store.session() as session:
        rows = records.user_rows(session)
    return [User(row["name"], row["role"]) for row in rows]


def find_user(store: Store, name: str) -> User | None:
    """The account called ``name``, if it exists."""
    with store.session() as session:
        row = records.user_row(session, name)
    return User(row["name"], row["role"]) if row else None


def authenticate(store: Store, name: str, password: str, remote_addr: str) -> User:
    """The account whose password this is; refused while the throttle makes this name and
    address wait. Every checked attempt is recorded; refused ones are not checked."""
    if not _NAME.match(name):
        raise _wrong_login(name, remote_addr)  # no account has such a name: nothing to record
    now = _now()
    with store.session(write=True) as session:
        refuse_when_throttled(session, name, remote_addr, now)
        account = records.user_row(session, name)
        stored = account["password_hash"] if account else _UNKNOWN_USER_HASH
        succeeded = check_password_hash(stored, password) and account is not None
        records.insert_attempt(session, name, remote_addr, now, succeeded)
        records.purge_attempts(session, now - ATTEMPTS_KEPT)
    if not succeeded or account is None:
        raise _wrong_login(name, remote_addr)
    return User(account["name"], account["role"])


def _wrong_login(name: str, remote_addr: str) -> Unauthorized:
    """The answer to a wrong name or password, the same for both."""
    logger.warning("failed login for %r from %s", name[:80], remote_addr)
    return Unauthorized(Text("ユーザー名またはパスワードが違います。"))


def check_user_name(name: str) -> None:
    """Refuse user names that would be awkward in logs and URLs."""
    if not _NAME.match(name):
        raise BadInput(
            Text(
                "ユーザー名「{name}」は使えません。英数字と . _ @ - の2〜64文字にしてください。",
                name=name,
            )
        )


def _now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
