"""Plan checks against the hand-drawn 3 × 3 grid (tests/shapes.py), figures known by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from shapes import grid_centers, nine_adjacency, nine_districts

from geoapp.plans.checks import plan_checks
from geoapp.plans.geography import Geography, build_geography
from geoapp.plans.model import PlanState


def grid(targets: tuple[int | None, int | None] = (None, None)) -> Geography:
    """The grid with its centres, hand-listed adjacency and majority zones (G5 split)."""
    majority = pd.DataFrame(
        {
            "majority_zone": ["Z1", "Z2", "Z2", "Z1", "Z1", "Z2", "Z1", "Z2", "Z2"],
            "majority_share": [1, 1, 1, 1, 0.6, 1, 1, 1, 1],
            "second_share": [0, 0, 0, 0, 0.4, 0, 0, 0, 0],
            "split": [False, False, False, False, True, False, False, False, False],
        },
        index=[f"G{n}" for n in range(1, 10)],
    )
    return build_geography(
        nine_districts(),
        grid_centers(),
        nine_adjacency(),
        majority,
        {"Z1": "西小学校区", "Z2": "東小学校区"},
        targets,
    )


def plan(groups: dict[int, list[int]], hubs: dict[int, str] | None = None) -> PlanState:
    """A plan whose community ``id`` holds districts G<n> for each n listed."""
    communities = {
        cid: {
            "name": f"コミュニティ{cid}",
            "name_kana": "",
            "color": "#4e79a7",
            "description": "",
            "hub_center": (hubs or {}).get(cid),
            "places": [],
            "locked": False,
        }
        for cid in groups
    }
    assignments = {f"G{n}": cid for cid, ns in groups.items() for n in ns}
    return PlanState({"name": "案", "description": "", "status": "draft"}, communities, assignments)


def by_id(checks: dict, cid: int) -> dict:
    """One community's figures."""
    return next(c for c in checks["communities"] if c["id"] == cid)


def test_a_community_surrounded_by_another_is_an_enclave() -> None:
    checks = plan_checks(grid(), plan({1: [1, 2, 3, 4, 6, 7, 8, 9], 2: [5]}))
    assert checks["enclaves"] == [{"community": 2, "surrounded_by": 1}]
    assert checks["non_contiguous"] == [] and checks["strays"] == []


def test_a_community_touching_the_city_edge_is_no_enclave() -> None:
    checks = plan_checks(grid(), plan({1: [2, 3, 4, 5, 6, 7, 8, 9], 2: [1]}))
    assert checks["enclaves"] == []


def test_a_two_piece_community_is_non_contiguous_and_its_smaller_piece_is_a_stray() -> None:
    checks = plan_checks(grid(), plan({1: [1, 2, 9], 2: [3, 4, 5, 6, 7, 8]}))
    assert checks["non_contiguous"] == [{"community": 1, "pieces": 2}]
    assert checks["strays"] == [{"community": 1, "districts": ["G9"], "surrounded_by": 2}]
    assert by_id(checks, 1)["pieces"] == 2 and by_id(checks, 2)["pieces"] == 1


def test_districts_of_no_community_are_listed_as_unassigned() -> None:
    checks = plan_checks(grid(), plan({1: [1, 2, 3]}))
    assert checks["unassigned"] == ["G4", "G5", "G6", "G7", "G8", "G9"]


def test_a_community_without_a_centre_and_one_with_three_are_flagged() -> None:
    checks = plan_checks(grid(), plan({1: [2, 3], 2: [1, 4, 5, 6, 7, 8, 9]}))
    assert checks["without_hub"] == [1]
    assert checks["several_hubs"] == [{"community": 2, "centers": ["K1", "K5", "K9"]}]


def test_a_hub_outside_its_community_is_flagged() -> None:
    checks = plan_checks(grid(), plan({1: [1, 2, 3], 2: [4, 5, 6, 7, 8, 9]}, hubs={1: "K9"}))
    assert checks["hub_outside"] == [{"community": 1, "hub_center": "K9"}]


def test_a_chosen_hub_outside_a_community_without_centres_is_named_once() -> None:
    checks = plan_checks(grid(), plan({1: [2, 3], 2: [1, 4, 5, 6, 7, 8, 9]}, hubs={1: "K9"}))
    assert checks["hub_outside"] == [{"community": 1, "hub_center": "K9"}]
    assert checks["without_hub"] == []


def test_a_chosen_hub_settles_a_community_with_several_centres() -> None:
    checks = plan_checks(grid(), plan({1: [2, 3], 2: [1, 4, 5, 6, 7, 8, 9]}, hubs={2: "K5"}))
    assert checks["several_hubs"] == [] and checks["hub_outside"] == []
    assert checks["without_hub"] == [1]


def test_population_households_and_ageing_are_summed_per_community() -> None:
    figures = by_id(plan_checks(grid(), plan({1: [1, 2, 3], 2: [4, 5, 6, 7, 8, 9]})), 1)
    assert figures["population"] == 600
    assert figures["households"] == 240
    assert figures["population_65"] == 180
    assert figures["share_65"] == pytest.approx(0.3)
    assert figures["districts"] == 3
    assert figures["area_km2"] == pytest.approx(0.03)


def test_communities_outside_the_target_population_are_listed() -> None:
    checks = plan_checks(grid((700, 4000)), plan({1: [1, 2, 3], 2: [4, 5, 6, 7, 8, 9]}))
    assert checks["population_range"] == {"min": 700, "max": 4000, "outside": [1], "unknown": []}
    assert [by_id(checks, cid)["in_target_range"] for cid in (1, 2)] == [False, True]
    unset = plan_checks(grid(), plan({1: [1, 2, 3], 2: [4, 5, 6, 7, 8, 9]}))
    assert by_id(unset, 1)["in_target_range"] is None


def test_polsby_popper_is_exact_for_a_square_and_a_strip() -> None:
    checks = plan_checks(grid(), plan({1: [1], 2: [2, 3], 3: [4, 5, 6, 7, 8, 9]}))
    assert by_id(checks, 1)["polsby_popper"] == pytest.approx(math.pi / 4, abs=1e-4)
    # 200 m × 100 m: 4π · 20,000 / 600²
    assert by_id(checks, 2)["polsby_popper"] == pytest.approx(
        4 * math.pi * 20000 / 600**2, abs=1e-4
    )


def test_a_split_district_away_from_its_zones_community_is_against_its_zone() -> None:
    # Z1 (G1, G4, G7 and most of G5) is community 1; G5 went to community 2.
    checks = plan_checks(grid(), plan({1: [1, 4, 7], 2: [2, 3, 5, 6, 8, 9]}))
    assert checks["split_districts"] == [
        {
            "district": "G5",
            "majority_zone": "Z1",
            "majority_share": 0.6,
            "community": 2,
            "zone_community": 1,
            "against_zone": True,
        }
    ]
    fine = plan_checks(grid(), plan({1: [1, 4, 5, 7], 2: [2, 3, 6, 8, 9]}))
    assert fine["split_districts"][0]["against_zone"] is False
