"""The current app's store, plans and session limits, for the views and commands that run
in its context."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from .login_sessions import SessionLimits

if TYPE_CHECKING:
    from .plans.service import Planning
    from .storage import Store

# Where the app factory keeps them in ``app.extensions``.
STORE = "geoapp.store"
PLANS = "geoapp.plans"


def store() -> Store:
    """The app's store."""
    return current_app.extensions[STORE]


def planning() -> Planning:
    """The app's plans."""
    return current_app.extensions[PLANS]


def session_limits() -> SessionLimits:
    """How long the app's login sessions last (idle and at most)."""
    return SessionLimits.of(current_app.config["GEOAPP"])
