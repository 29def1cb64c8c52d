"""The single city row, written the same way on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from ..city.model import City
from .base import Session

# The city row with the columns that make a City (``City.from_row``).
SELECT_CITY = (
    "SELECT name, name_kana, prefecture, municipality_code, working_crs, basemap, "
    "basemap_attribution, credits, demo, center_kinds FROM city WHERE id = 1"
)


def upsert_city(session: Session, city: City) -> None:
    """Insert or update the single city row (centre kinds as JSON text, which PostgreSQL
    casts to jsonb)."""
    row = {**city.to_row(), "updated_at": datetime.now(UTC)}
    updates = ", ".join(f"{name} = excluded.{name}" for name in row)
    session.run(
        f"INSERT INTO city (id, {', '.join(row)}) VALUES (1, {', '.join('%s' for _ in row)}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        tuple(row.values()),
    )
