"""Plan records on both backends: one SQL through the Session, JSON and times round-trip,
one adopted plan per city enforced by the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geoapp.errors import Conflict
from geoapp.plans.model import PlanState, delta_between
from geoapp.storage import Store
from geoapp.storage import plans as records

NOW = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)


def community(name: str) -> dict:
    return {
        "name": name,
        "name_kana": "きた",
        "color": "#4e79a7",
        "description": "説明",
        "hub_center": "K1",
        "places": [{"name": "公園", "lon": 138.3, "lat": 34.9, "note": "避難場所"}],
        "locked": True,
    }


def test_an_edit_round_trips_its_state_and_audit_record(store: Store) -> None:
    state = PlanState(
        {"name": "案", "description": "", "status": "draft"}, {1: community("北")}, {"A": 1}
    )
    delta = delta_between(PlanState(), state)
    with store.session(write=True) as session:
        row = records.insert_plan(session, "案", "tanaka", NOW)
        version = records.write_edit(session, row, delta, "tanaka", NOW, "create", {}, 2)
    with store.session() as session:
        stored = records.plan_row(session, row["id"])
        assert stored is not None
        assert records.read_state(session, stored) == state
        (edit,) = records.edit_rows(session, row["id"])
    assert version == 1 and stored["version"] == 1 and stored["next_community_id"] == 2
    assert edit["made_at"] == NOW and edit["author"] == "tanaka"
    assert edit["changes"]["communities"]["1"] == [None, community("北")]


def test_the_database_refuses_a_second_adopted_plan_as_a_conflict(store: Store) -> None:
    with store.session(write=True) as session:
        first = records.insert_plan(session, "一", "kanri", NOW)
        second = records.insert_plan(session, "二", "kanri", NOW)
        session.run("UPDATE plans SET status = 'adopted' WHERE id = %s", (first["id"],))
    with pytest.raises(Conflict), store.session(write=True) as session:
        session.run("UPDATE plans SET status = 'adopted' WHERE id = %s", (second["id"],))
    with store.session() as session:
        statuses = [row["status"] for row in records.plan_rows(session)]
    assert sorted(statuses) == ["adopted", "draft"]
