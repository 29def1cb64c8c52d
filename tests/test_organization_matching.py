"""Which organization stands for which community of a newly adopted plan, pure: the same
community id while it still shares districts, else the largest shared set of districts."""

from __future__ import annotations

from geoapp.organizations.matching import OrganizationArea, match_organizations


def area(org_id: int, community: int | None, *districts: str, plan: int = 1) -> OrganizationArea:
    return OrganizationArea(org_id, plan, community, frozenset(districts))


def communities(**members: str) -> dict[int, frozenset[str]]:
    return {int(key[1:]): frozenset(value.split()) for key, value in members.items()}


def test_a_copied_plan_keeps_each_organization_on_its_community_id() -> None:
    found = match_organizations(
        [area(10, 1, "A", "B"), area(11, 2, "C")], communities(c1="A", c2="B C"), plan_id=2
    )
    assert found.kept == {10: 1, 11: 2} and found.orphaned == found.created == []


def test_an_unrelated_plan_matches_by_the_largest_shared_set_of_districts() -> None:
    found = match_organizations(
        [area(10, 1, "A", "B", "C"), area(11, 2, "D", "E")],
        communities(c1="D", c2="A B", c3="C E", c4="F"),
        plan_id=2,
    )
    # id 1 now holds only D (not one of organization 10's districts), id 2 holds A B
    assert found.kept == {10: 2, 11: 1}
    assert found.created == [3, 4] and found.orphaned == []


def test_an_organization_sharing_no_district_is_orphaned() -> None:
    found = match_organizations(
        [area(10, 1, "A"), area(11, 2, "B")], communities(c5="A B"), plan_id=2
    )
    assert found.kept == {10: 5} and found.orphaned == [11] and found.created == []


def test_resyncing_with_the_same_plan_keeps_every_id_even_without_shared_districts() -> None:
    found = match_organizations([area(10, 1, "A", plan=2)], communities(c1="B"), plan_id=2)
    assert found.kept == {10: 1}
