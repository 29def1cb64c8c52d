"""Centre kinds on the maps: each centre's kind as the data gives it (地域交流センター,
交流センター, 公民館 …) is matched to the city's configured kinds by name or other name; a
kind that matches none gets a legend entry and colour of its own under its own name."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..translatable import N_
from .model import CenterKind

NO_KIND = N_("種別なし")
NO_KIND_COLOR = "#8c8c8c"
# Colours for kinds the city has not configured, in order of their names: like the
# default kinds' (model.py), told apart from them, from each other and from the grey by a
# reader with deuteranopia, and at least 3:1 against white.
EXTRA_COLORS = (
    "#224433",
    "#bb77cc",
    "#dd7777",
    "#662255",
    "#334400",
    "#668844",
    "#3388ee",
    "#668899",
    "#336633",
)


@dataclass(frozen=True)
class KindEntry:
    """One legend entry: the kind's name, its marker colour, and whether the city set it."""

    label: str
    color: str
    configured: bool


@dataclass(frozen=True)
class CenterKindScheme:
    """The legend entries of the kinds present (configured ones in the city's order, then
    the others by name, then centres without a kind) and the entry of each raw kind."""

    entries: tuple[KindEntry, ...]
    by_raw: dict[str, KindEntry]

    def entry(self, raw: object) -> KindEntry:
        """The entry of a centre whose kind in the data is ``raw``."""
        return self.by_raw[raw_kind(raw)]

    def color(self, raw: object) -> str:
        """The marker colour of a centre of kind ``raw``."""
        return self.entry(raw).color


def raw_kind(value: object) -> str:
    """A kind from the data as compared: NFKC, stripped; empty for a missing one."""
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFKC", value).strip()


def center_kind_scheme(
    kinds: Sequence[CenterKind], raw_kinds: Iterable[object]
) -> CenterKindScheme:
    """The scheme for centres whose kinds in the data are ``raw_kinds``."""
    names = {
        unicodedata.normalize("NFKC", name).strip(): kind
        for kind in kinds
        for name in (kind.name, *kind.aliases)
    }
    present = {raw_kind(value) for value in raw_kinds}
    configured = {
        kind.name: KindEntry(kind.name, kind.color, True)
        for kind in kinds
        if any(names.get(raw) is kind for raw in present)
    }
    taken = {kind.color.lower() for kind in kinds}
    free = [color for color in EXTRA_COLORS if color not in taken] or list(EXTRA_COLORS)
    unknown = sorted(raw for raw in present if raw and raw not in names)
    extra = {
        raw: KindEntry(raw, free[number % len(free)], False) for number, raw in enumerate(unknown)
    }
    by_raw = {raw: configured[names[raw].name] for raw in present if raw in names}
    by_raw |= extra
    entries = [*configured.values(), *extra.values()]
    if "" in present:
        by_raw[""] = KindEntry(NO_KIND, NO_KIND_COLOR, False)
        entries.append(by_raw[""])
    return CenterKindScheme(tuple(entries), by_raw)
