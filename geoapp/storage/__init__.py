"""Storage: one interface (``Store``), two backends chosen by the database URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from ..errors import BadInput
from .base import LayerImport, Store
from .postgis import PostGISStore
from .sqlite import SQLiteStore

__all__ = ["LayerImport", "Store", "open_store"]


def open_store(
    url: str, default_srid: int, pool_size: int = 10, busy_timeout: float = 30.0
) -> Store:
    """The backend for ``url``: ``sqlite:///path`` or ``postgresql://…``; ``busy_timeout``
    is how many seconds an SQLite statement waits for another's lock."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return SQLiteStore(Path(url.removeprefix("sqlite://")), default_srid, busy_timeout)
    if scheme in ("postgresql", "postgres"):
        return PostGISStore(url, default_srid, pool_size)
    raise BadInput(
        f"データベースURL「{url}」は使えません。"
        "sqlite:///ファイル または postgresql://… を指定してください。",
        f"Unsupported database URL {url!r}; use sqlite:///FILE or postgresql://…",
    )
