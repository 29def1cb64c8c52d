"""An organization's timeline for its page: stage changes and milestones in the order they
happened, each dated in 和暦 with its 年度, and what staff see of who recorded it and of any
exception (its reason and the rules it waived)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..formatting import day, fiscal_year_short
from ..japanese_calendar import fiscal_year
from .scheme import Scheme
from .stage_colors import stage_color, stage_name


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event: a stage entered (``kind`` "stage") or a milestone reached."""

    kind: str
    day: date
    name: str
    color: str
    note: str = ""
    recorded_by: str = ""
    exception_reason: str | None = None
    waived_rules: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)

    def day_text(self, lang: str) -> str:
        """The day as the page's language writes it: 令和6年4月1日, 2024-04-01."""
        return day(self.day, lang)

    def fiscal_year_text(self, lang: str) -> str:
        """The fiscal year the day falls in: 令和6年度, FY2024."""
        return fiscal_year_short(fiscal_year(self.day), lang)


def timeline(organization: dict[str, Any], scheme: Scheme, lang: str) -> list[TimelineEntry]:
    """The stage changes and milestone records of ``organization`` (as the service shows
    it to staff or to anyone), oldest first; a milestone on the day of a change comes
    before it, as it allowed it."""
    entries = []
    for change in organization.get("history", []):
        waived = change.get("waived_rules") or []
        entries.append(
            TimelineEntry(
                "stage",
                date.fromisoformat(change["date"]),
                stage_name(scheme, change["stage"], lang),
                stage_color(scheme, change["stage"]),
                note=change.get("note") or "",
                recorded_by=change.get("recorded_by") or "",
                exception_reason=change.get("exception_reason"),
                waived_rules=[rule["message_en" if lang == "en" else "message"] for rule in waived],
            )
        )
    records = organization.get("milestone_records")
    if records is None:
        records = [{"milestone": k, "date": v} for k, v in organization["milestones"].items()]
    for record in records:
        kind = scheme.milestone(record["milestone"])
        name = record["milestone"] if kind is None else kind.name_en if lang == "en" else kind.name
        entries.append(
            TimelineEntry(
                "milestone",
                date.fromisoformat(record["date"]),
                name,
                "",
                note=record.get("note") or "",
                recorded_by=record.get("recorded_by") or "",
                links=record.get("links") or [],
            )
        )
    return sorted(entries, key=lambda entry: (entry.day, entry.kind == "stage"))
