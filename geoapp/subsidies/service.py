"""Subsidies, free of Flask: the city's programs (rules in its scheme), every grant
checked against them when saved, budgets, the annual report and the amounts per
community for the choropleth.

What pages, commands and the API call (``user`` is the logged-in ``User``):

- ``programs()`` / ``program_documents()`` — the programs, as rules and as documents;
  ``save_programs(user, documents)`` — admins replace them, checked and audited.
- ``record_grant(user, row)`` — one grant; a broken rule raises ``GrantRuleBroken`` naming
  it, unless an admin gives an exception reason (audited with the rules waived).
- ``import_rows(user, rows, dry_run, source)`` — a table of grants, one verdict per row,
  every row stored or none.
- ``grants(...)``, ``delete_grant(user, id)``, ``budget(year)``, ``annual_report(year)``,
  ``totals_by_year()``, ``community_amounts(year, program, measure)``.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from ..accounts.users import User
from ..errors import BadInput, Conflict, GrantRuleBroken, NotFound
from ..japanese_calendar import fiscal_year, fiscal_year_label, today_in_japan
from ..organizations.scheme import Scheme, scheme_from_dict
from ..organizations.service import Organizations
from ..plans.service import require_admin
from ..storage import Store
from ..storage import grants as records
from ..storage import organizations as organization_records
from ..storage.base import Session
from ..translatable import Counted, Sentences, Text, joined
from .grant_table import GrantRow, bad_value
from .programs import Program, program_document, read_programs
from .rules import GrantDraft, Ledger, OrganizationFacts, Verdict, broken_rules, rule_list

logger = logging.getLogger(__name__)

Measure = Literal["total", "per_capita", "per_household"]
MEASURES: tuple[Measure, ...] = ("total", "per_capita", "per_household")
# Beyond this many organizations the rules' facts are read for all at once.
_FEW = 200


@dataclass(frozen=True)
class RowVerdict:
    """The verdict on one row of a table: its line, every rule it breaks and whether an
    admin's exception waives them."""

    line: int
    verdict: Verdict
    broken: tuple[Verdict, ...] = ()
    excepted: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``{"row", "ok", "rule", "message", …}`` as ``--json`` prints it."""
        shown = {"row": self.line, **self.verdict.to_dict()}
        if len(self.broken) > 1 and not self.excepted:
            shown["rules"] = [v.rule for v in self.broken]
        if self.excepted:
            shown["exception"] = True
            shown["waived_rules"] = [v.to_dict() for v in self.broken]
        return shown


@dataclass(frozen=True)
class ImportResult:
    """A table's verdicts, and whether its grants were stored (all, or none)."""

    source: str
    verdicts: tuple[RowVerdict, ...]
    dry_run: bool
    stored: int

    @property
    def ok(self) -> bool:
        """True when every row keeps the rules (or is an admin's exception)."""
        return all(row.verdict.ok for row in self.verdicts)

    @property
    def refused(self) -> tuple[RowVerdict, ...]:
        """The rows that break a rule or hold a bad value."""
        return tuple(row for row in self.verdicts if not row.verdict.ok)

    @property
    def text(self) -> Text:
        """The first refused row's message, with how many more rows are refused (nothing
        when every row may be stored)."""
        refused = self.refused
        if not refused:
            return Sentences()
        first, more = refused[0].verdict.text, len(refused) - 1
        if not more:
            return first
        return Counted("{message}（ほか{n}行）", "{message}（ほか{n}行）", n=more, message=first)

    @property
    def status(self) -> int:
        """The HTTP status the API answers with: 400 for a bad value, an unknown organization
        or program, 409 for a broken rule, else 200."""
        rules = {row.verdict.rule for row in self.verdicts if not row.verdict.ok}
        if rules & {"bad_value", "unknown_organization", "unknown_program"}:
            return 400
        return 409 if rules else 200

    def to_dict(self) -> dict[str, Any]:
        """The result as the API answers it, with a message naming the first refused row."""
        return {
            "source": self.source,
            "ok": self.ok,
            "message": self.text.in_language("ja"),
            "message_en": self.text.in_language("en"),
            "dry_run": self.dry_run,
            "rows": len(self.verdicts),
            "refused": len(self.refused),
            "stored": self.stored,
            "verdicts": [row.to_dict() for row in self.verdicts],
        }


class Subsidies:
    """The subsidy programs and grants of one store; organizations give the scheme."""

    def __init__(self, store: Store, organizations: Organizations) -> None:
        self.store = store
        self.organizations = organizations

    # --- programs -------------------------------------------------------------------------------
    def programs(self, scheme: Scheme | None = None) -> tuple[Program, ...]:
        """The city's programs, in the scheme's order."""
        scheme = scheme or self.organizations.scheme()
        return read_programs(scheme.programs, scheme.stage_keys, scheme.milestone_keys)

    def program(self, key: str) -> Program:
        """One program by key; a ``BadInput`` naming ``program`` when there is none."""
        found = {program.key: program for program in self.programs()}
        if key not in found:
            raise unknown_program(key, found)
        return found[key]

    def program_documents(self) -> list[dict[str, Any]]:
        """The programs as their documents (what ``PUT /api/programs`` takes)."""
        return [program_document(program) for program in self.programs()]

    def save_programs(self, user: User, documents: Sequence[Any]) -> list[dict[str, Any]]:
        """Replace the city's programs (admins only), checked against the scheme's stages
        and milestones; a program that has grants cannot be removed. Audited."""
        require_admin(user, Text("補助制度の変更"))
        now = datetime.now(UTC)
        with self.store.session(write=True) as session:
            records.lock_grant_writes(session)
            old = self._stored_scheme(session)
            new = scheme_from_dict({**old.to_dict(), "programs": list(documents)})
            in_use = records.program_keys_in_use(session)
            kept = {program["key"] for program in new.programs}
            gone = sorted(key for key in in_use if key not in kept)
            if gone:
                raise Conflict(
                    Text(
                        "「{programs}」には交付の記録があるため、制度を削除できません。",
                        programs=joined(gone, "」「", ", "),
                    ),
                    fields=["programs"],
                )
            organization_records.write_scheme_document(session, new.to_dict(), user.name, now)
            organization_records.insert_audit(
                session,
                None,
                user.name,
                now,
                "programs",
                {"programs": list(old.programs)},
                {"programs": list(new.programs)},
            )
        logger.info("%s replaced the subsidy programs (%d)", user.name, len(new.programs))
        return self.program_documents()

    def _stored_scheme(self, session: Session) -> Scheme:
        """The scheme as stored in this session (the organizations' default when none is)."""
        document = organization_records.scheme_document(session)
        return self.organizations.scheme() if document is None else scheme_from_dict(document)

    # --- checking and storing -------------------------------------------------------------------
    def record_grant(self, user: User, row: GrantRow) -> dict[str, Any]:
        """Check and store one grant (``row.organization`` is the organization's id); a bad
        value is a ``BadInput`` naming the field, a broken rule a ``GrantRuleBroken``."""
        result = self.import_rows(user, [row], dry_run=False, source="api")
        verdict = result.verdicts[0].verdict
        if verdict.rule in ("bad_value", "unknown_organization", "unknown_program"):
            column = verdict.column or "body"
            field = "organization_id" if column == "organization" else column
            raise BadInput(_in_field(verdict.text, field), fields=[field])
        if not verdict.ok:
            raise RulesBroken(result.verdicts[0].broken)
        with self.store.session() as session:
            newest = records.grant_rows(session, organization_id=int(row.organization))
        return _grant_json(max(newest, key=lambda grant: grant["id"]))

    def import_rows(
        self, user: User, rows: Sequence[GrantRow], dry_run: bool, source: str
    ) -> ImportResult:
        """Check every row against the rules (each against the rows before it as well as
        the stored grants) and, unless ``dry_run`` or a row is refused, store them all in
        one transaction with an audit row each."""
        scheme = self.organizations.scheme()
        programs = {program.key: program for program in self.programs(scheme)}
        now = datetime.now(UTC)
        with self.store.session(write=not dry_run) as session:
            if not dry_run:
                records.lock_grant_writes(session)
            found = _OrganizationIndex(records.organization_names(session))
            ids = {found.resolve(row.organization)[0] for row in rows if row.problem is None}
            ids.discard(None)
            facts = _facts(session, sorted(ids), found)  # type: ignore[arg-type]
            years = sorted({row.fiscal_year for row in rows if row.problem is None})
            ledger = Ledger(records.granted_in_years(session, years))
            verdicts, accepted = [], []
            for row in rows:
                checked, draft = self._checked(user, scheme, programs, found, facts, ledger, row)
                verdicts.append(checked)
                if draft is not None:
                    ledger.add(draft)
                    accepted.append((row, draft, checked.broken))
            result = ImportResult(source, tuple(verdicts), dry_run, 0)
            if dry_run or not result.ok or not accepted:
                return result
            self._store(session, user, now, accepted, source)
        logger.info("%s stored %d grants from %s", user.name, len(accepted), source)
        return replace(result, stored=len(accepted))

    def _checked(
        self,
        user: User,
        scheme: Scheme,
        programs: dict[str, Program],
        found: _OrganizationIndex,
        facts: dict[int, OrganizationFacts],
        ledger: Ledger,
        row: GrantRow,
    ) -> tuple[RowVerdict, GrantDraft | None]:
        """One row's verdict, and its draft when it may be stored."""
        line = row.line
        if row.problem is not None:
            return RowVerdict(line, row.problem, (row.problem,)), None
        organization_id, why = found.resolve(row.organization)
        if organization_id is None:
            verdict = Verdict(
                "unknown_organization", _about(line, "organization", why), "organization"
            )
            return RowVerdict(line, verdict, (verdict,)), None
        program = programs.get(row.program)
        if program is None:
            error = unknown_program(row.program, programs)
            verdict = Verdict("unknown_program", _about(line, "program", error.why), "program")
            return RowVerdict(line, verdict, (verdict,)), None
        draft = GrantDraft(
            organization_id,
            program.key,
            row.fiscal_year,
            row.project,
            row.requested,
            row.granted,
            row.decided_on,
            row.note,
        )
        broken = broken_rules(scheme, program, facts[organization_id], draft, ledger)
        reason = row.exception_reason
        if reason is not None:
            problem = None
            if not broken:
                problem = Text("この交付はどの規則にも反していないので、例外の理由は要りません")
            elif not user.is_admin:
                problem = Text("規則の例外を記録できるのは管理者だけです")
            if problem is not None:
                verdict = bad_value(line or None, "exception_reason", "", problem)
                return RowVerdict(line, verdict, (verdict,)), None
            ok = Verdict(None, Text("例外として記録します（{rules}）", rules=rule_list(broken)))
            return RowVerdict(line, ok, tuple(broken), excepted=True), draft
        if broken:
            first = broken[0]
            verdict = replace(first, text=_at(line, first.text))
            return RowVerdict(line, verdict, tuple(broken)), None
        return RowVerdict(line, Verdict(None)), draft

    def _store(
        self,
        session: Session,
        user: User,
        now: datetime,
        accepted: list[tuple[GrantRow, GrantDraft, tuple[Verdict, ...]]],
        source: str,
    ) -> None:
        """Store the accepted grants and audit them: one audit row per organization listing
        its grants from this source, and one for each exception with the rules it waived."""
        grants, audits = [], []
        by_organization: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row, draft, waived in accepted:
            waived_rules = [v.to_dict() for v in waived]
            grants.append(
                (
                    draft.organization_id,
                    draft.program,
                    draft.fiscal_year,
                    draft.project,
                    draft.requested,
                    draft.granted,
                    draft.decided_on,
                    draft.note,
                    row.exception_reason,
                    waived_rules,
                    user.name,
                    now,
                )
            )
            shown = {
                "line": row.line,
                "program": draft.program,
                "fiscal_year": draft.fiscal_year,
                "project": draft.project,
                "requested": draft.requested,
                "granted": draft.granted,
                "decided_on": draft.decided_on.isoformat() if draft.decided_on else None,
                "note": draft.note,
            }
            if row.exception_reason is None:
                by_organization[draft.organization_id].append(shown)
                continue
            new = {"source": source, "grants": [shown]}
            audits.append(
                (
                    draft.organization_id,
                    now,
                    user.name,
                    "grant",
                    None,
                    new,
                    row.exception_reason,
                    waived_rules,
                )
            )
        for organization_id, listed in by_organization.items():
            new = {"source": source, "grants": listed}
            audits.append((organization_id, now, user.name, "grant", None, new, None, []))
        records.insert_grants(session, grants)
        organization_records.insert_audits(session, audits)

    def delete_grant(self, user: User, grant_id: int) -> None:
        """Remove a grant entered by mistake (admins only); audited with what it was."""
        require_admin(user, Text("交付記録の削除"))
        now = datetime.now(UTC)
        with self.store.session(write=True) as session:
            records.lock_grant_writes(session)
            row = records.grant_row(session, grant_id)
            if row is None:
                raise grant_not_found(grant_id)
            records.delete_grant(session, grant_id)
            organization_records.insert_audit(
                session,
                row["organization_id"],
                user.name,
                now,
                "grant_delete",
                _grant_json(row),
                None,
            )

    # --- reading --------------------------------------------------------------------------------
    def grants(
        self,
        fiscal_year: int | None = None,
        program: str | None = None,
        organization_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Grants as JSON, by fiscal year, program and organization."""
        with self.store.session() as session:
            rows = records.grant_rows(session, fiscal_year, program, organization_id)
        return [_grant_json(row) for row in rows]

    def public_grants(self, organization_id: int) -> list[dict[str, Any]]:
        """What anyone may see of an organization's grants: each amount paid with its
        fiscal year, program (named in both languages) and project, oldest year first."""
        names = {program.key: program for program in self.programs()}
        with self.store.session() as session:
            rows = records.public_grant_rows(session, organization_id)
        shown = []
        for row in rows:
            program = names.get(row["program"])
            shown.append(
                {
                    "fiscal_year": int(row["fiscal_year"]),
                    "program": program.name if program else row["program"],
                    "program_en": program.name_en if program else row["program"],
                    "project": row["project"],
                    "granted": int(row["granted"]),
                }
            )
        return shown

    def published_grants(self) -> list[dict[str, Any]]:
        """The grants of more than 0 as the open data publishes them: fiscal year (and its
        和暦 label), program (and its name), organization and community ids, organization
        name and the amount granted; refusals and every staff field stay out."""
        names = {program.key: program.name for program in self.programs()}
        with self.store.session() as session:
            rows = records.published_grant_rows(session)
        return [
            {
                **row,
                "fiscal_year_label": fiscal_year_label(int(row["fiscal_year"])),
                "program_name": names.get(row["program"], row["program"]),
            }
            for row in rows
        ]

    def last_grant_change(self) -> datetime | None:
        """When a grant was last recorded or deleted (None: never)."""
        with self.store.session() as session:
            return records.grants_last_change(session)

    def fiscal_years(self) -> list[int]:
        """The fiscal years with grants, and this one."""
        with self.store.session() as session:
            years = set(records.grant_years(session))
        return sorted(years | {fiscal_year(today_in_japan())})

    def budget(self, year: int) -> list[dict[str, Any]]:
        """Per program in fiscal year ``year``: budget (None: none set), granted, remaining."""
        with self.store.session() as session:
            totals = records.program_year_totals(session)
        granted = {
            row["program"]: int(row["granted"]) for row in totals if row["fiscal_year"] == year
        }
        return [
            {
                "program": program.key,
                "name": program.name,
                "name_en": program.name_en,
                "fiscal_year": year,
                "budget": program.budget_for(year),
                "granted": granted.get(program.key, 0),
                "remaining": None
                if program.budget_for(year) is None
                else program.budget_for(year) - granted.get(program.key, 0),  # type: ignore[operator]
            }
            for program in self.programs()
        ]

    def annual_report(self, year: int) -> dict[str, Any]:
        """Fiscal year ``year``: per organization (community) and program the amounts
        granted, totals per organization and program, and the budget used and remaining."""
        programs = self.programs()
        with self.store.session() as session:
            rows = records.year_totals(session, year)
        by_organization: dict[int, dict[str, Any]] = {}
        for row in rows:
            entry = by_organization.setdefault(
                int(row["organization_id"]),
                {
                    "organization_id": int(row["organization_id"]),
                    "organization": row["organization"],
                    "community_id": row["community_id"],
                    "amounts": {},
                    "total": 0,
                    "refused": 0,
                },
            )
            entry["amounts"][row["program"]] = int(row["granted"])
            entry["total"] += int(row["granted"])
            entry["refused"] += int(row["refused"])
        program_totals = defaultdict(int)
        for entry in by_organization.values():
            for key, amount in entry["amounts"].items():
                program_totals[key] += amount
        known = {program.key for program in programs}
        budget = self.budget(year)
        return {
            "fiscal_year": year,
            "label": fiscal_year_label(year),
            "programs": [{"key": p.key, "name": p.name, "name_en": p.name_en} for p in programs]
            + [
                {"key": key, "name": key, "name_en": key}
                for key in sorted(program_totals)
                if key not in known
            ],
            "organizations": sorted(
                by_organization.values(), key=lambda e: (e["organization"], e["organization_id"])
            ),
            "program_totals": dict(program_totals),
            "total": sum(program_totals.values()),
            "budget": budget,
        }

    def totals_by_year(self) -> list[dict[str, Any]]:
        """Granted per fiscal year and program, every year with a grant (for the chart)."""
        with self.store.session() as session:
            rows = records.program_year_totals(session)
        years: dict[int, dict[str, int]] = {}
        for row in rows:
            years.setdefault(int(row["fiscal_year"]), {})[row["program"]] = int(row["granted"])
        return [
            {"fiscal_year": year, "label": fiscal_year_label(year), "amounts": amounts}
            for year, amounts in sorted(years.items())
        ]

    def community_amounts(
        self,
        year: int,
        program: str | None,
        communities: Iterable[dict[str, Any]],
        measure: Measure,
    ) -> list[dict[str, Any]]:
        """For each community of the adopted plan (``id``, ``population``, ``households``):
        the amount granted to its organization in ``year`` (under ``program``, or all) and
        the value shown for ``measure`` (None where the population is unknown or 0)."""
        if program is not None:
            self.program(program)
        report = self.annual_report(year)
        by_community: dict[int, int] = defaultdict(int)
        for entry in report["organizations"]:
            if entry["community_id"] is None:
                continue
            amount = entry["amounts"].get(program, 0) if program else entry["total"]
            by_community[int(entry["community_id"])] += amount
        answer = []
        for community in communities:
            granted = by_community.get(int(community["id"]), 0)
            answer.append(
                {**community, "granted": granted, "value": _measured(granted, community, measure)}
            )
        return answer


# --- organizations, as the rules see them -------------------------------------------------------
class _OrganizationIndex:
    """Organizations by id and by name, to resolve a table's ``organization`` cell."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self.by_id: dict[int, dict[str, Any]] = {}
        self.by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._resolved: dict[str, tuple[int | None, Text | None]] = {}
        for row in rows:
            self.by_id[int(row["id"])] = row
            self.by_name[_normal(row["name"])].append(row)

    def resolve(self, given: str) -> tuple[int | None, Text | None]:
        """The organization's id (an id or a name; a name shared by several, active ones
        first, must be unique), or None and why not."""
        if given not in self._resolved:
            self._resolved[given] = self._resolve(given)
        return self._resolved[given]

    def _resolve(self, given: str) -> tuple[int | None, Text | None]:
        """``resolve``, uncached."""
        text = _normal(given)
        if text.isascii() and text.isdigit() and int(text) in self.by_id:
            return int(text), None
        named = self.by_name.get(text, [])
        active = [row for row in named if not row["archived"]] or named
        if len(active) == 1:
            return int(active[0]["id"]), None
        if active:
            ids = ", ".join(str(row["id"]) for row in active)
            return None, Text(
                "「{name}」という組織が複数あります（id {ids}）。id で指定してください",
                name=given,
                ids=ids,
            )
        return None, Text("組織「{name}」はありません（組織の id か名前を書きます）", name=given)


def _facts(
    session: Session, ids: list[int], found: _OrganizationIndex
) -> dict[int, OrganizationFacts]:
    """What the rules read of the organizations ``ids``."""
    chosen = ids if len(ids) <= _FEW else None
    stages: dict[int, list[tuple[Any, str]]] = defaultdict(list)
    for row in records.stage_changes(session, chosen):
        stages[int(row["organization_id"])].append((row["effective_on"], row["stage"]))
    reached: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in records.milestone_dates(session, chosen):
        reached[int(row["organization_id"])][row["milestone"]] = row["achieved_on"]
    return {
        oid: OrganizationFacts(oid, found.by_id[oid]["name"], tuple(stages[oid]), reached[oid])
        for oid in ids
    }


# --- shaping answers ----------------------------------------------------------------------------
def _grant_json(row: dict[str, Any]) -> dict[str, Any]:
    """A grant as JSON."""
    return {
        "id": int(row["id"]),
        "organization_id": int(row["organization_id"]),
        "organization": row["organization"],
        "community_id": row["community_id"],
        "program": row["program"],
        "fiscal_year": int(row["fiscal_year"]),
        "fiscal_year_label": fiscal_year_label(int(row["fiscal_year"])),
        "project": row["project"],
        "requested": int(row["requested"]),
        "granted": int(row["granted"]),
        "decided_on": row["decided_on"].isoformat() if row["decided_on"] else None,
        "note": row["note"],
        "exception_reason": row["exception_reason"],
        "waived_rules": row["waived_rules"],
        "recorded_by": row["recorded_by"],
        "recorded_at": row["recorded_at"].isoformat(),
    }


def _measured(granted: int, community: dict[str, Any], measure: Measure) -> float | None:
    """The amount as ``measure`` shows it: the total, or per resident or household."""
    if measure == "total":
        return float(granted)
    people = community.get("population" if measure == "per_capita" else "households")
    if people is None or (isinstance(people, float) and math.isnan(people)) or not people:
        return None
    return granted / float(people)


def _normal(text: str) -> str:
    """A name as it is compared: NFKC, trimmed."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def _about(line: int, column: str, why: Text | None) -> Text:
    """What is wrong with a row's ``column``, naming its line (none for a single grant)."""
    if not line:
        return Text("「{column}」: {why}。", column=column, why=why)
    return Text("{line}行目の「{column}」: {why}。", line=line, column=column, why=why)


def _at(line: int, message: Text) -> Text:
    """``message`` said of line ``line`` of a table (as it is for a single grant)."""
    if not line:
        return message
    return Text("{line}行目: {message}", line=line, message=message)


def _in_field(text: Text, field: str) -> Text:
    """A single grant's refusal naming the API's ``field`` (organization_id) where it named
    the table's column (organization): the column is one of the message's values."""
    return Text(text.msgid, **{**text.values, "column": field})


# --- refusals -----------------------------------------------------------------------------------
class RulesBroken(GrantRuleBroken):
    """A grant refused for the rules it breaks; ``verdicts`` names each (the form lists
    them in the page's language)."""

    def __init__(self, verdicts: tuple[Verdict, ...]) -> None:
        super().__init__(
            Text(
                "交付できません: {rules}。管理者は理由を添えて例外として記録できます。",
                rules=rule_list(verdicts),
            ),
            fields=["granted"],
            rules=[verdict.to_dict() for verdict in verdicts],
        )
        self.verdicts = verdicts


class _UnknownProgram(BadInput):
    """The error for a program key the city lacks; ``why`` says so without the field."""

    why: Text | None = None


def unknown_program(key: str, programs: Iterable[str]) -> _UnknownProgram:
    """The error for a program key the city's scheme lacks, listing those it has."""
    listed = ", ".join(programs) or "—"
    why = Text("補助制度「{key}」はありません（{programs}）", key=key, programs=listed)
    error = _UnknownProgram(_about(0, "program", why), fields=["program"])
    error.why = why
    return error


def grant_not_found(grant_id: int) -> NotFound:
    """The error for a grant id that does not exist."""
    return NotFound(Text("交付記録 {id} はありません。", id=grant_id))
