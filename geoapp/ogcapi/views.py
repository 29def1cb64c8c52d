"""OGC API – Features routes under ``/ogcapi``: thin views over the prepared edition and
the document builders. Every answer carries an ETag keyed on the stamps of what it is
made of (a collection's own parts; a 304 when the client has it) and Cache-Control; an error is the
standard's exception JSON (``code``, ``description``) with geoapp's own fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.wrappers import Response

from ..errors import GeoappError, NotFound
from ..plans.model import PlanState
from ..storage.publication import publication_stamp
from ..translatable import Text
from ..web import current
from ..web.i18n import request_language
from ..web.validation import from_args
from .collections import Published, collection_named
from .crs import crs_srid, crs_uri, parse_bbox
from .documents import (
    GEOJSON,
    JSON,
    MAX_LIMIT,
    OPENAPI,
    collection_document,
    collections_document,
    conformance,
    item_document,
    items_page,
    landing_page,
    openapi,
)
from .publication import Edition, Editions, PreparedCollection
from .requests import FeatureQuery, FormatQuery, ItemsQuery

blueprint = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")
EDITIONS = "geoapp.ogcapi.editions"
CACHE_CONTROL = "public, max-age=60"
TITLE = Text("広域コミュニティ オープンデータ API")
DESCRIPTION = Text(
    "決定済みの区域案のコミュニティ、行政区、小学校区、拠点施設、地域運営組織、"
    "補助金の交付実績（OGC API – Features）。"
)


def edition() -> Edition:
    """The published data as of now: the stamp of everything it is made of, read in one
    session (``storage.publication``), with each collection prepared for its own parts —
    the layers' data stamp, the adopted plan's version, the organizations' and the grants'
    change stamps (they change without moving the data stamp)."""
    store = current.store()
    planning = current.planning()
    organizations = current.organizations()
    stamp = publication_stamp(store)
    editions: Editions = current_app.extensions.setdefault(EDITIONS, Editions())
    working_srid = editions.working_srid(stamp.data, store.geometry_srid)

    def source() -> Published:
        adopted = stamp.adopted_plan
        state = planning.state(adopted[0])[1] if adopted else PlanState()
        return Published(store, planning.geography(), state, working_srid, organizations)

    return Edition(stamp, working_srid, source, editions)


def published_communities() -> PreparedCollection:
    """The adopted communities as published, serialized once per edition: the maps that
    draw them in the browser fetch them from ``items`` rather than carry them."""
    return edition().collection(collection_named("communities"))


def base_url() -> str:
    """The service's root URL, without the trailing slash."""
    return url_for("ogcapi.landing", _external=True).rstrip("/")


def answer(
    edition_key: str,
    body: str | dict[str, Any] | Callable[[], dict[str, Any]],
    media_type: str,
    crs: str | None = None,
) -> Response:
    """The body with ETag, Cache-Control and Content-Crs; 304 when the client has it (a
    body given as a function is then never built: revalidating a page of a thousand
    features costs only the stamp)."""
    lang = request_language()
    tag = hashlib.sha256(f"{edition_key}|{lang}|{request.full_path}".encode()).hexdigest()[:32]
    if tag in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        if callable(body):
            body = body()
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        response = current_app.response_class(text, mimetype=media_type)
    response.set_etag(tag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Accept-Language")
    if crs is not None:
        response.headers["Content-Crs"] = f"<{crs}>"
    return response


@blueprint.errorhandler(GeoappError)
def ogc_exception(error: GeoappError) -> Response:
    """The standard's exception body (code, description) beside geoapp's fields."""
    lang = request_language()
    body = {
        "code": error.code,
        "description": error.in_language(lang),
        **error.to_dict(),
    }
    response = jsonify(body)
    response.status_code = int(error.status)
    return response


@blueprint.get("/")
def landing() -> Response:
    """The landing page."""
    from_args(FormatQuery)
    lang = request_language()
    document = landing_page(base_url(), TITLE.in_language(lang), DESCRIPTION.in_language(lang))
    return answer("landing", document, JSON)


@blueprint.get("/conformance")
def conformance_classes() -> Response:
    """The conformance classes."""
    from_args(FormatQuery)
    return answer("conformance", conformance(), JSON)


@blueprint.get("/api")
def api_definition() -> Response:
    """The OpenAPI 3.0 definition."""
    from_args(FormatQuery)
    published = edition()
    lang = request_language()
    document = openapi(base_url(), TITLE.in_language(lang), published.working_srid)
    return answer(published.stamp.key_of(("data",)), document, OPENAPI)


@blueprint.get("/collections")
def collections() -> Response:
    """Every collection."""
    from_args(FormatQuery)
    published = edition()
    base, lang = base_url(), request_language()
    described = [
        collection_document(base, c.collection, c.extent, published.working_srid, lang)
        for c in published.all()
    ]
    return answer(published.key, collections_document(base, described), JSON)


@blueprint.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    """One collection."""
    from_args(FormatQuery)
    published = edition()
    prepared = published.collection(collection_named(collection_id))
    document = collection_document(
        base_url(), prepared.collection, prepared.extent, published.working_srid, request_language()
    )
    return answer(prepared.key, document, JSON)


@blueprint.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    """A page of a collection's features."""
    wanted = collection_named(collection_id)
    asked = from_args(ItemsQuery)
    published = edition()
    srid = crs_srid(asked.crs, published.working_srid)
    area = None
    if asked.bbox is not None:
        bbox_srid = crs_srid(asked.bbox_crs, published.working_srid, "bbox-crs")
        area = parse_bbox(asked.bbox, bbox_srid, published.working_srid)
    prepared = published.collection(wanted)
    limit = min(asked.limit, MAX_LIMIT)

    def page() -> dict[str, Any]:
        matching = prepared.matching(area)
        chosen = matching[asked.offset : asked.offset + limit]
        features = prepared.features(srid)
        return items_page(
            f"{base_url()}/collections/{wanted.id}/items",
            request.args.to_dict(),
            [features[number] for number in chosen],
            len(matching),
            asked.offset,
            limit,
            prepared.stamp,
        )

    return answer(prepared.key, page, GEOJSON, crs_uri(srid))


@blueprint.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    """One feature."""
    wanted = collection_named(collection_id)
    asked = from_args(FeatureQuery)
    published = edition()
    srid = crs_srid(asked.crs, published.working_srid)
    prepared = published.collection(wanted)
    feature = prepared.item(feature_id, srid)
    collection_url = f"{base_url()}/collections/{wanted.id}"
    here = f"{collection_url}/items/{feature_id}"
    return answer(
        prepared.key, item_document(here, feature, collection_url), GEOJSON, crs_uri(srid)
    )


@blueprint.get("/<path:unknown>")
def no_such_resource(unknown: str) -> Response:
    """Any other path under the service: the standard's exception, not the site's page."""
    raise NotFound(Text("OGC API に「{path}」はありません。", path=unknown[:100]))
