"""Japanese-first user text with an English switch.

Japanese is the source language: code and templates write Japanese, and
``locales/en.json`` maps each Japanese text to its English. The language comes from
``?lang=``, then the ``lang`` cookie, then the browser's Accept-Language, else Japanese.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from flask import request

LANGUAGES = ("ja", "en")
_LOCALES_DIR = Path(__file__).resolve().parent / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The Japanese → ``lang`` translations (empty for Japanese itself)."""
    if lang == "ja":
        return {}
    return json.loads((_LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang``; Japanese text without a translation stays as it is."""
    return catalogue(lang).get(text, text)


def request_language() -> str:
    """The language of the current request."""
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default="ja") or "ja"


def language_link(lang: str) -> str:
    """A link to this page in ``lang``: the page's query kept, only ``lang`` changed."""
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return "?" + urlencode([*kept, ("lang", lang)])
