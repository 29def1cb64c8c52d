"""The organizations JSON API: thin routes over ``Organizations``.

Anyone reads the organizations' public fields, the stage map and the counts; a logged-in
admin or planner also sees the non-public fields and makes changes (with the CSRF token
in ``X-CSRFToken``, as for the plans API); only an admin replaces the scheme.

- ``GET  /api/organizations?stage=&milestone=&staff=&archived=``
- ``GET  /api/organizations/<id>``
- ``GET  /api/organizations/stages?date=YYYY-MM-DD`` or ``?fiscal_year=2024``
- ``GET  /api/organizations/stage-counts`` (areas per stage at each 年度's end)
- ``GET  /api/organizations/milestone-counts?date=``
- ``POST /api/organizations/<id>/stage``
  ``{"stage", "date", "note", "exception_reason", "version"}``
- ``POST /api/organizations/<id>/milestones`` ``{"milestone", "date", "note", "links", "version"}``
- ``PATCH /api/organizations/<id>`` ``{"name", "name_kana", "hub_center", "area_staff",
  "contact_public", "notes_public", "contact_private", "notes_private", "version"}``
- ``GET  /api/organizations/<id>/audit``, ``GET /api/organizations/audit`` (scheme, syncs)
- ``GET  /api/scheme``; ``PUT /api/scheme?force=1`` (admins) with the scheme document
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from ..accounts.views import current_user, require_user
from ..web.current import organizations
from ..web.validation import from_args, from_json, request_json
from .requests import (
    MilestoneRecord,
    OrganizationFields,
    OrganizationFilter,
    SchemeOptions,
    StageChange,
    StagesQuery,
)
from .scheme import scheme_from_dict

blueprint = Blueprint("organizations_api", __name__)
staff_blueprint = Blueprint("organizations_edit", __name__)
scheme_blueprint = Blueprint("scheme_admin", __name__)


@staff_blueprint.before_request
def require_staff() -> None:
    """Changes and the audit are for admins and planners."""
    require_user("admin", "planner")


@scheme_blueprint.before_request
def require_admin() -> None:
    """Only admins replace the scheme."""
    require_user("admin")


@blueprint.get("/api/organizations")
def list_organizations() -> Response:
    """The organizations, filtered by ``stage``, ``milestone`` and ``staff``."""
    asked = from_args(OrganizationFilter)
    found = organizations().list_organizations(
        current_user(), asked.stage, asked.milestone, asked.staff, asked.archived
    )
    return jsonify({"organizations": found})


@blueprint.get("/api/organizations/<int:organization_id>")
def get_organization(organization_id: int) -> Response:
    """One organization with its milestones and stage history."""
    return jsonify(organizations().organization(current_user(), organization_id))


@blueprint.get("/api/organizations/stages")
def stages() -> Response:
    """Every community's stage on ``date`` or at the end of ``fiscal_year`` (today by
    default), with the counts per stage."""
    asked = from_args(StagesQuery)
    return jsonify(organizations().stage_map(asked.date, asked.fiscal_year))


@blueprint.get("/api/organizations/stage-counts")
def stage_counts() -> Response:
    """Areas per stage at the end of each fiscal year."""
    return jsonify({"years": organizations().stage_counts_by_fiscal_year()})


@blueprint.get("/api/organizations/milestone-counts")
def milestone_counts() -> Response:
    """Areas that reached each milestone by ``date`` (today by default), of all."""
    return jsonify(organizations().milestone_counts(from_args(StagesQuery).date))


@blueprint.get("/api/scheme")
def get_scheme() -> Response:
    """The city's stage ladder and milestone kinds."""
    return jsonify(organizations().scheme_dict())


@staff_blueprint.post("/api/organizations/<int:organization_id>/stage")
def change_stage(organization_id: int) -> Response:
    """Move the organization to another stage on a date."""
    body = from_json(StageChange)
    return jsonify(
        organizations().change_stage(
            require_user(),
            organization_id,
            body.stage,
            body.date,
            body.note,
            body.exception_reason,
            body.version,
        )
    )


@staff_blueprint.post("/api/organizations/<int:organization_id>/milestones")
def record_milestone(organization_id: int) -> Response:
    """Record a milestone the organization reached on a date."""
    body = from_json(MilestoneRecord)
    return jsonify(
        organizations().record_milestone(
            require_user(),
            organization_id,
            body.milestone,
            body.date,
            body.note,
            [link.model_dump() for link in body.links],
            body.version,
        )
    )


@staff_blueprint.patch("/api/organizations/<int:organization_id>")
def update_organization(organization_id: int) -> Response:
    """Change the fields given."""
    body = from_json(OrganizationFields)
    fields = body.model_dump(exclude_unset=True, exclude={"version"})
    return jsonify(
        organizations().update_fields(require_user(), organization_id, fields, body.version)
    )


@staff_blueprint.get("/api/organizations/<int:organization_id>/audit")
def audit(organization_id: int) -> Response:
    """Every change of the organization: who, when, before and after."""
    return jsonify({"audit": organizations().audit_log(require_user(), organization_id)})


@staff_blueprint.get("/api/organizations/audit")
def scheme_audit() -> Response:
    """The scheme switches and the syncs with adopted plans."""
    return jsonify({"audit": organizations().audit_log(require_user(), None)})


@scheme_blueprint.put("/api/scheme")
def put_scheme() -> Response:
    """Replace the city's scheme (``?force=1`` maps stored records the new one lacks)."""
    options = from_args(SchemeOptions)
    scheme = scheme_from_dict(request_json())
    return jsonify(organizations().switch_scheme(require_user(), scheme, options.force))
