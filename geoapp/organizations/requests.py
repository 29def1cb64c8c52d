"""The shapes of the organizations' requests and of a scheme document, checked by
``geoapp.web.validation``: only these fields, of these types, reach the service and the
audit log."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from ..translatable import Text
from ..web.validation import (
    OptionalVersion,
    QueryModel,
    RequestModel,
    Version,
    WholeNumber,
    blank_is_none,
    refuse_unsafe_text,
    refused,
    text,
)

MAX_STAGES = 20
MAX_MILESTONES = 50
MAX_PROGRAMS = 100
MAX_LINKS = 20
MAX_NOTE = 2000
MAX_NAME = 100
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def _key(value: str) -> str:
    """A scheme key: lower-case ASCII letters, digits and ``_``, starting with a letter."""
    if not _KEY.match(value):
        raise refused(Text("英小文字で始まる40文字以内の英小文字・数字・_ にしてください"))
    return value


def _color(value: str) -> str:
    """A colour as ``#rrggbb``."""
    if not _COLOR.match(value):
        raise refused(Text("#rrggbb の形の色にしてください"))
    return value


def _iso_date(value: object) -> object:
    """Only ``YYYY-MM-DD`` text is a date (pydantic would take a number of seconds)."""
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise refused(Text("日付は YYYY-MM-DD の形にしてください"))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise refused(Text("ありえない日付です")) from None


def _web_link(value: str) -> str:
    """A document link: an http or https address."""
    if not _URL.match(value):
        raise refused(Text("http:// または https:// で始まるアドレスにしてください"))
    return value


def required_text(max_length: int) -> Any:
    """A trimmed, non-empty text of at most ``max_length`` characters."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(refuse_unsafe_text),
    ]


Key = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_key)]
Color = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_color)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Note = text(MAX_NOTE)
Link = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(refuse_unsafe_text),
    AfterValidator(_web_link),
]
Name = required_text(MAX_NAME)
ShortName = required_text(40)
EnglishName = required_text(60)
LongEnglishName = required_text(80)
Kana = text(MAX_NAME * 2)
StaffName = text(MAX_NAME)
Contact = text(500)
Title = text(200)
CenterCode = text(100)
FiscalYear = Annotated[WholeNumber, Field(ge=1900, le=2200)]


# --- the scheme document (TOML or JSON) -----------------------------------------------------
class SchemeInfo(RequestModel):
    """``[scheme]``: what the scheme is called and where it comes from."""

    key: Key
    name: Name
    name_en: Name
    organization: Name
    organization_en: Name
    stages_in_order: bool = True
    source: Contact = ""


class StageEntry(RequestModel):
    """One ``[[stages]]`` entry."""

    key: Key
    name: ShortName
    name_en: EnglishName
    color: Color
    requires: Annotated[list[Key], Field(max_length=MAX_MILESTONES)] = Field(default_factory=list)


class MilestoneEntry(RequestModel):
    """One ``[[milestones]]`` entry."""

    key: Key
    name: ShortName
    name_en: LongEnglishName


class SchemeDocument(RequestModel):
    """A whole scheme; ``programs`` (issue #20) are read by ``geoapp.subsidies.programs``."""

    scheme: SchemeInfo
    stages: Annotated[list[StageEntry], Field(min_length=1, max_length=MAX_STAGES)]
    milestones: Annotated[list[MilestoneEntry], Field(max_length=MAX_MILESTONES)] = Field(
        default_factory=list
    )
    programs: Annotated[list[dict[str, Any]], Field(max_length=MAX_PROGRAMS)] = Field(
        default_factory=list
    )


class SchemeOptions(QueryModel):
    """``PUT /api/scheme?force=1``: switch even when stored records need mapping."""

    force: bool = False


# --- the organizations API ------------------------------------------------------------------
class OrganizationFilter(QueryModel):
    """``GET /api/organizations``: by current stage, reached milestone, area staff."""

    stage: Annotated[Key | None, BeforeValidator(blank_is_none)] = None
    milestone: Annotated[Key | None, BeforeValidator(blank_is_none)] = None
    staff: Annotated[StaffName | None, BeforeValidator(blank_is_none)] = None
    archived: bool = False


class StageChange(RequestModel):
    """``POST /api/organizations/<id>/stage``; an admin may add ``exception_reason`` to
    record a change the rules refuse."""

    stage: Key
    date: IsoDate
    note: Note = ""
    exception_reason: Note | None = None
    version: Version | None = None


class DocumentLink(RequestModel):
    """A document about a milestone (its minutes, the signed agreement …)."""

    title: Title = ""
    url: Link


class MilestoneRecord(RequestModel):
    """``POST /api/organizations/<id>/milestones``: one milestone reached on a date."""

    milestone: Key
    date: IsoDate
    note: Note = ""
    links: Annotated[list[DocumentLink], Field(max_length=MAX_LINKS)] = Field(default_factory=list)
    version: Version | None = None


class OrganizationFields(RequestModel):
    """``PATCH /api/organizations/<id>``: the fields given are changed (``hub_center``
    null clears the hub)."""

    name: Name | None = None
    name_kana: Kana | None = None
    hub_center: CenterCode | None = None
    area_staff: Title | None = None
    contact_public: Contact | None = None
    notes_public: Note | None = None
    contact_private: Contact | None = None
    notes_private: Note | None = None
    version: Version | None = None


class StagesQuery(QueryModel):
    """``GET /api/organizations/stages``: on a date, or at the end of a fiscal year."""

    date: Annotated[IsoDate | None, BeforeValidator(blank_is_none)] = None
    fiscal_year: Annotated[FiscalYear | None, BeforeValidator(blank_is_none)] = None


# --- the organization pages' forms (other form fields, as csrf_token, are ignored) -----------
class StageChangeForm(QueryModel):
    """The stage form; an admin ticks ``exception`` and gives a reason to record a change
    the rules refuse."""

    stage: Key
    date: IsoDate
    note: Note = ""
    exception: bool = False
    exception_reason: Note = Field(default="", validate_default=True)
    version: OptionalVersion = None

    @field_validator("exception_reason")
    @classmethod
    def _reason_for_an_exception(cls, reason: str, info: ValidationInfo) -> str:
        """An exception is recorded only with its reason."""
        if info.data.get("exception") and not reason:
            raise refused(Text("例外として記録するには理由を入力してください"))
        return reason


class MilestoneForm(QueryModel):
    """The milestone form: one milestone on a date, with a note and a document link."""

    milestone: Key
    date: IsoDate
    note: Note = ""
    link_title: Title = ""
    link_url: Annotated[Link | None, BeforeValidator(blank_is_none)] = None
    version: OptionalVersion = None


class FieldsForm(QueryModel):
    """The fields form: every editable field at once (an empty hub clears it)."""

    name: Name
    name_kana: Kana = ""
    hub_center: CenterCode = ""
    area_staff: Title = ""
    contact_public: Contact = ""
    notes_public: Note = ""
    contact_private: Contact = ""
    notes_private: Note = ""
    version: OptionalVersion = None


class SchemeForm(QueryModel):
    """The scheme page's TOML, and whether to map stored records the new scheme lacks."""

    toml: Annotated[str, StringConstraints(max_length=200_000)]
    force: bool = False


class PresetForm(QueryModel):
    """Switching to a shipped preset by its name."""

    preset: Key
    force: bool = False


class MilestoneQuery(QueryModel):
    """``?milestone=``: the milestone the map shows (the scheme's first by default)."""

    milestone: Annotated[Key | None, BeforeValidator(blank_is_none)] = None
