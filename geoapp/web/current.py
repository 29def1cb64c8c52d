"""The current app's store, plans and settings, for the views and commands that run in its
context; commands reach the app through ``with_app`` rather than Flask itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app
from flask.cli import with_appcontext

from ..accounts.sessions import SessionLimits

if TYPE_CHECKING:
    from ..organizations.service import Organizations
    from ..plans.service import Planning
    from ..public.service import PublicMap
    from ..settings import Settings
    from ..storage import Store
    from ..subsidies.service import Subsidies

# Where the app factory keeps them in ``app.extensions``.
STORE = "geoapp.store"
PLANS = "geoapp.plans"
ORGANIZATIONS = "geoapp.organizations"
PUBLIC = "geoapp.public"
SUBSIDIES = "geoapp.subsidies"


# A click command decorated with this runs inside the app built from the settings.
with_app = with_appcontext


def app() -> Flask:
    """The app itself (the demo command serves it)."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def settings() -> Settings:
    """The app's settings."""
    return current_app.config["GEOAPP"]


def store() -> Store:
    """The app's store."""
    return current_app.extensions[STORE]


def planning() -> Planning:
    """The app's plans."""
    return current_app.extensions[PLANS]


def organizations() -> Organizations:
    """The app's community organizations."""
    return current_app.extensions[ORGANIZATIONS]


def session_limits() -> SessionLimits:
    """How long the app's login sessions last (idle and at most)."""
    return SessionLimits.of(current_app.config["GEOAPP"])


def public_map() -> PublicMap:
    """The app's public map."""
    return current_app.extensions[PUBLIC]


def subsidies() -> Subsidies:
    """The app's subsidy programs and grants."""
    return current_app.extensions[SUBSIDIES]
