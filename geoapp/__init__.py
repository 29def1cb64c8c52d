"""geoapp: a web GIS for Japanese cities regrouping neighbourhood associations into
wide-area communities (広域コミュニティ)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """``geoapp.create_app``, imported on first use so that the command line and scripts
    that do not serve pages do not load the web app."""
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
