"""The plans JSON API: thin routes over ``Planning``. Every route needs a logged-in admin
or planner, except the adopted plan's public view.

Changes are POSTed with the plan version they were made against (``version``) and the
CSRF token in the ``X-CSRFToken`` header (from ``GET /api/session``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from ..accounts.views import require_user
from ..errors import BadInput
from ..translatable import Text
from ..web.current import planning
from ..web.downloads import attachment
from ..web.request_limits import MAX_BODY_BYTES, accepts_files
from ..web.validation import check_file_name, from_args, from_form, from_json, request_json
from .edits import MAX_NAME
from .exchange import boundaries_geojson, export_plan, read_plan_csv, read_plan_geojson
from .requests import (
    Comparison,
    CreatePlan,
    ExportFormat,
    PlanImportForm,
    Restore,
    StatusChange,
    StatusFilter,
    VersionRange,
    edit_request,
)

blueprint = Blueprint("plans_api", __name__, url_prefix="/api/plans")
public_blueprint = Blueprint("public_plan_api", __name__, url_prefix="/api/public")

DISPLAY_TOLERANCE_M = 5.0
MAX_IMPORT_BYTES = 20 * 1024 * 1024


@blueprint.before_request
def require_staff() -> None:
    """Only admins and planners use the plans API."""
    require_user("admin", "planner")


@blueprint.get("")
def list_plans() -> Response:
    """Every plan (``?status=`` to filter)."""
    return jsonify({"plans": planning().list_plans(from_args(StatusFilter).status)})


@blueprint.post("")
def create_plan() -> tuple[Response, int]:
    """A new draft: ``{"name", "description", "source": empty|school_zones|copy, "copy_of"}``."""
    body = from_json(CreatePlan)
    plan = planning().create_plan(
        require_user(), body.name or "", body.description or "", body.source, body.copy_of
    )
    return jsonify(plan), 201


@blueprint.post("/import")
@accepts_files(MAX_IMPORT_BYTES + MAX_BODY_BYTES)
def import_plan() -> tuple[Response, int]:
    """A new draft from an uploaded CSV (district code, community name) or GeoJSON file."""
    form = from_form(PlanImportForm)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput(Text("取り込むファイル（file）を選んでください。"))
    check_file_name(upload.filename, "file")
    data = upload.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise BadInput(Text("{file} が大きすぎます（20MBまで）。", file=upload.filename))
    work = planning()
    geo = work.geography()
    name = upload.filename.lower()
    if name.endswith((".geojson", ".json")):
        plan_file = read_plan_geojson(data, geo, upload.filename)
    elif name.endswith((".csv", ".txt")):
        plan_file = read_plan_csv(data, geo, upload.filename)
    else:
        raise BadInput(
            Text(
                "{file} は取り込めません。CSV（.csv）か GeoJSON（.geojson）を選んでください。",
                file=upload.filename,
            )
        )
    plan = work.create_plan(
        require_user(),
        form.name or upload.filename.rsplit(".", 1)[0][:MAX_NAME],
        form.description or "",
        "import",
        mapping=plan_file.mapping,
        communities=plan_file.communities,
    )
    return jsonify(plan), 201


@blueprint.get("/<int:plan_id>")
def get_plan(plan_id: int) -> Response:
    """A plan with its communities, assignments and checks."""
    return jsonify(planning().plan(plan_id))


@blueprint.post("/<int:plan_id>/edits")
def edit_plan(plan_id: int) -> Response:
    """One edit: ``{"version", "op", …parameters of the operation}``."""
    edit = edit_request(request_json())
    return jsonify(planning().edit(require_user(), plan_id, edit.version, edit.op, edit.params()))


@blueprint.post("/<int:plan_id>/status")
def set_status(plan_id: int) -> Response:
    """Propose, adopt, archive or reopen: ``{"version", "status"}``."""
    body = from_json(StatusChange)
    return jsonify(planning().set_status(require_user(), plan_id, body.version, body.status))


@blueprint.post("/<int:plan_id>/restore")
def restore(plan_id: int) -> Response:
    """Bring back an earlier version as a new one: ``{"version", "to_version"}``."""
    body = from_json(Restore)
    return jsonify(planning().restore(require_user(), plan_id, body.version, body.to_version))


@blueprint.get("/<int:plan_id>/checks")
def checks(plan_id: int) -> Response:
    """The checks of the plan's current version."""
    return jsonify(planning().checks(plan_id))


@blueprint.get("/<int:plan_id>/versions")
def versions(plan_id: int) -> Response:
    """The plan's versions, newest first."""
    return jsonify({"plan": plan_id, "versions": planning().versions(plan_id)})


@blueprint.get("/<int:plan_id>/versions/<int:version>")
def version(plan_id: int, version: int) -> Response:
    """The plan as it was at one version."""
    return jsonify(planning().version(plan_id, version))


@blueprint.get("/<int:plan_id>/diff")
def diff(plan_id: int) -> Response:
    """What changed between ``?from=`` and ``?to=`` (versions)."""
    versions = from_args(VersionRange)
    return jsonify(planning().diff(plan_id, versions.from_, versions.to))


@blueprint.get("/<int:plan_id>/audit")
def audit(plan_id: int) -> Response:
    """Every edit with who, when, and each change's before and after."""
    return jsonify({"plan": plan_id, "edits": planning().audit_log(plan_id)})


@blueprint.get("/compare")
def compare() -> Response:
    """Two plans compared by community name: ``?a=&b=`` (``&a_version=&b_version=`` to
    compare earlier versions)."""
    asked = from_args(Comparison)
    if asked.a is None or asked.b is None:
        raise BadInput(Text("比べる二つの案（a, b）を指定してください。"), fields=["a", "b"])
    return jsonify(planning().compare(asked.a, asked.b, asked.a_version, asked.b_version))


@blueprint.get("/<int:plan_id>/boundaries")
def boundaries(plan_id: int) -> Response:
    """The communities' display boundaries as GeoJSON (lon/lat)."""
    work = planning()
    _, state = work.state(plan_id)
    return _geojson(boundaries_geojson(work.geography(), state, DISPLAY_TOLERANCE_M))


@blueprint.get("/<int:plan_id>/export")
def export(plan_id: int) -> Response:
    """The plan as ``?format=geojson|gpkg|shp|csv|csvt`` (``&encoding=utf-8`` for UTF-8
    Shapefiles; ``csvt`` is the CSV's column types, saved beside it for GDAL and QGIS)."""
    asked = from_args(ExportFormat)
    work = planning()
    row, state = work.state(plan_id)
    base_name = f"plan-{plan_id}-v{row['version']}"
    data, filename, mimetype = export_plan(
        work.geography(),
        state,
        asked.format,
        base_name,
        asked.encoding.lower(),
    )
    suffix = filename.removeprefix(base_name)
    return attachment(data, mimetype, filename, f"{row['name']}-v{row['version']}{suffix}")


@public_blueprint.get("/plan")
def public_plan() -> Response:
    """The adopted plan's public fields, for anyone."""
    return jsonify(planning().public_plan())


@public_blueprint.get("/plan/boundaries")
def public_boundaries() -> Response:
    """The adopted plan's display boundaries as GeoJSON, for anyone."""
    work = planning()
    _, state = work.state(work.adopted_plan_id())
    return _geojson(boundaries_geojson(work.geography(), state, DISPLAY_TOLERANCE_M))


def _geojson(collection: dict[str, Any]) -> Response:
    """A GeoJSON response."""
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    return response
