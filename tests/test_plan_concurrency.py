"""Two planners editing one plan at once, on both backends: no edit is lost or applied on
top of a version it was not made against, and the stored plan equals its audit log
replayed."""

from __future__ import annotations

import random
import threading

from flask import Flask
from staff import Staff

from geoapp.plans.model import replay

EDITS_PER_PLANNER = 150
CODES = [f"G{n}" for n in range(1, 10)]


def planner_loop(staff: Staff, plan_id: int, seed: int, log: list[dict]) -> None:
    """Make edits as fast as possible, catching up on the version whenever refused."""
    chance = random.Random(seed)
    version = 1
    for _ in range(EDITS_PER_PLANNER):
        if chance.random() < 0.15:
            answer = staff.edit(plan_id, version, "unassign", districts=[chance.choice(CODES)])
        else:
            districts = chance.sample(CODES, chance.randint(1, 3))
            answer = staff.edit(
                plan_id, version, "assign", community=chance.randint(1, 3), districts=districts
            )
        body = answer.get_json()
        log.append({"status": answer.status_code, "body": body})
        if answer.status_code == 200:
            version = body["version"]
        elif answer.status_code == 409:
            version = body["details"]["current_version"]
        else:
            assert answer.status_code == 400, body  # an edit that changes nothing


def test_interleaved_edits_of_two_planners_equal_the_audit_log_replayed(grid_app: Flask) -> None:
    tanaka, suzuki = Staff(grid_app, "tanaka"), Staff(grid_app, "suzuki")
    plan = tanaka.new_plan(source="empty")
    version = plan["version"]
    for name in ("北", "中", "南"):
        version = tanaka.post(
            f"/api/plans/{plan['id']}/edits",
            {"version": version, "op": "create_community", "name": name},
        ).get_json()["version"]
    logs: dict[str, list[dict]] = {"tanaka": [], "suzuki": []}
    threads = [
        threading.Thread(target=planner_loop, args=(staff, plan["id"], seed, logs[name]))
        for name, staff, seed in (("tanaka", tanaka, 1), ("suzuki", suzuki, 2))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    audit = tanaka.get(f"/api/plans/{plan['id']}/audit").get_json()["edits"]
    stored = tanaka.plan(plan["id"])
    replayed = replay([edit["changes"] for edit in audit]).to_dict()
    assert stored["assignments"] == replayed["assignments"]
    assert stored["communities"] == replayed["communities"]
    assert [edit["version"] for edit in audit] == list(range(1, stored["version"] + 1))

    accepted = {
        name: [entry["body"] for entry in log if entry["status"] == 200]
        for name, log in logs.items()
    }
    by_version = {edit["version"]: edit for edit in audit}
    for name, answers in accepted.items():
        assert answers, f"{name} never got an edit in"
        for answer in answers:
            recorded = by_version[answer["version"]]
            assert recorded["author"] == name
            assert recorded["changes"] == answer["changes"]
    assert stored["version"] == 4 + sum(len(answers) for answers in accepted.values())
    refused = [e for log in logs.values() for e in log if e["status"] == 409]
    assert refused, "the two planners never collided; the test did not interleave"
