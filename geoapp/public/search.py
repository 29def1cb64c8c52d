"""「私の地域はどこ？」: districts found by name, reading or code, best match first.

The index holds every district's name, reading (only as the data gives it: a generated
reading misreads place names, 平和 read へいわ where it is ひらお) and code in the one form
of ``place_names``; it is built once per data generation, so a search only compares
strings. Exact matches come before prefixes, prefixes before names merely containing the
query; with none, the names nearest the query are suggested instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from .place_names import is_postal_code, place_key, query_keys

MAX_MATCHES = 30
MAX_SUGGESTIONS = 5

# How many of the names sharing most characters with a query are weighed by edit distance.
SUGGESTION_POOL = 50

# How well a district matches, best first: its code, its whole name or reading, their
# beginning (or the code's), any part of them.
CODE, EXACT, PREFIX, PARTIAL = 0, 1, 2, 3


@dataclass(frozen=True)
class District:
    """A district as the public search knows it: its code, name and reading (may be
    empty)."""

    code: str
    name: str
    kana: str = ""


@dataclass(frozen=True)
class Entry:
    """A district with its name, reading and code in compared form."""

    district: District
    name: str
    kana: str
    code: str


@dataclass(frozen=True)
class Found:
    """A search's answer: the districts matched, best first (at most ``MAX_MATCHES`` of
    ``total``), or names to try instead; ``postal_code`` when a postal code was given."""

    matches: list[District] = field(default_factory=list)
    total: int = 0
    suggestions: list[str] = field(default_factory=list)
    postal_code: bool = False


def code_key(text: str) -> str:
    """A code in compared form: NFKC, without spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


class DistrictIndex:
    """The districts of one data generation, ready to search."""

    def __init__(self, districts: Iterable[District], drop: tuple[str, ...] = ()) -> None:
        """``drop``: words an address may start with that name no district (the prefecture,
        the city's name)."""
        self.drop = drop
        self.entries = [
            Entry(d, place_key(d.name), place_key(d.kana) if d.kana else "", code_key(d.code))
            for d in districts
        ]
        self._by_code = {entry.district.code: entry.district for entry in self.entries}

    def __len__(self) -> int:
        return len(self.entries)

    def district(self, code: str) -> District:
        """The district with this code."""
        return self._by_code[code]

    def search(self, query: str) -> Found:
        """The districts ``query`` names, best first; suggestions when none does."""
        if is_postal_code(query):
            return Found(postal_code=True)
        keys = query_keys(query, self.drop)
        for key in keys:
            ranked = self._ranked(key, code_key(query) if key == keys[0] else "")
            if ranked:
                return Found([entry.district for entry in ranked[:MAX_MATCHES]], len(ranked))
        return Found(suggestions=self.suggestions(keys[0]))

    def _ranked(self, key: str, code: str) -> list[Entry]:
        """The entries matching ``key`` (or the code ``code``), best first; shorter names
        first within a rank, then by code."""
        found = []
        for entry in self.entries:
            rank = _rank(key, entry.name, entry.kana)
            if code and entry.code == code:
                rank = CODE
            elif len(code) >= 3 and entry.code.startswith(code):
                rank = min(rank, PREFIX)
            if rank <= PARTIAL:
                found.append((rank, len(entry.name), entry.code, entry))
        return [entry for *_, entry in sorted(found, key=lambda item: item[:3])]

    def suggestions(self, key: str) -> list[str]:
        """The district names nearest ``key``: among those sharing the most characters with
        it, those whose beginning is fewest edits from it (a slip in a long name: 平和代 for
        平和台一丁目), then whose whole name is; none when no name shares a character."""
        if not key:
            return []
        wanted = set(key)
        shared = []
        for entry in self.entries:
            for form in filter(None, (entry.name, entry.kana)):
                if count := len(wanted & set(form)):
                    shared.append((-count, form, entry.district.name))
        pool = sorted(shared)[:SUGGESTION_POOL]
        nearest = sorted(
            pool,
            key=lambda item: (
                edit_distance(key, item[1][: len(key)]),
                edit_distance(key, item[1]),
                item[0],
            ),
        )
        return list(dict.fromkeys(name for *_, name in nearest))[:MAX_SUGGESTIONS]


def _rank(key: str, *forms: str) -> int:
    """How well ``key`` matches the best of ``forms`` (a rank past ``PARTIAL``: not at all)."""
    best = PARTIAL + 1
    for form in forms:
        if not form:
            continue
        if form == key:
            return EXACT
        if form.startswith(key):
            best = min(best, PREFIX)
        elif key in form:
            best = min(best, PARTIAL)
    return best


def edit_distance(a: str, b: str) -> int:
    """The Levenshtein distance: insertions, deletions and substitutions turning a into b."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
