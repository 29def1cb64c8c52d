"""The organizations' pages for staff: the list, each organization with its timeline and
forms, the stage map with its fiscal-year slider and chart, the milestone map, and the
admins' scheme page. Thin routes over ``Organizations``: plain HTML forms post here, are
checked by ``geoapp.web.validation``, and a refusal comes back on the form, beside the
field it names, with nothing stored."""

from __future__ import annotations

import json
import logging
from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts.views import current_user, login_required, require_user
from ..errors import GeoappError, NotFound
from ..formatting import day, fiscal_year_short
from ..japanese_calendar import fiscal_year, fiscal_year_end, today_in_japan
from ..ogcapi.documents import MAX_LIMIT
from ..ogcapi.views import published_communities
from ..translatable import N_, Text
from ..web import content_policy
from ..web.current import organizations, planning, store
from ..web.downloads import attachment
from ..web.i18n import request_language, translate
from ..web.map_credits import add_credits
from ..web.validation import InvalidFields, from_args, from_form
from ..web.vendor_assets import leaflet_css_url, leaflet_js_url
from ..web.views import city_basemap
from ..web.webmap import RenderedMap, extent_bounds, render_map
from .maps import MapSetup, milestone_map, stage_map
from .requests import (
    FieldsForm,
    MilestoneForm,
    MilestoneQuery,
    OrganizationFilter,
    PresetForm,
    SchemeForm,
    StageChangeForm,
    StagesQuery,
)
from .scheme import Scheme, load_scheme, preset_names, read_scheme_toml, scheme_toml
from .stage_chart import stage_chart_svg
from .stage_colors import (
    NO_STAGE_COLOR,
    NOT_REACHED_COLOR,
    REACHED_COLOR,
    areas_template,
    areas_text,
    stage_legend,
    stage_name,
    stage_palette,
)
from .timeline import timeline

logger = logging.getLogger(__name__)

blueprint = Blueprint("organization_pages", __name__)
admin_blueprint = Blueprint("scheme_page", __name__)

STAFF = ("admin", "planner")
# The forms of the organization page, and the message each shows once it has saved.
SAVED = {
    "stage": N_("段階を記録しました。"),
    "milestone": N_("マイルストーンを記録しました。"),
    "fields": N_("組織の情報を保存しました。"),
}


def _form_errors(error: GeoappError, lang: str) -> dict[str, str]:
    """{field: message in ``lang``} for a refused form: each field's own message, or the
    whole message beside the field the service names (``form`` when it names none)."""
    if isinstance(error, InvalidFields):
        return {name: text.in_language(lang) for name, text in error.messages.items()}
    fields = error.details.get("fields")
    name = fields[0] if isinstance(fields, list) and fields else "form"
    return {str(name): error.in_language(lang)}


def _areas(
    rendered: RenderedMap | None,
    values: dict[str, str],
    colors: dict[str, str],
    names: dict[str, str],
    row: str,
    texts: dict[str, str] | None = None,
) -> str:
    """What the page's script draws the communities with (``#areas-map``'s data-areas):
    the published shapes' URL, each community's value, its fill and popup text, and the
    links to the organizations' pages."""
    lang = request_language()
    return json.dumps(
        {
            "map": rendered.map_id if rendered else "",
            "shapes": url_for("ogcapi.items", collection_id="communities", limit=MAX_LIMIT),
            "values": values,
            "colors": colors,
            "names": names,
            "texts": texts or {},
            "organizations": organizations().organization_ids(),
            "organization_url": url_for("organization_pages.organization_list"),
            "words": {
                "row": row,
                "page": translate("組織のページ", lang),
                "failed": translate("地図の区域を読み込めませんでした", lang),
            },
        },
        ensure_ascii=False,
    )


# --- the list --------------------------------------------------------------------------------
@blueprint.get("/organizations")
@login_required(*STAFF)
def organization_list() -> str:
    """Every organization, filtered by current stage, a milestone reached and area staff."""
    lang = request_language()
    asked = from_args(OrganizationFilter)
    service = organizations()
    scheme = service.scheme()
    found = service.list_organizations(current_user(), asked.stage, asked.milestone, asked.staff)
    staff_names = sorted(
        {o["area_staff"] for o in service.list_organizations(current_user()) if o["area_staff"]}
    )
    return render_template(
        "organizations/list.html",
        scheme=scheme,
        organizations=found,
        asked=asked,
        staff_names=staff_names,
        palette=stage_palette(scheme),
        no_stage_color=NO_STAGE_COLOR,
        day_text=lambda iso: day(iso, lang),
        lang=lang,
    )


# --- one organization ------------------------------------------------------------------------
@blueprint.get("/organizations/<int:organization_id>")
@login_required(*STAFF)
def organization_page(organization_id: int) -> str:
    """An organization: its fields (public and not), its timeline and the forms."""
    return _organization_page(organization_id, saved=request.args.get("saved"))


def _organization_page(
    organization_id: int,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    given: dict[str, str] | None = None,
    saved: str | None = None,
) -> str:
    """The organization page, with ``errors`` and the ``given`` values on ``form``."""
    lang = request_language()
    user = require_user(*STAFF)
    service = organizations()
    organization = service.organization(user, organization_id)
    scheme = service.scheme()
    geography = planning().geography()
    stage = scheme.stage(organization["stage"]) if organization["stage"] else None
    following = scheme.order(stage.key) + 1 if stage else 0
    next_stage = scheme.stage_keys[min(following, len(scheme.stages) - 1)]
    return render_template(
        "organizations/organization.html",
        organization=organization,
        scheme=scheme,
        stage=stage,
        next_stage=next_stage,
        entries=timeline(organization, scheme, lang),
        centers=geography.center_names,
        form=form,
        errors=errors or {},
        given=given or {},
        saved=SAVED.get(saved or ""),
        today=today_in_japan().isoformat(),
        stage_since=(
            day(organization["stage_since"], lang) if organization["stage_since"] else None
        ),
        is_admin=user.is_admin,
        lang=lang,
    )


def _refused(organization_id: int, form: str, error: GeoappError) -> tuple[str, int]:
    """The organization page again, with the refused ``form`` as it was sent."""
    given = {name: value for name, value in request.form.items() if name != "csrf_token"}
    errors = _form_errors(error, request_language())
    page = _organization_page(organization_id, form, errors, given)
    return page, int(error.status)


def _saved(organization_id: int, form: str) -> Response:
    """Back to the organization page, saying what was saved."""
    target = url_for(
        "organization_pages.organization_page", organization_id=organization_id, saved=form
    )
    return redirect(target + f"#{form}-form", code=303)


@blueprint.post("/organizations/<int:organization_id>/stage")
@login_required(*STAFF)
def change_stage(organization_id: int) -> Response | tuple[str, int]:
    """Record a stage change from the stage form."""
    user = require_user(*STAFF)
    try:
        sent = from_form(StageChangeForm)
        organizations().change_stage(
            user,
            organization_id,
            sent.stage,
            sent.date,
            sent.note,
            sent.exception_reason if sent.exception else None,
            sent.version,
        )
    except NotFound:
        raise
    except GeoappError as error:
        return _refused(organization_id, "stage", error)
    return _saved(organization_id, "stage")


@blueprint.post("/organizations/<int:organization_id>/milestones")
@login_required(*STAFF)
def record_milestone(organization_id: int) -> Response | tuple[str, int]:
    """Record a milestone from the milestone form."""
    user = require_user(*STAFF)
    try:
        sent = from_form(MilestoneForm)
        links = [{"title": sent.link_title, "url": sent.link_url}] if sent.link_url else []
        organizations().record_milestone(
            user, organization_id, sent.milestone, sent.date, sent.note, links, sent.version
        )
    except NotFound:
        raise
    except GeoappError as error:
        return _refused(organization_id, "milestone", error)
    return _saved(organization_id, "milestone")


@blueprint.post("/organizations/<int:organization_id>/fields")
@login_required(*STAFF)
def update_fields(organization_id: int) -> Response | tuple[str, int]:
    """Save the organization's fields from the fields form."""
    user = require_user(*STAFF)
    try:
        sent = from_form(FieldsForm)
        fields = sent.model_dump(exclude={"version"})
        organizations().update_fields(user, organization_id, fields, sent.version)
    except NotFound:
        raise
    except GeoappError as error:
        return _refused(organization_id, "fields", error)
    return _saved(organization_id, "fields")


# --- the maps --------------------------------------------------------------------------------
def _map_setup(lang: str) -> MapSetup:
    """The city's base map and the app's Leaflet for an organizations map."""
    return MapSetup(city_basemap(store().city()), lang, leaflet_js_url(), leaflet_css_url())


def year_end_heading(year: int, lang: str) -> str:
    """The stage legend's heading: 令和6年度末の段階, Stages at the end of FY2024."""
    return translate("{year}末の段階", lang).format(year=fiscal_year_short(year, lang))


def year_end_status(year: int, when: date, lang: str) -> str:
    """The stage map's status line: 令和6年度末（令和7年3月31日）, End of FY2024 (2025-03-31)."""
    return translate("{year}末（{date}）", lang).format(
        year=fiscal_year_short(year, lang), date=day(when, lang)
    )


@blueprint.get("/organizations/map")
@login_required(*STAFF)
def stage_map_page() -> str:
    """The communities coloured by stage at the end of a fiscal year (this one by
    default), the slider over every year with records, and the by-year chart."""
    lang = request_language()
    asked = from_args(StagesQuery)
    service = organizations()
    db = store()
    db.require_current_schema()
    scheme = service.scheme()
    this_year = fiscal_year(today_in_japan())
    year = asked.fiscal_year if asked.fiscal_year is not None else this_year
    if asked.date is not None:
        year = fiscal_year(asked.date)
    years = service.stage_counts_by_fiscal_year()
    first = min(years[0]["fiscal_year"], year) if years else year
    last = max(this_year, year)
    state = service.stage_map(asked.date, None if asked.date else year)
    shapes = published_communities()
    legend = stage_legend(scheme, state["stages"], lang)
    rendered = None
    if shapes.ids:
        fmap = stage_map(
            extent_bounds(shapes.extent), legend, _map_setup(lang), year_end_heading(year, lang)
        )
        add_credits(fmap, db.city().credits if db.city() else "")
        rendered = render_map(fmap, content_policy.nonce())
    palette = {**stage_palette(scheme), "": NO_STAGE_COLOR}
    labels = {str(y): fiscal_year_short(y, lang) for y in range(first, last + 1)}
    headings = {str(y): year_end_heading(y, lang) for y in range(first, last + 1)}
    areas = _areas(
        rendered,
        state["stages"],
        palette,
        {key: stage_name(scheme, key or None, lang) for key in palette},
        translate("段階", lang),
    )
    return render_template(
        "organizations/stage_map.html",
        map=rendered,
        areas=areas,
        scheme=scheme,
        year=year,
        first=first,
        last=last,
        label=labels[str(year)],
        status=year_end_status(state["fiscal_year"], date.fromisoformat(state["date"]), lang),
        state=state,
        legend=legend,
        areas_text=areas_text,
        slider=json.dumps(
            {
                "palette": palette,
                "labels": labels,
                "headings": headings,
                "statuses": {
                    str(y): year_end_status(y, fiscal_year_end(y), lang)
                    for y in range(first, last + 1)
                },
                "areas": {"one": areas_template(lang, 1), "other": areas_template(lang, 2)},
            },
            ensure_ascii=False,
        ),
        chart=stage_chart_svg(years, scheme, lang),
        years=years,
        fiscal_year_short=fiscal_year_short,
        lang=lang,
    )


@blueprint.get("/organizations/milestones")
@login_required(*STAFF)
def milestone_map_page() -> str:
    """The communities that reached a milestone (the scheme's first by default) against
    all, and the count of every milestone."""
    lang = request_language()
    asked = from_args(MilestoneQuery)
    service = organizations()
    db = store()
    db.require_current_schema()
    scheme = service.scheme()
    key = asked.milestone or (scheme.milestone_keys[0] if scheme.milestones else None)
    chosen = scheme.milestone(key) if key else None
    if key is not None and chosen is None:
        raise NotFound(
            Text("「milestone」: マイルストーン「{key}」はこの市の体系にありません。", key=key),
            fields=["milestone"],
        )
    today = today_in_japan()
    counts = service.milestone_counts(today)
    shapes = published_communities()
    rendered = None
    areas = ""
    if chosen is not None and shapes.ids:
        reached = {
            str(org["community_id"]): day(org["milestones"][chosen.key], lang)
            for org in service.list_organizations(current_user())
            if key in org["milestones"] and org["community_id"] is not None
        }
        name = chosen.name_en if lang == "en" else chosen.name
        as_of = translate("{date}現在", lang).format(date=day(today, lang))
        bounds = extent_bounds(shapes.extent)
        fmap = milestone_map(bounds, len(reached), len(shapes.ids), name, _map_setup(lang), as_of)
        add_credits(fmap, db.city().credits if db.city() else "")
        rendered = render_map(fmap, content_policy.nonce())
        areas = _areas(
            rendered,
            dict.fromkeys(reached, "reached"),
            {"reached": REACHED_COLOR, "": NOT_REACHED_COLOR},
            {"": translate("未達", lang)},
            name,
            reached,
        )
    return render_template(
        "organizations/milestone_map.html",
        map=rendered,
        areas=areas,
        scheme=scheme,
        chosen=chosen,
        counts=counts,
        areas_text=areas_text,
        today=day(today, lang),
        lang=lang,
    )


# --- the scheme (admins) ---------------------------------------------------------------------
@admin_blueprint.get("/admin/scheme")
@login_required("admin")
def scheme_page() -> str:
    """The city's scheme: its stages and milestones, its TOML to edit, the presets."""
    return _scheme_page(saved=request.args.get("saved") == "1")


def _scheme_page(
    errors: dict[str, str] | None = None,
    given: dict[str, str] | None = None,
    form: str | None = None,
    saved: bool = False,
) -> str:
    """The scheme page with ``errors`` and the ``given`` values on ``form``."""
    scheme: Scheme = organizations().scheme()
    given = given or {}
    return render_template(
        "organizations/scheme.html",
        scheme=scheme,
        toml=given.get("toml", scheme_toml(scheme)),
        presets={name: load_scheme(name) for name in preset_names()},
        form=form,
        given=given,
        errors=errors or {},
        saved=saved,
    )


def _switched(scheme: Scheme, force: bool) -> Response:
    """Make ``scheme`` the city's and go back to the page."""
    user = require_user("admin")
    organizations().switch_scheme(user, scheme, force)
    logger.info("%s switched the scheme to %s from the scheme page", user.name, scheme.key)
    return redirect(url_for("scheme_page.scheme_page", saved=1), code=303)


@admin_blueprint.post("/admin/scheme")
@login_required("admin")
def save_scheme() -> Response | tuple[str, int]:
    """Replace the scheme with the TOML sent (refused on the form, naming the field)."""
    try:
        sent = from_form(SchemeForm)
        return _switched(read_scheme_toml(sent.toml.encode("utf-8"), "scheme.toml"), sent.force)
    except GeoappError as error:
        given = {name: value for name, value in request.form.items() if name != "csrf_token"}
        errors = {"toml": _form_errors(error, request_language()).popitem()[1]}
        return _scheme_page(errors, given, "toml"), int(error.status)


@admin_blueprint.post("/admin/scheme/preset")
@login_required("admin")
def switch_to_preset() -> Response | tuple[str, int]:
    """Switch the city to a shipped preset."""
    try:
        sent = from_form(PresetForm)
        if sent.preset not in preset_names():
            raise NotFound(
                Text("「preset」: プリセット「{preset}」はありません。", preset=sent.preset),
                fields=["preset"],
            )
        return _switched(load_scheme(sent.preset), sent.force)
    except GeoappError as error:
        given = {name: value for name, value in request.form.items() if name != "csrf_token"}
        errors = {"preset": _form_errors(error, request_language()).popitem()[1]}
        return _scheme_page(errors, given, "preset"), int(error.status)


@admin_blueprint.get("/admin/scheme.toml")
@login_required("admin")
def scheme_download() -> Response:
    """The city's scheme as a TOML file."""
    scheme = organizations().scheme()
    return attachment(scheme_toml(scheme), "application/toml", f"scheme-{scheme.key}.toml")
