"""The rules a grant must keep, as pure functions: each broken rule is a ``Verdict`` with
its id and a message (a ``Text``, shown in either language) naming the program, the rule
and the figures, e.g. 「設立準備事業補助金は準備開始年度から2年度までです（令和5年度開始）」.

The rules read a program (``programs.Program``), the organization's dated stages and
milestones (``OrganizationFacts``) and what was granted before (``Ledger``). An
organization's stage and milestones are taken on the decision date, or at the end of the
fiscal year when a grant has none. A grant of 0 records a refusal (不交付) and breaks no
rule; only grants of more than 0 count as a year's projects.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import formatting
from ..japanese_calendar import fiscal_year, fiscal_year_end
from ..organizations.scheme import Scheme
from ..organizations.shown import named
from ..translatable import Counted, Sentences, Shown, Text, Worded, joined
from .programs import Duration, Program

# Every rule a verdict may name, in the order they are checked.
RULES = (
    "unknown_organization",
    "unknown_program",
    "bad_value",
    "stage",
    "milestone",
    "window",
    "duration",
    "cap_per_year",
    "projects_per_year",
    "project_cap",
    "budget",
)

# The message of a grant that keeps every rule: nothing to say, in either language.
_NOTHING: Text = Sentences()


@dataclass(frozen=True)
class Verdict(Worded):
    """A broken rule (or, with ``rule`` None, a grant that keeps them all); ``column`` names
    the field or CSV column a bad value is in."""

    rule: str | None
    text: Text = _NOTHING
    column: str | None = None

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return self.rule is None

    def to_dict(self) -> dict[str, Any]:
        """The verdict as the API, the audit and ``--json`` show it."""
        shown: dict[str, Any] = {
            "ok": self.ok,
            "rule": self.rule,
            "message": self.message,
            "message_en": self.message_en,
        }
        if self.column is not None:
            shown["column"] = self.column
        return shown


@dataclass(frozen=True)
class GrantDraft:
    """A grant to check and store: amounts in whole yen, the decision date if any."""

    organization_id: int
    program: str
    fiscal_year: int
    project: str
    requested: int
    granted: int
    decided_on: date | None = None
    note: str = ""


@dataclass(frozen=True)
class OrganizationFacts:
    """What the rules read of an organization: its stage changes (oldest first) and the
    day it reached each milestone."""

    id: int
    name: str
    stages: tuple[tuple[date, str], ...] = ()
    milestones: Mapping[str, date] = field(default_factory=dict)

    def stage_on(self, day: date) -> str | None:
        """The stage the organization was at on ``day`` (None before its first)."""
        at = bisect.bisect_right([changed for changed, _ in self.stages], day)
        return self.stages[at - 1][1] if at else None

    def entered(self, stage: str) -> date | None:
        """The first day the organization entered ``stage``."""
        return next((changed for changed, key in self.stages if key == stage), None)


class Ledger:
    """What has been granted: each organization's grants of a program in a fiscal year (in
    the order decided) and each program's total in a year; checking a batch adds each
    accepted grant, so the rows after it are checked against it."""

    def __init__(self, grants: Iterable[tuple[int, str, int, int]] = ()) -> None:
        """``grants``: (organization id, program, fiscal year, granted) in decision order."""
        self._years: dict[tuple[int, str, int], list[int]] = defaultdict(list)
        self._totals: dict[tuple[str, int], int] = defaultdict(int)
        for organization_id, program, year, granted in grants:
            self._record(organization_id, program, year, granted)

    def _record(self, organization_id: int, program: str, year: int, granted: int) -> None:
        if granted > 0:
            self._years[(organization_id, program, year)].append(granted)
            self._totals[(program, year)] += granted

    def add(self, draft: GrantDraft) -> None:
        """Count ``draft`` as granted."""
        self._record(draft.organization_id, draft.program, draft.fiscal_year, draft.granted)

    def granted_in_year(self, organization_id: int, program: str, year: int) -> list[int]:
        """The amounts of an organization's grants of ``program`` in fiscal year ``year``."""
        return self._years.get((organization_id, program, year), [])

    def program_total(self, program: str, year: int) -> int:
        """Everything granted under ``program`` in fiscal year ``year``."""
        return self._totals.get((program, year), 0)


def broken_rules(
    scheme: Scheme,
    program: Program,
    organization: OrganizationFacts,
    draft: GrantDraft,
    ledger: Ledger,
) -> list[Verdict]:
    """The rules ``draft`` breaks, in the order of ``RULES`` (none for a grant of 0)."""
    if draft.granted == 0:
        return []
    day = draft.decided_on or fiscal_year_end(draft.fiscal_year)
    checks = (
        _stage(scheme, program, organization, day),
        *_milestones(scheme, program, organization, day),
        _window(program, draft.fiscal_year),
        _duration(scheme, program, organization, draft.fiscal_year),
        _cap_per_year(program, draft, ledger),
        *_project_rules(program, draft, ledger),
        _budget(program, draft, ledger),
    )
    return [verdict for verdict in checks if verdict is not None]


# --- each rule -----------------------------------------------------------------------------------
def _stage(
    scheme: Scheme, program: Program, organization: OrganizationFacts, day: date
) -> Verdict | None:
    """The organization is at one of the program's stages on the day."""
    if not program.stages:
        return None
    current = organization.stage_on(day)
    if current in program.stages:
        return None
    stages = joined((_stage_name(scheme, key) for key in program.stages), "・", ", ")
    if current is None:
        text = Text(
            "{program}の対象は{stages}の組織です（{day}時点で段階の記録なし）",
            program=named(program),
            stages=stages,
            day=_day(day),
        )
    else:
        text = Text(
            "{program}の対象は{stages}の組織です（{day}時点で{stage}）",
            program=named(program),
            stages=stages,
            day=_day(day),
            stage=_stage_name(scheme, current),
        )
    return Verdict("stage", text)


def _milestones(
    scheme: Scheme, program: Program, organization: OrganizationFacts, day: date
) -> list[Verdict]:
    """The program's required milestones were reached by the day, and the one that ends
    it was not."""
    verdicts = []
    for key in program.milestones:
        reached = organization.milestones.get(key)
        if reached is not None and reached <= day:
            continue
        name = _milestone_name(scheme, key)
        if reached is None:
            text = Text(
                "{program}には{milestone}が必要です（未記録）",
                program=named(program),
                milestone=name,
            )
        else:
            text = Text(
                "{program}には{milestone}が必要です（{reached}の記録で、{day}より後です）",
                program=named(program),
                milestone=name,
                reached=_day(reached),
                day=_day(day),
            )
        verdicts.append(Verdict("milestone", text))
    ending = program.until_milestone
    reached = organization.milestones.get(ending) if ending else None
    if ending and reached is not None and reached <= day:
        verdicts.append(
            Verdict(
                "milestone",
                Text(
                    "{program}は{milestone}までです（{reached}に{milestone}）",
                    program=named(program),
                    milestone=_milestone_name(scheme, ending),
                    reached=_day(reached),
                ),
            )
        )
    return verdicts


def _window(program: Program, year: int) -> Verdict | None:
    """The fiscal year lies in the program's window."""
    first, last = program.first_year, program.last_year
    if (first is None or year >= first) and (last is None or year <= last):
        return None
    if first is not None and last is not None:
        text = Text(
            "{program}は{first}から{last}までです（{year}）",
            program=named(program),
            first=_fy(first),
            last=_fy(last),
            year=_fy(year),
        )
    elif first is not None:
        text = Text(
            "{program}は{first}からです（{year}）",
            program=named(program),
            first=_fy(first),
            year=_fy(year),
        )
    else:
        text = Text(
            "{program}は{last}までです（{year}）",
            program=named(program),
            last=_fy(last),  # type: ignore[arg-type]
            year=_fy(year),
        )
    return Verdict("window", text)


def _duration(
    scheme: Scheme, program: Program, organization: OrganizationFacts, year: int
) -> Verdict | None:
    """The fiscal year is within N years of the stage or milestone the program counts
    from."""
    duration = program.duration
    if duration is None:
        return None
    if duration.from_stage:
        start = organization.entered(duration.from_stage)
    else:
        start = organization.milestones.get(duration.from_milestone or "")
    label = _duration_label(scheme, duration)
    n = duration.years
    if duration.counting == "fiscal_years":
        rule = Counted("{label}年度から{n}年度まで", "{label}年度から{n}年度まで", n=n, label=label)
    else:
        rule = Counted(
            "{label}から{n}年を経過するまで", "{label}から{n}年を経過するまで", n=n, label=label
        )
    if start is None:
        return Verdict(
            "duration",
            Text(
                "{program}は{rule}ですが、{label}の記録がありません",
                program=named(program),
                rule=rule,
                label=label,
            ),
        )
    first = fiscal_year(start)
    if duration.counting == "fiscal_years":
        last = first + n - 1
        detail = Text("{first}開始", first=_fy(first))
    else:
        last = fiscal_year(_years_after(start, n))
        detail = Text("{start}{label}、{last}まで", start=_day(start), label=label, last=_fy(last))
    if first <= year <= last:
        return None
    return Verdict(
        "duration",
        Text("{program}は{rule}です（{detail}）", program=named(program), rule=rule, detail=detail),
    )


def _cap_per_year(program: Program, draft: GrantDraft, ledger: Ledger) -> Verdict | None:
    """The organization's grants of the program in the year stay within the cap."""
    cap = program.cap_per_year
    before = sum(ledger.granted_in_year(draft.organization_id, draft.program, draft.fiscal_year))
    if cap is None or before + draft.granted <= cap:
        return None
    return Verdict(
        "cap_per_year",
        Text(
            "{program}は1年度あたり{cap}までです（{year}は既に{before}、今回{granted}）",
            program=named(program),
            cap=_yen(cap),
            year=_fy(draft.fiscal_year),
            before=_yen(before),
            granted=_yen(draft.granted),
        ),
    )


def _project_rules(program: Program, draft: GrantDraft, ledger: Ledger) -> list[Verdict]:
    """At most N projects a year, and the k-th project within the k-th cap."""
    done = len(ledger.granted_in_year(draft.organization_id, draft.program, draft.fiscal_year))
    limit, year = program.projects_per_year, draft.fiscal_year
    if limit is not None and done >= limit:
        return [
            Verdict(
                "projects_per_year",
                Counted(
                    "{program}は1年度あたり{n}事業までです（{year}は既に{done}事業）",
                    "{program}は1年度あたり{n}事業までです（{year}は既に{done}事業）",
                    n=limit,
                    program=named(program),
                    year=_fy(year),
                    done=done,
                ),
            )
        ]
    caps = program.project_caps
    number = done + 1
    if number <= len(caps) and draft.granted > caps[number - 1]:
        return [
            Verdict(
                "project_cap",
                Text(
                    "{program}の{number}事業目は{cap}までです（今回{granted}）",
                    program=named(program),
                    number=number,
                    cap=_yen(caps[number - 1]),
                    granted=_yen(draft.granted),
                ),
            )
        ]
    return []


def _budget(program: Program, draft: GrantDraft, ledger: Ledger) -> Verdict | None:
    """The program's grants in the year stay within its budget."""
    budget = program.budget_for(draft.fiscal_year)
    if budget is None:
        return None
    remaining = budget - ledger.program_total(draft.program, draft.fiscal_year)
    if draft.granted <= remaining:
        return None
    return Verdict(
        "budget",
        Text(
            "{program}の{year}の予算{budget}を超えます（残り{remaining}、今回{granted}）",
            program=named(program),
            year=_fy(draft.fiscal_year),
            budget=_yen(budget),
            remaining=_yen(remaining),
            granted=_yen(draft.granted),
        ),
    )


# --- words and figures ---------------------------------------------------------------------------
def rule_list(verdicts: Iterable[Verdict]) -> Shown:
    """Broken rules' messages one after another: 「A。B」, "A. B." (a rule's Japanese has
    no 。 of its own, its English ends with a full stop)."""
    return joined((verdict.text for verdict in verdicts), "。", " ")


def _yen(amount: int) -> Shown:
    """An amount as each language writes it: 200,000円, ¥200,000."""
    return Shown(formatting.yen, amount)


def _fy(year: int) -> Shown:
    """A fiscal year as each language names it: 令和6年度, FY2024."""
    return Shown(formatting.fiscal_year_short, year)


def _day(day: date) -> Shown:
    """A date as each language writes it: 令和6年4月1日, 2024-04-01."""
    return Shown(formatting.day, day)


def _duration_label(scheme: Scheme, duration: Duration) -> Shown:
    """What a program's duration counts from: its own label, or the stage entered (「準備の開始」,
    "entering preparation") or the milestone."""
    if duration.from_stage:
        fallback: Text = Text("{stage}の開始", stage=_stage_name(scheme, duration.from_stage))
    else:
        fallback = _milestone_name(scheme, duration.from_milestone or "")
    return Shown(_label_in, (duration.label, duration.label_en, fallback))


def _label_in(given: tuple[str, str, Text], lang: str) -> str:
    """A duration's label in ``lang``: the one the program gives, else the fallback."""
    label, label_en, fallback = given
    return (label_en if lang == "en" else label) or fallback.in_language(lang)


def _years_after(day: date, years: int) -> date:
    """The day ``years`` years after ``day`` (29 February falls on 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _stage_name(scheme: Scheme, key: str) -> Shown:
    """A stage's name in each language (its key when the scheme lacks it)."""
    return named(scheme.stage(key), key)


def _milestone_name(scheme: Scheme, key: str) -> Shown:
    """A milestone's name in each language (its key when the scheme lacks it)."""
    return named(scheme.milestone(key), key)
