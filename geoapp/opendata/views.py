"""The open data page, its downloads and its catalogue: thin views over the published
collections (the same edition the OGC API serves) and the file builders."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.wrappers import Response

from ..ogcapi.collections import collection_named
from ..ogcapi.views import CACHE_CONTROL, edition
from ..web import current
from ..web.downloads import attachment
from ..web.i18n import request_language
from .catalogue import LICENCE, Dataset, attribution, dcat_catalogue, formats_of
from .files import FORMATS, download

blueprint = Blueprint("opendata", __name__)
# Which stored layers (and whether the adopted plan) each collection is made of.
SOURCES = {
    "communities": ((), True),
    "districts": (("districts",), True),
    "school-zones": (("school-zones",), False),
    "hubs": (("centers",), True),
    "organizations": ((), False),
    "grants": ((), False),
}


def datasets() -> list[Dataset]:
    """Every published collection with its count, extent and last change."""
    store = current.store()
    latest: dict[str, datetime] = {}
    for load in store.layer_imports(limit=100):
        latest.setdefault(load.layer, load.imported_at)
    adopted = current.planning().list_plans("adopted")
    plan_changed = datetime.fromisoformat(adopted[0]["updated_at"]) if adopted else None
    changed = {
        "organizations": current.organizations().last_changed(),
        "grants": current.subsidies().last_grant_change(),
    }
    found = []
    for prepared in edition().all():
        layers, from_plan = SOURCES.get(prepared.collection.id, ((), False))
        moments = [latest[name] for name in layers if name in latest]
        if from_plan and plan_changed is not None:
            moments.append(plan_changed)
        if changed.get(prepared.collection.id) is not None:
            moments.append(changed[prepared.collection.id])
        modified = max(moments).date() if moments else None
        found.append(Dataset(prepared.collection, len(prepared.ids), modified, prepared.extent))
    return found


def file_url(collection_id: str, file_format: str | None) -> str:
    """A download's URL, or the OGC API collection's for None."""
    if file_format is None:
        return url_for("ogcapi.collection", collection_id=collection_id, _external=True)
    return url_for(
        "opendata.file", collection_id=collection_id, file_format=file_format, _external=True
    )


@blueprint.get("/opendata")
def page() -> str:
    """The open data page: every dataset with its downloads, licence and update date."""
    city = current.store().city()
    found = datasets()
    lang = request_language()
    return render_template(
        "opendata/opendata.html",
        city=city,
        datasets=found,
        formats=FORMATS,
        formats_of=formats_of,
        licence=LICENCE,
        attribution=attribution(city.name if city else None, lang),
        lang=lang,
    )


@blueprint.get("/opendata/catalog.json")
def catalogue() -> Response:
    """The catalogue as DCAT-style JSON-LD."""
    city = current.store().city()
    document = dcat_catalogue(
        datasets(),
        city.name if city else None,
        file_url,
        url_for("opendata.page", _external=True),
    )
    response = current_app.json.response(document)
    response.mimetype = "application/ld+json"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@blueprint.get("/opendata/<collection_id>/<file_format>")
def file(collection_id: str, file_format: str) -> Response:
    """One dataset in one format, as a download."""
    collection = collection_named(collection_id)
    prepared = edition().collection(collection)
    data, name, media_type = download(collection, prepared.frame, file_format)
    response = attachment(data, media_type, name)
    response.set_etag(hashlib.sha256(f"{prepared.key}|{request.path}".encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
