"""The public map in headless Chromium on the demo, as residents use it on a closed
network (the default GSI base map, its tiles refused): search by kanji, kana, variants and
address, a click and the browser's location naming the community, the view kept in the
URL, a community's page, the embedded map and the print layout rendered to PDF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from map_view import assert_city_in_view
from test_browser import (
    ARTIFACTS,
    browser,
    demo_bounds,
    demo_environment,
    demo_server,
    serving,
    watched_page,
)
from test_editor_browser import ApiClient

from geoapp.subsidies.choropleth import NOTHING_COLOR, class_color

pytestmark = pytest.mark.browser
__all__ = ["browser", "demo_server"]

MM = 72 / 25.4  # PDF points per millimetre
GRANTS_YEAR = 2025
SUBSIDIES_TITLE = "令和7年度 補助金の交付額（千円）"
HOSTILE = "<img src=x onerror=window.__xss=1>協議会"


@pytest.fixture
def visitor(browser: Any, demo_server: str) -> Any:
    """A resident's page on the demo's public map; no request may leave the machine and
    no script may fail."""
    context, page, left_machine, errors = watched_page(browser, demo_server)
    page.goto(demo_server + "/", wait_until="networkidle")
    page.locator("path.geoapp-community").first.wait_for(timeout=20_000)
    yield page
    assert left_machine == []
    assert errors == []
    context.close()


def results(page: Any, query: str) -> list[str]:
    """Type ``query`` into the search box as a resident does; the district names listed."""
    page.fill("#place-query", "")
    page.type("#place-query", query, delay=20)
    page.wait_for_function(
        "() => { const s = document.getElementById('search-status').textContent;"
        " return s && !s.endsWith('…'); }"
    )
    page.wait_for_timeout(350)
    page.wait_for_function(
        "() => !document.getElementById('search-status').textContent.endsWith('…')"
    )
    return page.locator(".match-district").all_inner_texts()


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("希望ヶ丘一丁目", "希望ヶ丘一丁目"),
        ("きぼうがおか", "希望ヶ丘一丁目"),
        ("希望ケ丘２丁目", "希望ヶ丘二丁目"),
        ("大澤東", "大沢東"),
        ("櫻木", "桜木一丁目"),
        ("平和台三丁目16番5号", "平和台三丁目"),
        ("青葉川市大字久保田1352番地", "久保田一区"),
    ],
)
def test_search_finds_districts_by_kanji_kana_variants_and_address(
    visitor: Any, query: str, first: str
) -> None:
    found = results(visitor, query)
    assert found and found[0] == first
    community = visitor.locator(".search-match .match-community").first.inner_text()
    assert "小学校区" in community


def test_a_search_selects_the_best_match_and_keeps_it_in_the_url(visitor: Any) -> None:
    results(visitor, "平和台三丁目")
    visitor.press("#place-query", "Enter")
    visitor.wait_for_function("() => new URL(location.href).searchParams.get('c') !== null")
    pressed = visitor.locator('[data-community][aria-pressed="true"]')
    assert pressed.inner_text().strip() == "平和台小学校区"
    url = visitor.url
    assert re.search(r"[?&]lat=[\d.]+", url) and re.search(r"[?&]z=\d+", url)
    ARTIFACTS.mkdir(exist_ok=True)
    visitor.screenshot(path=str(ARTIFACTS / "public-search.png"))
    zoom = visitor.evaluate("() => window[document.querySelector('.folium-map').id].getZoom()")
    visitor.goto(url, wait_until="networkidle")
    again = visitor.evaluate("() => window[document.querySelector('.folium-map').id].getZoom()")
    assert again == zoom
    assert visitor.locator('[data-community][aria-pressed="true"]').count() == 1


def test_no_match_gives_suggestions_and_a_postal_code_says_why(visitor: Any) -> None:
    assert results(visitor, "平和代") == []
    assert "見つかりませんでした" in visitor.locator("#search-status").inner_text()
    assert visitor.locator(".suggestion").count() >= 1
    assert results(visitor, "〒999-0001") == []
    assert "郵便番号" in visitor.locator("#search-status").inner_text()


def test_a_click_on_the_map_names_the_community_there(visitor: Any) -> None:
    point = visitor.evaluate(
        """() => {
          const map = window[document.querySelector('.folium-map').id];
          const middle = map.getCenter();
          let centre = null;
          map.eachLayer(l => {
            if (!l.feature || l.options.className !== 'geoapp-district') return;
            const c = l.getBounds().getCenter();
            if (!centre || c.distanceTo(middle) < centre.distanceTo(middle)) centre = c;
          });
          const p = map.latLngToContainerPoint(centre);
          const box = map.getContainer().getBoundingClientRect();
          return {x: box.left + p.x, y: box.top + p.y};
        }"""
    )
    visitor.mouse.click(point["x"], point["y"])
    visitor.locator(".search-match").first.wait_for(timeout=5_000)
    community = visitor.locator(".search-match .match-community").first.inner_text()
    popup = visitor.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert "広域コミュニティ" in popup.inner_text()
    assert community.strip() in popup.inner_text()


def test_my_location_names_the_community_or_says_it_was_refused(
    browser: Any, demo_server: str
) -> None:
    context, page, left_machine, errors = watched_page(browser, demo_server)
    page.goto(demo_server + "/", wait_until="networkidle")
    refused = page.locator("#search-status")
    page.click("#locate-me")
    page.wait_for_function(
        "() => document.getElementById('search-status').textContent"
        ".includes('許可されませんでした')",
        timeout=10_000,
    )
    assert "地名で探して" in refused.inner_text()
    context.close()
    context, page, left_machine, errors = watched_page(browser, demo_server)
    centre = page.request.get(demo_server + "/api/public/search?q=D233").json()
    (south, west), (north, east) = centre["matches"][0]["district"]["bounds"]
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": (south + north) / 2, "longitude": (west + east) / 2})
    page.goto(demo_server + "/", wait_until="networkidle")
    page.click("#locate-me")
    page.locator(".search-match").first.wait_for(timeout=10_000)
    assert page.locator(".match-community").first.inner_text().strip() == "希望ヶ丘小学校区"
    assert page.locator("path.geoapp-here").count() == 1
    assert left_machine == [] and errors == []
    context.close()


def test_a_community_page_names_its_hub_districts_and_shows_a_small_map(
    browser: Any, demo_server: str
) -> None:
    context, page, left_machine, errors = watched_page(browser, demo_server)
    answer = page.request.get(demo_server + "/api/public/search?q=平和台三丁目").json()
    community = answer["matches"][0]["community"]
    page.goto(f"{demo_server}/communities/{community['id']}", wait_until="networkidle")
    assert page.locator("h1").inner_text().strip() == community["name"]
    assert "平和台コミュニティセンター" in page.locator("#hub").inner_text()
    assert "平和台三丁目" in page.locator("#districts").inner_text()
    assert page.locator("path.geoapp-community").count() == 1
    assert page.locator("path.geoapp-hub").count() == 1
    page.screenshot(path=str(ARTIFACTS / "public-community.png"), full_page=True)
    assert left_machine == [] and errors == []
    context.close()


def test_without_javascript_the_search_form_answers_with_a_page_of_matches(
    browser: Any, demo_server: str
) -> None:
    context, page, left_machine, errors = watched_page(browser, demo_server, javascript=False)
    page.goto(demo_server + "/", wait_until="load")
    page.fill("#place-query", "キボウガオカ")
    page.press("#place-query", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    names = page.locator(".search-match .match-district").all_inner_texts()
    assert len(names) >= 2 and all(name.startswith("希望ヶ丘") for name in names)
    assert "きぼうがおか" in page.locator(".match-kana").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "public-search-page.png"), full_page=True)
    link = page.locator(".search-match .match-community a").first
    community = link.inner_text().strip()
    link.click()
    page.wait_for_url(re.compile(r"/communities/\d+"))
    assert page.locator("h1").inner_text().strip().startswith(community)
    page.go_back()
    page.fill("#search-page-query", "平和代")
    page.press("#search-page-query", "Enter")
    page.wait_for_url(re.compile(r"q=%E5%B9%B3"))
    assert "見つかりませんでした" in page.locator(".search-answer h2").inner_text()
    assert page.locator(".suggestions a").count() >= 1
    assert left_machine == [] and errors == []
    context.close()


def test_the_embedded_map_has_no_header_and_draws_the_communities(
    browser: Any, demo_server: str
) -> None:
    context, page, left_machine, errors = watched_page(browser, demo_server)
    page.goto(demo_server + "/?embed=1&c=3", wait_until="networkidle")
    assert page.locator(".app-header").count() == 0
    assert page.locator("path.geoapp-community").count() == 14
    assert page.locator('[data-community="3"][aria-pressed="true"]').count() == 1
    assert left_machine == [] and errors == []
    context.close()


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The width and height (points) of each page of a PDF Chromium wrote."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


@pytest.mark.parametrize(
    ("paper", "orientation", "width_mm", "height_mm"),
    [
        ("a4", "landscape", 297, 210),
        ("a4", "portrait", 210, 297),
        ("a3", "landscape", 420, 297),
        ("a3", "portrait", 297, 420),
    ],
)
def test_the_print_layout_fills_one_sheet_with_legend_scale_bar_and_north_arrow(
    browser: Any, demo_server: str, paper: str, orientation: str, width_mm: int, height_mm: int
) -> None:
    context, page, left_machine, errors = watched_page(browser, demo_server)
    page.goto(
        f"{demo_server}/print?paper={paper}&orientation={orientation}&c=3",
        wait_until="networkidle",
    )
    page.emulate_media(media="print")
    page.wait_for_timeout(300)
    sheet = page.locator(".sheet").bounding_box()
    px = 96 / 25.4
    assert sheet["width"] == pytest.approx(width_mm * px, abs=2)
    assert sheet["height"] == pytest.approx(height_mm * px, abs=2)
    for part in (".geoapp-legend", ".leaflet-control-scale-line", ".north-arrow", ".qr-code"):
        box = page.locator(part).first.bounding_box()
        assert box and box["width"] > 0, part
        assert sheet["x"] <= box["x"] and box["x"] + box["width"] <= sheet["x"] + sheet["width"]
        assert sheet["y"] <= box["y"] and box["y"] + box["height"] <= sheet["y"] + sheet["height"]
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / f"public-print-{paper}-{orientation}.pdf").write_bytes(pdf)
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    assert pages[0] == pytest.approx((width_mm * MM, height_mm * MM), abs=2)
    assert left_machine == [] and errors == []
    context.close()


@pytest.fixture
def demo_on_backend(database_url: str, tmp_path: Path) -> Iterator[str]:
    """``geoapp demo`` (organizations with their history, five years of grants) on each
    backend: its URL."""
    env = demo_environment(tmp_path, GEOAPP_DATABASE_URL=database_url)
    with serving("demo", env, tmp_path) as url:
        yield url


# The fill of the community path with this id, as the browser paints it.
FILL_OF = """id => {
  const map = window[document.querySelector('.folium-map').id];
  let fill = null;
  map.eachLayer((l) => {
    if (l.feature && l.options.className === 'geoapp-community' && Number(l.feature.id) === id)
      fill = l.getElement().getAttribute('fill');
  });
  return fill;
}"""

# Open the tooltip and popup of the community with this id; their text.
OPEN_COMMUNITY = """id => {
  const map = window[document.querySelector('.folium-map').id];
  let shown = null;
  map.eachLayer((l) => {
    if (!l.feature || l.options.className !== 'geoapp-community' || Number(l.feature.id) !== id)
      return;
    l.openTooltip(l.getBounds().getCenter());
    const tooltip = l.getTooltip().getElement().innerText;
    l.openPopup(l.getBounds().getCenter());
    shown = {tooltip, popup: l.getPopup().getElement().innerText};
  });
  return shown;
}"""


def legend_keys(page: Any) -> list[str]:
    """The keys of the colouring's legend rows, in order."""
    return [row.get_attribute("data-key") for row in page.locator("#colouring-rows > div").all()]


def test_the_communities_are_fetched_drawn_and_coloured_by_stage_or_subsidies(
    demo_on_backend: str, browser: Any
) -> None:
    url = demo_on_backend
    context, page, left_machine, errors = watched_page(browser, url)
    page.add_init_script("window.__xss = undefined;")
    page.goto(url + "/", wait_until="networkidle")
    page.wait_for_selector(".folium-map[data-drawn='14']", timeout=20_000)
    assert '"coordinates"' not in page.request.get(url + "/").text()  # fetched, not carried
    assert_city_in_view(page, "path.geoapp-community", 14, demo_bounds())

    # By stage (the default): a community with a stage is filled in its stage's colour.
    scheme = page.request.get(url + "/api/scheme").json()
    colors = {stage["key"]: stage["color"] for stage in scheme["stages"]}
    stages = page.request.get(url + "/api/organizations/stages").json()["stages"]
    staged = next(int(cid) for cid, key in stages.items() if key in colors)
    assert page.evaluate(FILL_OF, staged) == colors[stages[str(staged)]]
    legend = page.locator(".geoapp-legend").inner_text()
    assert "地域運営組織の段階" in legend
    assert all(stage["name"] in legend for stage in scheme["stages"])

    # By the subsidies of a fiscal year: the legend and the fills follow, the URL keeps it.
    page.check("input[name=layer][value=subsidies]")
    page.select_option("#colouring-year", str(GRANTS_YEAR))
    page.wait_for_function(
        "year => { const q = new URL(location.href).searchParams;"
        " return q.get('layer') === 'subsidies' && q.get('fiscal_year') === year"
        " && document.getElementById('colouring-title').textContent.startsWith('令和7年度'); }",
        arg=str(GRANTS_YEAR),
    )
    granted = page.request.get(f"{url}/api/grants/map?fiscal_year={GRANTS_YEAR}").json()
    by_amount = sorted(granted["communities"], key=lambda c: c["granted"])
    top, nothing = by_amount[-1], by_amount[0]
    assert top["granted"] > 0 and nothing["granted"] == 0
    classes = [key for key in legend_keys(page) if int(key) >= 0]
    assert page.evaluate(FILL_OF, top["id"]) == class_color(len(classes) - 1, len(classes))
    assert page.evaluate(FILL_OF, nothing["id"]) == NOTHING_COLOR
    legend = page.locator(".geoapp-legend").inner_text()
    assert SUBSIDIES_TITLE in legend and "交付なし" in legend
    counts = page.locator("#colouring-rows .legend-count").all_inner_texts()
    assert sum(int(text.strip("()")) for text in counts) == 14

    # The URL restores the colouring, also embedded and printed.
    for shared in (page.url, page.url + "&embed=1"):
        page.goto(shared, wait_until="networkidle")
        page.wait_for_selector(".folium-map[data-drawn='14']", timeout=20_000)
        assert page.is_checked("input[name=layer][value=subsidies]")
        assert page.locator("#colouring-title").inner_text().startswith("令和7年度")
        assert page.evaluate(FILL_OF, top["id"]) == class_color(len(classes) - 1, len(classes))
    page.goto(page.url.replace("/?", "/print?").replace("&embed=1", ""), wait_until="networkidle")
    page.wait_for_selector(".folium-map[data-drawn='14']", timeout=20_000)
    assert SUBSIDIES_TITLE in page.locator(".geoapp-legend").inner_text()

    # A community named with markup is shown as text, in its tooltip, popup and the list.
    admin = ApiClient(url, "demo-admin", "aobagawa-admin")
    adopted = admin.call("GET", "/api/public/plan")
    plan = admin.call(
        "POST", "/api/plans", {"name": "改名案", "source": "copy", "copy_of": adopted["id"]}
    )
    plan = admin.call("GET", f"/api/plans/{plan['id']}")
    renamed = plan["communities"][0]["id"]
    version = admin.call(
        "POST",
        f"/api/plans/{plan['id']}/edits",
        {
            "version": plan["version"],
            "op": "update_community",
            "community": renamed,
            "name": HOSTILE,
        },
    )["version"]
    for status in ("proposed", "adopted"):
        version = admin.call(
            "POST", f"/api/plans/{plan['id']}/status", {"version": version, "status": status}
        )["version"]
    page.goto(url + "/", wait_until="networkidle")
    page.wait_for_selector(".folium-map[data-drawn]", timeout=20_000)
    shown = page.evaluate(OPEN_COMMUNITY, renamed)
    assert shown is not None and HOSTILE in shown["tooltip"] and HOSTILE in shown["popup"]
    assert HOSTILE in page.locator(f'[data-community="{renamed}"]').inner_text()
    assert page.evaluate("() => window.__xss") is None
    assert left_machine == [] and errors == []
    context.close()
