"""The editor's data on the hand-drawn grid city: display districts, the lasso, the
reassign edit behind undo and redo, and the editor's pages and API routes."""

from __future__ import annotations

import json
import re

import pytest
import shapely
from flask import Flask
from shapely import Polygon, box
from shapely.geometry import shape
from shapes import grid_centers, grid_zones, nine_districts
from staff import Staff

from geoapp.editor.display import display_districts
from geoapp.errors import BadInput
from geoapp.geometry.lasso import districts_mostly_inside
from geoapp.layers import DISTRICTS
from geoapp.plans.edits import PALETTE


def test_display_districts_carry_figures_zone_shares_and_centres() -> None:
    collection = display_districts(nine_districts(), grid_zones(), grid_centers(), 1.0)
    features = {f["properties"]["code"]: f for f in collection["features"]}
    assert list(features) == [f"G{n}" for n in range(1, 10)]
    g5 = features["G5"]["properties"]
    assert g5["population"] == 500 and g5["area_m2"] == 10_000
    assert g5["majority_zone"] == "Z1"
    assert g5["zones"] == [["Z1", 0.6], ["Z2", 0.4]]
    assert g5["centers"] == ["K5"] and features["G2"]["properties"]["centers"] == []
    lon, lat = g5["label"]
    assert 138 < lon < 139 and 35 < lat < 37


def test_display_districts_keep_shared_edges_shared() -> None:
    collection = display_districts(nine_districts(), grid_zones(), grid_centers(), 5.0)
    outlines = [shape(f["geometry"]) for f in collection["features"]]
    corners = [{tuple(point) for point in shapely.get_coordinates(s)} for s in outlines]
    # G1 and G2 still share both ends of their common edge after simplification.
    assert len(corners[0] & corners[1]) == 2


def test_the_lasso_takes_districts_mostly_inside() -> None:
    districts = nine_districts()
    loop = box(90, 90, 210, 210)  # all of G5, a tenth or less of each neighbour
    assert districts_mostly_inside(districts, loop) == ["G5"]
    assert districts_mostly_inside(districts, box(-10, -10, 310, 110)) == ["G1", "G2", "G3"]
    assert districts_mostly_inside(districts, box(1000, 1000, 1100, 1100)) == []


def test_a_self_crossing_lasso_is_repaired_and_a_flat_one_refused() -> None:
    districts = nine_districts()
    figure_eight = Polygon([(0, 0), (300, 300), (300, 0), (0, 300)])
    assert "G5" not in districts_mostly_inside(districts, figure_eight)
    with pytest.raises(BadInput):
        districts_mostly_inside(districts, Polygon([(0, 0), (100, 0), (200, 0)]))


def test_reassign_moves_districts_apart_in_one_edit(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    west, east = (c["id"] for c in plan["communities"])
    answer = tanaka.edit(
        plan["id"], plan["version"], "reassign", assignments={"G1": east, "G2": west, "G3": None}
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["version"] == 2
    assert body["changes"]["assignments"] == {
        "G1": [west, east],
        "G2": [east, west],
        "G3": [east, None],
    }
    stored = tanaka.plan(plan["id"])["assignments"]
    assert (stored["G1"], stored["G2"], "G3" in stored) == (east, west, False)


def test_reassign_refuses_unknown_districts_and_locked_communities(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    west, east = (c["id"] for c in plan["communities"])
    unknown = tanaka.edit(plan["id"], 1, "reassign", assignments={"G99": west})
    assert unknown.status_code == 400 and "G99" in unknown.get_json()["message"]
    assert tanaka.edit(plan["id"], 1, "lock_community", community=east).status_code == 200
    locked = tanaka.edit(plan["id"], 2, "reassign", assignments={"G1": east})
    assert locked.status_code == 423 and "ロック" in locked.get_json()["message"]
    assert tanaka.plan(plan["id"])["version"] == 2
    empty = tanaka.edit(plan["id"], 2, "reassign", assignments={})
    assert empty.status_code == 400


def test_the_city_layers_are_served_once_per_load_with_an_etag(tanaka: Staff) -> None:
    first = tanaka.get("/api/editor/city")
    assert first.status_code == 200
    body = first.get_json()
    assert len(body["districts"]["features"]) == 9 and len(body["zones"]["features"]) == 2
    assert len(body["centers"]["features"]) == 3
    again = tanaka.get("/api/editor/city", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_lasso_route_answers_district_codes(tanaka: Staff, grid_app: Flask) -> None:
    store = grid_app.extensions["geoapp.store"]
    g5 = store.read_layer(DISTRICTS, crs=4326).set_index("code").loc["G5"]
    minx, miny, maxx, maxy = g5.geometry.bounds
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy]]
    answer = tanaka.post("/api/editor/lasso", {"polygon": ring})
    assert answer.status_code == 200 and answer.get_json() == {"districts": ["G5"]}
    bad = tanaka.post("/api/editor/lasso", {"polygon": [[1, 2]]})
    assert bad.status_code == 400


def test_editor_pages_send_anonymous_visitors_to_the_login(grid_app: Flask) -> None:
    client = grid_app.test_client()
    for url in ("/plans/", "/plans/1/edit", "/plans/compare"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert client.get("/api/editor/city").status_code == 401


def test_the_plan_list_editor_and_comparison_render_for_a_planner(tanaka: Staff) -> None:
    plan = tanaka.new_plan(name="西東案")
    listing = tanaka.get("/plans/").get_data(as_text=True)
    assert "西東案" in listing and "作成中" in listing
    page = tanaka.get(f"/plans/{plan['id']}/edit").get_data(as_text=True)
    assert "西東案" in page and "cdn" not in page.lower()
    scripts = re.findall(r'<script src="/static/([^"?]+)', page)
    modules = ["state", "server", "map", "tools", "panels", "districts", "history", "start"]
    assert scripts == [
        "text.js",
        "regions.js",
        "header.js",
        "api.js",
        *(f"editor/{name}.js" for name in modules),
        "map_features.js",
    ]
    other = tanaka.new_plan(name="別案")
    tanaka.edit(other["id"], 1, "unassign", districts=["G1"])
    compared = tanaka.get(f"/plans/compare?a={plan['id']}&b={other['id']}").get_data(as_text=True)
    assert 'data-district="G1"' in compared


def test_the_editor_offers_the_same_palette_the_server_colours_new_communities_from(
    tanaka: Staff,
) -> None:
    plan = tanaka.new_plan(name="色の案")
    page = tanaka.get(f"/plans/{plan['id']}/edit").get_data(as_text=True)
    config = re.search(
        r'<script type="application/json" id="editor-config">(.*?)</script>', page, re.S
    )
    assert config is not None
    assert json.loads(config.group(1))["palette"] == list(PALETTE)
