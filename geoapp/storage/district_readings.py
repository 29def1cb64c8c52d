"""The districts' readings (よみがな) by code, loaded by the city from a table; written once
for both backends through a ``Session``."""

from __future__ import annotations

from typing import Any

from .base import Session
from .district_counts import LoadRecord, record_district_load


def district_readings(session: Session) -> dict[str, str]:
    """Every loaded reading, by district code."""
    rows = session.rows("SELECT code, kana FROM district_readings ORDER BY code")
    return {row["code"]: row["kana"] for row in rows}


def replace_district_readings(
    session: Session, readings: dict[str, str], record: LoadRecord, report: dict[str, Any]
) -> None:
    """Put ``readings`` in place of every reading loaded before, record the load and raise
    the data generation, so every process rebuilds its search index."""
    session.run("DELETE FROM district_readings")
    session.insert_rows("district_readings", ("code", "kana"), sorted(readings.items()))
    record_district_load(session, record, report)
