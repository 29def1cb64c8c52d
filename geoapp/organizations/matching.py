"""Which organization stands for which community when a new plan is adopted, pure.

The rule: an organization keeps its community id when the new plan has that id and the
community still shares a district with the organization's area (or it was synced with
this very plan, or it has no districts on record): plans copied from the adopted one keep
their ids. The others are matched by the largest shared set of districts, largest first,
each community to one organization. An organization sharing no district with any
community left is orphaned (and archived); a community left over gets a new organization.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class OrganizationArea:
    """What matching knows of an organization: the community and districts it stood for
    at its last sync, and that sync's plan."""

    id: int
    plan_id: int | None
    community_id: int | None
    districts: frozenset[str]


@dataclass(frozen=True)
class Matching:
    """Organization id → community id, with those left over on either side."""

    kept: dict[int, int]
    orphaned: list[int]
    created: list[int]


def match_organizations(
    organizations: list[OrganizationArea],
    communities: Mapping[int, frozenset[str]],
    plan_id: int,
) -> Matching:
    """Match organizations to the communities (id → districts) of the plan ``plan_id``."""
    kept: dict[int, int] = {}
    for org in organizations:
        members = communities.get(org.community_id) if org.community_id is not None else None
        if members is None:
            continue
        if org.plan_id == plan_id or not org.districts or org.districts & members:
            kept[org.id] = org.community_id  # type: ignore[assignment]
    taken = set(kept.values())
    pairs = sorted(
        (
            (-len(org.districts & members), org.id, community_id)
            for org in organizations
            if org.id not in kept
            for community_id, members in communities.items()
            if community_id not in taken and org.districts & members
        ),
    )
    for _, org_id, community_id in pairs:
        if org_id not in kept and community_id not in taken:
            kept[org_id] = community_id
            taken.add(community_id)
    return Matching(
        kept=kept,
        orphaned=[org.id for org in organizations if org.id not in kept],
        created=sorted(set(communities) - taken),
    )
