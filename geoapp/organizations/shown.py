"""Values inside a rule's message that each language writes its own way: a stage's or a
program's name (``name`` / ``name_en`` from the city's scheme), a date, a fiscal year, an
amount of yen, a list of names.

A ``geoapp.translatable.Text`` shows a ``Text`` value in its own language, so these are
``Text``s whose wording comes from the data or from ``geoapp.formatting`` instead of the
catalogue: 「令和6年度」 and "FY2024", 「200,000円」 and "¥200,000".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from ..translatable import Text


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


class _Named(Protocol):
    """A stage, milestone kind or program: named in Japanese and in English."""

    @property
    def name(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def named(thing: _Named | None, key: str = "") -> Shown:
    """``thing``'s name in each language (``key`` in both when there is no such thing)."""
    names = (key, key) if thing is None else (thing.name, thing.name_en)
    return Shown(_name_in, names)


def joined(values: Iterable[object], ja: str, en: str) -> Shown:
    """Values joined as each language joins them in this message (``ja``: 「・」, 「。」 …;
    ``en``: ", ", " " …); ``Text`` values are shown in the same language."""
    return Shown(_joined_in, (tuple(values), ja, en))


def _name_in(names: tuple[str, str], lang: str) -> str:
    """The Japanese or the English of a (name, name_en) pair."""
    return names[1] if lang == "en" else names[0]


def _joined_in(given: tuple[tuple[object, ...], str, str], lang: str) -> str:
    """The values of ``joined`` in ``lang``."""
    values, ja, en = given
    separator = en if lang == "en" else ja
    return separator.join(
        value.in_language(lang) if isinstance(value, Text) else str(value) for value in values
    )
