"""The boundary editor in a real headless Chromium, against ``geoapp demo`` on the demo city
with the default settings (the GSI base map, its tiles refused as on a closed network).

A planner logs in, creates a plan from school zones on the plan list, and uses every tool;
after each step the map (each district's path), the panel and the server must agree.
A second client then changes the plan behind the editor's back to force a conflict.
Only requests to the local server are allowed.
"""

from __future__ import annotations

import http.cookiejar
import json
import subprocess
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from map_view import assert_city_in_view
from test_browser import (
    ARTIFACTS,
    GEOAPP,
    browser,
    demo_bounds,
    demo_environment,
    serving_demo,
    watched_page,
)

from geoapp.demo.city import read_demo_layer
from geoapp.layers import DISTRICTS

pytestmark = pytest.mark.browser
__all__ = ["browser"]

PLANNER, PASSWORD = "tanaka", "aoba-planner-2026"
DISTRICTS_DRAWN = len(read_demo_layer(DISTRICTS))


class ApiClient:
    """A second planner talking to the JSON API with its own session cookie."""

    def __init__(self, base: str, name: str, password: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = self.call("GET", "/api/session")["csrf_token"]
        self.token = self.call("POST", "/api/session", {"name": name, "password": password})[
            "csrf_token"
        ]

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"}
            | ({"X-CSRFToken": self.token} if method != "GET" else {}),
        )
        with self.opener.open(request, timeout=10) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``geoapp demo`` on a fresh embedded database with one planner account."""
    instance = tmp_path_factory.mktemp("editor-instance")
    env = demo_environment(instance)
    subprocess.run([GEOAPP, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    subprocess.run(
        [GEOAPP, "user", "add", PLANNER, "--role", "planner", "--password-stdin"],
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    with serving_demo(instance) as url:
        yield url


def log_in(page: Any, server: str, name: str, password: str) -> None:
    """Log in on the login page, which then opens the plan list."""
    page.goto(server + "/login?next=/plans/")
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("form.login-form button[type=submit]")


class Editor:
    """The editor page with helpers that click where districts are drawn."""

    def __init__(self, page: Any, plan_id: int, server: ApiClient) -> None:
        self.page, self.plan_id, self.server = page, plan_id, server

    def point(self, code: str) -> tuple[float, float]:
        x, y = self.page.evaluate("code => window.geoappEditor.screenPointOf(code)", code)
        return x, y

    def click(self, code: str) -> None:
        self.page.mouse.click(*self.point(code))

    def settle(self) -> None:
        """Wait until every queued edit has been answered."""
        self.page.wait_for_function("() => window.geoappEditor.state.plan !== null")
        self.page.evaluate("() => window.geoappEditor.state.queue")

    def district(self, code: str) -> dict[str, str | None]:
        """What the map drew for a district: its community attribute, class and fill."""
        path = self.page.locator(f'path.geoapp-district[data-code="{code}"]')
        return {
            "community": path.get_attribute("data-community"),
            "class": path.get_attribute("class"),
            "fill": path.get_attribute("fill"),
        }

    def figure(self, name: str) -> str:
        return self.page.locator(f'#active-card [data-figure="{name}"]').inner_text()

    def panel_agrees(self, community: int) -> dict[str, Any]:
        """Assert the active card shows the server's figures for ``community``; the plan."""
        plan = self.server_plan()
        figures = next(c for c in plan["checks"]["communities"] if c["id"] == community)
        assert self.figure("population") == f"{figures['population']:,}"
        assert self.figure("districts") == f"{figures['districts']:,}"
        assert self.client_assignments() == plan["assignments"]
        return plan

    def props(self) -> dict[str, dict[str, Any]]:
        return self.page.evaluate(
            "() => Object.fromEntries([...window.geoappEditor.state.districts.entries()]"
            ".map(([code, d]) => [code, d.props]))"
        )

    def client_assignments(self) -> dict[str, int]:
        return self.page.evaluate("() => window.geoappEditor.state.plan.assignments")

    def server_plan(self) -> dict[str, Any]:
        return self.server.call("GET", f"/api/plans/{self.plan_id}")


def members(plan: dict[str, Any], community: int) -> set[str]:
    return {code for code, cid in plan["assignments"].items() if cid == community}


def population_of(plan: dict[str, Any], community: int) -> int:
    return next(c["population"] for c in plan["checks"]["communities"] if c["id"] == community)


def test_a_planner_draws_a_community_with_every_tool(editor_server: str, browser) -> None:
    context, page, left_machine, errors = watched_page(browser, editor_server)

    # Log in and create a plan from the school zones on the plan list.
    page.goto(editor_server + "/plans/")
    page.fill("#login-name", PLANNER)
    page.fill("#login-password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.fill("#create-plan-form input[name=name]", "令和8年度 区域案")
    page.check("#create-plan-form input[value=school_zones]")
    page.click("#create-plan-form button[type=submit]")
    page.wait_for_url("**/plans/*/edit")
    page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    plan_id = int(page.url.rstrip("/").split("/")[-2])
    editor = Editor(page, plan_id, ApiClient(editor_server, PLANNER, PASSWORD))
    start = editor.server_plan()
    assert_city_in_view(page, "path.geoapp-district", DISTRICTS_DRAWN, demo_bounds())
    assert page.locator("#community-list li").count() == len(start["communities"]) == 14
    assert editor.client_assignments() == start["assignments"]

    # A new community becomes the active one.
    page.click("#new-community-button")
    page.fill("#new-community-form input[name=name]", "青葉中央まちづくり協議会")
    page.fill("#new-community-form input[name=name_kana]", "あおばちゅうおう")
    page.fill("#new-community-form input[name=color]", "#123456")
    page.click("#new-community-form button[type=submit]")
    page.wait_for_selector("#active-card h2:has-text('青葉中央まちづくり協議会')")
    created = next(c for c in editor.server_plan()["communities"] if c["color"] == "#123456")
    ours = created["id"]

    props = editor.props()
    free = sorted(code for code, p in props.items() if not p["centers"])
    first, second, third = free[10], free[40], free[41]

    # Click: one district moves to our community, on the map, the panel and the server.
    editor.click(first)
    editor.settle()
    assert editor.district(first)["community"] == str(ours)
    assert editor.district(first)["fill"] == "#123456"
    assert editor.figure("population") == f"{props[first]['population']:,}"
    assert members(editor.server_plan(), ours) == {first}

    # Brush: drag from one district to another paints both and those between.
    page.keyboard.press("b")
    page.mouse.move(*editor.point(second))
    page.mouse.down()
    page.mouse.move(*editor.point(third), steps=12)
    page.mouse.up()
    editor.settle()
    plan = editor.server_plan()
    assert {first, second, third} <= members(plan, ours)
    assert editor.client_assignments() == plan["assignments"]
    for code in members(plan, ours):
        assert editor.district(code)["community"] == str(ours)
    assert editor.figure("population") == f"{population_of(plan, ours):,}"

    # Zone brush: every district whose majority zone is the clicked one joins.
    page.keyboard.press("z")
    zone = next(
        p["majority_zone"]
        for code, p in props.items()
        if p["zones"] and p["zones"][0][1] == 1.0 and code not in members(plan, ours)
    )
    in_zone = sorted(code for code, p in props.items() if p["majority_zone"] == zone)
    target = next(code for code in in_zone if props[code]["zones"][0][1] == 1.0)
    editor.click(target)
    editor.settle()
    plan = editor.panel_agrees(ours)
    assert set(in_zone) <= members(plan, ours)
    assert all(editor.district(code)["community"] == str(ours) for code in in_zone)

    # Lasso: a loop drawn around one district's label takes that district.
    page.keyboard.press("l")
    outside = sorted(set(free) - members(plan, ours))
    lassoed = outside[len(outside) // 2]
    x, y = editor.point(lassoed)
    page.mouse.move(x - 30, y - 30)
    page.mouse.down()
    for dx, dy in ((30, -30), (30, 30), (-30, 30), (-30, -30)):
        page.mouse.move(x + dx, y + dy, steps=6)
    page.mouse.up()
    page.wait_for_function(
        f"() => window.geoappEditor.state.plan.assignments[{json.dumps(lassoed)}] === {ours}",
        timeout=10_000,
    )
    editor.settle()
    assert lassoed in members(editor.panel_agrees(ours), ours)
    assert editor.district(lassoed)["community"] == str(ours)

    # Eraser: the clicked district (and any under the eraser's circle) becomes unassigned.
    page.keyboard.press("e")
    before = editor.server_plan()
    editor.click(first)
    editor.settle()
    after = editor.panel_agrees(ours)
    erased = members(before, ours) - members(after, ours)  # the eraser's circle, at least
    assert first in erased and first not in after["assignments"]
    lost = sum(props[code]["population"] for code in erased)
    assert population_of(after, ours) == population_of(before, ours) - lost
    assert "unassigned" in (editor.district(first)["class"] or "")
    assert page.locator(".check-item.unassigned").count() == 1

    # Undo brings it back; redo takes it away again.
    page.keyboard.press("Control+z")
    editor.settle()
    assert editor.panel_agrees(ours)["assignments"][first] == ours
    assert population_of(editor.server_plan(), ours) == population_of(before, ours)
    assert editor.district(first)["community"] == str(ours)
    page.keyboard.press("Control+Shift+z")
    editor.settle()
    assert first not in editor.panel_agrees(ours)["assignments"]
    assert editor.district(first)["community"] == ""

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor.png"))
    assert left_machine == []
    assert errors == []
    context.close()


def test_a_conflicting_edit_is_explained_reloaded_and_can_be_retried(
    editor_server: str, browser
) -> None:
    context, page, left_machine, errors = watched_page(browser, editor_server)
    log_in(page, editor_server, PLANNER, PASSWORD)
    other = ApiClient(editor_server, PLANNER, PASSWORD)
    plan = other.call("POST", "/api/plans", {"name": "競合の確認", "source": "school_zones"})
    page.goto(f"{editor_server}/plans/{plan['id']}/edit")
    page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    editor = Editor(page, plan["id"], other)
    props = editor.props()
    free = sorted(code for code, p in props.items() if not p["centers"])
    theirs, mine = free[5], free[60]
    first, last = plan["communities"][0]["id"], plan["communities"][-1]["id"]

    # Another planner moves a district while this page still holds the old version.
    other.call(
        "POST",
        f"/api/plans/{plan['id']}/edits",
        {"version": plan["version"], "op": "assign", "community": first, "districts": [theirs]},
    )
    page.click(f'#community-list li[data-community="{last}"]')
    editor.click(mine)
    notice = page.locator("#conflict-notice")
    notice.wait_for(state="visible", timeout=10_000)
    assert "他の職員" in notice.inner_text() and "版 2" in notice.inner_text()
    assert props[mine]["name"] in page.locator("#pending-action").inner_text()
    # The newer version was loaded: the other planner's change shows on the map.
    assert editor.district(theirs)["community"] == str(first)
    assert page.locator("#plan-version").inner_text().endswith("2")

    page.click("#retry-button")
    editor.settle()
    assert editor.server_plan()["assignments"][mine] == last
    assert editor.district(mine)["community"] == str(last)
    assert notice.is_hidden()
    assert left_machine == []
    # The refused edit is the one error the browser logs (its 409 answer), nothing else.
    assert len(errors) == 1 and "409" in errors[0]
    context.close()


def test_a_hub_description_and_place_are_set_in_the_editor_and_an_adopted_plan_is_read_only(
    editor_server: str, browser
) -> None:
    context, page, left_machine, errors = watched_page(browser, editor_server)
    log_in(page, editor_server, "demo-admin", "aobagawa-admin")
    admin = ApiClient(editor_server, "demo-admin", "aobagawa-admin")
    plan = admin.call("POST", "/api/plans", {"name": "拠点と決定の確認", "source": "school_zones"})
    page.goto(f"{editor_server}/plans/{plan['id']}/edit")
    page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    editor = Editor(page, plan["id"], admin)
    community = plan["communities"][0]
    page.click(f'#community-list li[data-community="{community["id"]}"]')

    # The hub is chosen among the centres, those inside the community listed first.
    inside = page.locator("#hub-select optgroup").first.locator("option")
    assert inside.count() >= 1
    hub = inside.first.get_attribute("value")
    page.select_option("#hub-select", hub)
    page.fill("#community-form textarea[name=description]", "<b>公民館</b>を拠点に活動")
    page.click("#community-form button[type=submit]")
    editor.settle()
    saved = next(c for c in editor.server_plan()["communities"] if c["id"] == community["id"])
    assert saved["hub_center"] == hub
    assert saved["description"] == "<b>公民館</b>を拠点に活動"
    assert page.locator("#community-form textarea").input_value() == saved["description"]
    version = editor.server_plan()["version"]
    page.click("#community-form button[type=submit]")  # unchanged: nothing is sent
    editor.settle()
    assert editor.server_plan()["version"] == version

    # An important place is put where the map is clicked, and drawn there.
    member = next(code for code, cid in plan["assignments"].items() if cid == community["id"])
    page.click("#add-place-button")
    editor.click(member)
    page.fill("#place-form input[name=name]", "旧青葉小学校跡地")
    page.click("#place-form button[type=submit]")
    editor.settle()
    saved = next(c for c in editor.server_plan()["communities"] if c["id"] == community["id"])
    assert [place["name"] for place in saved["places"]] == ["旧青葉小学校跡地"]
    assert page.locator("#place-list").inner_text().startswith("旧青葉小学校跡地")
    assert page.locator("path.geoapp-place").count() == 1

    # The history says what each version changed, and which version a restore brings back.
    page.click("#history-button")
    newest = page.locator("#history-list li").first
    assert f"「{community['name']}」の重要な場所を変更" in newest.inner_text()
    second = page.locator("#history-list li").nth(1)
    assert f"「{community['name']}」の説明・拠点施設を変更" in second.inner_text()
    oldest = page.locator("#history-list li").last
    assert "行政区を" in oldest.inner_text() and "コミュニティへ" in oldest.inner_text()
    assert oldest.locator("button").inner_text() == "版 1 に戻す"
    page.click("#close-history")

    # Adopting asks first, explaining the statuses; cancelling changes nothing.
    page.select_option("#status-select", "proposed")
    editor.settle()
    page.select_option("#status-select", "adopted")
    dialog = page.locator("#adopt-dialog")
    dialog.wait_for(state="visible")
    assert "作成中" in dialog.inner_text() and "保管" in dialog.inner_text()
    page.click("#adopt-dialog button[value=cancel]")
    editor.settle()
    assert editor.server_plan()["status"] == "proposed"
    page.select_option("#status-select", "adopted")
    page.click("#adopt-dialog button[value=adopt]")
    page.locator("#readonly-notice").wait_for(state="visible")
    assert editor.server_plan()["status"] == "adopted"

    # The adopted plan is read-only: tools and fields are disabled, a click changes nothing.
    version = editor.server_plan()["version"]
    assert page.locator('.tool[data-tool="click"]').is_disabled()
    assert page.locator("#community-form input[name=name]").is_disabled()
    other = next(code for code, cid in plan["assignments"].items() if cid != community["id"])
    editor.click(other)
    editor.settle()
    assert editor.server_plan()["version"] == version
    assert page.locator("#add-place-button").count() == 0

    # "Copy to edit" makes a draft with the same communities and opens it.
    page.click("#copy-plan-button")
    page.wait_for_url(lambda url: f"/plans/{plan['id']}/edit" not in url)
    page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    copy_id = int(page.url.rstrip("/").split("/")[-2])
    copy = admin.call("GET", f"/api/plans/{copy_id}")
    assert copy["status"] == "draft" and copy["assignments"] == plan["assignments"]
    assert page.locator("#readonly-notice").is_hidden()
    assert not page.locator('.tool[data-tool="click"]').is_disabled()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-copy.png"))
    assert left_machine == []
    assert errors == []
    context.close()


def test_the_comparison_map_opens_on_the_city_with_every_district_in_view(
    editor_server: str, browser
) -> None:
    # Two plans from the school zones, the second with one district moved.
    planner = ApiClient(editor_server, PLANNER, PASSWORD)
    first = planner.call("POST", "/api/plans", {"name": "比較A", "source": "school_zones"})
    second = planner.call("POST", "/api/plans", {"name": "比較B", "source": "school_zones"})
    district, community = sorted(second["assignments"].items())[0]
    elsewhere = next(c["id"] for c in second["communities"] if c["id"] != community)
    planner.call(
        "POST",
        f"/api/plans/{second['id']}/edits",
        {
            "version": second["version"],
            "op": "assign",
            "community": elsewhere,
            "districts": [district],
        },
    )
    context, page, left_machine, errors = watched_page(browser, editor_server)
    page.goto(f"{editor_server}/login?next=/plans/compare%3Fa%3D{first['id']}%26b%3D{second['id']}")
    page.fill("#login-name", PLANNER)
    page.fill("#login-password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_selector("body[data-compare-ready=true]", timeout=30_000)
    assert page.locator("#moved-table tr[data-district]").count() == 1
    assert_city_in_view(page, "path.geoapp-district", DISTRICTS_DRAWN, demo_bounds())
    assert page.locator("path.geoapp-district.moved").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare.png"))
    assert left_machine == []
    assert errors == []
    context.close()


def test_a_refused_plan_import_shows_the_servers_reason_in_the_page_language(
    editor_server: str, browser
) -> None:
    context, page, left_machine, errors = watched_page(browser, editor_server)
    log_in(page, editor_server, PLANNER, PASSWORD)
    broken = {"name": "壊れた案.geojson", "mimeType": "application/geo+json", "buffer": b"{oops"}
    notice = page.locator("#error-notice")

    page.set_input_files("#import-plan-form input[name=file]", broken)
    page.click("#import-plan-form button[type=submit]")
    notice.wait_for(state="visible", timeout=10_000)
    assert "壊れた案.geojson を GeoJSON として読めません" in notice.inner_text()

    page.goto(editor_server + "/plans/?lang=en")
    page.set_input_files("#import-plan-form input[name=file]", broken)
    page.click("#import-plan-form button[type=submit]")
    notice.wait_for(state="visible", timeout=10_000)
    assert "Cannot read 壊れた案.geojson as GeoJSON" in notice.inner_text()
    # The two refused imports (400) are the only errors the browser logs.
    assert len(errors) == 2 and all("400" in error for error in errors)
    assert left_machine == []
    context.close()
