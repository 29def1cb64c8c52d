"""The current app's store and plans, for the views and commands that run in its context."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

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
