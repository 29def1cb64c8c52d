"""The community organizations of a city, free of Flask: its scheme, one organization per
community of the adopted plan, their stages and milestones with dates, and the audit.

What pages, maps and charts call (``viewer`` is the logged-in ``User`` or None for an
anonymous visitor, who only ever gets the public fields):

- ``scheme()`` — the city's ``Scheme`` (stages in order with names and colours, milestone
  kinds); ``scheme_dict()`` the same as JSON.
- ``list_organizations(viewer, stage=, milestone=, staff=)`` and ``organization(viewer,
  id)`` — organizations as JSON dicts (``PUBLIC_FIELDS`` or, for staff, ``STAFF_FIELDS``),
  each with ``stage``, ``stage_since``, ``milestones`` {key: date} and, for one
  organization, its ``history`` (stage changes, oldest first).
- ``stages_at(day)`` / ``stages_at_fiscal_year_end(year)`` — {community id: stage key or
  None} for every organization of the adopted plan, computed in SQL; ``stage_map(day or
  fiscal year)`` adds the counts per stage and the fiscal-year label for a legend.
- ``stage_counts_by_fiscal_year()`` — areas per stage at the end of each 年度, for the
  stacked chart; ``milestone_counts(day)`` — areas that reached each milestone, of all.
- ``change_stage``, ``record_milestone``, ``update_fields`` — the forms' writes;
  ``audit_log(viewer, id)`` — every change with who, when, before and after.
- ``sync_with_adopted_plan(user)`` — runs on every adoption; ``switch_scheme(user,
  scheme, force)`` — a new scheme for the city.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from ..accounts.users import User
from ..errors import BadInput, Conflict, Forbidden, NotFound, StageRuleBroken
from ..japanese_calendar import (
    fiscal_year,
    fiscal_year_end,
    fiscal_year_label,
    today_in_japan,
    wareki_date,
)
from ..plans.service import Planning, require_admin
from ..storage import Store
from ..storage import organizations as records
from ..storage.base import Session
from ..translatable import Text, joined
from .matching import OrganizationArea, match_organizations
from .rules import broken_rules, milestone_too_late
from .scheme import Scheme, default_scheme, scheme_from_dict
from .shown import named
from .spreadsheet import (
    MILESTONE_PREFIX,
    CsvRow,
    Problems,
    organizations_csv,
    read_organizations_csv,
)
from .switching import scheme_mapping

logger = logging.getLogger(__name__)

# What an anonymous visitor (and the public map) may see of an organization, and what
# staff see besides: the non-public columns are read only for staff.
PUBLIC_FIELDS = (*records.PUBLIC_COLUMNS, "stage", "stage_since", "milestones")
STAFF_FIELDS = (*PUBLIC_FIELDS, *(c for c in records.STAFF_COLUMNS if c != "created_at"))


class Organizations:
    """The organizations of one store; they follow ``planning``'s adopted plan."""

    def __init__(self, store: Store, planning: Planning) -> None:
        self.store = store
        self.planning = planning
        planning.when_adopted("organizations", self.sync_with_adopted_plan)

    # --- the scheme ---------------------------------------------------------------------------
    def scheme(self) -> Scheme:
        """The city's scheme (the Numata preset until one is loaded)."""
        with self.store.session() as session:
            document = records.scheme_document(session)
        return default_scheme() if document is None else scheme_from_dict(document)

    def scheme_dict(self) -> dict[str, Any]:
        """The city's scheme as its JSON document."""
        return self.scheme().to_dict()

    def switch_scheme(self, user: User, scheme: Scheme, force: bool = False) -> dict[str, Any]:
        """Make ``scheme`` the city's (admins only). Stored stages and milestones it lacks
        are refused, naming them, unless ``force``: then they are mapped (same key, else
        same Japanese name, else the stage at the same place on the ladder; milestones
        without a match are removed) and the mapping is returned and audited."""
        require_admin(user, Text("組織の段階の体系の変更"))
        now = datetime.now(UTC)
        with self.store.session(write=True) as session:
            old = self._stored_scheme(session)
            mapping = scheme_mapping(
                old,
                scheme,
                records.stage_keys_in_use(session),
                records.milestone_keys_in_use(session),
            )
            if mapping.needed and not force:
                raise Conflict(
                    Text(
                        "記録済みの段階・マイルストーンが新しい体系にありません: {mapping}。"
                        "--force（API では force=1）で対応付けて切り替えられます。",
                        mapping=mapping.text,
                    ),
                    mapping=mapping.to_dict(),
                )
            records.rename_stage_keys(session, mapping.stages)
            records.rename_milestone_keys(session, mapping.milestones)
            records.write_scheme_document(session, scheme.to_dict(), user.name, now)
            records.insert_audit(
                session,
                None,
                user.name,
                now,
                "scheme",
                old.to_dict(),
                {**scheme.to_dict(), "mapping": mapping.to_dict()},
            )
        logger.info("%s switched the scheme to %s", user.name, scheme.key)
        return {"scheme": scheme.key, "mapping": mapping.to_dict()}

    def _stored_scheme(self, session: Session) -> Scheme:
        """The scheme as stored in this session (the default when none is)."""
        document = records.scheme_document(session)
        return default_scheme() if document is None else scheme_from_dict(document)

    # --- reading ------------------------------------------------------------------------------
    def list_organizations(
        self,
        viewer: User | None,
        stage: str | None = None,
        milestone: str | None = None,
        staff: str | None = None,
        include_archived: bool = False,
    ) -> list[dict[str, Any]]:
        """The organizations (by id), filtered by current stage, a milestone reached and
        area staff (a part of the name); staff-only filters need a logged-in viewer."""
        scheme = self.scheme()
        if stage is not None and scheme.stage(stage) is None:
            raise unknown_key("stage", stage, scheme.stage_keys)
        if milestone is not None and scheme.milestone(milestone) is None:
            raise unknown_key("milestone", milestone, scheme.milestone_keys)
        if viewer is None and (staff is not None or include_archived):
            raise Forbidden(
                Text("担当職員や保管済みの組織での絞り込みにはログインが必要です。"),
                fields=["staff" if staff is not None else "archived"],
            )
        with self.store.session() as session:
            rows = records.organization_rows(session, viewer is not None, include_archived)
            reached = _milestones_by_organization(records.milestone_rows(session))
        chosen = [
            row
            for row in rows
            if (stage is None or row["stage"] == stage)
            and (milestone is None or milestone in reached.get(row["id"], {}))
            and (staff is None or staff in row["area_staff"])
        ]
        return [_shown(row, reached.get(row["id"], {}), viewer) for row in chosen]

    def last_changed(self) -> datetime | None:
        """When the organizations or the scheme last changed (None: never)."""
        with self.store.session() as session:
            return records.last_change(session)

    def organization(self, viewer: User | None, organization_id: int) -> dict[str, Any]:
        """One organization with its milestones and stage history (staff also see the
        notes, links, exceptions and who recorded each)."""
        with self.store.session() as session:
            rows = records.organization_rows(
                session,
                viewer is not None,
                include_archived=viewer is not None,
                ids=[organization_id],
            )
            if not rows:
                raise organization_not_found(organization_id)
            milestones = records.milestone_rows(session, [organization_id])
            history = records.stage_history(session, [organization_id])
        answer = _shown(
            rows[0],
            _milestones_by_organization(milestones)[organization_id] if milestones else {},
            viewer,
        )
        answer["history"] = [_history_entry(entry, viewer) for entry in history]
        if viewer is not None:
            answer["milestone_records"] = [
                {
                    "milestone": m["milestone"],
                    "date": m["achieved_on"].isoformat(),
                    "note": m["note"],
                    "links": m["links"],
                    "recorded_by": m["recorded_by"],
                    "recorded_at": m["recorded_at"].isoformat(),
                }
                for m in milestones
            ]
        return answer

    def audit_log(self, viewer: User | None, organization_id: int | None) -> list[dict[str, Any]]:
        """Every change of an organization (None: of the scheme and the syncs), oldest
        first: who, when, the action, before and after, and any exception (staff only)."""
        if viewer is None:
            raise Forbidden(Text("変更履歴の閲覧にはログインが必要です。"))
        with self.store.session() as session:
            if (
                organization_id is not None
                and records.organization_row(session, organization_id) is None
            ):
                raise organization_not_found(organization_id)
            rows = records.audit_rows(session, organization_id)
        return [{**row, "made_at": row["made_at"].isoformat()} for row in rows]

    # --- the state on a day -------------------------------------------------------------------
    def stages_at(self, day: date) -> dict[int, str | None]:
        """{community id of the adopted plan: its organization's stage key on ``day``, or
        None before its first stage}, in one indexed SQL query."""
        with self.store.session() as session:
            rows = records.stages_on(session, day)
        return {row["community_id"]: row["stage"] for row in rows}

    def organization_ids(self) -> dict[int, int]:
        """{community id: its organization's id}, without reading the organizations."""
        with self.store.session() as session:
            return records.organization_ids_by_community(session)

    def stages_at_fiscal_year_end(self, year: int) -> dict[int, str | None]:
        """The stages on the last day of fiscal year ``year`` (March 31 of ``year`` + 1)."""
        return self.stages_at(fiscal_year_end(year))

    def stage_map(self, day: date | None = None, year: int | None = None) -> dict[str, Any]:
        """The stage of every community on ``day`` (or at the end of fiscal year ``year``;
        today by default), with the counts per stage and labels a legend needs."""
        if day is None:
            day = fiscal_year_end(year) if year is not None else today_in_japan()
        stages = self.stages_at(day)
        scheme = self.scheme()
        counts = {key: 0 for key in scheme.stage_keys}
        none = 0
        for key in stages.values():
            if key in counts:
                counts[key] += 1
            else:
                none += 1
        year_of_day = fiscal_year(day)
        return {
            "date": day.isoformat(),
            "date_label": wareki_date(day),
            "fiscal_year": year_of_day,
            "fiscal_year_label": fiscal_year_label(year_of_day),
            "stages": {str(community): key for community, key in sorted(stages.items())},
            "counts": counts,
            "no_stage": none,
            "total": len(stages),
        }

    def stage_counts_by_fiscal_year(
        self, first: int | None = None, last: int | None = None
    ) -> list[dict[str, Any]]:
        """Areas per stage at the end of each fiscal year, from the year of the first
        recorded change (or ``first``) to this one (or ``last``), in one SQL query."""
        scheme = self.scheme()
        with self.store.session() as session:
            if first is None:
                earliest = records.first_stage_date(session)
                first = fiscal_year(earliest or today_in_japan())
            last = last if last is not None else fiscal_year(today_in_japan())
            days = [(year, fiscal_year_end(year)) for year in range(first, last + 1)]
            rows = records.stage_counts_on(session, days)
        years = {
            year: {
                "fiscal_year": year,
                "label": fiscal_year_label(year),
                "counts": dict.fromkeys(scheme.stage_keys, 0),
                "no_stage": 0,
            }
            for year, _ in days
        }
        for row in rows:
            entry = years[int(row["fiscal_year"])]
            if row["stage"] in entry["counts"]:
                entry["counts"][row["stage"]] += int(row["n"])
            else:
                entry["no_stage"] += int(row["n"])
        return list(years.values())

    def milestone_counts(self, day: date | None = None) -> dict[str, Any]:
        """How many areas had reached each milestone by ``day`` (today by default), out of
        all areas — as seed 001 reports 地域説明会 67/69地区."""
        day = day or today_in_japan()
        with self.store.session() as session:
            reached = records.milestones_reached_by(session, day)
            total = len(records.stages_on(session, day))
        return {
            "date": day.isoformat(),
            "total": total,
            "counts": {key: reached.get(key, 0) for key in self.scheme().milestone_keys},
        }

    # --- writing ------------------------------------------------------------------------------
    def change_stage(
        self,
        user: User,
        organization_id: int,
        stage: str,
        on: date,
        note: str = "",
        exception_reason: str | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Move an organization to ``stage`` on ``on``. A change breaking the scheme's rules
        is refused naming each rule (``StageRuleBroken``), unless an admin gives an
        ``exception_reason``: then it is recorded with the rules it waived."""
        scheme = self.scheme()
        target = scheme.stage(stage)
        if target is None:
            raise unknown_key("stage", stage, scheme.stage_keys)
        refuse_future(on)
        now = datetime.now(UTC)
        with self.store.session(write=True) as session:
            row = self._locked(session, organization_id, version)
            history = records.stage_history(session, [organization_id])
            current = history[-1] if history else None
            if current is not None and on < current["effective_on"]:
                raise BadInput(
                    Text(
                        "「date」: 変更日（{on}）は直前の段階の記録日（{last}）"
                        "以降にしてください。",
                        on=on.isoformat(),
                        last=current["effective_on"].isoformat(),
                    ),
                    fields=["date"],
                )
            if current is not None and current["stage"] == stage:
                raise BadInput(
                    Text(
                        "「stage」: {name}は既に「{stage}」です。",
                        name=row["name"],
                        stage=named(target),
                    ),
                    fields=["stage"],
                )
            achieved = {
                m["milestone"]: m["achieved_on"]
                for m in records.milestone_rows(session, [organization_id])
            }
            before = current["stage"] if current else None
            rules = broken_rules(scheme, before, stage, achieved, on)
            reason = (exception_reason or "").strip() or None
            if rules and reason is None:
                raise StageRuleBroken(
                    Text(
                        "段階を「{stage}」にできません: {rules}。"
                        "管理者は理由を添えて例外として記録できます。",
                        stage=named(target),
                        rules=joined((rule.text for rule in rules), "。", " "),
                    ),
                    fields=["stage"],
                    rules=[rule.to_dict() for rule in rules],
                )
            if reason is not None and not rules:
                raise BadInput(
                    Text(
                        "「exception_reason」: この変更はどの規則にも反していないので、"
                        "例外の理由は要りません。"
                    ),
                    fields=["exception_reason"],
                )
            if reason is not None:
                require_admin(user, Text("規則の例外の記録"))
            waived = [rule.to_dict() for rule in rules]
            records.insert_stage(
                session, organization_id, stage, on, note, reason, waived, user.name, now
            )
            records.touch_organization(session, organization_id, now)
            records.insert_audit(
                session,
                organization_id,
                user.name,
                now,
                "stage",
                {"stage": before, "date": current["effective_on"].isoformat() if current else None},
                {"stage": stage, "date": on.isoformat(), "note": note},
                reason,
                waived,
            )
        logger.info("%s moved organization %s to %s on %s", user.name, organization_id, stage, on)
        return self.organization(user, organization_id)

    def record_milestone(
        self,
        user: User,
        organization_id: int,
        milestone: str,
        on: date,
        note: str = "",
        links: list[dict[str, str]] | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Record that the organization reached ``milestone`` on ``on`` (again: a new date,
        note and links). A date later than a recorded stage change that required it is
        refused: that change would break its rule after the fact."""
        scheme = self.scheme()
        kind = scheme.milestone(milestone)
        if kind is None:
            raise unknown_key("milestone", milestone, scheme.milestone_keys)
        refuse_future(on)
        now = datetime.now(UTC)
        with self.store.session(write=True) as session:
            self._locked(session, organization_id, version)
            history = records.stage_history(session, [organization_id])
            if (late := milestone_too_late(scheme, history, milestone, on)) is not None:
                raise BadInput(Text("「date」: {rule}。", rule=late.text), fields=["date"])
            old = next(
                (
                    m
                    for m in records.milestone_rows(session, [organization_id])
                    if m["milestone"] == milestone
                ),
                None,
            )
            records.upsert_milestone(
                session, organization_id, milestone, on, note, links or [], user.name, now
            )
            records.touch_organization(session, organization_id, now)
            records.insert_audit(
                session,
                organization_id,
                user.name,
                now,
                "milestone",
                None if old is None else _milestone_json(old),
                {
                    "milestone": milestone,
                    "date": on.isoformat(),
                    "note": note,
                    "links": links or [],
                },
            )
        return self.organization(user, organization_id)

    def update_fields(
        self,
        user: User,
        organization_id: int,
        fields: dict[str, Any],
        version: int | None = None,
    ) -> dict[str, Any]:
        """Change an organization's name, kana, hub, area staff, contacts or notes (only
        those in ``fields``); the hub must be a centre of the centres layer."""
        unknown = sorted(set(fields) - set(records.EDITABLE_COLUMNS))
        if unknown:
            raise BadInput(
                Text("「{field}」は変更できる項目ではありません。", field=unknown[0]),
                fields=unknown,
            )
        empty = sorted(
            name for name, value in fields.items() if value is None and name != "hub_center"
        )
        if empty:
            raise BadInput(
                Text("「{field}」を空（null）にはできません。", field=empty[0]), fields=empty
            )
        if fields.get("hub_center") == "":
            fields = {**fields, "hub_center": None}
        hub = fields.get("hub_center")
        if hub is not None and hub not in set(self.planning.geography().center_codes):
            raise BadInput(
                Text("「hub_center」: 拠点施設「{hub}」が拠点施設のレイヤにありません。", hub=hub),
                fields=["hub_center"],
            )
        now = datetime.now(UTC)
        with self.store.session(write=True) as session:
            row = self._locked(session, organization_id, version)
            changed = {name: value for name, value in fields.items() if row[name] != value}
            if changed:
                records.update_organization(session, organization_id, changed, now)
                records.insert_audit(
                    session,
                    organization_id,
                    user.name,
                    now,
                    "update",
                    {name: row[name] for name in changed},
                    changed,
                )
        return self.organization(user, organization_id)

    def _locked(
        self, session: Session, organization_id: int, version: int | None
    ) -> dict[str, Any]:
        """The organization's row, locked for a change; refused when it is missing,
        archived, or at another version than the one the client edited."""
        row = records.organization_row(session, organization_id, lock=True)
        if row is None:
            raise organization_not_found(organization_id)
        if row["archived_at"] is not None:
            raise Conflict(
                Text(
                    "{name}は保管済み（決定案にその地区がない）ため変更できません。",
                    name=row["name"],
                )
            )
        if version is not None and version != row["version"]:
            raise Conflict(
                Text(
                    "この組織は他の人の変更で版 {current} になっています（基にした版は {yours}）。"
                    "読み込み直してから、もう一度変更してください。",
                    current=row["version"],
                    yours=version,
                ),
                current_version=row["version"],
                your_version=version,
            )
        return row

    # --- spreadsheets -------------------------------------------------------------------------
    def export_csv(self, user: User, encoding: str = "utf-8") -> bytes:
        """Every active organization as CSV (``utf-8`` with a BOM, or ``shift_jis``)."""
        return organizations_csv(self.scheme(), self.list_organizations(user), encoding)

    def import_csv(self, user: User, data: bytes, filename: str) -> dict[str, Any]:
        """Apply an organizations' CSV: the fields, milestone dates and stages its rows
        change, each audited. Every row is checked first — ids, hubs, dates, and the
        milestones each new stage requires (a baseline may start above the first stage) —
        and one bad cell refuses the whole file, naming its row and column."""
        scheme = self.scheme()
        rows = read_organizations_csv(data, filename, scheme)
        centers = set(self.planning.geography().center_codes)
        problems = Problems(filename)
        now = datetime.now(UTC)
        today = today_in_japan()
        changed = 0
        with self.store.session(write=True) as session:
            stored = {row["id"]: row for row in records.organization_rows(session, staff=True)}
            ids = [row.id for row in rows if row.id in stored]
            histories = _by_organization(records.stage_history(session, ids))
            reached = _by_organization(records.milestone_rows(session, ids))
            plans = []
            for row in rows:
                if row.id not in stored:
                    problems.add(row.line, "id", Text("組織 {id} はありません", id=row.id))
                    continue
                history = histories.get(row.id, [])
                plans.append(
                    (
                        row,
                        self._checked_row(
                            scheme,
                            row,
                            stored[row.id],
                            history,
                            reached.get(row.id, []),
                            centers,
                            today,
                            problems,
                        ),
                    )
                )
            problems.refuse()
            for row, (fields, milestones, stage) in plans:
                changed += self._apply_row(
                    session, user, now, row, stored[row.id], fields, milestones, stage
                )
        logger.info(
            "%s imported %s: %d of %d rows changed", user.name, filename, changed, len(rows)
        )
        return {"rows": len(rows), "changed": changed}

    def _checked_row(
        self,
        scheme: Scheme,
        row: CsvRow,
        stored: dict[str, Any],
        history: list[dict[str, Any]],
        milestones: list[dict[str, Any]],
        centers: set[str],
        today: date,
        problems: Problems,
    ) -> tuple[dict[str, Any], dict[str, date], str | None]:
        """What one row changes (fields, milestone dates, a new stage), its problems noted."""
        fields = {k: v for k, v in row.fields.items() if not _same_text(stored[k], v)}
        if fields.get("hub_center") is not None and fields["hub_center"] not in centers:
            problems.add(
                row.line,
                "hub_center",
                Text("拠点施設「{hub}」がありません", hub=fields["hub_center"]),
            )
        known = {m["milestone"]: m["achieved_on"] for m in milestones}
        new_dates = {k: v for k, v in row.milestones.items() if known.get(k) != v}
        for key, on in new_dates.items():
            column = f"{MILESTONE_PREFIX}{key}"
            if on > today:
                problems.add(row.line, column, _FUTURE)
            elif (late := milestone_too_late(scheme, history, key, on)) is not None:
                problems.add(row.line, column, late.text)
        current = history[-1] if history else None
        stage = None
        if row.stage and (current is None or current["stage"] != row.stage):
            stage = row.stage
        elif row.stage and current and row.stage_since != current["effective_on"]:
            problems.add(
                row.line,
                "stage_since",
                Text(
                    "段階の開始日が記録（{recorded}）と違います。履歴は画面で直してください",
                    recorded=str(current["effective_on"]),
                ),
            )
        if stage is not None and row.stage_since is not None:
            if row.stage_since > today:
                problems.add(row.line, "stage_since", _FUTURE)
            elif current is not None and row.stage_since < current["effective_on"]:
                problems.add(
                    row.line,
                    "stage_since",
                    Text(
                        "直前の段階の記録日（{last}）より前です", last=str(current["effective_on"])
                    ),
                )
            rules = broken_rules(
                scheme,
                current["stage"] if current else None,
                stage,
                known | row.milestones,
                row.stage_since,
            )
            for rule in rules:
                if rule.code != "stage_skipped":
                    problems.add(row.line, "stage", rule.text)
        return fields, new_dates, stage

    def _apply_row(
        self,
        session: Session,
        user: User,
        now: datetime,
        row: CsvRow,
        stored: dict[str, Any],
        fields: dict[str, Any],
        milestones: dict[str, date],
        stage: str | None,
    ) -> int:
        """Store one checked row's changes with their audit; 1 when it changed anything."""
        audit = partial(records.insert_audit, session, row.id, user.name, now, "import")
        if fields:
            records.update_organization(session, row.id, fields, now)
            audit({k: stored[k] for k in fields}, fields)
        for key, on in milestones.items():
            records.upsert_milestone(session, row.id, key, on, "", [], user.name, now)
            audit(None, {"milestone": key, "date": on.isoformat()})
        if stage is not None and row.stage_since is not None:
            records.insert_stage(
                session, row.id, stage, row.stage_since, "CSV", None, [], user.name, now
            )
            audit(
                {"stage": stored.get("stage")},
                {"stage": stage, "date": row.stage_since.isoformat()},
            )
        if milestones or stage is not None:
            records.touch_organization(session, row.id, now)
        return int(bool(fields or milestones or stage))

    # --- following the adopted plan -----------------------------------------------------------
    def sync_with_adopted_plan(self, user: User, plan_id: int | None = None) -> dict[str, Any]:
        """Make the organizations those of the adopted plan's communities (see
        ``matching``): a report of those created, kept, renamed (their community's name
        changed) and orphaned-and-archived. Runs on every adoption."""
        plan_id = plan_id if plan_id is not None else self.planning.adopted_plan_id()
        _, state = self.planning.state(plan_id)
        members: dict[int, set[str]] = {cid: set() for cid in state.communities}
        for code, cid in state.assignments.items():
            members.setdefault(cid, set()).add(code)
        communities = {cid: frozenset(codes) for cid, codes in members.items()}
        now = datetime.now(UTC)
        report: dict[str, Any] = {
            "plan_id": plan_id,
            "created": [],
            "kept": [],
            "renamed": [],
            "orphaned": [],
        }
        with self.store.session(write=True) as session:
            rows = records.organization_rows(session, staff=True)
            areas = [
                OrganizationArea(
                    row["id"], row["plan_id"], row["community_id"], frozenset(row["districts"])
                )
                for row in rows
            ]
            matching = match_organizations(areas, communities, plan_id)
            by_id = {row["id"]: row for row in rows}
            moving = [
                oid for oid, cid in matching.kept.items() if by_id[oid]["community_id"] != cid
            ]
            for oid in [*moving, *matching.orphaned]:
                records.update_organization(session, oid, {"community_id": None}, now)
            for oid in matching.orphaned:
                records.archive_organization(session, oid, now)
                records.insert_audit(
                    session,
                    oid,
                    user.name,
                    now,
                    "archive",
                    _link_json(by_id[oid]),
                    {"plan_id": plan_id, "archived": True},
                )
                report["orphaned"].append({"id": oid, "name": by_id[oid]["name"]})
            for oid, cid in sorted(matching.kept.items()):
                self._keep(
                    session,
                    user,
                    now,
                    by_id[oid],
                    cid,
                    state.communities[cid],
                    sorted(communities[cid]),
                    plan_id,
                    report,
                )
            for cid in matching.created:
                community = state.communities[cid]
                fields = {
                    "plan_id": plan_id,
                    "community_id": cid,
                    "community_name": community["name"],
                    "districts": sorted(communities[cid]),
                    "name": community["name"],
                    "name_kana": community.get("name_kana") or "",
                    "hub_center": community.get("hub_center"),
                }
                oid = records.insert_organization(session, fields, now)
                records.insert_audit(session, oid, user.name, now, "create", None, fields)
                report["created"].append({"id": oid, "community_id": cid, "name": fields["name"]})
            records.insert_audit(session, None, user.name, now, "sync", None, report)
        logger.info(
            "organizations synced with plan %s: %d created, %d kept, %d renamed, %d orphaned",
            plan_id,
            *(len(report[key]) for key in ("created", "kept", "renamed", "orphaned")),
        )
        return report

    def _keep(
        self,
        session: Session,
        user: User,
        now: datetime,
        row: dict[str, Any],
        community_id: int,
        community: dict[str, Any],
        districts: list[str],
        plan_id: int,
        report: dict[str, Any],
    ) -> None:
        """Link a kept organization to its community in the new plan; its name follows a
        renamed community unless someone gave the organization a name of its own."""
        fields: dict[str, Any] = {
            "plan_id": plan_id,
            "community_id": community_id,
            "community_name": community["name"],
            "districts": districts,
        }
        renamed = row["community_name"] != community["name"]
        if renamed and row["name"] == row["community_name"]:
            fields["name"] = community["name"]
        records.update_organization(session, row["id"], fields, now)
        changed = {k: v for k, v in fields.items() if row.get(k) != v}
        if changed or row["community_id"] != community_id:
            records.insert_audit(
                session,
                row["id"],
                user.name,
                now,
                "sync",
                {k: row.get(k) for k in changed} | {"community_id": row["community_id"]},
                changed | {"community_id": community_id},
            )
        entry = {
            "id": row["id"],
            "community_id": community_id,
            "name": fields.get("name", row["name"]),
        }
        report["kept"].append(entry)
        if renamed:
            report["renamed"].append(
                {
                    **entry,
                    "old_community_name": row["community_name"],
                    "new_community_name": community["name"],
                }
            )


# --- shaping answers ---------------------------------------------------------------------------
def _milestones_by_organization(
    rows: Iterable[dict[str, Any]],
) -> dict[int, dict[str, str]]:
    """{organization id: {milestone key: ISO date}}."""
    reached: dict[int, dict[str, str]] = {}
    for row in rows:
        reached.setdefault(int(row["organization_id"]), {})[row["milestone"]] = row[
            "achieved_on"
        ].isoformat()
    return reached


def _shown(row: dict[str, Any], milestones: dict[str, str], viewer: User | None) -> dict[str, Any]:
    """An organization as JSON: the public fields only, unless ``viewer`` is staff."""
    values = {
        **row,
        "id": int(row["id"]),
        "stage_since": row["stage_since"].isoformat() if row.get("stage_since") else None,
        "milestones": milestones,
    }
    for name in ("updated_at", "archived_at"):
        if values.get(name) is not None:
            values[name] = values[name].isoformat()
    return {name: values.get(name) for name in (STAFF_FIELDS if viewer else PUBLIC_FIELDS)}


def _history_entry(entry: dict[str, Any], viewer: User | None) -> dict[str, Any]:
    """One stage change as JSON (staff also see the note, exception and recorder)."""
    shown = {
        "stage": entry["stage"],
        "date": entry["effective_on"].isoformat(),
        "fiscal_year": fiscal_year(entry["effective_on"]),
        "exception": entry["exception_reason"] is not None,
    }
    if viewer is not None:
        shown.update(
            note=entry["note"],
            exception_reason=entry["exception_reason"],
            waived_rules=entry["waived_rules"],
            recorded_by=entry["recorded_by"],
            recorded_at=entry["recorded_at"].isoformat(),
        )
    return shown


def _same_text(stored: object, given: object) -> bool:
    """Whether a cell holds the stored value, also as a Shift_JIS file gives it back (its
    〜 comes back as ～, its − as －): an unedited cell changes nothing."""
    if stored == given:
        return True
    if not isinstance(stored, str) or not isinstance(given, str):
        return False
    try:
        return stored.encode("cp932").decode("cp932") == given
    except UnicodeEncodeError:
        return False


def _by_organization(rows: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Rows grouped by their organization id, in order."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(int(row["organization_id"]), []).append(row)
    return grouped


def _milestone_json(row: dict[str, Any]) -> dict[str, Any]:
    """A milestone record as the audit keeps it."""
    return {
        "milestone": row["milestone"],
        "date": row["achieved_on"].isoformat(),
        "note": row["note"],
        "links": row["links"],
    }


def _link_json(row: dict[str, Any]) -> dict[str, Any]:
    """An organization's link to its plan, as the audit keeps it."""
    return {
        "plan_id": row["plan_id"],
        "community_id": row["community_id"],
        "community_name": row["community_name"],
    }


# --- refusals ----------------------------------------------------------------------------------
# A spreadsheet's date after today.
_FUTURE = Text("未来の日付です")


def refuse_future(on: date) -> None:
    """Refuse a date after today (Japan time): records are of what has happened."""
    if on > today_in_japan():
        raise BadInput(
            Text(
                "「date」: 日付（{on}）が未来です。起きた日付を入力してください。",
                on=on.isoformat(),
            ),
            fields=["date"],
        )


def unknown_key(field: str, key: str, known: Iterable[str]) -> BadInput:
    """The error for a stage or milestone key the scheme lacks."""
    listed = ", ".join(known)
    return BadInput(
        Text(
            "「{field}」: 「{key}」はこの市の体系にありません（{keys}）。",
            field=field,
            key=key,
            keys=listed,
        ),
        fields=[field],
    )


def organization_not_found(organization_id: int) -> NotFound:
    """The error for an organization id that does not exist."""
    return NotFound(Text("組織 {id} はありません。", id=organization_id))
