"""Server-side login sessions: the cookie carries a random id, the database its SHA-256.

A session is valid while its row exists and is within both limits (idle time since its
last use, absolute lifetime since login), checked on every request; ending it deletes
the row, so a copied cookie is worthless from then on.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..settings import Settings
from ..storage import Store
from ..storage import accounts as records
from .users import User, require_account

logger = logging.getLogger(__name__)

# A session's last use is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    """How long a session lasts unused (``idle``) and at most (``lifetime``)."""

    idle: timedelta
    lifetime: timedelta

    @classmethod
    def of(cls, settings: Settings) -> SessionLimits:
        """The limits an app is configured with."""
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_max_hours),
        )


def start_session(store: Store, user: User, remote_addr: str, limits: SessionLimits) -> str:
    """A new session for ``user``; returns the id for the cookie. Expired sessions are purged."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.session(write=True) as session:
        account = require_account(session, user.name)
        records.purge_sessions(session, now - limits.idle, now - limits.lifetime)
        records.insert_session(session, _hashed(token), account["id"], remote_addr, now)
    return token


def session_user(store: Store, token: str, limits: SessionLimits) -> User | None:
    """The account of a live session, noting its use; None once it ended or expired."""
    now = datetime.now(UTC)
    id_hash = _hashed(token)
    with store.session() as session:
        row = records.session_user(session, id_hash, now - limits.idle, now - limits.lifetime)
    if row is None:
        return None
    if now - row["last_seen_at"] >= TOUCH_INTERVAL:
        with store.session(write=True) as session:
            records.touch_session(session, id_hash, now)
    return User(row["name"], row["role"])


def end_session(store: Store, token: str) -> None:
    """End one session (logging out)."""
    with store.session(write=True) as session:
        records.delete_session(session, _hashed(token))


def end_user_sessions(store: Store, name: str) -> int:
    """Sign an account out everywhere; how many sessions ended."""
    with store.session(write=True) as session:
        ended = records.delete_user_sessions(session, require_account(session, name)["id"])
    logger.info("signed %s out everywhere (%d sessions)", name, ended)
    return ended


def live_session_counts(store: Store, limits: SessionLimits) -> dict[str, int]:
    """How many unexpired sessions each account has open, by account name."""
    now = datetime.now(UTC)
    with store.session() as session:
        return records.live_session_counts(session, now - limits.idle, now - limits.lifetime)


def _hashed(token: str) -> str:
    """What the database keeps of a session id: enough to find it, useless as a cookie."""
    return hashlib.sha256(token.encode()).hexdigest()
