"""Stored XSS, tried in a real headless Chromium against ``geoapp demo`` with its real CSP.

The demo city's layers are re-imported with script payloads in names, in free attribute
names and values; plans and communities are named with payloads through the API and one plan
is adopted. Every page that shows them is opened, every tooltip and popup of every map is
opened, and nothing may run: ``window.__xss`` stays undefined, no dialog opens, no CSP
violation is reported, and each payload reads as literal text.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import pytest
from test_browser import GEOAPP, browser, demo_environment, serving_demo, watched_page
from test_editor_browser import ApiClient

from geoapp.demo.city import read_demo_layer
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES, Layer

pytestmark = pytest.mark.browser
__all__ = ["browser"]

PAYLOADS = (
    "<img src=x onerror=window.__xss=1>高橋",
    '"><script>window.__xss=2</script>',
    "javascript:window.__xss=3",
    "<svg onload=window.__xss=4>",
    "'><iframe srcdoc='<script>parent.__xss=5</script>'>",
    "${window.__xss=6}</textarea><b onmouseover=alert(7)>",
)
ADMIN, ADMIN_PASSWORD = "demo-admin", "aobagawa-admin"
CITY_NAME = "<svg onload=window.__xss=9>市"
CREDITS = '出典 <img src=x onerror=window.__xss=10> https://example.jp/"><script>x</script>'

# Watch for script that runs, dialogs, and CSP violations from before the page's own code.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.lineNumber}`));
"""

# Opens every tooltip and popup of every Leaflet map on the page as a visitor would (the
# mouse over each feature, then a click), and returns the text each one showed.
OPEN_EVERYTHING = """
(clickable) => {
  const shown = { tooltips: [], popups: [], features: 0 };
  const maps = Object.values(window).filter((value) => value instanceof L.Map);
  for (const map of maps) {
    map.eachLayer((layer) => {
      if (!layer.feature) return;
      shown.features += 1;
      const holders = [layer, ...Object.values(layer._eventParents || {})];
      const latlng = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      const tooltip = holders.map((h) => h.getTooltip && h.getTooltip()).find(Boolean);
      layer.fire("mouseover", { latlng }, true);
      if (tooltip && tooltip.getElement()) shown.tooltips.push(tooltip.getElement().textContent);
      layer.fire("mouseout", { latlng }, true);
      const popup = holders.map((h) => h.getPopup && h.getPopup()).find(Boolean);
      if (popup && clickable) {
        layer.fire("click", { latlng }, true);
        if (popup.getElement()) shown.popups.push(popup.getElement().textContent);
        map.closePopup();
      }
    });
  }
  return shown;
}
"""


def hostile_layer(layer: Layer) -> gpd.GeoDataFrame:
    """A demo layer whose first features carry the payloads in their names (and every text
    field), with free attributes whose names and values are payloads too."""
    frame = read_demo_layer(layer).drop(columns=["properties"])
    frame = frame.drop(columns=[c for c in frame.columns if c.endswith("_location")])
    texts = [c for c in ("name", "school_name", "kind", "address", "managed_by") if c in frame]
    for row, payload in enumerate(PAYLOADS):
        for column in texts:
            frame.loc[row, column] = f"{payload}{row}" if column == "name" else payload
    for number, payload in enumerate(PAYLOADS[:3]):
        frame[f"{payload}{number}"] = PAYLOADS[-1 - number]
    return frame.to_crs(4326)


def geoapp(env: dict[str, str], *args: str) -> None:
    """Run a ``geoapp`` command, failing with its output."""
    done = subprocess.run([GEOAPP, *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def hostile_plans(server: str) -> dict[str, Any]:
    """An adopted plan and a draft, both named with payloads, whose communities (from the
    payload-named school zones) are renamed with payloads through the API."""
    admin = ApiClient(server, ADMIN, ADMIN_PASSWORD)
    adopted = admin.call(
        "POST",
        "/api/plans",
        {"name": PAYLOADS[1], "description": PAYLOADS[0], "source": "school_zones"},
    )
    plan_id, version = adopted["id"], adopted["version"]
    communities = admin.call("GET", f"/api/plans/{plan_id}")["communities"]
    for community, payload in zip(communities, PAYLOADS, strict=False):
        version = admin.call(
            "POST",
            f"/api/plans/{plan_id}/edits",
            {
                "version": version,
                "op": "update_community",
                "community": community["id"],
                "name": f"{payload}協議会",
                "description": PAYLOADS[-1],
            },
        )["version"]
    for status in ("proposed", "adopted"):
        version = admin.call(
            "POST", f"/api/plans/{plan_id}/status", {"version": version, "status": status}
        )["version"]
    draft = admin.call(
        "POST", "/api/plans", {"name": PAYLOADS[3], "source": "copy", "copy_of": plan_id}
    )
    plan = admin.call("GET", f"/api/plans/{draft['id']}")
    first, second = plan["communities"][0]["id"], plan["communities"][1]["id"]
    moved = [code for code, cid in plan["assignments"].items() if cid == first][:3]
    admin.call(
        "POST",
        f"/api/plans/{draft['id']}/edits",
        {"version": plan["version"], "op": "assign", "districts": moved, "community": second},
    )
    return {"adopted": plan_id, "draft": draft["id"], "names": [c["name"] for c in communities]}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``geoapp demo`` whose layers were re-imported with payloads, with payload plans."""
    instance = tmp_path_factory.mktemp("xss-instance")
    env = demo_environment(instance)
    geoapp(env, "demo", "--no-serve")
    for layer in (DISTRICTS, SCHOOL_ZONES, CENTERS):
        path = instance / f"{layer.name}.geojson"
        hostile_layer(layer).to_file(path, driver="GeoJSON")
        geoapp(env, "import", layer.name, str(path))
    with serving_demo(instance) as url:
        # Renamed once served: geoapp demo serves only the demo city.
        geoapp(env, "city", "set", "--name", CITY_NAME, "--credits", CREDITS)
        yield {"url": url, **hostile_plans(url)}


class Visit:
    """A browser context that records dialogs, console errors and requests leaving."""

    def __init__(self, browser: Any, server: str) -> None:
        self.server = server
        self.context, self.page, self.left_machine, self.errors = watched_page(browser, server)
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dismiss)
        self.page.add_init_script(WATCH)

    def _dismiss(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str, status: int = 200) -> str:
        """Open ``path``; assert its status and its CSP; the page's text."""
        response = self.page.goto(self.server + path, wait_until="networkidle")
        assert response is not None and response.status == status, path
        policy = dict(
            part.strip().split(" ", 1)
            for part in response.headers["content-security-policy"].split(";")
        )
        scripts = policy["script-src"].split()
        assert scripts[0] == "'self'" and all(s.startswith("'nonce-") for s in scripts[1:]), path
        return self.page.locator("body").inner_text()

    def open_every_feature(self, clickable: bool = True) -> dict[str, Any]:
        return self.page.evaluate(OPEN_EVERYTHING, clickable)

    def log_in(self) -> None:
        self.open("/login")
        self.page.fill("#login-name", ADMIN)
        self.page.fill("#login-password", ADMIN_PASSWORD)
        self.page.click("form.login-form button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def nothing_ran(self, where: str) -> None:
        """Nothing a payload carried ran, and the app's own scripts met no CSP refusal."""
        self.page.wait_for_timeout(300)  # an <img onerror> fires once its load fails
        assert self.page.evaluate("() => window.__xss") is None, where
        assert self.page.evaluate("() => window.__violations") == [], where
        assert self.dialogs == [], where
        # Chromium logs the refused login's 401 and the missing page's 404; nothing else.
        assert [e for e in self.errors if not e.startswith("Failed to load resource")] == [], where
        assert self.left_machine == [], where


def shows_every_payload(texts: list[str] | str, where: str) -> None:
    joined = "\n".join(texts) if isinstance(texts, list) else texts
    for payload in PAYLOADS:
        assert payload in joined, (where, payload)


def test_the_public_maps_show_every_payload_as_text_and_run_nothing(
    hostile_server: dict[str, Any], browser: Any
) -> None:
    visit = Visit(browser, hostile_server["url"])

    home = visit.open("/")
    assert PAYLOADS[1] in home  # the adopted plan's name, in the side panel
    assert CITY_NAME in home and CITY_NAME in visit.page.title()
    shows_every_payload(visit.page.locator(".geoapp-legend").inner_text(), "centre kinds")
    credits = visit.page.locator(".leaflet-control-attribution").inner_text()
    assert "<img src=x onerror=window.__xss=10>" in credits
    shown = visit.open_every_feature()
    assert shown["features"] >= 300 + 14 + 14 + 14
    assert len(shown["tooltips"]) == len(shown["popups"]) == shown["features"]
    shows_every_payload(shown["tooltips"], "home tooltips")
    shows_every_payload(shown["popups"], "home popups")
    assert any(f"{PAYLOADS[0]}協議会" in text for text in shown["popups"])  # a community
    shows_every_payload(visit.page.locator(".geoapp-zone-label").all_inner_texts(), "labels")
    visit.page.mouse.move(700, 450)
    visit.page.mouse.click(700, 450)
    visit.nothing_ran("/")

    overlay = visit.open("/overlay")
    shown = visit.open_every_feature()
    assert shown["tooltips"] and shown["popups"]
    shows_every_payload(shown["tooltips"], "overlay tooltips")
    shows_every_payload(shown["popups"], "overlay popups")
    shows_every_payload(overlay, "overlay tables")
    visit.page.select_option("#threshold", "0.01")  # its handler moved to a static script
    visit.page.wait_for_url("**/overlay?threshold=0.01", wait_until="networkidle")
    visit.nothing_ran("/overlay")

    found = visit.open("/search?q=高橋")
    assert f"{PAYLOADS[0]}0" in found  # the payload-named district, as text
    link = visit.page.locator(".search-match .match-community a").first
    community = link.inner_text()
    assert "協議会" in community
    visit.page.goto(visit.server + (link.get_attribute("href") or ""), wait_until="networkidle")
    assert community in visit.page.locator("h1").inner_text()
    missing = visit.open(f"/search?q={quote(PAYLOADS[1])}")
    assert PAYLOADS[1] in missing
    visit.nothing_ran("/search and a community page")

    page = visit.open(f"/login?next={PAYLOADS[1]}")
    visit.page.fill("#login-name", "x")
    visit.page.fill("#login-password", PAYLOADS[0])
    visit.page.click("form.login-form button[type=submit]")
    visit.page.wait_for_load_state("networkidle")
    assert "ログイン" in page
    visit.open(f"/no-such-page/{PAYLOADS[1]}", status=404)
    visit.nothing_ran("login and error pages")

    # A spot the escaping missed: the CSP alone still runs nothing and reports it.
    visit.open("/")
    for payload in PAYLOADS:
        visit.page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", payload)
    visit.page.wait_for_timeout(300)
    assert visit.page.evaluate("() => window.__xss") is None
    refused = visit.page.evaluate("() => window.__violations")
    assert any(v.startswith("script-src") for v in refused), refused
    visit.context.close()


def test_the_staff_pages_show_every_payload_as_text_and_run_nothing(
    hostile_server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    visit = Visit(browser, hostile_server["url"])
    visit.log_in()

    settings = visit.open("/admin/city/")
    assert visit.page.locator("#field-name").input_value() == CITY_NAME
    assert visit.page.locator("#field-credits").input_value() == CREDITS
    assert CITY_NAME in settings
    visit.nothing_ran("/admin/city")

    visit.open("/admin/import/")
    upload = tmp_path / "hostile.geojson"
    name_field = "<script>alert(8)</script>"  # a field name the mapping can name (no = or ,)
    hostile_layer(DISTRICTS).rename(columns={"name": name_field}).to_file(upload, driver="GeoJSON")
    visit.page.select_option("select[name=layer]", "districts")
    visit.page.click("form.form details summary")
    visit.page.fill("input[name=mapping]", f"name={name_field}")
    visit.page.set_input_files(
        "input[name=files]",
        files=[
            {
                "name": '"><img src=x onerror=window.__xss=8>.geojson',
                "mimeType": "application/geo+json",
                "buffer": upload.read_bytes(),
            }
        ],
    )
    visit.page.click("form.form button[type=submit]")
    visit.page.wait_for_load_state("networkidle")
    report = visit.page.locator("section.report").inner_text()
    assert "img src=x onerror=window.__xss=8" in report  # the file's name, as text
    assert f"name ← {name_field}" in report  # the attribute's name, as text
    visit.page.click("button[data-action=cancel]")
    visit.page.wait_for_load_state("networkidle")
    visit.nothing_ran("/admin/import/")

    plans = visit.open("/plans/")
    for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[3]):  # descriptions and names
        assert payload in plans, payload
    visit.nothing_ran("/plans/")

    adopted, draft = hostile_server["adopted"], hostile_server["draft"]
    visit.open(f"/plans/{draft}/edit")
    visit.page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    shown = visit.open_every_feature(clickable=False)
    shows_every_payload(shown["tooltips"], "editor centre tooltips")
    communities = visit.page.locator("#community-list li")
    listed = "\n".join(communities.all_inner_texts())
    shows_every_payload(listed, "community list")
    named = []
    for index in range(communities.count()):
        communities.nth(index).click()
        card = visit.page.locator("#active-card h2").inner_text()
        named.append(visit.page.locator("#community-form input[name=name]").input_value())
        assert named[-1] in card
    assert {f"{payload}協議会" for payload in PAYLOADS} <= set(named)
    hover = visit.page.evaluate(
        """() => { const e = window.geoappEditor;
           for (const d of e.state.districts.values()) d.layer.fire("mouseover");
           e.map.setZoom(16);
           return document.getElementById("map-status").textContent; }"""
    )
    assert hover
    visit.page.click("#history-button")
    visit.page.wait_for_selector("#history-list li")
    visit.nothing_ran("editor")

    compare = visit.open(f"/plans/compare?a={adopted}&b={draft}")
    visit.page.wait_for_selector("body[data-compare-ready=true]", timeout=30_000)
    shown = visit.open_every_feature()
    shows_every_payload(shown["tooltips"], "comparison tooltips")
    assert f"{PAYLOADS[0]}協議会" in compare  # the population table
    visit.nothing_ran("compare")
    visit.context.close()
