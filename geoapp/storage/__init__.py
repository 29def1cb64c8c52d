"""Storage: one interface (``Store``), two backends chosen by the database URL.

Each backend's module is loaded when a URL asks for it, so that the embedded default
never loads psycopg (a third of a second of a scheduled import's start).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from ..errors import BadInput
from ..translatable import Text
from .base import LayerImport, Store

__all__ = ["LayerImport", "Store", "open_store"]


def open_store(
    url: str, default_srid: int, pool_size: int = 10, busy_timeout: float = 30.0
) -> Store:
    """The backend for ``url``: ``sqlite:///path`` or ``postgresql://…``; ``busy_timeout``
    is how many seconds an SQLite statement waits for another's lock."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore(Path(url.removeprefix("sqlite://")), default_srid, busy_timeout)
    if scheme in ("postgresql", "postgres"):
        from .postgis import PostGISStore

        return PostGISStore(url, default_srid, pool_size)
    raise BadInput(
        Text(
            "データベースURL「{url}」は使えません。"
            "sqlite:///ファイル または postgresql://… を指定してください。",
            url=url,
        )
    )
