"""User text written in Japanese and shown in either language, through the gettext catalogue.

Japanese is the source language: the Japanese text is the msgid, and
``geoapp/translations/<lang>/LC_MESSAGES/messages.po`` gives its translation (README.md,
"Translating"). This module knows nothing of Flask, so errors raised by the command line,
the importers and the storage carry their text the same way as the web pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

# How a list of values reads inside a sentence, by language.
_LIST_SEPARATORS = {"ja": "、", "en": ", "}
# How sentences follow each other, by language: Japanese needs no space after 。
_SENTENCE_SEPARATORS = {"ja": "", "en": " "}
# How clauses (each with its own commas) follow each other inside one sentence.
_CLAUSE_SEPARATORS = {"ja": "、", "en": "; "}


def N_(text: str) -> str:
    """``text`` unchanged, marked for ``pybabel extract``: labels kept in tables and
    constants are translated where they are shown (``_(label)``, ``translate(label, lang)``)."""
    return text


@cache
def catalogue(lang: str) -> NullTranslations:
    """The compiled Japanese → ``lang`` catalogue (none for Japanese itself)."""
    if lang == "ja":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [lang])


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang``; Japanese text without a translation stays as it is."""
    return catalogue(lang).gettext(text)


class Text:
    """A message written in Japanese (its msgid) with the values it names, put into either
    language when it is shown.

    Errors, import notes and rule verdicts carry one instead of a Japanese and an English
    copy, so the English lives in the catalogue with every other text. ``Text("…")`` is a
    ``pybabel extract`` keyword. Values fill the msgid's ``{name}`` fields (format specs
    such as ``{amount:,}`` work): a ``Text`` is shown in the same language, and a list or
    tuple is listed with the language's separator.
    """

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, /, **values: object) -> None:
        self.msgid = msgid
        self.values = values

    def in_language(self, lang: str) -> str:
        """The message in ``lang``, its values filled in."""
        return _filled(translate(self.msgid, lang), self.values, lang)

    def __str__(self) -> str:
        return self.in_language("ja")

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, **{self.values!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Text)
            and type(other) is type(self)
            and (self.msgid, self.values) == (other.msgid, other.values)
        )

    def __hash__(self) -> int:
        return hash((self.msgid, tuple(self.values)))


class Worded:
    """Something that carries its message as ``text`` (an error, a rule's verdict), with
    the ``message`` (Japanese) and ``message_en`` that API clients and the audit read."""

    text: Text

    @property
    def message(self) -> str:
        """The message in Japanese."""
        return self.text.in_language("ja")

    @property
    def message_en(self) -> str:
        """The message in English."""
        return self.text.in_language("en")

    def in_language(self, lang: str) -> str:
        """The message in ``lang``."""
        return self.text.in_language(lang)


class InContext(Text):
    """A word whose English depends on where it stands (gettext's message context):
    「拠点施設」 is the map's "Community centres" but a plan history's "hub facility".
    ``InContext("…", "…")`` (context, then the Japanese) is a ``pybabel extract`` keyword."""

    __slots__ = ("context",)

    def __init__(self, context: str, msgid: str, /, **values: object) -> None:
        super().__init__(msgid, **values)
        self.context = context

    def in_language(self, lang: str) -> str:
        return _filled(catalogue(lang).pgettext(self.context, self.msgid), self.values, lang)

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.context == getattr(other, "context", None)

    def __hash__(self) -> int:
        return hash((self.context, self.msgid))


class Counted(Text):
    """A message about ``n`` things, whose English differs for one and for many (gettext's
    plural forms; Japanese has one form, so ``singular`` and ``plural`` are the same
    text). ``Counted("…", "…", n=…)`` is a ``pybabel extract`` keyword."""

    __slots__ = ("plural",)

    def __init__(self, singular: str, plural: str, /, *, n: int, **values: object) -> None:
        super().__init__(singular, n=n, **values)
        self.plural = plural

    def in_language(self, lang: str) -> str:
        template = catalogue(lang).ngettext(self.msgid, self.plural, self.values["n"])
        return _filled(template, self.values, lang)


class Sentences(Text):
    """Several messages shown one after another, as the language runs sentences on."""

    __slots__ = ("parts",)
    separators = _SENTENCE_SEPARATORS

    def __init__(self, *parts: Text) -> None:
        super().__init__("")
        self.parts = parts

    def in_language(self, lang: str) -> str:
        separator = self.separators.get(lang, _SENTENCE_SEPARATORS["en"])
        return separator.join(part.in_language(lang) for part in self.parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.parts!r}"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)


class Clauses(Sentences):
    """Several messages run together as the clauses of one sentence: 「A、B」, "A; B"
    (a list whose items have commas of their own, such as a file's problems)."""

    __slots__ = ()
    separators = _CLAUSE_SEPARATORS


def _filled(template: str, values: dict[str, object], lang: str) -> str:
    """``template`` with its ``{name}`` fields filled from ``values`` shown in ``lang``."""
    if not values:
        return template
    return template.format(**{name: _shown(value, lang) for name, value in values.items()})


def _shown(value: object, lang: str) -> object:
    """A value as it reads inside a message in ``lang``."""
    if isinstance(value, Text):
        return value.in_language(lang)
    if isinstance(value, list | tuple):
        return listed(value, lang)
    return value


def listed(values: Iterable[object], lang: str) -> str:
    """Values listed as ``lang`` lists them inside a sentence: 「A、B」 or "A, B"."""
    return _LIST_SEPARATORS.get(lang, ", ").join(str(_shown(value, lang)) for value in values)


class Shown(Text):
    """``value`` as ``form(value, lang)`` writes it in each language (``form`` is one of
    ``geoapp.formatting``'s: ``yen``, ``day``, ``fiscal_year_short`` …)."""

    __slots__ = ("form", "value")

    def __init__(self, form: Callable[[Any, str], str], value: object) -> None:
        super().__init__("")
        self.form = form
        self.value = value

    def in_language(self, lang: str) -> str:
        return self.form(self.value, lang)

    def __repr__(self) -> str:
        return f"Shown({self.form.__name__}, {self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shown) and (self.form, self.value) == (other.form, other.value)

    def __hash__(self) -> int:
        return hash(self.form)


def joined(values: Iterable[object], ja: str, en: str) -> Shown:
    """Values joined as each language joins them in this message (``ja``: 「・」, 「。」 …;
    ``en``: ", ", " " …); ``Text`` values are shown in the same language."""
    return Shown(_joined_in, (tuple(values), ja, en))


def _joined_in(given: tuple[tuple[object, ...], str, str], lang: str) -> str:
    """The values of ``joined`` in ``lang``."""
    values, ja, en = given
    separator = en if lang == "en" else ja
    return separator.join(
        value.in_language(lang) if isinstance(value, Text) else str(value) for value in values
    )
