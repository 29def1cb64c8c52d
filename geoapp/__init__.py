"""geoapp: a web GIS for Japanese cities regrouping neighbourhood associations into
wide-area communities (広域コミュニティ)."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
