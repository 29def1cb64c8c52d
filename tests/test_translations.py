"""The gettext catalogue: every text marked in the code, templates and page scripts is in
it with its English, the compiled .mo is the .po, and the pages hand their scripts the
English of their texts."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from jinja2.utils import htmlsafe_json_dumps
from staff import GRID_CITY

from geoapp.city.model import DEMO_PREFECTURE, PREFECTURES
from geoapp.demo.grants import prepare_demo_grants
from geoapp.formatting import fiscal_year, fiscal_year_short
from geoapp.japanese_calendar import fiscal_year as fiscal_year_of
from geoapp.japanese_calendar import today_in_japan
from geoapp.web.i18n import TRANSLATIONS_DIR, script_messages, translate

ROOT = Path(__file__).resolve().parents[1]
PO = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]+")
PLACEHOLDER = re.compile(r"\{\w*\}")


def readme_babel_commands() -> list[list[str]]:
    """The pybabel commands README.md gives translators (marked <!-- babel-commands -->)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- babel-commands -->", 1)[1].split("```")[1]
    return [shlex.split(line) for line in block.splitlines() if line.startswith("pybabel ")]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The catalogue template extracted from the source tree now, with README's command."""
    command = readme_babel_commands()[0]
    assert command[1] == "extract"
    pot = tmp_path_factory.mktemp("babel") / "messages.pot"
    command[command.index("-o") + 1] = str(pot)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        CommandLineInterface().run([command[0], "--quiet", *command[1:]])
    with pot.open("rb") as template:
        return read_po(template)


@pytest.fixture(scope="module")
def english() -> Catalog:
    with PO.open("rb") as catalogue:
        return read_po(catalogue, locale="en")


def strings(message: Message) -> tuple[str, ...]:
    """A message's translations: one, or one per plural form."""
    found = message.string
    return tuple(found) if isinstance(found, list | tuple) else (found,)


def ids(message: Message) -> tuple[str, ...]:
    """A message's msgids: one, or the singular and the plural."""
    return tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)


def test_every_text_marked_in_the_source_is_in_the_catalogue(
    extracted: Catalog, english: Catalog
) -> None:
    marked = {(message.context, ids(message)) for message in extracted if message.id}
    listed = {(message.context, ids(message)) for message in english if message.id}
    assert len(marked) > 500
    assert sorted(marked - listed) == [], "run README.md's pybabel extract and update"
    assert sorted(listed - marked) == [], "run README.md's pybabel extract and update"


def test_every_text_in_the_catalogue_has_its_english(english: Catalog) -> None:
    messages = [message for message in english if message.id]
    assert [m.id for m in messages if not all(text.strip() for text in strings(m))] == []
    assert [m.id for m in messages if m.fuzzy] == []
    assert not english.fuzzy


def test_the_english_keeps_placeholders_and_no_japanese_of_its_own(english: Catalog) -> None:
    """The English keeps the Japanese's ``{name}`` placeholders, and holds Japanese only
    where the Japanese quotes it (an example of data: 例: 焼津市 → e.g. 焼津市)."""
    messages = [message for message in english if message.id]
    placeholders = PLACEHOLDER.findall
    assert [
        m.id
        for m in messages
        if any(set(placeholders(ids(m)[0])) != set(placeholders(text)) for text in strings(m))
    ] == []
    assert [
        m.id
        for m in messages
        if any(run not in ids(m)[0] for text in strings(m) for run in JAPANESE.findall(text))
    ] == []


def test_the_compiled_catalogue_is_the_po(english: Catalog) -> None:
    with PO.with_suffix(".mo").open("rb") as compiled:
        mo = read_mo(compiled)
    assert {(m.context, ids(m)): strings(m) for m in mo if m.id} == {
        (m.context, ids(m)): strings(m) for m in english if m.id
    }, "run README.md's pybabel compile"


def test_the_page_scripts_texts_reach_an_english_page_in_english(grid_app: Flask) -> None:
    asked = set(script_messages())
    assert {"検索中…", "{n} 行政区", "割り当て", "版 {n} に戻す"} <= asked
    client = grid_app.test_client()
    page = client.get("/?lang=en").get_data(as_text=True)
    handed = json.loads(page.split('id="script-text">', 1)[1].split("</script>", 1)[0])
    assert set(handed) == asked
    assert handed["検索中…"] == "Searching…"
    assert [text for text, english in handed.items() if JAPANESE.search(english)] == []
    japanese = client.get("/?lang=ja").get_data(as_text=True)
    assert 'id="script-text">{}</script>' in japanese


def test_every_prefecture_and_the_demo_citys_mark_have_an_english_name() -> None:
    for name in (*PREFECTURES, DEMO_PREFECTURE):
        assert not JAPANESE.search(translate(name, "en")), name
    assert translate("静岡県", "en") == "Shizuoka Prefecture"
    assert translate("静岡県", "ja") == "静岡県"


def test_the_english_home_page_names_the_prefecture_in_english(grid_app: Flask) -> None:
    store = grid_app.extensions["geoapp.store"]
    store.save_city(replace(GRID_CITY, prefecture="静岡県"))
    page = grid_app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "Shizuoka Prefecture ・ Municipality code" in page
    assert "静岡県" not in page


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_pages_write_fiscal_years_as_geoapp_formatting_does(demo_app: Flask, lang: str) -> None:
    """The grants report, the grants map and the public map name a fiscal year only as
    geoapp.formatting writes it in the page's language: a template or view that wrote its
    own 年度 or FY for one language fails here."""
    assert prepare_demo_grants(
        demo_app.extensions["geoapp.organizations"], demo_app.extensions["geoapp.subsidies"]
    )
    client = demo_app.test_client()
    report = client.get(f"/grants/report?fiscal_year=2024&lang={lang}").get_data(as_text=True)
    assert f"<small>{fiscal_year(2024, lang)}</small>" in report
    assert f'<option value="2023" >{fiscal_year(2023, lang)}</option>' in report
    assert f">{fiscal_year_short(2022, lang)}</text>" in report  # the chart's axis
    grants_map = client.get(f"/grants/map?fiscal_year=2024&lang={lang}").get_data(as_text=True)
    assert f'<option value="2024" selected>{fiscal_year(2024, lang)}</option>' in grants_map
    assert f">{fiscal_year_short(2024, lang)} {translate('すべての制度', lang)}<" in grants_map
    home = client.get(f"/?layer=subsidies&fiscal_year=2024&lang={lang}").get_data(as_text=True)
    what = translate("補助金の交付額（千円）", lang)
    legend = f'id="colouring-title">{fiscal_year_short(2024, lang)} {what}<'
    assert htmlsafe_json_dumps(legend)[1:-1] in home  # in the map's script
    this_year = fiscal_year_of(today_in_japan())
    assert f"<dd>{fiscal_year(this_year, lang)}</dd>" in home
    other = "en" if lang == "ja" else "ja"
    for page in (report, grants_map, home):
        assert fiscal_year_short(2024, other) not in page
