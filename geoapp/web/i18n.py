"""Japanese-first user text with an English switch, through gettext catalogs.

Japanese is the source language: code, templates and page scripts write Japanese, marked
for ``pybabel extract`` (``_()`` in templates, ``translate()``/``t()``/``N_()``/``Text()`` in
Python, ``T()`` in scripts; see ``geoapp.translatable``), and
``geoapp/translations/<lang>/LC_MESSAGES/messages.po`` gives each its translation
(README.md, "Translating"). The language comes from ``?lang=``, then the
``lang`` cookie, then the browser's Accept-Language, else Japanese.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.extract import extract
from flask import Flask, has_request_context, request
from flask_babel import Babel, gettext, pgettext

from .. import formatting
from ..translatable import TRANSLATIONS_DIR, translate

LANGUAGES = ("ja", "en")
SCRIPTS_DIR = Path(__file__).resolve().parent / "static"


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


@cache
def script_messages() -> tuple[str, ...]:
    """Every text the page scripts mark with ``T("…")``, found as ``pybabel extract`` does."""
    found: set[str] = set()
    for path in sorted(SCRIPTS_DIR.rglob("*.js")):
        with path.open("rb") as script:
            found.update(
                message
                for _line, message, _comments, _context in extract(
                    "javascript",
                    script,
                    keywords={"T": None},
                    options={"parse_template_string": True},
                )
                if isinstance(message, str)
            )
    return tuple(sorted(found))


def script_text(lang: str) -> dict[str, str]:
    """The page scripts' texts in ``lang``, for the page to hand to its scripts (none in
    Japanese: a script shows its own text)."""
    if lang == "ja":
        return {}
    return {text: translate(text, lang) for text in script_messages()}


def _locale() -> str:
    """Flask-Babel's locale: the request's language (Japanese outside a request)."""
    return request_language() if has_request_context() else "ja"


def init_app(app: Flask) -> None:
    """Flask-Babel with the request's language, and ``_`` in every template.

    Templates keep plain ``_(text)`` and ``pgettext(context, text)`` (a ``str``, escaped
    like any value) rather than Jinja's i18n extension, whose new-style gettext marks
    translations safe HTML."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    app.config["BABEL_DEFAULT_LOCALE"] = "ja"
    Babel(app, locale_selector=_locale, configure_jinja=False)
    app.jinja_env.globals["_"] = gettext
    app.jinja_env.globals["pgettext"] = pgettext
    app.jinja_env.filters.update(_formatting_filters())


def bracketed(text: object, lang: str) -> str:
    """An aside as ``lang`` brackets it after a word: （集会所） in Japanese, " (meeting
    hall)" in English."""
    return translate(formatting.ASIDE, lang).format(text=text)


def _formatting_filters() -> dict[str, Callable[..., str]]:
    """The templates' filters for figures, money and dates (``geoapp.formatting``), in the
    request's language: ``|number``, ``|percent``, ``|thousands`` (a bare figure in 千円 for a table
    whose heading names the unit), ``|yen``, ``|thousand_yen``, ``|day``, ``|moment``,
    ``|fiscal_year``, ``|fiscal_year_short`` and ``|bracketed``."""
    return {
        "number": lambda value, digits=0, signed=False: formatting.number(
            value, _locale(), digits, signed
        ),
        "percent": lambda share, digits=1: formatting.percent(share, _locale(), digits),
        "thousands": lambda amount: formatting.number(
            formatting.thousands_of_yen(amount), _locale()
        ),
        "yen": lambda amount: formatting.yen(amount, _locale()),
        "thousand_yen": lambda amount: formatting.thousand_yen(amount, _locale()),
        "day": lambda when: formatting.day(when, _locale()),
        "moment": lambda when: formatting.moment(when, _locale()),
        "fiscal_year": lambda year: formatting.fiscal_year(year, _locale()),
        "fiscal_year_short": lambda year: formatting.fiscal_year_short(year, _locale()),
        "bracketed": lambda text: bracketed(text, _locale()),
    }
