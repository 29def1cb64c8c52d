"""Counts (population, households, 65+) written onto districts already stored, by code,
with a record of the load; the geometry stays as imported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .base import RAISE_DATA_GENERATION, Session


@dataclass(frozen=True)
class LoadRecord:
    """What the layer history records of a load: the layer it counts as, its file, how many
    districts it set and when."""

    layer: str
    source: str
    feature_count: int
    loaded_at: datetime


def update_district_counts(
    session: Session,
    fields: list[str],
    values: dict[str, list[int | None]],
    record: LoadRecord,
    report: dict[str, Any],
) -> None:
    """Set each district's ``fields`` to its row of ``values`` (by code), record the load and
    raise the data generation, so every process rebuilds what it derived from the districts."""
    assignments = ", ".join(f"{name} = %s" for name in fields)
    session.run_many(
        f"UPDATE districts SET {assignments} WHERE code = %s",
        [[*row, code] for code, row in sorted(values.items())],
    )
    record_district_load(session, record, report)


def record_district_load(session: Session, record: LoadRecord, report: dict[str, Any]) -> None:
    """Record a load onto the stored districts among the layer loads and raise the data
    generation, so every process rebuilds what it derived from the districts."""
    session.run(
        "INSERT INTO layer_imports (layer, source, feature_count, imported_at, report) "
        "VALUES (%s, %s, %s, %s, %s)",
        (record.layer, record.source, record.feature_count, record.loaded_at, report),
    )
    session.run(RAISE_DATA_GENERATION)
