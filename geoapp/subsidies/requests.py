"""The shapes of the subsidies' requests, checked by ``geoapp.web.validation``: only these
fields, of these types, reach the service."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from ..japanese_calendar import parse_fiscal_year
from ..organizations.requests import IsoDate, Key, Note
from ..translatable import Text
from ..web.validation import (
    Id,
    QueryModel,
    RequestModel,
    blank_is_none,
    refused,
    text,
)
from .grant_table import read_yen
from .programs import MAX_PROGRAMS, Yen

MEASURES = ("total", "per_capita", "per_household")


def _fiscal_year(value: object) -> object:
    """A fiscal year as 2024, "2024", "R6" or "令和6年度"."""
    if isinstance(value, bool) or value is None:
        raise refused(Text("年度（2024、R6、令和6年度）にしてください"))
    if isinstance(value, int):
        year = value
    elif isinstance(value, str):
        try:
            year = parse_fiscal_year(value)
        except ValueError:
            year = 0
    else:
        year = 0
    if not 1900 <= year <= 2200:
        raise refused(Text("年度（2024、R6、令和6年度 のように）にしてください"))
    return year


def _form_yen(value: object) -> object:
    """An amount from a form: 200000, 200,000 or ¥200,000 (as the CSV takes it)."""
    if isinstance(value, str):
        try:
            return read_yen(value)
        except ValueError:
            raise refused(Text("0以上の整数の金額（円）にしてください")) from None
    return value


FiscalYear = Annotated[int, BeforeValidator(_fiscal_year)]
OptionalYear = Annotated[FiscalYear | None, BeforeValidator(blank_is_none)]
Amount = Annotated[Yen, BeforeValidator(_form_yen)]
OptionalDate = Annotated[IsoDate | None, BeforeValidator(blank_is_none)]
Reason = Annotated[Note | None, BeforeValidator(blank_is_none)]


class GrantEntry(RequestModel):
    """``POST /api/grants`` (and the entry form): one grant; an admin may add
    ``exception_reason`` to record one the rules refuse. ``fiscal_year`` may be left out
    when ``decided_on`` is given."""

    organization_id: Id
    program: Key
    fiscal_year: OptionalYear = None
    project: text(200) = ""
    requested: Amount
    granted: Amount
    decided_on: OptionalDate = None
    note: Note = ""
    exception_reason: Reason = None


class GrantForm(GrantEntry):
    """The entry form: the same fields (the CSRF token and language pass by)."""

    model_config = QueryModel.model_config


class GrantFilter(QueryModel):
    """``GET /api/grants`` and the grants page: by fiscal year, program, organization."""

    fiscal_year: OptionalYear = None
    program: Annotated[Key | None, BeforeValidator(blank_is_none)] = None
    organization_id: Annotated[Id | None, BeforeValidator(blank_is_none)] = None


class YearQuery(QueryModel):
    """``?fiscal_year=`` (this fiscal year when not given)."""

    fiscal_year: OptionalYear = None


class MapQuery(YearQuery):
    """The choropleth: a fiscal year, a program (all when not given) and a measure."""

    program: Annotated[Key | None, BeforeValidator(blank_is_none)] = None
    measure: Annotated[
        Literal["total", "per_capita", "per_household"], BeforeValidator(lambda v: v or "total")
    ] = "total"


class ImportOptions(QueryModel):
    """``POST /api/grants/import?dry_run=1``."""

    dry_run: bool = False


class ProgramsDocument(RequestModel):
    """``PUT /api/programs``: the whole list of programs (each checked by
    ``programs.read_programs`` against the scheme)."""

    programs: Annotated[list[dict[str, Any]], Field(max_length=MAX_PROGRAMS)]
