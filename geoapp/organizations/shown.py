"""A stage's, milestone kind's or program's name inside a rule's message, in each
language as the city's scheme names it (``name`` / ``name_en``): a
``geoapp.translatable.Shown`` whose wording comes from the data, not the catalogue.
"""

from __future__ import annotations

from typing import Protocol

from ..translatable import Shown


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


def _name_in(names: tuple[str, str], lang: str) -> str:
    """The Japanese or the English of a (name, name_en) pair."""
    return names[1] if lang == "en" else names[0]
