"""Every Japanese text the templates show has its English translation."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from flask import Flask
from staff import GRID_CITY

from geoapp.city.model import PREFECTURES
from geoapp.resources import templates_dir

LOCALE = Path(__file__).resolve().parents[1] / "geoapp" / "web" / "locales" / "en.json"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TRANSLATED = re.compile(r"""_\(\s*(?:"([^"]+)"|'([^']+)')\s*\)""")


def test_every_japanese_template_text_has_an_english_translation() -> None:
    english = json.loads(LOCALE.read_text(encoding="utf-8"))
    missing = {
        f"{path.name}: {text}"
        for path in templates_dir().rglob("*.html")
        for match in TRANSLATED.finditer(path.read_text(encoding="utf-8"))
        if JAPANESE.search(text := match.group(1) or match.group(2)) and text not in english
    }
    assert sorted(missing) == []


def test_every_japanese_text_the_editor_script_translates_reaches_it_with_an_english_one() -> None:
    english = json.loads(LOCALE.read_text(encoding="utf-8"))
    script = "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted((LOCALE.parents[1] / "static" / "editor").glob("*.js"))
    )
    page = (templates_dir() / "editor/editor.html").read_text(encoding="utf-8")
    asked = {text for text in re.findall(r'\bT\(\s*"([^"]+)"', script) if JAPANESE.search(text)}
    assert {"{n} 行政区", "1 行政区"} <= asked
    assert sorted(text for text in asked if f'"{text}": _("{text}")' not in page) == []
    assert sorted(text for text in asked if text not in english) == []


def test_every_prefecture_and_the_demo_citys_mark_have_an_english_name() -> None:
    english = json.loads(LOCALE.read_text(encoding="utf-8"))
    for name in (*PREFECTURES, "（架空）"):
        assert name in english and not JAPANESE.search(english[name]), name
    assert english["静岡県"] == "Shizuoka Prefecture"


def test_the_english_home_page_names_the_prefecture_in_english(grid_app: Flask) -> None:
    store = grid_app.extensions["geoapp.store"]
    store.save_city(replace(GRID_CITY, prefecture="静岡県"))
    page = grid_app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "Shizuoka Prefecture ・ Municipality code" in page
    assert "静岡県" not in page
