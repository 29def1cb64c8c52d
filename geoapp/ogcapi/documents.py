"""The documents of OGC API – Features, built as plain data from the collection registry
and a base URL: landing page, conformance, collections, items pages and the OpenAPI 3.0
description. Nothing here reads a request or the store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .collections import COLLECTIONS, Collection
from .crs import CRS84, epsg_uri, supported_crs

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)


def link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    """One link object."""
    found = {"href": href, "rel": rel, "type": media_type}
    if title:
        found["title"] = title
    return found


def landing_page(base: str, title: str, description: str) -> dict[str, Any]:
    """The landing page: links to itself, the API definition, conformance and the data."""
    return {
        "title": title,
        "description": description,
        "links": [
            link(f"{base}/", "self", JSON, "This document"),
            link(f"{base}/api", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "The collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance classes the service implements."""
    return {"conformsTo": list(CONFORMANCE)}


def collection_document(
    base: str, collection: Collection, extent: list[float] | None, working_srid: int, lang: str
) -> dict[str, Any]:
    """One collection's description with its items link, extent and CRSs."""
    here = f"{base}/collections/{collection.id}"
    described: dict[str, Any] = {
        "id": collection.id,
        "title": collection.title.in_language(lang),
        "description": collection.description.in_language(lang),
        "itemType": "feature",
        "links": [
            link(here, "self", JSON, "This collection"),
            link(f"{here}/items", "items", GEOJSON, "The features"),
        ],
        "crs": supported_crs(working_srid),
        "storageCrs": epsg_uri(working_srid),
    }
    if extent is not None:
        described["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84}}
    return described


def collections_document(base: str, described: list[dict[str, Any]]) -> dict[str, Any]:
    """The list of collections."""
    return {
        "links": [link(f"{base}/collections", "self", JSON, "The collections")],
        "collections": described,
    }


def page_url(here: str, query: Mapping[str, str], offset: int, limit: int) -> str:
    """The items URL with the same query at another offset."""
    kept = {key: value for key, value in query.items() if key not in ("offset", "limit")}
    return f"{here}?{urlencode({**kept, 'limit': limit, 'offset': offset})}"


def items_page(
    here: str,
    query: Mapping[str, str],
    features: list[str],
    matched: int,
    offset: int,
    limit: int,
    stamp: str,
) -> str:
    """A page of features as GeoJSON text: the serialized features joined, with
    ``numberMatched``, ``numberReturned``, a time stamp and self/next/prev links."""
    links = [link(page_url(here, query, offset, limit), "self", GEOJSON, "This page")]
    if offset + len(features) < matched:
        links.append(link(page_url(here, query, offset + limit, limit), "next", GEOJSON))
    if offset > 0:
        links.append(link(page_url(here, query, max(offset - limit, 0), limit), "prev", GEOJSON))
    tail = json.dumps(
        {
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": stamp,
            "links": links,
        },
        ensure_ascii=False,
    )
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]," + tail[1:]


def item_document(here: str, feature: str, collection_url: str) -> str:
    """One feature as GeoJSON text, with links to itself and its collection."""
    links = json.dumps(
        [link(here, "self", GEOJSON), link(collection_url, "collection", JSON)],
        ensure_ascii=False,
    )
    return feature[:-1] + ',"links":' + links + "}"


def _parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """One query parameter of the API definition."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
    }


def _answer(description: str, media_type: str) -> dict[str, Any]:
    """One successful response of the API definition, with the error responses."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}
    return {
        "200": {
            "description": description,
            "content": {media_type: {"schema": {"type": "object"}}},
        },
        "400": {"description": "A parameter is not valid.", "content": error},
        "404": {"description": "Not found.", "content": error},
    }


def openapi(base: str, title: str, working_srid: int) -> dict[str, Any]:
    """The API definition (OpenAPI 3.0): every path, with the items' query parameters."""
    crs = {"type": "string", "format": "uri", "enum": supported_crs(working_srid)}
    items_parameters = [
        _parameter(
            "limit",
            f"Features per page (1–{MAX_LIMIT}; more is served as {MAX_LIMIT}).",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        _parameter("offset", "Features to skip.", {"type": "integer", "minimum": 0, "default": 0}),
        _parameter(
            "bbox",
            "Only features meeting this box: min x, min y, max x, max y in bbox-crs.",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        ),
        _parameter("bbox-crs", "The CRS of bbox (CRS84 by default).", crs),
        _parameter("crs", "The CRS of the returned geometry (CRS84 by default).", crs),
        _parameter("datetime", "Accepted; the collections have no time.", {"type": "string"}),
    ]
    collection_id = {
        "name": "collectionId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": [c.id for c in COLLECTIONS]},
    }
    feature_id = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}
    crs_only = [p for p in items_parameters if p["name"] == "crs"]
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0"},
        "servers": [{"url": base}],
        "paths": {
            "/": {
                "get": {"operationId": "getLandingPage", "responses": _answer("Landing page", JSON)}
            },
            "/conformance": {
                "get": {"operationId": "getConformance", "responses": _answer("Conformance", JSON)}
            },
            "/api": {
                "get": {"operationId": "getApi", "responses": _answer("This document", OPENAPI)}
            },
            "/collections": {
                "get": {"operationId": "getCollections", "responses": _answer("Collections", JSON)}
            },
            "/collections/{collectionId}": {
                "get": {
                    "operationId": "describeCollection",
                    "parameters": [collection_id],
                    "responses": _answer("The collection", JSON),
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "operationId": "getFeatures",
                    "parameters": [collection_id, *items_parameters],
                    "responses": _answer("A page of features", GEOJSON),
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "operationId": "getFeature",
                    "parameters": [collection_id, feature_id, *crs_only],
                    "responses": _answer("One feature", GEOJSON),
                }
            },
        },
        "components": {
            "schemas": {
                "exception": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
                }
            }
        },
    }
