"""Run as a process: make N edits to a plan, moving one district back and forth between
two communities, each edit in its own transaction (as planners in the editor do).

    python plan_edits_process.py DATABASE_URL PLAN_ID N [PAUSE_MS]

PAUSE_MS spaces the edits out so that they span a backup, however fast the database.
"""

from __future__ import annotations

import sys
import time

from geoapp.accounts.users import User
from geoapp.plans.service import Planning
from geoapp.storage import open_store


def main(url: str, plan_id: int, edits: int, pause_ms: int = 0) -> None:
    """Make the edits, printing "started" once the first is stored."""
    store = open_store(url, 6676, pool_size=2)
    planning = Planning(store)
    planner = User("demo", "planner")
    plan = planning.plan(plan_id)
    district, home = next(iter(sorted(plan["assignments"].items())))
    away = next(c["id"] for c in plan["communities"] if c["id"] != home)
    version = plan["version"]
    for number in range(edits):
        community = away if number % 2 == 0 else home
        version = planning.edit(
            planner, plan_id, version, "assign", {"community": community, "districts": [district]}
        )["version"]
        if number == 0:
            print("started", flush=True)
        time.sleep(pause_ms / 1000)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], *(int(argument) for argument in sys.argv[2:5]))
