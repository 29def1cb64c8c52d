"""The city settings page (``/admin/city``), for admins: name, code, base map, credits and
centre kinds; the working CRS is shown, not edited."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts.views import login_required, require_user
from ..errors import GeoappError
from ..storage.migration import latest_version
from ..translatable import Text
from ..web import current
from ..web.basemap import BASEMAPS
from ..web.i18n import request_language
from .model import crs_name
from .settings_form import (
    BASEMAP_CHOICES,
    CUSTOM_BASEMAP,
    FIELD_LABELS,
    CenterKindRow,
    InvalidSettings,
    SettingsInput,
    apply_settings,
    settings_input,
)

logger = logging.getLogger(__name__)

blueprint = Blueprint("city_settings", __name__, url_prefix="/admin/city")

# Empty rows under the centre kinds, for adding new ones.
SPARE_KIND_ROWS = 3


@blueprint.app_context_processor
def city_in_templates() -> dict[str, Any]:
    """The city for every page's header (none before set-up, with an outdated schema, or
    with the database down, so error pages still render); views may pass their own."""
    try:
        db = current.store()
        if db.schema_version() < latest_version(db.backend):
            return {"city": None}
        return {"city": db.city()}
    except GeoappError:
        return {"city": None}


@blueprint.get("/")
@login_required("admin")
def form() -> str:
    """The settings form with the stored values."""
    saved = request.args.get("saved") == "1"
    return _page(settings_input(current.store().city()), {}, saved=saved)


@blueprint.post("/")
@login_required("admin")
def save() -> Response | tuple[str, int]:
    """Check and store the settings; on a bad value, the form again with each field's
    message and nothing stored."""
    user = require_user("admin")
    db = current.store()
    db.require_current_schema()
    given = _submitted()
    try:
        city = apply_settings(given, db.city(), db.geometry_srid())
    except InvalidSettings as error:
        return _page(given, error.fields), int(error.status)
    db.save_city(city)
    logger.info("%s saved the city settings of %s", user.name, city.name)
    return redirect(url_for("city_settings.form", saved=1))


def _submitted() -> SettingsInput:
    """The form's values as sent."""
    form = request.form
    names, colors = form.getlist("kind_name"), form.getlist("kind_color")
    aliases = form.getlist("kind_aliases")
    rows = [
        CenterKindRow(name, color, alias)
        for name, color, alias in zip(names, colors, aliases, strict=False)
    ]
    return SettingsInput(
        name=form.get("name", ""),
        name_kana=form.get("name_kana", ""),
        municipality_code=form.get("municipality_code", ""),
        basemap=form.get("basemap", ""),
        basemap_url=form.get("basemap_url", ""),
        basemap_attribution=form.get("basemap_attribution", ""),
        credits=form.get("credits", ""),
        center_kinds=rows,
    )


def _page(given: SettingsInput, errors: dict[str, Text], saved: bool = False) -> str:
    """The settings page with ``given`` in the fields and ``errors`` beside them."""
    lang = request_language()
    db = current.store()
    city = db.city()
    srid = db.geometry_srid()
    typed = [row for row in given.center_kinds if row.name.strip() or row.aliases.strip()]
    rows = [*typed, *(CenterKindRow() for _ in range(SPARE_KIND_ROWS))]
    return render_template(
        "city/settings.html",
        city=city,
        given=given,
        kind_rows=rows,
        errors={name: text.in_language(lang) for name, text in errors.items()},
        labels=FIELD_LABELS,
        working_crs=srid,
        working_crs_name=crs_name(srid),
        basemaps=BASEMAPS,
        basemap_choices=BASEMAP_CHOICES,
        custom_basemap=CUSTOM_BASEMAP,
        basemap_override=current_app.config["GEOAPP"].basemap,
        saved=saved,
    )
