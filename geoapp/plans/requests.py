"""The shapes of the plans API's requests, checked by ``geoapp.validation`` before a route
runs: only these fields, of these types, reach the edit operations and the audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..web.validation import (
    Code,
    Id,
    OptionalId,
    OptionalVersion,
    QueryModel,
    RequestModel,
    Version,
    text,
    validate,
)
from .edits import MAX_NAME, MAX_PLACES, MAX_TEXT
from .model import Status

MAX_DISTRICTS = 50_000
MAX_COMMUNITIES = 1_000

Name = text(MAX_NAME)
Kana = text(MAX_NAME * 2)
Description = text(MAX_TEXT)
Short = text(20)
Longitude = Annotated[float, Field(ge=-180, le=180)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Districts = Annotated[list[Code], Field(min_length=1, max_length=MAX_DISTRICTS)]


class Place(RequestModel):
    """An important place of a community."""

    name: Name | None = None
    lon: Longitude
    lat: Latitude
    note: Description | None = None


Places = Annotated[list[Place], Field(max_length=MAX_PLACES)]


class Edit(RequestModel):
    """What every edit carries: the version it was made against."""

    version: Version

    def params(self) -> dict[str, Any]:
        """The operation's parameters as given: what the operation reads and the audit keeps."""
        return self.model_dump(exclude_unset=True, exclude={"version", "op"})


class Assign(Edit):
    op: Literal["assign"]
    community: Id
    districts: Districts | None = None
    zone: Code | None = None


class Unassign(Edit):
    op: Literal["unassign"]
    districts: Districts | None = None
    zone: Code | None = None


class Reassign(Edit):
    op: Literal["reassign"]
    assignments: Annotated[dict[Code, Id | None], Field(min_length=1, max_length=MAX_DISTRICTS)]


class CommunityFields(Edit):
    """The fields a community's create and update requests may set."""

    name: Name | None = None
    name_kana: Kana | None = None
    color: Short | None = None
    description: Description | None = None
    hub_center: Code | None = None
    places: Places | None = None


class CreateCommunity(CommunityFields):
    op: Literal["create_community"]
    districts: Districts | None = None
    zone: Code | None = None


class UpdateCommunity(CommunityFields):
    op: Literal["update_community"]
    community: Id


class MergeCommunities(Edit):
    op: Literal["merge_communities"]
    into: Id
    communities: Annotated[list[Id], Field(min_length=1, max_length=MAX_COMMUNITIES)]


class OneCommunity(Edit):
    op: Literal["delete_community", "lock_community", "unlock_community"]
    community: Id


class FixStrays(Edit):
    op: Literal["fix_strays"]


class UpdatePlan(Edit):
    op: Literal["update_plan"]
    name: Name | None = None
    description: Description | None = None


EDITS: dict[str, type[Edit]] = {
    "assign": Assign,
    "unassign": Unassign,
    "reassign": Reassign,
    "create_community": CreateCommunity,
    "update_community": UpdateCommunity,
    "merge_communities": MergeCommunities,
    "delete_community": OneCommunity,
    "lock_community": OneCommunity,
    "unlock_community": OneCommunity,
    "fix_strays": FixStrays,
    "update_plan": UpdatePlan,
}


class EditKind(BaseModel):
    """The ``op`` of an edit, read first so that the rest is checked against its model."""

    model_config = ConfigDict(extra="allow", hide_input_in_errors=True)

    op: Literal[tuple(EDITS)]  # type: ignore[valid-type]


def edit_request(body: object) -> Edit:
    """An edit request checked against the model of its operation."""
    kind = validate(EditKind, body)
    return validate(EDITS[kind.op], body)


class CreatePlan(RequestModel):
    """A new draft plan."""

    name: Name | None = None
    description: Description | None = None
    source: Literal["empty", "school_zones", "copy"] = "empty"
    copy_of: Id | None = None


class StatusChange(RequestModel):
    """Propose, adopt, archive or reopen."""

    version: Version
    status: Status


class Restore(RequestModel):
    """Bring back an earlier version."""

    version: Version
    to_version: Version


class PlanImportForm(QueryModel):
    """The form fields sent with a plan file."""

    name: Name | None = None
    description: Description | None = None


class StatusFilter(QueryModel):
    """``?status=`` of the plan list."""

    status: Status | None = None


class VersionRange(QueryModel):
    """``?from=&to=`` of a diff."""

    from_: Version = Field(alias="from")
    to: Version


class Comparison(QueryModel):
    """``?a=&b=`` (plans) and ``&a_version=&b_version=`` of a comparison."""

    a: OptionalId = None
    b: OptionalId = None
    a_version: OptionalVersion = None
    b_version: OptionalVersion = None


class ExportFormat(QueryModel):
    """``?format=&encoding=`` of an export."""

    format: Short = "geojson"
    encoding: Short = "cp932"
