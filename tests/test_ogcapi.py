"""OGC API – Features as its clients use it, on the demo city (an adopted plan and a
draft): walked as the standard says (landing → conformance → collections → items with
paging and bbox → one item), in CRS84 and the city's plane zone, cached by ETag, only
public fields; and read whole by GDAL's OAPIF driver from a real server with small pages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import shapely
from conftest import TEST_SRID, missing, with_demo_grants
from flask import Flask
from flask.testing import FlaskClient

from geoapp.demo.organizations import ADMIN, PLANNER
from geoapp.errors import StageRuleBroken
from geoapp.japanese_calendar import today_in_japan
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.ogcapi.collections import COLLECTIONS, GRANT_FIELDS, ORGANIZATION_FIELDS
from geoapp.ogcapi.crs import CRS84, epsg_uri
from geoapp.ogcapi.views import EDITIONS

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
PLANE = epsg_uri(TEST_SRID)


@pytest.fixture
def demo_app(demo_app: Flask) -> Flask:
    """The demo city with its grants, which the open data publishes."""
    return with_demo_grants(demo_app)


def expected_counts(app: Flask) -> dict[str, int]:
    """How many features each collection must hold."""
    store = app.extensions["geoapp.store"]
    planning = app.extensions["geoapp.plans"]
    adopted = planning.public_plan()
    return {
        "communities": len(adopted["communities"]),
        "districts": store.count(DISTRICTS),
        "school-zones": store.count(SCHOOL_ZONES),
        "hubs": store.count(CENTERS),
        "organizations": len(app.extensions["geoapp.organizations"].list_organizations(None)),
        "grants": len(granted(app)),
    }


def granted(app: Flask) -> list[dict[str, Any]]:
    """Every grant of more than 0, as staff see it (every field)."""
    return [g for g in app.extensions["geoapp.subsidies"].grants() if g["granted"] > 0]


def get_json(client: FlaskClient, url: str, status: int = 200) -> dict[str, Any]:
    """A JSON answer with the expected status."""
    answer = client.get(url)
    assert answer.status_code == status, (url, answer.get_data(as_text=True)[:500])
    return json.loads(answer.get_data(as_text=True))


def rel(document: dict[str, Any], name: str) -> str:
    """The href of the link with this relation."""
    return next(link["href"] for link in document["links"] if link["rel"] == name)


def local(url: str) -> str:
    """A link made relative to the test client's host."""
    return url.removeprefix("http://localhost")


def walk(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    """Every feature reached by following ``next`` links, each page checked."""
    features: list[dict[str, Any]] = []
    while url:
        page = get_json(client, url)
        assert page["type"] == "FeatureCollection"
        assert page["numberReturned"] == len(page["features"])
        features += page["features"]
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = local(following[0]) if following else ""
    assert len(features) == page["numberMatched"]
    return features


def test_a_client_walks_every_collection_as_the_standard_says(demo_app: Flask) -> None:
    client = demo_app.test_client()
    landing = get_json(client, "/ogcapi/")
    assert {link["rel"] for link in landing["links"]} >= {"service-desc", "conformance", "data"}
    api = client.get(local(rel(landing, "service-desc")))
    assert api.status_code == 200 and json.loads(api.data)["openapi"].startswith("3.0")
    conforms = get_json(client, local(rel(landing, "conformance")))["conformsTo"]
    assert {f"{CORE}core", f"{CORE}geojson", f"{CORE}oas30"} <= set(conforms)
    collections = get_json(client, local(rel(landing, "data")))["collections"]
    assert [c["id"] for c in collections] == [c.id for c in COLLECTIONS]
    counts = expected_counts(demo_app)
    for described in collections:
        assert described["itemType"] == "feature" and CRS84 in described["crs"]
        assert PLANE in described["crs"] and described["storageCrs"] == PLANE
        if described["id"] not in ("organizations", "grants"):  # without geometry or extent
            west, south, east, north = described["extent"]["spatial"]["bbox"][0]
            assert 120 < west < east < 150 and 20 < south < north < 46
        items = local(rel(described, "items"))
        features = walk(client, f"{items}?limit=7")
        assert len(features) == counts[described["id"]]
        assert len({f["id"] for f in features}) == len(features)
        one = features[len(features) // 2]
        single = get_json(client, f"{items}/{one['id']}")
        assert single["geometry"] == one["geometry"] and single["properties"] == one["properties"]


def test_bbox_and_the_plane_crs_select_and_place_the_same_districts(demo_app: Flask) -> None:
    client = demo_app.test_client()
    store = demo_app.extensions["geoapp.store"]
    districts = store.read_layer(DISTRICTS)
    chosen = districts.iloc[len(districts) // 2]
    point = districts.geometry.iloc[len(districts) // 2].representative_point()
    lonlat = districts.set_geometry([point] * len(districts)).to_crs(4326).geometry.iloc[0]
    box = f"{lonlat.x - 1e-5},{lonlat.y - 1e-5},{lonlat.x + 1e-5},{lonlat.y + 1e-5}"
    found = get_json(client, f"/ogcapi/collections/districts/items?bbox={box}&limit=1000")
    assert chosen["code"] in {f["id"] for f in found["features"]}
    assert 1 <= found["numberMatched"] < len(districts)
    plane_box = f"{point.y - 1},{point.x - 1},{point.y + 1},{point.x + 1}"  # northing first
    same = get_json(
        client,
        f"/ogcapi/collections/districts/items?bbox={plane_box}&bbox-crs={PLANE}&crs={PLANE}",
    )
    assert {f["id"] for f in same["features"]} == {f["id"] for f in found["features"]}
    answer = client.get(f"/ogcapi/collections/districts/items/{chosen['code']}?crs={PLANE}")
    assert answer.headers["Content-Crs"] == f"<{PLANE}>"
    geometry = shapely.geometry.shape(json.loads(answer.data)["geometry"])
    unswapped = shapely.transform(geometry, lambda xy: xy[:, ::-1])
    assert unswapped.symmetric_difference(chosen.geometry).area < 1e-3 * chosen.geometry.area
    default = client.get(f"/ogcapi/collections/districts/items/{chosen['code']}")
    assert default.headers["Content-Crs"] == f"<{CRS84}>"
    exterior = json.loads(default.data)["geometry"]["coordinates"][0][0]
    assert shapely.LinearRing(exterior).is_ccw  # RFC 7946 winding


def test_only_public_fields_of_the_adopted_plan_are_published(demo_app: Flask) -> None:
    client = demo_app.test_client()
    planning = demo_app.extensions["geoapp.plans"]
    draft = next(p for p in planning.list_plans() if p["status"] == "draft")
    _, draft_state = planning.state(draft["id"])
    adopted_names = {c["name"] for c in planning.public_plan()["communities"]}
    draft_only = {c["name"] for c in draft_state.communities.values()} - adopted_names
    assert draft_only  # the demo draft renamed or added a community
    for collection in COLLECTIONS:
        features = walk(client, f"/ogcapi/collections/{collection.id}/items?limit=1000")
        for feature in features:
            assert set(feature["properties"]) == set(collection.fields)
            assert not any(isinstance(v, dict | list) for v in feature["properties"].values())
        text = json.dumps(features, ensure_ascii=False)
        assert not any(name in text for name in draft_only)
        assert '"locked"' not in text and '"places"' not in text


def test_answers_carry_an_etag_and_cache_control_and_a_match_is_304(demo_app: Flask) -> None:
    client = demo_app.test_client()
    url = "/ogcapi/collections/communities/items?limit=5"
    first = client.get(url)
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    other = client.get(url.replace("limit=5", "limit=6"))
    assert other.headers["ETag"] != first.headers["ETag"]


def test_bad_requests_are_the_standards_exception_never_a_500(demo_app: Flask) -> None:
    client = demo_app.test_client()
    for url, status in (
        ("/ogcapi/collections/nowhere/items", 404),
        ("/ogcapi/collections/districts/items/no-such-code", 404),
        ("/ogcapi/collections/districts/items?limit=-1", 400),
        ("/ogcapi/collections/districts/items?bbox=10,10,0,0", 400),
        ("/ogcapi/collections/districts/items?crs=EPSG:9999", 400),
        ("/ogcapi/no-such-route", 404),
    ):
        body = get_json(client, url, status)
        assert body["code"] and body.get("description", body["message"]), body


def test_a_huge_limit_is_served_as_the_maximum_and_far_offsets_are_empty(
    demo_app: Flask,
) -> None:
    client = demo_app.test_client()
    huge = get_json(client, "/ogcapi/collections/districts/items?limit=99999999999999999999")
    assert huge["numberReturned"] == min(huge["numberMatched"], 1000)
    far = get_json(client, "/ogcapi/collections/districts/items?offset=99999999999")
    assert far["features"] == [] and not [x for x in far["links"] if x["rel"] == "next"]
    world = get_json(client, "/ogcapi/collections/districts/items?bbox=-180,-90,180,90")
    assert world["numberMatched"] == huge["numberMatched"]
    elsewhere = get_json(client, "/ogcapi/collections/districts/items?bbox=0,0,1,1")
    assert elsewhere["numberMatched"] == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gdal_reads_every_collection_page_by_page(
    served: tuple[str, list[str]], demo_app: Flask, tmp_path: Path
) -> None:
    if shutil.which("ogr2ogr") is None:
        missing("ogr2ogr is not installed (apt-get install gdal-bin)")
    root, asked = served
    counts = expected_counts(demo_app)
    store = demo_app.extensions["geoapp.store"]
    areas = {"districts": store.read_layer(DISTRICTS).area.sum()}
    for collection in COLLECTIONS:
        target = tmp_path / f"{collection.id}.gpkg"
        copied = subprocess.run(
            [
                *("ogr2ogr", "-f", "GPKG", "-t_srs", f"EPSG:{TEST_SRID}", str(target)),
                *(f"OAPIF:{root}/ogcapi/", collection.id, "-oo", "PAGE_SIZE=25"),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert copied.returncode == 0, copied.stderr
        assert "ERROR" not in copied.stderr, copied.stderr
        info = subprocess.run(
            ["ogrinfo", "-ro", "-so", "-al", str(target)], capture_output=True, text=True
        )
        assert f"Feature Count: {counts[collection.id]}" in info.stdout, info.stdout
        pages = [a for a in asked if a.startswith(f"/ogcapi/collections/{collection.id}/items")]
        assert len(pages) >= counts[collection.id] // 25, pages
        # Every feature without geometry reads as a layer of unknown geometry type (GDAL
        # 3.6's OAPIF guesses the type from the features).
        expected_geometry = {
            "Point": "Point",
            "MultiPolygon": "Multi Polygon",
            None: "Unknown (any)",
        }[collection.geometry_type]
        assert f"Geometry: {expected_geometry}" in info.stdout, info.stdout
    read = subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-q",
            str(tmp_path / "districts.gpkg"),
            "-sql",
            "SELECT SUM(ST_Area(geom)) AS area FROM districts",
            "-dialect",
            "SQLite",
        ],
        capture_output=True,
        text=True,
    )
    area = float(read.stdout.split("area (Real) =")[1].split()[0])
    assert area == pytest.approx(areas["districts"], rel=1e-4)


def test_organizations_are_published_without_geometry_and_only_their_public_fields(
    demo_app: Flask,
) -> None:
    client = demo_app.test_client()
    organizations = demo_app.extensions["geoapp.organizations"]
    features = walk(client, "/ogcapi/collections/organizations/items?limit=5")
    assert len(features) == len(organizations.list_organizations(None)) > 0
    communities = {
        f["id"]: f["properties"]["name"]
        for f in walk(client, "/ogcapi/collections/communities/items?limit=1000")
    }
    for feature in features:
        assert feature["geometry"] is None
        assert set(feature["properties"]) == set(ORGANIZATION_FIELDS)
        properties = feature["properties"]
        assert communities[properties["community_id"]] == properties["community"]
    staged = [f["properties"] for f in features if f["properties"]["stage"]]
    assert staged and all(p["stage_name"] and p["stage_since"] for p in staged)
    assert any(p["milestones"] and "20" in p["milestones"] for p in staged)
    text = json.dumps(features, ensure_ascii=False)
    for hidden in organizations.list_organizations(ADMIN):
        assert hidden["contact_private"] not in text and hidden["area_staff"] not in text
    assert "notes_private" not in text and "090-0000" not in text


def etags(client: FlaskClient, collection_ids: tuple[str, ...]) -> dict[str, str]:
    """Each collection's items page's and description's ETags, by collection id."""
    return {
        name: client.get(f"/ogcapi/collections/{name}/items?limit=1000").headers["ETag"]
        + client.get(f"/ogcapi/collections/{name}").headers["ETag"]
        for name in collection_ids
    }


def test_a_stage_change_changes_the_etag_and_the_served_stage(demo_app: Flask) -> None:
    client = demo_app.test_client()
    store = demo_app.extensions["geoapp.store"]
    organizations = demo_app.extensions["geoapp.organizations"]
    url = "/ogcapi/collections/organizations/items?limit=1000"
    before = client.get(url)
    shapes = ("communities", "districts", "school-zones", "hubs")
    shapes_before = etags(client, shapes)
    editions = demo_app.extensions[EDITIONS]
    prepared = {name: editions.latest(name) for name in shapes}
    stamp = store.data_stamp()
    waiting = next(o for o in organizations.list_organizations(ADMIN) if o["stage"] is None)
    first = organizations.scheme().stage_keys[0]
    try:
        organizations.change_stage(PLANNER, waiting["id"], first, today_in_japan())
    except StageRuleBroken:
        organizations.change_stage(
            ADMIN, waiting["id"], first, today_in_japan(), exception_reason="テストでの例外"
        )
    assert store.data_stamp() == stamp  # the layers' stamp did not move
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    served = {f["id"]: f["properties"] for f in json.loads(after.data)["features"]}
    assert served[waiting["id"]]["stage"] == first
    assert json.loads(before.data)["numberMatched"] == json.loads(after.data)["numberMatched"]
    page = client.get("/opendata/organizations/csv")
    assert first in page.get_data(as_text=True)
    # The shapes are neither served anew nor rebuilt: their ETags and preparations stay.
    assert etags(client, shapes) == shapes_before
    assert all(editions.latest(name) is prepared[name] for name in shapes)


def test_grants_are_published_without_geometry_and_only_their_public_fields(
    demo_app: Flask,
) -> None:
    client = demo_app.test_client()
    staff_view = demo_app.extensions["geoapp.subsidies"].grants()
    features = walk(client, "/ogcapi/collections/grants/items?limit=9")
    made = [g for g in staff_view if g["granted"] > 0]
    assert len(features) == len(made) > 9  # more than one page
    refused = [g for g in staff_view if g["granted"] == 0]
    assert refused and not {g["id"] for g in refused} & {f["id"] for f in features}
    by_id = {g["id"]: g for g in made}
    communities = {
        f["id"]: f["properties"]["name"]
        for f in walk(client, "/ogcapi/collections/communities/items?limit=1000")
    }
    programs = {p.key: p.name for p in demo_app.extensions["geoapp.subsidies"].programs()}
    for feature in features:
        assert feature["geometry"] is None
        properties = feature["properties"]
        assert list(properties) == list(GRANT_FIELDS)
        staff = by_id[feature["id"]]
        for name in ("fiscal_year", "program", "organization_id", "organization", "granted"):
            assert properties[name] == staff[name], name
        assert isinstance(properties["granted"], int) and isinstance(properties["fiscal_year"], int)
        assert properties["fiscal_year_label"] == staff["fiscal_year_label"]
        assert properties["program_name"] == programs[staff["program"]]
        assert properties["community_id"] == staff["community_id"]
        assert communities[properties["community_id"]] == properties["community"]
    single = get_json(client, f"/ogcapi/collections/grants/items/{features[0]['id']}")
    assert single["properties"] == features[0]["properties"]
    text = json.dumps(features, ensure_ascii=False)
    assert_no_staff_field_of_grants(demo_app, text)


def assert_no_staff_field_of_grants(app: Flask, text: str) -> None:
    """No field that only staff see of a grant (or of its organization) is in ``text``:
    neither its name nor any of its values."""
    grants = app.extensions["geoapp.subsidies"].grants()
    hidden_fields = set(grants[0]) - set(GRANT_FIELDS) - {"id"}
    assert hidden_fields == {
        "project",
        "requested",
        "decided_on",
        "note",
        "exception_reason",
        "waived_rules",
        "recorded_by",
        "recorded_at",
    }
    for name in hidden_fields:
        assert f'"{name}"' not in text, name
    values = {
        str(grant[name])
        for grant in grants
        for name in ("project", "note", "exception_reason", "recorded_by", "recorded_at")
        if grant[name]
    } | {grant["decided_on"] for grant in grants if grant["decided_on"]}
    values |= {rule["message"] for grant in grants for rule in grant["waived_rules"]}
    assert any(grant["exception_reason"] for grant in grants)  # the demo has exceptions
    assert values and not [value for value in values if value in text]
    for hidden in app.extensions["geoapp.organizations"].list_organizations(ADMIN):
        for name in ("contact_private", "area_staff", "notes_private"):
            assert not hidden.get(name) or hidden[name] not in text, name


def test_a_grant_change_moves_the_grants_etag_and_not_the_shapes(demo_app: Flask) -> None:
    client = demo_app.test_client()
    subsidies = demo_app.extensions["geoapp.subsidies"]
    url = "/ogcapi/collections/grants/items?limit=1000"
    before = client.get(url)
    shapes = ("communities", "districts")
    shapes_before = etags(client, shapes)
    gone = next(g for g in subsidies.grants() if g["granted"] > 0)
    subsidies.delete_grant(ADMIN, gone["id"])
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    page = json.loads(after.data)
    assert page["numberMatched"] == json.loads(before.data)["numberMatched"] - 1
    assert gone["id"] not in {f["id"] for f in page["features"]}
    assert client.get(f"/ogcapi/collections/grants/items/{gone['id']}").status_code == 404
    assert etags(client, shapes) == shapes_before


def test_collections_are_titled_and_described_in_the_asked_language(demo_app: Flask) -> None:
    client = demo_app.test_client()
    for lang in ("ja", "en"):
        shown = get_json(client, f"/ogcapi/collections?lang={lang}")["collections"]
        assert [(c["title"], c["description"]) for c in shown] == [
            (c.title.in_language(lang), c.description.in_language(lang)) for c in COLLECTIONS
        ]
    english = get_json(client, "/ogcapi/collections?lang=en")["collections"]
    assert [c["title"] for c in english][:3] == [
        "Wide-area communities",
        "Districts",
        "School zones",
    ]
    assert not any(JAPANESE.search(c["title"] + c["description"]) for c in english)
