"""What becomes of recorded stages and milestones when a city switches scheme, pure.

A recorded stage the new scheme lacks maps to the new stage of the same Japanese name,
else to the stage at the same place on the ladder (the last one when the new ladder is
shorter). A recorded milestone the new scheme lacks maps to the kind of the same Japanese
name, else it is removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..translatable import Clauses, Counted, Text
from .scheme import Scheme


@dataclass(frozen=True)
class SchemeMapping:
    """Old key → new key for the recorded stages and milestones the new scheme lacks
    (a milestone mapped to None is removed), with how many records each holds."""

    stages: dict[str, str]
    milestones: dict[str, str | None]
    counts: dict[str, int]

    @property
    def needed(self) -> bool:
        """Whether switching changes any record."""
        return bool(self.stages or self.milestones)

    @property
    def text(self) -> Text:
        """The mapping as one line: 「段階「a」（3件）→ 「b」へ、…」."""
        parts: list[Text] = []
        for old, new in self.stages.items():
            count = self.counts.get(f"stage:{old}", 0)
            parts.append(
                Counted(
                    "段階「{old}」（{n}件）→ 「{new}」へ",
                    "段階「{old}」（{n}件）→ 「{new}」へ",
                    n=count,
                    old=old,
                    new=new,
                )
            )
        for old, kept in self.milestones.items():
            count = self.counts.get(f"milestone:{old}", 0)
            if kept:
                parts.append(
                    Counted(
                        "マイルストーン「{old}」（{n}件）→ 「{new}」へ",
                        "マイルストーン「{old}」（{n}件）→ 「{new}」へ",
                        n=count,
                        old=old,
                        new=kept,
                    )
                )
            else:
                parts.append(
                    Counted(
                        "マイルストーン「{old}」（{n}件）→ 削除",
                        "マイルストーン「{old}」（{n}件）→ 削除",
                        n=count,
                        old=old,
                    )
                )
        return Clauses(*parts)

    def describe(self, lang: str) -> str:
        """The mapping as one line, in Japanese or English."""
        return self.text.in_language(lang)

    def to_dict(self) -> dict[str, Any]:
        """The mapping as the API, the command and the audit show it."""
        return {
            "stages": self.stages,
            "milestones": self.milestones,
            "counts": self.counts,
            "description": {"ja": self.describe("ja"), "en": self.describe("en")},
        }


def scheme_mapping(
    old: Scheme,
    new: Scheme,
    stages_in_use: Mapping[str, int],
    milestones_in_use: Mapping[str, int],
) -> SchemeMapping:
    """How the recorded keys the new scheme lacks map onto it."""
    stages: dict[str, str] = {}
    for key in sorted(stages_in_use):
        if new.stage(key) is not None:
            continue
        was = old.stage(key)
        by_name = next((s.key for s in new.stages if was and s.name == was.name), None)
        place = min(old.order(key), len(new.stages) - 1) if was else 0
        stages[key] = by_name or new.stages[place].key
    milestones: dict[str, str | None] = {}
    for key in sorted(milestones_in_use):
        if new.milestone(key) is not None:
            continue
        was_kind = old.milestone(key)
        milestones[key] = next(
            (m.key for m in new.milestones if was_kind and m.name == was_kind.name), None
        )
    counts = {f"stage:{key}": stages_in_use[key] for key in stages}
    counts |= {f"milestone:{key}": milestones_in_use[key] for key in milestones}
    return SchemeMapping(stages, milestones, counts)
