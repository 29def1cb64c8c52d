"""Every page printed on A4 by Chromium, in Japanese and in English, walking the pages of
the responsive test: no header, menu, buttons or steering forms on paper; a map and its
open legend in one box that is never split across sheets; table rows never cut; external
links' addresses written out; every sheet of the PDF A4, from the style sheet's @page; in
English, no Japanese on paper but the data's. The /print sheet sets its own paper
(test_public_map_browser checks its sizes); here its title reads right in each language.
The PDFs go to test-artifacts/print/ for a reviewer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import ARTIFACTS, browser, serving_demo
from test_public_map_browser import pdf_pages
from test_responsive_browser import (
    JAPANESE,
    MAP_LABELS,
    MAP_PAGES,
    SHOWN_TEXTS,
    Visit,
    data_texts,
    every_page,
    overlapping,
    untranslated,
    upload_files,
)

from geoapp.demo.city import demo_city

pytestmark = pytest.mark.browser
__all__ = ["browser", "upload_files"]

PDFS = ARTIFACTS / "print"
A4 = (595.28, 841.89)  # points
MM = 96 / 25.4  # CSS pixels
PAPER_WIDTH = round((210 - 2 * 12) * MM)  # A4 less geoapp.css's 12 mm margins
PAPER_HEIGHT = (297 - 2 * 12) * MM

# What a printed page shows that it should not, and how its maps, tables and links print.
_PRINTED = """() => {
  const shown = (e) => e.checkVisibility();
  const chrome = [...document.querySelectorAll(
    ".app-header, .menu-toggle, .header-nav, .breadcrumb, .section-tabs, .subsidy-nav, " +
    ".button, .tool, .leaflet-control-zoom, .leaflet-control-layers, form")]
    .filter((e) => shown(e) && !e.matches(".settings-form, .login-form"))
    .map((e) => e.className || e.tagName);
  const box = (e) => { const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top + scrollY, bottom: r.bottom + scrollY}; };
  const maps = [...document.querySelectorAll(".folium-map")].filter(shown).map((map) => {
    const pane = map.parentElement;
    const legends = [...map.querySelectorAll(".geoapp-legend")].map((legend) => ({
      box: box(legend),
      open: shown(legend.querySelector(".geoapp-legend-body")),
    }));
    return {box: box(map), breakInside: getComputedStyle(pane).breakInside, legends};
  });
  const cutRows = [...document.querySelectorAll("tr")]
    .filter((tr) => shown(tr) && getComputedStyle(tr).breakInside !== "avoid").length;
  const bareLinks = [...document.querySelectorAll("main a[href^='http']")]
    .filter((a) => shown(a) && !a.closest(".leaflet-container"))
    .filter((a) => !getComputedStyle(a, "::after").content.includes(a.getAttribute("href")))
    .map((a) => a.getAttribute("href"));
  return {chrome, maps, cutRows, bareLinks};
}"""


def is_a4(size: tuple[float, float]) -> bool:
    return abs(size[0] - A4[0]) < 2 and abs(size[1] - A4[1]) < 2


class PrintVisit(Visit):
    """The responsive walk on a page as wide as A4's printed width: each page is looked
    at under print media and printed to PDF; the problems collected."""

    def look(self, name: str, ready: str | None = None) -> None:
        page = self.page
        if ready:
            page.wait_for_selector(ready, state="attached", timeout=30_000)
        page.emulate_media(media="print")
        printed = page.evaluate(_PRINTED)
        if self.lang == "en":
            self.shown[name] = page.evaluate(SHOWN_TEXTS, [JAPANESE.pattern, "ja"])
        PDFS.mkdir(parents=True, exist_ok=True)
        pdf = page.pdf(path=str(PDFS / f"{name}-{self.lang}.pdf"), prefer_css_page_size=True)
        page.emulate_media(media="null")  # the screen again, for the walk's forms
        where = f"{name} ({self.lang}, printed)"
        if printed["chrome"]:
            self.problems.append(f"{where}: shows {printed['chrome'][:5]}")
        if printed["cutRows"]:
            self.problems.append(f"{where}: {printed['cutRows']} table rows may be cut")
        if printed["bareLinks"]:
            self.problems.append(f"{where}: links without their address {printed['bareLinks']}")
        sheets = pdf_pages(pdf)
        if not sheets or not all(is_a4(size) for size in sheets):
            self.problems.append(f"{where}: printed on {set(sheets)} pt, not A4")
        if name in MAP_PAGES and not printed["maps"]:
            self.problems.append(f"{where}: no map on paper")
        for shown in printed["maps"]:
            self.check_map(where, shown)

    def check_map(self, where: str, shown: dict[str, Any]) -> None:
        """A map fits one sheet and may not be split; its legends are open inside it."""
        box = shown["box"]
        if box["bottom"] - box["top"] > PAPER_HEIGHT or box["right"] > PAPER_WIDTH + 1:
            self.problems.append(f"{where}: the map is larger than a sheet ({box})")
        if shown["breakInside"] != "avoid":
            self.problems.append(f"{where}: the map may be split across sheets")
        for legend in shown["legends"]:
            inside = all(
                box["left"] - 1 <= legend["box"][side] <= box["right"] + 1
                if side in ("left", "right")
                else box["top"] - 1 <= legend["box"][side] <= box["bottom"] + 1
                for side in ("left", "right", "top", "bottom")
            )
            if not inside or not legend["open"]:
                self.problems.append(f"{where}: the legend is not open inside its map")


@pytest.fixture(scope="module")
def demo_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The instance folder of the demo server, its embedded database in it."""
    return tmp_path_factory.mktemp("print-instance")


@pytest.fixture(scope="module")
def demo_server(demo_instance: Path) -> Iterator[str]:
    """``geoapp demo`` on a fresh embedded database (its demo accounts included)."""
    with serving_demo(demo_instance) as url:
        yield url


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_prints_on_a4_without_chrome_its_map_and_legend_together(
    demo_instance: Path,
    demo_server: str,
    browser: Any,
    upload_files: dict[str, list[Path]],
    lang: str,
) -> None:
    """... and in English, no Japanese on paper but the data's."""
    visit = PrintVisit(browser, demo_server, PAPER_WIDTH, lang)
    every_page(visit, upload_files)
    assert visit.problems == []
    if lang == "en":
        data = data_texts(demo_instance / "geoapp.sqlite3", upload_files, visit.typed)
        assert untranslated(visit.shown, data) == {}
    visit.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_print_map_sheet_is_titled_in_the_readers_language(
    demo_instance: Path,
    demo_server: str,
    browser: Any,
    upload_files: dict[str, list[Path]],
    lang: str,
) -> None:
    """The /print sheet (its own A4 page) names the city's wide-area communities, as a
    title reads in each language, and writes no school zone's name over another; in
    English nothing on it is Japanese but the data."""
    visit = Visit(browser, demo_server, PAPER_WIDTH, lang)
    page = visit.page
    page.goto(f"{demo_server}/print?paper=a4&orientation=portrait", wait_until="networkidle")
    page.wait_for_selector(".leaflet-pane path", state="attached")
    page.emulate_media(media="print")
    city = demo_city().name
    expected = {"ja": f"{city} 広域コミュニティ", "en": f"Wide-area communities of {city}"}
    assert page.locator(".sheet-title h1").inner_text() == expected[lang]
    assert not page.locator(".print-toolbar").is_visible()
    assert overlapping(page.evaluate(MAP_LABELS)) == []
    PDFS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(PDFS / f"print-map-{lang}.pdf"), prefer_css_page_size=True)
    assert [is_a4(size) for size in pdf_pages(pdf)] == [True]
    if lang == "en":
        shown = {"print-map": page.evaluate(SHOWN_TEXTS, [JAPANESE.pattern, "ja"])}
        data = data_texts(demo_instance / "geoapp.sqlite3", upload_files, set())
        assert untranslated(shown, data) == {}
    visit.close()
