"""Icons come from the Font Awesome wheel and are served by the app; no emoji or symbol
character stands for one (it shows as a box on a machine without a font that has it)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from staff import Staff

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("templates", "geoapp")
SUFFIXES = {".html", ".js", ".css", ".py", ".json"}
# Pictographs and symbol blocks: arrows, technical, geometric shapes, miscellaneous
# symbols, dingbats, supplemental arrows and symbols, every emoji plane and emoji's
# variation selector, and the fullwidth plus and single angle quote once used for "add"
# and "back". Five stay, being text every Japanese font has (JIS X 0208): ← and → between
# a field and its source, ↑ and ↓ naming the arrow keys in a keyboard hint, ○○ standing
# for a name (○○市).
SYMBOLS = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\U0001f000-\U0001faff\ufe0f\uff0b\u2039]"
)
TEXT_SYMBOLS = {"\u2190", "\u2191", "\u2192", "\u2193", "\u25cb"}
ICON_CALL = re.compile(r"""icon\(\s*["']([a-z0-9-]+)["']""")
MASKED_ICON = re.compile(r'url\("\.\./(vendor/font-awesome/svgs/solid/[a-z0-9-]+\.svg)"\)')


def source_files() -> list[Path]:
    return [
        path
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in SUFFIXES and path.is_file()
    ]


def test_no_template_script_or_style_uses_an_emoji_or_symbol_as_an_icon() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {char!r}"
        for path in source_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for char in SYMBOLS.findall(line)
        if char not in TEXT_SYMBOLS
    ]
    assert found == []


def test_every_icon_the_pages_name_is_served_from_the_font_awesome_wheel(app: Flask) -> None:
    client = app.test_client()
    texts = [path.read_text(encoding="utf-8") for path in source_files()]
    named = {name for text in texts for name in ICON_CALL.findall(text)}
    masked = {url for text in texts for url in MASKED_ICON.findall(text)}
    assert {"rotate-left", "rotate-right", "flag", "bars", "xmark"} <= named
    assert "vendor/font-awesome/svgs/solid/lock.svg" in masked  # a locked community
    assert "vendor/font-awesome/svgs/solid/plus.svg" in masked  # add a place
    panels = (ROOT / "geoapp" / "web" / "static" / "editor" / "panels.js").read_text("utf-8")
    assert 'className: "lock"' in panels
    for url in sorted(masked | {f"vendor/font-awesome/svgs/solid/{name}.svg" for name in named}):
        response = client.get("/" + url)
        assert response.status_code == 200, url
        assert response.mimetype == "image/svg+xml", url
        assert b"Font Awesome Free" in response.data, url
    assert client.get("/vendor/font-awesome/svgs/solid/no-such-icon.svg").status_code == 404


def test_an_icon_beside_its_text_is_hidden_from_screen_readers(grid_app: Flask) -> None:
    kanri = Staff(grid_app, "kanri")
    page = kanri.get(f"/plans/{kanri.new_plan()['id']}/edit").get_data(as_text=True)
    undo = re.search(r'<button[^>]*id="undo-button"[^>]*>(.*?)</button>', page, re.S)
    assert undo is not None
    svg, text = re.fullmatch(r"\s*(<svg.*?</svg>)\s*(.*?)\s*", undo.group(1), re.S).groups()
    assert 'class="icon icon-rotate-left" aria-hidden="true" focusable="false"' in svg
    assert text == "元に戻す"
    header = kanri.get("/").get_data(as_text=True)
    toggle = re.search(r'<button[^>]*class="menu-toggle".*?</button>', header, re.S).group(0)
    assert toggle.count('aria-hidden="true"') == 2 and "メニュー" in toggle
