"""Plan states and deltas: a delta between two states rebuilds either one exactly, and a
replayed history reaches the same state (property-based, with Hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from geoapp.plans.model import PlanState, apply_delta, delta_between, is_empty, replay

CODES = [f"D{n}" for n in range(12)]


def community(name: str, locked: bool = False) -> dict:
    return {
        "name": name,
        "name_kana": "",
        "color": "#4e79a7",
        "description": "",
        "hub_center": None,
        "places": [],
        "locked": locked,
    }


states = st.builds(
    lambda ids, picks, name, locked: PlanState(
        {"name": name, "description": "", "status": "draft"},
        {cid: community(f"C{cid}", locked) for cid in ids},
        {code: cid for code, cid in zip(CODES, picks, strict=False) if cid in ids},
    ),
    st.sets(st.integers(1, 5), min_size=1),
    st.lists(st.integers(1, 5), min_size=0, max_size=len(CODES)),
    st.sampled_from(["案A", "案B"]),
    st.booleans(),
)


@given(states, states)
def test_a_delta_turns_one_state_into_the_other_and_back(old: PlanState, new: PlanState) -> None:
    delta = delta_between(old, new)
    assert apply_delta(old, delta) == new
    assert apply_delta(new, delta, reverse=True) == old
    assert is_empty(delta) == (old == new)


@given(st.lists(states, min_size=1, max_size=6))
def test_replaying_the_deltas_of_a_history_reaches_its_last_state(history: list[PlanState]) -> None:
    deltas, previous = [], PlanState()
    for state in history:
        deltas.append(delta_between(previous, state))
        previous = state
    assert replay(deltas) == history[-1]


def test_applying_a_delta_leaves_the_original_state_untouched() -> None:
    old = PlanState({"name": "案"}, {1: community("北")}, {"D1": 1})
    new = apply_delta(old, {"plan": {}, "communities": {}, "assignments": {"D1": [1, None]}})
    assert old.assignments == {"D1": 1} and new.assignments == {}
