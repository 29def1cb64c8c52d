"""Versioned schema migrations: one SQL file per version and backend.

Files are named ``NNNN_name.BACKEND.sql``; both backends carry the same version numbers.
``{srid}`` in a file stands for the city's working CRS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.(?P<backend>[a-z]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema version of one backend."""

    version: int
    name: str
    path: Path

    def sql(self, srid: int) -> str:
        """The SQL of this version with the working CRS filled in."""
        return self.path.read_text(encoding="utf-8").replace("{srid}", str(int(srid)))


def migrations_for(backend: str) -> list[Migration]:
    """Every migration of ``backend``, oldest first."""
    found = []
    for path in MIGRATIONS_DIR.iterdir():
        match = _FILE_NAME.match(path.name)
        if match and match["backend"] == backend:
            found.append(Migration(int(match["version"]), match["name"], path))
    return sorted(found, key=lambda migration: migration.version)


def latest_version(backend: str) -> int:
    """The schema version this release of geoapp expects."""
    return max(migration.version for migration in migrations_for(backend))
