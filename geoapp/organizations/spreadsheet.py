"""Organizations as a CSV spreadsheet (``geoapp org export|import``), pure.

One row per organization: its id, community, fields, current stage and the date it began,
and one ``milestone:<key>`` column per milestone kind holding the date it was reached.
Written in UTF-8 with a BOM (Excel opens it) or Shift_JIS; read from either, with dates as
``2024-04-01`` or as Excel shows them (``2024/4/1``) and stages by key or Japanese name.
Every cell is checked before anything is stored: a bad one is named by file, row and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from ..errors import BadInput
from ..exports.spreadsheet_csv import csv_bytes, csv_text, unquoted
from ..storage.organizations import EDITABLE_COLUMNS
from ..translatable import Clauses, Text
from ..web.validation import refusal
from .requests import OrganizationFields
from .scheme import Scheme

FIELD_COLUMNS = EDITABLE_COLUMNS
MILESTONE_PREFIX = "milestone:"
ENCODINGS = {"utf-8": "utf-8-sig", "shift_jis": "cp932"}
MAX_SHOWN_PROBLEMS = 10
_SLASHED_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")


def header(scheme: Scheme) -> list[str]:
    """The columns of the organizations' CSV for ``scheme``."""
    return [
        "id",
        "community_id",
        *FIELD_COLUMNS,
        "stage",
        "stage_since",
        *(MILESTONE_PREFIX + key for key in scheme.milestone_keys),
    ]


def organizations_csv(scheme: Scheme, organizations: list[dict[str, Any]], encoding: str) -> bytes:
    """The organizations (as the service shows them to staff) as CSV bytes; ``encoding``
    is ``utf-8`` (with a BOM) or ``shift_jis``."""
    if encoding not in ENCODINGS:
        raise BadInput(
            Text(
                "文字コード「{encoding}」では出力できません（utf-8 または shift_jis）。",
                encoding=encoding,
            ),
            fields=["encoding"],
        )
    rows = [
        [
            org["id"],
            org["community_id"] if org["community_id"] is not None else "",
            *(org[name] or "" for name in FIELD_COLUMNS),
            org["stage"] or "",
            org["stage_since"] or "",
            *(org["milestones"].get(key, "") for key in scheme.milestone_keys),
        ]
        for org in organizations
    ]
    return csv_bytes(header(scheme), rows, ENCODINGS[encoding])


@dataclass
class CsvRow:
    """One organization's row as read: the fields its columns give, its stage and the
    milestone dates, with the line it came from."""

    line: int
    id: int
    fields: dict[str, Any] = field(default_factory=dict)
    stage: str | None = None
    stage_since: date | None = None
    milestones: dict[str, date] = field(default_factory=dict)


class Problems:
    """What is wrong with a file, each named by row and column, refused all at once."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.found: list[Text] = []

    def add(self, line: int, column: str, problem: Text) -> None:
        """Note a bad cell (line 0: the header)."""
        if line == 0:
            self.found.append(
                Text("見出し行「{column}」: {problem}", column=column, problem=problem)
            )
        else:
            self.found.append(
                Text("{line}行目「{column}」: {problem}", line=line, column=column, problem=problem)
            )

    def refuse(self) -> None:
        """Raise one error naming the file and its first problems, if there are any (every
        one goes to API clients, in English, as ``problems``)."""
        if not self.found:
            return
        shown = Clauses(*self.found[:MAX_SHOWN_PROBLEMS])
        more = len(self.found) - MAX_SHOWN_PROBLEMS
        if more > 0:
            text = Text(
                "{file} を取り込めません（何も保存していません）。{problems} ほか{n}件",
                file=self.filename,
                problems=shown,
                n=more,
            )
        else:
            text = Text(
                "{file} を取り込めません（何も保存していません）。{problems}",
                file=self.filename,
                problems=shown,
            )
        raise BadInput(text, problems=[found.in_language("en") for found in self.found])


def read_organizations_csv(data: bytes, filename: str, scheme: Scheme) -> list[CsvRow]:
    """The rows of an organizations' CSV, every cell checked; ``BadInput`` naming the
    file, row and column of each bad one. Only the columns present are read."""
    problems = Problems(filename)
    try:
        table = list(csv.reader(io.StringIO(csv_text(data, filename))))
    except csv.Error as exc:
        raise BadInput(
            Text("{file} を CSV として読めません（{reason}）。", file=filename, reason=str(exc))
        ) from None
    if not table:
        raise BadInput(Text("{file} は空です。", file=filename))
    names = [unquoted(cell.strip().lstrip("\ufeff")) for cell in table[0]]
    known = set(header(scheme))
    for name in names:
        if name not in known:
            problems.add(0, name, Text("この列は使えません"))
    if "id" not in names:
        problems.add(0, "id", Text("組織の id の列が必要です"))
    problems.refuse()
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            name: unquoted(cells[i].strip()) if i < len(cells) else ""
            for i, name in enumerate(names)
        }
        row = _read_row(line, values, scheme, problems)
        if row is not None:
            rows.append(row)
    seen: dict[int, int] = {}
    for row in rows:
        if row.id in seen:
            problems.add(row.line, "id", Text("{line}行目と同じ組織です", line=seen[row.id]))
        seen.setdefault(row.id, row.line)
    problems.refuse()
    return rows


def _read_row(
    line: int, values: dict[str, str], scheme: Scheme, problems: Problems
) -> CsvRow | None:
    """One row's values checked; None when its id is unreadable."""
    if not values["id"].isascii() or not values["id"].isdigit():
        problems.add(line, "id", Text("組織の id（半角数字）が必要です"))
        return None
    row = CsvRow(line, int(values["id"]))
    given = {name: values[name] for name in FIELD_COLUMNS if name in values}
    if given.get("hub_center") == "":
        given["hub_center"] = None  # type: ignore[assignment]
    try:
        checked = OrganizationFields.model_validate(given)
        row.fields = checked.model_dump(exclude_unset=True, exclude={"version"})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            column = str(error["loc"][0]) if error["loc"] else "?"
            [problem] = refusal([error]).messages.values()
            problems.add(line, column, problem)
    stage = values.get("stage", "")
    if stage:
        found = next((s for s in scheme.stages if stage in (s.key, s.name)), None)
        if found is None:
            problems.add(
                line, "stage", Text("段階「{stage}」はこの市の体系にありません", stage=stage)
            )
        else:
            row.stage = found.key
    row.stage_since = _date_cell(line, "stage_since", values.get("stage_since", ""), problems)
    if row.stage and row.stage_since is None:
        problems.add(line, "stage_since", Text("段階の開始日が必要です"))
    for key in scheme.milestone_keys:
        column = MILESTONE_PREFIX + key
        reached = _date_cell(line, column, values.get(column, ""), problems)
        if reached is not None:
            row.milestones[key] = reached
    return row


def _date_cell(line: int, column: str, text: str, problems: Problems) -> date | None:
    """A date cell: ``2024-04-01`` or ``2024/4/1``; None when empty or wrong (noted)."""
    if not text:
        return None
    slashed = _SLASHED_DATE.match(text)
    try:
        if slashed:
            return date(*(int(part) for part in slashed.groups()))
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    problems.add(line, column, Text("日付「{text}」は YYYY-MM-DD の形にしてください", text=text))
    return None
