"""Every page at a phone's width (360 px), a tablet's (768 px) and a desktop's (1400 px), in
Japanese and English, logged in as the demo city's administrator (and the public map also
logged out).

At every width no page scrolls sideways, no text breaks one character per line, no names
on a map are written over one another and a map page shows its map inside the window; at
360 px the header's menu folds behind a button that the keyboard opens, the map's legend
and layer switcher fold away, tables become stacked cards and the editor is read-only; at
768 px (a tablet) the editor can be used.
axe-core (bundled in the axe-playwright-python package, injected from disk) finds no serious
or critical violation (WCAG 2.1 A/AA and best practice) on any page at any width.
Each page is photographed into test-artifacts/responsive/ for a reviewer to look at.
In English no page shows Japanese but the data's (names, notes, file contents). Each page
is photographed into test-artifacts/responsive/ for a reviewer to look at.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from babel.messages.pofile import read_po
from test_browser import ARTIFACTS, browser, serving_demo, watched_page
from test_first_week_browser import checked_upload
from test_public_map_browser import demo_on_backend
from test_translations import ids, strings

from geoapp.demo.city import read_demo_layer
from geoapp.layers import CENTERS, DISTRICTS
from geoapp.storage.sqlite_tables import sqlite_snapshot
from geoapp.web.i18n import TRANSLATIONS_DIR

pytestmark = pytest.mark.browser
__all__ = ["browser", "demo_on_backend"]

ADMIN, PASSWORD = "demo-admin", "aobagawa-admin"
SHOTS = ARTIFACTS / "responsive"
PHONE, TABLET, DESKTOP = 360, 768, 1400
# Every axe-core rule (WCAG 2.0 and 2.1 A/AA and axe's best practices); minor and moderate
# findings are advice, serious and critical ones fail.
AXE_OPTIONS = {"resultTypes": ["violations"]}
FAILING_IMPACTS = {"serious", "critical"}
# Moderate in axe, but a page that cannot be zoomed on a phone fails WCAG 1.4.4 (AA).
FAILING_RULES = {"meta-viewport"}
# Japanese script and punctuation (the katakana middle dot ・ aside, which English pages
# use as a separator too).
JAPANESE = re.compile(r"[\u3001-\u303f\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff\uff01-\uff5e]+")
MAP_PAGES = {
    "home",
    "home-public",
    "overlay",
    "editor",
    "compare",
    "stage-map",
    "milestone-map",
    "grants-map",
}

# The page's width, and what was wrapped one character per line: a text of three or more
# characters laid out on at least as many lines as it has characters, less one.
_LAYOUT = """() => {
  const narrow = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (text.length < 3 || !element || !element.checkVisibility()) continue;
    let clipped = false;  // text for screen readers only (.visually-hidden and the like)
    for (let e = element; e && !clipped; e = e.parentElement) {
      clipped = getComputedStyle(e).clip !== "auto";
    }
    if (clipped) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (lines.size >= 3 && lines.size >= text.length - 1) narrow.push(text.slice(0, 30));
  }
  const past = [...document.body.querySelectorAll("*")].filter(
    (e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
      && e.checkVisibility());
  const deepest = past.filter((e) => !past.some((other) => other !== e && e.contains(other)));
  const widest = deepest.slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
  return {width: document.documentElement.scrollWidth, narrow, widest,
          lang: document.documentElement.lang};
}"""

# The texts a person sees that match ``pattern``: visible text nodes, the placeholders,
# titles and accessible names of controls, and the window's title; text marked as being
# in the other language (``lang`` of the language switch) is left out.
SHOWN_TEXTS = r"""([pattern, other]) => {
  const wanted = new RegExp(pattern);
  const skipped = `script, style, [lang=${other}]`;
  const found = new Set([document.title]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const text = node.textContent.trim();
    if (!wanted.test(text) || !element || element.closest(skipped)) continue;
    if (element.checkVisibility()) found.add(text);
  }
  for (const element of document.querySelectorAll("[placeholder], [title], [aria-label], [alt]")) {
    if (element.closest(skipped)) continue;
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      const value = element.getAttribute(name);
      if (value) found.add(value.trim());
    }
  }
  return [...found].filter((text) => wanted.test(text));
}"""

_MAP_BOX = """() => {
  const element = document.querySelector(".folium-map");
  if (!element) return null;
  const box = element.getBoundingClientRect();
  return {left: box.left, right: box.right, top: box.top, bottom: box.bottom,
          width: box.width, height: box.height};
}"""


# The names a person sees written on a map (the editor's communities and districts, the
# school zones' elsewhere) inside the map's box: each text's box, and whether it lies
# wholly inside the map.
MAP_LABELS = """() => {
  const map = document.querySelector(".folium-map");
  if (!map) return [];
  const frame = map.getBoundingClientRect();
  return [...map.querySelectorAll(".community-label, .district-label, .geoapp-zone-label")]
    .filter((label) => label.checkVisibility())
    .map((label) => { const range = document.createRange(); range.selectNodeContents(label);
      const r = range.getBoundingClientRect();
      return {text: label.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
              whole: r.left >= frame.left && r.right <= frame.right
                && r.top >= frame.top && r.bottom <= frame.bottom}; })
    .filter((b) => b.right > frame.left && b.left < frame.right
      && b.bottom > frame.top && b.top < frame.bottom);
}"""

_ZOOM_TO = """(zoom) => new Promise((done) => {
  const map = window[document.querySelector(".folium-map").id];
  map.once("zoomend", () => setTimeout(done, 100));
  map.setZoom(zoom, {animate: false});
})"""


def overlapping(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The pairs of labels whose boxes overlap."""
    return [
        (a["text"], b["text"])
        for number, a in enumerate(labels)
        for b in labels[number + 1 :]
        if a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    ]


@pytest.fixture(scope="module")
def demo_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The instance folder of the demo server, its embedded database in it."""
    return tmp_path_factory.mktemp("responsive-instance")


@pytest.fixture(scope="module")
def demo_server(demo_instance: Path) -> Iterator[str]:
    """``geoapp demo`` on a fresh embedded database (its demo accounts included)."""
    with serving_demo(demo_instance) as url:
        yield url


def _texts_in(value: object) -> Iterator[str]:
    """The texts in a stored value: itself, and the texts inside it when it is JSON or TOML."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _texts_in(item)
    if not isinstance(value, str):
        return
    yield value.strip()
    for parse in (json.loads, tomllib.loads):
        try:
            inner = parse(value)
        except ValueError:
            continue
        if not isinstance(inner, str):
            yield from _texts_in(inner)


def data_texts(database: Path, uploads: dict[str, list[Path]], typed: set[str]) -> list[str]:
    """Every Japanese text the data holds, longest first: each value stored in the demo's
    database, the uploaded files' names and values, what the visit typed (a search), and
    what the English catalogue keeps in Japanese on purpose (examples of data: 焼津市)."""
    found: set[str] = set(typed)
    with sqlite_snapshot(database) as reader:
        for table in reader.tables():
            columns = [c.name for c in table.columns if c.geometry_type is None]
            for chunk in reader.chunks(table, columns):
                found.update(text for row in chunk for value in row for text in _texts_in(value))
    uploaded = read_demo_layer(DISTRICTS).astype(str)
    found.update(uploaded.columns, *(uploaded[column] for column in uploaded.columns))
    for path in uploads["population"]:
        found.update(re.split(r"[,\n]", path.read_text(encoding="utf-8")))
    with (TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        english = [text for m in read_po(po) if m.id for text in strings(m)]
    found.update(run for text in english for run in JAPANESE.findall(text))
    return sorted((text for text in found if JAPANESE.search(text)), key=len, reverse=True)


def uploaded_field_names(uploads: dict[str, list[Path]]) -> set[str]:
    """The uploaded files' own field names (``code``, ``name`` …), which the upload
    reports show as they are, in either language."""
    names = set(read_demo_layer(DISTRICTS).columns)
    for path in uploads["population"]:
        names.update(path.read_text(encoding="utf-8").splitlines()[0].split(","))
    return names


def english_on_japanese_pages(
    shown: dict[str, list[str]], field_names: set[str]
) -> dict[str, list[str]]:
    """Each Japanese page's texts that are the English of a catalogue entry (other than
    the uploaded files' field names, which are data)."""
    with (TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        english = {
            text.strip()
            for m in read_po(po)
            if m.id
            for text, msgid in zip(strings(m), ids(m), strict=False)
            if text.strip() != msgid
        }
    english -= field_names
    found = {page: [text for text in texts if text in english] for page, texts in shown.items()}
    return {page: texts for page, texts in found.items() if texts}


def untranslated(shown: dict[str, list[str]], data: list[str]) -> dict[str, list[str]]:
    """Each page's texts that hold Japanese once every data text is taken out of them."""
    left: dict[str, list[str]] = {}
    for page, texts in shown.items():
        for text in texts:
            rest = text
            for value in data:
                rest = rest.replace(value, "")
            if JAPANESE.search(rest):
                left.setdefault(page, []).append(text)
    return left


@pytest.fixture(scope="module")
def upload_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Files whose check fills every part of the upload reports: districts with one code
    renamed, one left out and one shrunk (a gap), and a population table with an unknown
    code and a bad value."""
    folder = tmp_path_factory.mktemp("responsive-uploads")
    districts = read_demo_layer(DISTRICTS).drop(columns=["properties", "population_65"])
    districts = districts.iloc[1:].copy()
    districts.loc[districts.index[0], "code"] = "D999"
    shrunk = districts.index[len(districts) // 2]
    districts.loc[shrunk, "geometry"] = districts.geometry[shrunk].buffer(-15)
    districts.to_file(folder / "districts.shp", engine="pyogrio", encoding="utf-8")
    rows = ["行政区コード,人口総数", "D001,1200", "D002,九百", "X404,10"]
    (folder / "population.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    parts = sorted(folder.glob("districts.*"))
    return {"districts": parts, "population": [folder / "population.csv"]}


class Visit:
    """One browser at one width and language, logged in as the administrator; each page
    visited is photographed and measured, the problems collected."""

    def __init__(self, browser: Any, server: str, width: int, lang: str) -> None:
        self.server, self.width, self.lang = server, width, lang
        self.context, self.page, self.left_machine, self.errors = watched_page(browser, server)
        self.page.set_viewport_size({"width": width, "height": 800 if width < 1000 else 900})
        self.context.add_cookies([{"name": "lang", "value": lang, "url": server}])
        self.problems: list[str] = []
        self.shown: dict[str, list[str]] = {}  # Japanese on English pages and vice versa
        self.typed: set[str] = set()  # what the visit asked for in addresses (a search)

    def log_in(self) -> None:
        page = self.page
        page.goto(f"{self.server}/login?next=/")
        page.fill("#login-name", ADMIN)
        page.fill("#login-password", PASSWORD)
        page.click("form.login-form button[type=submit]")
        page.wait_for_url(f"{self.server}/")

    def open(self, name: str, path: str, ready: str | None = None) -> None:
        self.typed.update(value for _key, value in parse_qsl(urlsplit(path).query))
        self.page.goto(self.server + path, wait_until="networkidle")
        self.look(name, ready)

    def look(self, name: str, ready: str | None = None) -> None:
        """Measure the page shown now and photograph it as ``name``."""
        page = self.page
        if ready:
            page.wait_for_selector(ready, state="attached", timeout=30_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{self.lang}-{self.width}.png"), full_page=True)
        layout = page.evaluate(_LAYOUT)
        where = f"{name} ({self.lang}, {self.width} px)"
        if layout["lang"] != self.lang:
            self.problems.append(f"{where}: <html lang={layout['lang']!r}>")
        if layout["width"] > self.width:
            self.problems.append(f"{where}: {layout['width']} px wide ({layout['widest']})")
        if layout["narrow"]:
            self.problems.append(f"{where}: one character per line: {layout['narrow'][:5]}")
        self.problems.extend(f"{where}: {finding}" for finding in self.accessibility_findings())
        if self.lang == "en":
            self.shown[name] = page.evaluate(SHOWN_TEXTS, [JAPANESE.pattern, "ja"])
        else:
            self.shown[name] = page.evaluate(SHOWN_TEXTS, ["[A-Za-z]", "en"])
        piled = overlapping(page.evaluate(MAP_LABELS))
        if piled:
            self.problems.append(f"{where}: names written over one another {piled[:3]}")
        if name in MAP_PAGES:
            box = page.evaluate(_MAP_BOX)
            viewport = page.viewport_size
            visible = (
                box is not None
                and box["width"] > 100
                and box["height"] > 100
                and box["left"] >= 0
                and box["right"] <= viewport["width"] + 0.5
                and 0 <= box["top"] < viewport["height"] * 0.5
            )
            if not visible:
                self.problems.append(f"{where}: the map is not in view ({box})")

    def accessibility_findings(self) -> list[str]:
        """axe-core's serious and critical violations on the page shown now, one line per
        element: the rule, its impact, the element's selector and axe's summary."""
        results = Axe().run(self.page, options=AXE_OPTIONS).response
        return [
            f"{violation['id']} ({violation['impact']}) {' '.join(node['target'])}: "
            f"{node.get('failureSummary', '').splitlines()[-1].strip()}"
            for violation in results["violations"]
            if violation["impact"] in FAILING_IMPACTS or violation["id"] in FAILING_RULES
            for node in violation["nodes"]
        ]

    def table_cells_without_labels(self) -> list[str]:
        """The cells of the stacked-card tables on this page that would show no label."""
        return self.page.evaluate(
            """() => [...document.querySelectorAll("table.cards tbody td:not([data-label])")]
                 .filter((td) => !td.matches(".actions") && td.textContent.trim())
                 .map((td) => td.textContent.trim())"""
        )

    def check_upload(self, layer: str, files: list[Path]) -> None:
        checked_upload(self.page, self.server, layer, files).wait_for()

    def close(self) -> None:
        assert self.left_machine == []
        assert self.errors == []
        self.context.close()


def every_page(visit: Visit, files: dict[str, list[Path]]) -> None:
    """Visit every page of the app, as the public and as the administrator."""
    visit.open("home-public", "/", ".leaflet-pane path")
    visit.open("community", "/communities/1")
    visit.open("search", "/search?q=きぼうがおか")
    visit.open("opendata", "/opendata")
    visit.open("login", "/login")
    visit.log_in()
    visit.open("home", "/", ".leaflet-pane path")
    visit.open("overlay", "/overlay", ".leaflet-pane path")
    visit.open("plans", "/plans/")
    plans = visit.context.request.get(visit.server + "/api/plans").json()["plans"]
    first, second = sorted(plan["id"] for plan in plans)[:2]
    visit.open("editor", f"/plans/{first}/edit", "body[data-editor-ready=true]")
    visit.open("compare", f"/plans/compare?a={first}&b={second}", "body[data-compare-ready=true]")
    visit.open("import", "/admin/import/")
    visit.check_upload("districts", files["districts"])
    visit.look("import-report")
    visit.check_upload("population", files["population"])
    visit.look("population-report")
    visit.open("city-settings", "/admin/city/")
    visit.open("admin-users", "/admin/users/")
    visit.open("organizations", "/organizations")
    visit.open("organization", "/organizations/1")
    visit.open("stage-map", "/organizations/map", ".leaflet-pane path")
    visit.open("milestone-map", "/organizations/milestones", ".leaflet-pane path")
    visit.open("scheme", "/admin/scheme")
    visit.open("grants", "/grants/?fiscal_year=2025")
    visit.open("grants-report", "/grants/report?fiscal_year=2025")
    visit.open("grants-map", "/grants/map?fiscal_year=2025", ".leaflet-pane path")
    visit.open("error-404", "/no/such/page")
    visit.errors[:] = [error for error in visit.errors if "404 (NOT FOUND)" not in error]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [PHONE, TABLET, DESKTOP])
def test_every_page_fits_the_window_and_shows_its_map(
    demo_instance: Path,
    demo_server: str,
    browser: Any,
    upload_files: dict[str, list[Path]],
    width: int,
    lang: str,
) -> None:
    """... and, in English, shows no Japanese but the data's (names, notes, file contents)."""
    visit = Visit(browser, demo_server, width, lang)
    every_page(visit, upload_files)
    assert visit.problems == []
    if lang == "en":
        data = data_texts(demo_instance / "geoapp.sqlite3", upload_files, visit.typed)
        assert untranslated(visit.shown, data) == {}
    else:
        assert english_on_japanese_pages(visit.shown, uploaded_field_names(upload_files)) == {}
    visit.close()


def test_the_header_menu_folds_behind_a_keyboard_button_on_a_phone(
    demo_server: str, browser: Any
) -> None:
    visit = Visit(browser, demo_server, PHONE, "ja")
    visit.log_in()
    page = visit.page
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".header-nav a[href='/overlay']").is_visible()
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator(".header-nav a[href='/overlay']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(demo_server + "/overlay")
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    assert not page.locator(".menu-toggle").is_visible()
    assert page.locator(".header-nav a[href='/plans/']").is_visible()
    visit.close()


def test_the_legend_and_layer_switcher_fold_away_on_a_phone(demo_server: str, browser: Any) -> None:
    for width, folded in ((PHONE, True), (DESKTOP, False)):
        visit = Visit(browser, demo_server, width, "ja")
        for path in ("/", "/overlay"):
            visit.page.goto(demo_server + path, wait_until="networkidle")
            page = visit.page
            legend_toggle = page.locator(".geoapp-legend summary")
            assert page.locator(".geoapp-legend-body").is_visible() is not folded, path
            assert page.locator(".leaflet-control-layers-list").is_visible() is not folded, path
            if folded:
                legend_toggle.focus()
                page.keyboard.press("Enter")
                assert page.locator(".geoapp-legend-body").is_visible(), path
                page.locator(".leaflet-control-layers-toggle").focus()
                page.keyboard.press("Enter")
                assert page.locator(".leaflet-control-layers-list").is_visible(), path
        visit.close()


def test_tables_become_labelled_cards_on_a_phone(
    demo_server: str, browser: Any, upload_files: dict[str, list[Path]]
) -> None:
    visit = Visit(browser, demo_server, PHONE, "en")
    visit.log_in()
    for path in ("/plans/", "/admin/users/", "/organizations", "/admin/scheme", "/communities/1"):
        visit.page.goto(demo_server + path)
        assert visit.page.locator("table.cards").count() >= 1, path
        assert visit.table_cells_without_labels() == [], path
        heading = visit.page.locator("table.cards thead").first.bounding_box()
        assert heading is not None and heading["width"] <= 1, path  # for screen readers only
    visit.check_upload("districts", upload_files["districts"])
    assert visit.page.locator("section.report table.cards").count() >= 2
    assert visit.table_cells_without_labels() == []
    visit.close()


def test_the_editor_is_read_only_on_a_phone_and_usable_on_a_tablet(
    demo_server: str, browser: Any
) -> None:
    for width, usable in ((PHONE, False), (TABLET, True)):
        visit = Visit(browser, demo_server, width, "ja")
        visit.log_in()
        plans = visit.context.request.get(demo_server + "/api/plans").json()["plans"]
        draft = next(plan["id"] for plan in plans if plan["status"] == "draft")
        visit.open("editor-draft", f"/plans/{draft}/edit", "body[data-editor-ready=true]")
        page = visit.page
        brush = page.locator("button[data-tool=brush]")
        assert brush.is_enabled() is usable
        assert page.locator("#phone-note").is_visible() is not usable
        if usable:
            assert brush.is_visible()
            page.keyboard.press("b")
            assert brush.get_attribute("aria-pressed") == "true"
        assert visit.problems == []
        visit.close()


# The element holding the keyboard's focus: what it is, and whether the focus shows (an
# outline or a box shadow drawn around it).
_FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1;
  const name = element.getAttribute("aria-label") || element.textContent || element.name || "";
  return {
    what: `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""} `
      + `"${name.trim().replace(/\\s+/g, " ").slice(0, 30)}"`,
    shown: outline || style.boxShadow !== "none",
  };
}"""


def tab_to(page: Any, selector: str, unseen: list[str], limit: int = 300) -> None:
    """Press Tab until the focus is on ``selector``, noting in ``unseen`` every stop on the
    way whose focus did not show."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused and not focused["shown"]:
            unseen.append(focused["what"])
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab ({limit} presses)")


def tab_round(page: Any, unseen: list[str], limit: int = 300) -> int:
    """Press Tab from where the focus is until it leaves the page (back to the browser),
    noting stops whose focus did not show; the number of stops."""
    for stops in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            return stops
        if not focused["shown"]:
            unseen.append(focused["what"])
    raise AssertionError(f"Tab never left the page ({limit} presses)")


def test_the_keyboard_alone_uses_the_plans_list_and_the_editors_tools(
    demo_server: str, browser: Any
) -> None:
    """Tab, Enter, Space and arrows only: every stop on the plans list and the editor shows
    its focus, the plans list opens a plan, the editor's tools, brush size and community
    list respond."""
    visit = Visit(browser, demo_server, DESKTOP, "ja")
    visit.log_in()
    page, unseen = visit.page, []
    plans = visit.context.request.get(demo_server + "/api/plans").json()["plans"]
    draft = next(plan["id"] for plan in plans if plan["status"] == "draft")

    page.goto(demo_server + "/plans/")
    tab_to(page, f"tr[data-plan='{draft}'] a.button.secondary", unseen)  # 比較
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo_server}/plans/compare?b={draft}")
    page.goto(demo_server + "/plans/")
    tab_to(page, f"tr[data-plan='{draft}'] td:first-child a", unseen)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo_server}/plans/{draft}/edit")
    page.wait_for_selector("body[data-editor-ready=true]", state="attached")

    tab_to(page, ".export-menu summary", unseen)
    page.keyboard.press("Enter")
    assert page.locator(".export-list a").first.is_visible()
    page.keyboard.press("Enter")  # and closed again
    tab_to(page, "button[data-tool=brush]", unseen)
    page.keyboard.press("Space")
    assert page.locator("button[data-tool=brush]").get_attribute("aria-pressed") == "true"
    tab_to(page, "button[data-tool=eraser]", unseen)
    page.keyboard.press("Enter")
    assert page.locator("button[data-tool=eraser]").get_attribute("aria-pressed") == "true"
    assert page.locator("button[data-tool=brush]").get_attribute("aria-pressed") == "false"
    tab_to(page, "#brush-size", unseen)
    page.keyboard.press("ArrowRight")
    assert page.locator("#brush-size-value").text_content() == "26"
    communities = page.locator("#community-list li")
    for number in (0, 1):
        tab_to(page, f"#community-list li:nth-child({number + 1})", unseen)
        page.keyboard.press("Enter" if number == 0 else "Space")
        assert communities.nth(number).get_attribute("aria-current") == "true"
        assert communities.nth(number).evaluate("(item) => item === document.activeElement")
    tab_round(page, unseen)
    assert unseen == []
    visit.close()


def test_the_keyboard_reaches_every_area_of_the_stage_and_subsidy_maps(
    demo_server: str, browser: Any
) -> None:
    """Beside the map, a list names each area drawn; it is one stop for Tab, End reaches its
    last area, and Enter on one opens its popup, as a click on the area would, with the map
    moved to it."""
    visit = Visit(browser, demo_server, DESKTOP, "en")
    visit.log_in()
    page, unseen = visit.page, []
    for path, drawn in (
        ("/organizations/map", "() => Number(document.getElementById('areas-map').dataset.drawn)"),
        (
            "/grants/map?fiscal_year=2025",
            "() => document.querySelectorAll('.data-table tbody tr').length",
        ),
    ):
        page.goto(demo_server + path, wait_until="networkidle")
        page.wait_for_selector("[data-map-features] button", state="attached")
        buttons = page.locator("[data-map-features] button")
        assert buttons.count() == page.evaluate(drawn) > 1, path
        last = buttons.nth(buttons.count() - 1)
        tab_to(page, "[data-map-features] button", unseen)  # the list is one stop for Tab
        page.keyboard.press("End")
        assert last.evaluate("(button) => button === document.activeElement"), path
        page.keyboard.press("Enter")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        name = last.inner_text().strip()
        assert name.split(" ")[0] in popup.inner_text(), (path, name)
        assert last.get_attribute("aria-pressed") == "true"
        shown, frame = popup.bounding_box(), page.locator(".folium-map").bounding_box()
        assert (
            shown
            and frame
            and frame["x"] <= shown["x"] + shown["width"] / 2 <= frame["x"] + frame["width"]
        ), path
    assert unseen == []
    visit.close()


# On the annual report: its amounts (each with the label shown beside it) that are hidden
# or out of the window, the boxes in the page that scroll sideways, and the chart's legend
# entries and year labels as shown (their box and height).
_REPORT_SEEN = """() => {
  const width = document.documentElement.clientWidth;
  const inside = (e) => { const r = e.getBoundingClientRect();
    return e.checkVisibility() && r.width > 0 && r.left >= 0 && r.right <= width + 0.5; };
  const amounts = [...document.querySelectorAll("#report-table td.num, .budget-table td.num")]
    .filter((td) => td.textContent.trim());
  const before = (td) => getComputedStyle(td, "::before");
  return {
    unseen: amounts.filter((td) => !inside(td)).map((td) => td.textContent.trim()),
    unlabelled: amounts.filter((td) => before(td).display === "none"
        || before(td).content !== JSON.stringify(td.dataset.label || ""))
      .map((td) => td.textContent.trim()),
    labels: amounts.map((td) => td.dataset.label),
    scrolling: [...document.querySelectorAll("main *")]
      .filter((e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX)
        && e.scrollWidth > e.clientWidth + 1).map((e) => e.className),
    legend: [...document.querySelectorAll(".chart-legend li")]
      .map((li) => ({text: li.textContent.trim(), inside: inside(li)})),
    years: [...document.querySelectorAll(".grants-chart text.axis")]
      .filter((text) => text.checkVisibility())
      .map((text) => ({inside: inside(text), height: text.getBoundingClientRect().height})),
  };
}"""


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_grants_report_shows_every_amount_labelled_and_its_whole_legend_on_a_phone(
    demo_server: str, browser: Any, lang: str
) -> None:
    """At 360 px no amount hides in a box that scrolls sideways: each organization and
    program is a card of "program  amount" lines; the chart fits the window with text a
    person can read, and its legend names every program in full."""
    visit = Visit(browser, demo_server, PHONE, lang)
    visit.open("grants-report-phone", "/grants/report?fiscal_year=2025")
    seen = visit.page.evaluate(_REPORT_SEEN)
    programs = visit.context.request.get(demo_server + "/api/programs").json()
    names = [p["name_en" if lang == "en" else "name"] for p in programs["programs"]]
    assert seen["unseen"] == [] and seen["unlabelled"] == [] and seen["scrolling"] == []
    assert set(names) <= set(seen["labels"])
    assert [entry["text"] for entry in seen["legend"]] == names
    assert all(entry["inside"] for entry in seen["legend"]), seen["legend"]
    assert seen["years"] and all(y["inside"] and y["height"] >= 9 for y in seen["years"])
    assert visit.problems == []
    visit.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_whole_header_menu_shows_at_desktop_width(
    demo_server: str, browser: Any, lang: str
) -> None:
    """At 1400 px the administrator sees every menu link in the header's one line, in
    either language, without opening a menu."""
    visit = Visit(browser, demo_server, DESKTOP, lang)
    visit.log_in()
    page = visit.page
    header = page.locator(".app-header").bounding_box()
    links = page.locator(".header-nav .nav-link")
    assert links.count() == 9
    assert not page.locator(".menu-toggle").is_visible()
    for number in range(links.count()):
        link, box = links.nth(number), links.nth(number).bounding_box()
        assert link.is_visible() and box is not None, link.inner_text()
        assert (
            header["y"] <= box["y"] and box["y"] + box["height"] <= header["y"] + header["height"]
        )
        assert box["x"] + box["width"] <= DESKTOP, link.inner_text()
    assert page.locator(".header-nav .logout-form button").is_visible()
    visit.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [PHONE, TABLET])
def test_the_editors_labels_never_pile_up_on_a_phone_or_a_tablet(
    demo_server: str, browser: Any, width: int, lang: str
) -> None:
    """The communities' names (and, zoomed in, the districts') that would cover one
    another or run past the map's edge are left out: every label shown reads whole."""
    visit = Visit(browser, demo_server, width, lang)
    visit.log_in()
    plans = visit.context.request.get(demo_server + "/api/plans").json()["plans"]
    adopted = next(plan["id"] for plan in plans if plan["status"] == "adopted")
    visit.open("editor-labels", f"/plans/{adopted}/edit", "body[data-editor-ready=true]")
    page = visit.page
    communities = page.evaluate(MAP_LABELS)
    assert len(communities) >= 6, communities
    assert overlapping(communities) == [] and all(label["whole"] for label in communities)
    page.evaluate(_ZOOM_TO, 16)  # the editor's DISTRICT_LABEL_ZOOM
    districts = page.evaluate(MAP_LABELS)
    assert districts and overlapping(districts) == [], districts
    assert all(label["whole"] for label in districts)
    assert visit.problems == []


def keyboard_log_in(page: Any, server: str, name: str, password: str, then: str) -> None:
    """Log in with the keyboard alone on the login page, which then opens ``then``."""
    page.goto(f"{server}/login?next={then}")
    unseen: list[str] = []
    tab_to(page, "#login-name", unseen)
    page.keyboard.type(name)
    tab_to(page, "#login-password", unseen)
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(server + then)
    assert unseen == []


def inside(box: dict[str, float] | None, frame: dict[str, float] | None) -> bool:
    """Whether the middle of ``box`` is inside ``frame`` (both bounding boxes, on screen)."""
    return bool(
        box
        and frame
        and frame["x"] <= box["x"] + box["width"] / 2 <= frame["x"] + frame["width"]
        and frame["y"] <= box["y"] + box["height"] / 2 <= frame["y"] + frame["height"]
    )


def test_the_keyboard_alone_opens_the_features_of_the_overlay_and_comparison_maps(
    demo_server: str, browser: Any
) -> None:
    """Keys only: on the overlay (its districts and centres) and on the comparison of two
    plans (the districts that change community), Tab reaches the list beside the map in
    one stop, the arrows move along it, and Enter opens the chosen feature's popup, naming
    it, inside the map; every stop shows its focus."""
    visit = Visit(browser, demo_server, DESKTOP, "en")
    page, unseen = visit.page, []
    keyboard_log_in(page, demo_server, ADMIN, PASSWORD, "/")
    plans = visit.context.request.get(demo_server + "/api/plans").json()["plans"]
    first, second = sorted(plan["id"] for plan in plans)[:2]
    comparison = f"/plans/compare?a={first}&b={second}"
    for path, listed in (
        ("/overlay", len(read_demo_layer(DISTRICTS)) + len(read_demo_layer(CENTERS))),
        (comparison, None),
    ):
        page.goto(demo_server + path, wait_until="networkidle")
        if listed is None:  # the comparison lists the rows of its table of moved districts
            listed = page.locator("#moved-table tbody tr").count()
        page.wait_for_function(
            "(n) => document.querySelectorAll('[data-map-features] button').length === n",
            arg=listed,
        )
        buttons = page.locator("[data-map-features] button")
        tab_to(page, "[data-map-features] button", unseen)
        assert page.locator("[data-map-features] button[tabindex='0']").count() == 1, path
        for key in ("End", "ArrowUp", "ArrowUp", "ArrowDown"):
            page.keyboard.press(key)
        chosen = buttons.nth(listed - 2)
        assert chosen.evaluate("(button) => button === document.activeElement"), path
        page.keyboard.press("Enter")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        name = chosen.inner_text().strip()
        assert name in popup.inner_text(), (path, name)
        assert chosen.get_attribute("aria-pressed") == "true", path
        assert chosen.evaluate("(button) => button === document.activeElement"), path
        assert inside(popup.bounding_box(), page.locator(".folium-map").bounding_box()), path
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"keyboard-{path.split('?')[0].strip('/')}.png"))
    table = page.locator("#moved-table tbody tr").all()
    rows = [row.locator("td").all_inner_texts() for row in table]
    cells = next(row for row in rows if row[0].strip() == name)
    assert all(cell.strip() in popup.inner_text() for cell in cells[1:])  # population, A, B
    assert unseen == []
    visit.close()


def test_the_keyboard_alone_chooses_a_district_and_assigns_it(
    demo_on_backend: str, browser: Any
) -> None:
    """Keys only, on each backend: Tab reaches the editor's list of districts, End and Enter
    choose one, which the map outlines inside the view under a tooltip naming it and its
    community; Tab to the labelled select of the target community (the community list
    follows it), Tab to 割り当てる and Enter assign it with the same edit as a click. After a
    reload the map and the server's plan hold the district in its new community, and
    nothing else changed."""
    url = demo_on_backend
    visit = Visit(browser, url, DESKTOP, "ja")
    page, unseen = visit.page, []
    keyboard_log_in(page, url, ADMIN, PASSWORD, "/plans/")
    plans = visit.context.request.get(url + "/api/plans").json()["plans"]
    draft = next(plan["id"] for plan in plans if plan["status"] == "draft")
    before = visit.context.request.get(f"{url}/api/plans/{draft}").json()
    page.goto(f"{url}/plans/{draft}/edit")
    page.wait_for_selector("body[data-editor-ready=true]", state="attached")
    page.wait_for_function(
        "(n) => document.querySelectorAll('[data-map-features] button').length === n",
        arg=len(read_demo_layer(DISTRICTS)),
    )

    tab_to(page, "[data-map-features] button", unseen)
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    chosen = page.locator("path.geoapp-district.chosen")
    chosen.wait_for()
    code = chosen.get_attribute("data-code")
    district = next(d for d in read_demo_layer(DISTRICTS).itertuples() if d.code == code)
    names = {c["id"]: c["name"] for c in before["communities"]}
    was = before["assignments"][code]
    assert page.locator("[data-map-features] li:last-child button").inner_text() == district.name
    assert float(chosen.get_attribute("stroke-width")) > 3  # outlined, as no other is
    frame = page.locator(".folium-map").bounding_box()
    tip = page.locator(".chosen-district-tip")
    assert inside(chosen.bounding_box(), frame) and inside(tip.bounding_box(), frame)
    assert district.name in tip.inner_text() and names[was] in tip.inner_text()
    assert page.locator("#chosen-district").inner_text() == tip.inner_text()

    tab_to(page, "#assign-target", unseen)
    for _ in names:
        page.keyboard.press("ArrowDown")
        target = int(page.locator("#assign-target").input_value())
        if target != was:
            break
    assert target != was
    picked = page.locator(f"#community-list li[data-community='{target}']")
    assert picked.get_attribute("aria-current") == "true"  # the community list follows
    tab_to(page, "#assign-button", unseen)
    page.keyboard.press("Enter")
    page.locator("#map-status", has_text="保存しました").wait_for()
    assert page.evaluate("() => document.activeElement.id") == "assign-button"
    assert names[target] in page.locator("#chosen-district").inner_text()
    assert unseen == []

    page.reload()
    page.wait_for_selector("body[data-editor-ready=true]", state="attached")
    shown = page.locator(f'path.geoapp-district[data-code="{code}"]')
    assert shown.get_attribute("data-community") == str(target)
    after = visit.context.request.get(f"{url}/api/plans/{draft}").json()
    assert after["version"] == before["version"] + 1
    assert after["assignments"] == {**before["assignments"], code: target}
    visit.close()
