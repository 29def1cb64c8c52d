"""A city's subsidy programs, as data: each program's eligible stages and milestones, its
window of fiscal years, how long an organization may receive it counted from a stage or
milestone, the caps per year and per project, and the annual budget.

Programs are the ``[[programs]]`` tables of the city's scheme (TOML presets in
``geodata/presets``, ``PUT /api/programs``); ``read_programs`` checks them against the
scheme's stages and milestones and refuses a wrong value naming its field
(``programs.0.cap_per_year``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ..errors import BadInput
from ..organizations.requests import EnglishName, Key, Note, required_text
from ..translatable import Text
from ..web.validation import RequestModel, WholeNumber, refused, validate

MAX_PROGRAMS = 100
# The largest amount of yen a grant, cap or budget may hold (one trillion).
MAX_YEN = 10**12
FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR = 1900, 2200

Yen = Annotated[WholeNumber, Field(ge=0, le=MAX_YEN)]
PositiveYen = Annotated[WholeNumber, Field(ge=1, le=MAX_YEN)]
Year = Annotated[WholeNumber, Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR)]
ProgramName = required_text(60)


@dataclass(frozen=True)
class Duration:
    """How long an organization may receive a program, counted from the day it entered a
    stage or reached a milestone: ``fiscal_years`` counts N fiscal years including that
    one (準備開始年度から2年), ``anniversary`` runs until N years after that day have
    passed, through the fiscal year they end in (協定締結後6年を経過するまで)."""

    years: int
    counting: Literal["fiscal_years", "anniversary"]
    from_stage: str | None = None
    from_milestone: str | None = None
    label: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class Program:
    """One subsidy program and its rules (None or empty: the rule does not apply)."""

    key: str
    name: str
    name_en: str
    stages: tuple[str, ...] = ()
    milestones: tuple[str, ...] = ()
    until_milestone: str | None = None
    first_year: int | None = None
    last_year: int | None = None
    duration: Duration | None = None
    cap_per_year: int | None = None
    projects_per_year: int | None = None
    project_caps: tuple[int, ...] = ()
    budget: int | None = None
    budgets: Mapping[int, int] = field(default_factory=dict)
    note: str = ""

    def budget_for(self, year: int) -> int | None:
        """The program's budget for fiscal year ``year`` (None: no budget set)."""
        return self.budgets.get(year, self.budget)


# --- the document's shape ----------------------------------------------------------------------
class DurationEntry(RequestModel):
    """``[programs.duration]``: N years counted from a stage or a milestone."""

    years: Annotated[WholeNumber, Field(ge=1, le=100)]
    counting: Literal["fiscal_years", "anniversary"] = "fiscal_years"
    from_stage: Key | None = None
    from_milestone: Key | None = None
    label: Annotated[str, required_text(40)] | None = None
    label_en: Annotated[str, required_text(60)] | None = None

    @model_validator(mode="after")
    def one_start(self) -> DurationEntry:
        """Exactly one of ``from_stage`` and ``from_milestone``."""
        if (self.from_stage is None) == (self.from_milestone is None):
            raise refused(Text("from_stage と from_milestone のどちらか一つを指定してください"))
        return self


class ProgramEntry(RequestModel):
    """One ``[[programs]]`` table."""

    key: Key
    name: ProgramName
    name_en: EnglishName
    stages: Annotated[list[Key], Field(max_length=20)] = Field(default_factory=list)
    milestones: Annotated[list[Key], Field(max_length=20)] = Field(default_factory=list)
    until_milestone: Key | None = None
    first_year: Year | None = None
    last_year: Year | None = None
    duration: DurationEntry | None = None
    cap_per_year: PositiveYen | None = None
    projects_per_year: Annotated[WholeNumber, Field(ge=1, le=100)] | None = None
    project_caps: Annotated[list[PositiveYen], Field(max_length=100)] = Field(default_factory=list)
    budget: Yen | None = None
    budgets: Annotated[dict[str, Yen], Field(max_length=200)] = Field(default_factory=dict)
    note: Note = ""

    @field_validator("budgets")
    @classmethod
    def fiscal_year_keys(cls, budgets: dict[str, int]) -> dict[str, int]:
        """Each budget's key is a fiscal year."""
        for year in budgets:
            if not (year.isascii() and year.isdigit()) or not (
                FIRST_FISCAL_YEAR <= int(year) <= LAST_FISCAL_YEAR
            ):
                raise refused(
                    Text("キー「{key}」は年度（西暦の4桁、例: 2024）にしてください", key=year[:10])
                )
        return budgets

    @model_validator(mode="after")
    def window_forwards(self) -> ProgramEntry:
        """The window runs forwards."""
        if self.first_year and self.last_year and self.last_year < self.first_year:
            raise refused(Text("last_year は first_year 以降にしてください"))
        return self


class ProgramList(RequestModel):
    """The programs of a scheme, or the body of ``PUT /api/programs``."""

    programs: Annotated[list[ProgramEntry], Field(max_length=MAX_PROGRAMS)]


# --- reading ------------------------------------------------------------------------------------
def read_programs(
    documents: Sequence[Mapping[str, Any]],
    stage_keys: Iterable[str],
    milestone_keys: Iterable[str],
) -> tuple[Program, ...]:
    """The programs of a scheme, each checked against its ``stage_keys`` and
    ``milestone_keys``; a ``BadInput`` names the first wrong field."""
    entries = validate(ProgramList, {"programs": list(documents)}).programs
    stages, milestones = set(stage_keys), set(milestone_keys)
    seen: set[str] = set()
    programs = []
    for number, entry in enumerate(entries):
        where = f"programs.{number}"
        if entry.key in seen:
            raise _bad(f"{where}.key", Text("キー「{key}」が二度使われています", key=entry.key))
        seen.add(entry.key)
        for name, keys, known in (
            ("stages", entry.stages, stages),
            ("milestones", entry.milestones, milestones),
            (
                "until_milestone",
                [entry.until_milestone] if entry.until_milestone else [],
                milestones,
            ),
        ):
            unknown = [key for key in keys if key not in known]
            if unknown:
                raise _bad(
                    f"{where}.{name}", Text("「{keys}」はこの市の体系にありません", keys=unknown)
                )
        duration = None
        if entry.duration is not None:
            given = entry.duration
            start = given.from_stage or given.from_milestone
            if start not in (stages if given.from_stage else milestones):
                part = "from_stage" if given.from_stage else "from_milestone"
                raise _bad(
                    f"{where}.duration.{part}",
                    Text("「{keys}」はこの市の体系にありません", keys=[start]),
                )
            duration = Duration(
                given.years,
                given.counting,
                given.from_stage,
                given.from_milestone,
                given.label or "",
                given.label_en or "",
            )
        programs.append(
            Program(
                key=entry.key,
                name=entry.name,
                name_en=entry.name_en,
                stages=tuple(entry.stages),
                milestones=tuple(entry.milestones),
                until_milestone=entry.until_milestone,
                first_year=entry.first_year,
                last_year=entry.last_year,
                duration=duration,
                cap_per_year=entry.cap_per_year,
                projects_per_year=entry.projects_per_year,
                project_caps=tuple(entry.project_caps),
                budget=entry.budget,
                budgets={int(year): amount for year, amount in entry.budgets.items()},
                note=entry.note,
            )
        )
    return tuple(programs)


def program_document(program: Program) -> dict[str, Any]:
    """A program as its ``[[programs]]`` table (what ``read_programs`` reads back equal);
    rules that do not apply are left out."""
    document: dict[str, Any] = {"key": program.key, "name": program.name}
    document["name_en"] = program.name_en
    optional = {
        "stages": list(program.stages),
        "milestones": list(program.milestones),
        "until_milestone": program.until_milestone,
        "first_year": program.first_year,
        "last_year": program.last_year,
        "cap_per_year": program.cap_per_year,
        "projects_per_year": program.projects_per_year,
        "project_caps": list(program.project_caps),
        "budget": program.budget,
        "budgets": {str(year): amount for year, amount in sorted(program.budgets.items())},
        "note": program.note,
    }
    document.update(
        {name: value for name, value in optional.items() if value not in (None, [], {}, "")}
    )
    if program.duration is not None:
        given = program.duration
        duration = {
            "years": given.years,
            "counting": given.counting,
            "from_stage": given.from_stage,
            "from_milestone": given.from_milestone,
            "label": given.label,
            "label_en": given.label_en,
        }
        document["duration"] = {k: v for k, v in duration.items() if v not in (None, "")}
    return document


def _bad(where: str, problem: Text) -> BadInput:
    """The error for one wrong field of a program."""
    return BadInput(Text("「{field}」: {problem}。", field=where, problem=problem), fields=[where])
