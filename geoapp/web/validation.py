"""Every request's input is checked here: JSON bodies, query strings and form fields are
parsed into pydantic models, and a refusal is a ``BadInput`` naming the field (its message a
``Text``, shown in the reader's language), never a 500.

Routes call ``from_json``, ``from_args`` or ``from_form`` with their model; the models use
the field types below, which refuse what the database or the geometry library would choke
on later: control characters and lone surrogates in text, ids past 64 bits, NaN and
infinite coordinates.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Annotated, Any, TypeVar

from flask import request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

from ..errors import BadInput
from ..translatable import Counted, Sentences, Text

logger = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)

# The largest id SQLite and PostgreSQL's bigint can hold.
MAX_ID = 2**63 - 1
# Characters no stored or shown text may hold: C0 controls except tab and line breaks,
# DEL, and UTF-16 surrogates (a lone one cannot be encoded, so PostgreSQL refuses it and
# JSON answers break).
_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ASCII_DIGITS = re.compile(r"^\s*[0-9]+\s*$")
_SHOWN_NAME_LENGTH = 60
# File names are kept on disk while an upload waits; most file systems allow 255 bytes.
MAX_FILE_NAME_BYTES = 200


class RequestModel(BaseModel):
    """A JSON request body: unknown fields, NaN and infinities are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, hide_input_in_errors=True)


class QueryModel(BaseModel):
    """Query-string or form fields: other fields (``lang``, ``csrf_token``) are ignored."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, hide_input_in_errors=True)


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` no stored text may hold, shown as ``U+XXXX``."""
    found = _UNSAFE_TEXT.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def refuse_unsafe_text(value: str) -> str:
    """Refuse text holding a control character or a lone surrogate."""
    if (shown := unsafe_character(value)) is not None:
        raise PydanticCustomError(
            "unsafe_text", "text holds the character {character}", {"character": shown}
        )
    return value


def refused(message: Text) -> PydanticCustomError:
    """The error a field's own validator raises: ``message`` says what is wrong with the
    field, without naming it or a closing full stop (it is shown after the field's name)."""
    return PydanticCustomError("refused", "{text}", {"text": message})


def _whole_number(value: object) -> object:
    """Ints and strings of ASCII digits pass on to the int check; booleans, floats and other
    digits (``²``, full-width) are refused before Python's ``int()`` sees them."""
    if isinstance(value, bool | float) or (
        isinstance(value, str) and not _ASCII_DIGITS.match(value)
    ):
        raise PydanticCustomError("whole_number", "must be a whole number")
    return value


def _code_text(value: object) -> object:
    """A code given as a number is read as its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def blank_is_none(value: object) -> object:
    """An empty query or form value means the field was not given."""
    return None if isinstance(value, str) and not value.strip() else value


def text(max_length: int) -> Any:
    """A trimmed text type of at most ``max_length`` characters, with no unsafe character."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        AfterValidator(refuse_unsafe_text),
    ]


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Id = Annotated[WholeNumber, Field(ge=1, le=MAX_ID)]
Version = Annotated[WholeNumber, Field(ge=0, le=MAX_ID)]
Code = Annotated[
    str,
    BeforeValidator(_code_text),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(refuse_unsafe_text),
]
OptionalId = Annotated[Id | None, BeforeValidator(blank_is_none)]
OptionalVersion = Annotated[Version | None, BeforeValidator(blank_is_none)]


def check_file_name(name: str, field: str) -> str:
    """An uploaded file's name, refused when it holds an unsafe character or is too long
    to keep on disk."""
    shown = _shown(name)
    if (character := unsafe_character(name)) is not None:
        raise BadInput(
            Text(
                "「{field}」のファイル名「{name}」に使えない文字（{character}）が含まれています。",
                field=field,
                name=shown,
                character=character,
            ),
            fields=[field],
        )
    if len(name.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        raise BadInput(
            Text(
                "「{field}」のファイル名「{name}」が長すぎます（UTF-8 で{limit}バイト、日本語で"
                "およそ60文字まで）。短い名前にしてから送ってください。",
                field=field,
                name=shown,
                limit=MAX_FILE_NAME_BYTES,
            ),
            fields=[field],
        )
    return name


# --- reading a request -------------------------------------------------------------------
def request_json() -> object:
    """The request body parsed as JSON, or ``BadInput``; the body's size is capped before
    (``request_limits``), and nesting past Python's recursion limit is refused here."""
    if not request.is_json:
        raise BadInput(
            Text(
                "リクエストの本文（body）は JSON（Content-Type: application/json）で送って"
                "ください。"
            ),
            fields=["body"],
        )
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if limit is not None and len(data) >= limit:
        # A chunked body is cut at the limit by Werkzeug's read-all, not refused: a body
        # that fills the cap is taken as longer than it.
        raise RequestEntityTooLarge()
    try:
        return json.loads(data)
    except RecursionError:
        raise BadInput(
            Text("リクエストの本文（body）の JSON の入れ子が深すぎます。"), fields=["body"]
        ) from None
    except ValueError as exc:
        raise BadInput(
            Text(
                "リクエストの本文（body）を JSON として読めません（{reason}）。",
                reason=_shown(str(exc)),
            ),
            fields=["body"],
        ) from None


def from_json(schema: type[Model]) -> Model:
    """The JSON body checked against ``schema``."""
    return validate(schema, request_json())


def from_args(schema: type[Model]) -> Model:
    """The query string checked against ``schema`` (the first value of each name)."""
    return validate(schema, request.args.to_dict())


def from_form(schema: type[Model]) -> Model:
    """The form fields checked against ``schema`` (the first value of each name)."""
    return validate(schema, request.form.to_dict())


def validate(schema: type[Model], data: object) -> Model:
    """``data`` checked against ``schema``; a ``BadInput`` naming every wrong field."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise refusal(exc.errors(include_url=False)) from None


class InvalidFields(BadInput):
    """Refused fields; ``messages`` maps each to what is wrong with it, for a form that
    shows each message beside its field."""

    def __init__(self, message: Text, messages: dict[str, Text]) -> None:
        super().__init__(message, fields=list(messages))
        self.messages = messages


# How many fields' problems the whole message lists.
_LISTED_PROBLEMS = 5


def refusal(errors: list[ErrorDetails]) -> InvalidFields:
    """One ``BadInput`` for pydantic's errors: each field named with what is wrong."""
    problems = [_explain(error) for error in errors[:_LISTED_PROBLEMS]]
    if len(errors) > _LISTED_PROBLEMS:
        problems.append(Text("（ほか{n}件）", n=len(errors) - _LISTED_PROBLEMS))
    messages: dict[str, Text] = {}
    for error in errors:
        messages.setdefault(_field_name(error), _explain(error))
    return InvalidFields(
        Text("入力が正しくありません: {problems}", problems=Sentences(*problems)), messages
    )


def _field_name(error: ErrorDetails) -> str:
    """The dotted name of the field an error is about (``body`` for the whole body)."""
    ctx = error.get("ctx") or {}
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return _shown(str(ctx.get("discriminator", "")).strip("'"))
    parts = [_shown(str(part)) for part in error["loc"]]
    return ".".join(parts) or "body"


_INTEGER = Text("「{field}」は整数（半角数字）で指定してください")
_NUMBER = Text("「{field}」は数値で指定してください（NaN・Infinity は使えません）")
_UNSAFE = Text(
    "「{field}」に使えない文字（{character}: 制御文字または対になっていないサロゲート）が"
    "含まれています"
)
_OBJECT = Text("「{field}」は JSON のオブジェクトで指定してください")
_LIST = Text("「{field}」はリスト（配列）で指定してください")
_REQUIRED = Text("「{field}」を指定してください")
# What each kind of pydantic error says, without the closing full stop (the value given
# is shown before it); ``{field}`` and the error's context (``{max_length}``,
# ``{character}`` …) fill in the text.
_MESSAGES: dict[str, Text] = {
    "missing": _REQUIRED,
    "union_tag_not_found": _REQUIRED,
    "extra_forbidden": Text("「{field}」という項目はありません"),
    "whole_number": _INTEGER,
    "int_parsing": _INTEGER,
    "int_type": _INTEGER,
    "int_from_float": _INTEGER,
    "finite_number": _NUMBER,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "string_type": Text("「{field}」は文字列で指定してください"),
    "string_too_short": Text("「{field}」を入力してください"),
    "string_too_long": Text("「{field}」は{max_length}文字以内にしてください"),
    "unsafe_text": _UNSAFE,
    "string_unicode": _UNSAFE,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
}


def _explain(error: ErrorDetails) -> Text:
    """What is wrong with one field, with the value given when it is a short scalar (safe
    to show); a field's own validator's message follows the field's name as it is."""
    ctx = error.get("ctx") or {}
    field = _field_name(error)
    if error["type"] == "refused":
        return Text("「{field}」: {message}。", field=field, message=ctx["text"])
    problem = _problem(error, field)
    given = error.get("input")
    if error["type"] == "missing" or not isinstance(given, str | int | float):
        return Text("{problem}。", problem=problem)
    return Text("{problem}（入力: {value}）。", problem=problem, value=_shown(str(given), 30))


def _problem(error: ErrorDetails, field: str) -> Text:
    """What is wrong with one field, without the closing full stop."""
    kind = error["type"]
    values = {"character": "U+D800–U+DFFF", **(error.get("ctx") or {}), "field": field}
    if kind in _MESSAGES:
        return Text(_MESSAGES[kind].msgid, **values)
    if kind in ("union_tag_invalid", "literal_error", "enum"):
        expected = _shown(str(values.get("expected_tags", values.get("expected", ""))), 400)
        return Text(
            "「{field}」は次のいずれかにしてください: {expected}", field=field, expected=expected
        )
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        low = values.get("ge", values.get("gt"))
        if low is not None:
            return Text("「{field}」は{low} 以上にしてください", field=field, low=low)
        high = values.get("le", values.get("lt"))
        return Text("「{field}」は{high} 以下にしてください", field=field, high=high)
    if kind in ("too_short", "too_long"):
        low, high = values.get("min_length", 0), values.get("max_length")
        if high is None:
            return Counted(
                "「{field}」は{n}件以上にしてください",
                "「{field}」は{n}件以上にしてください",
                n=low,
                field=field,
            )
        return Text("「{field}」は{low}〜{high}件にしてください", field=field, low=low, high=high)
    return Text(
        "「{field}」の値が正しくありません（{reason}）", field=field, reason=_shown(error["msg"])
    )


def _shown(value: str, limit: int = _SHOWN_NAME_LENGTH) -> str:
    """Text from a request made safe to show: unsafe characters escaped, long text cut."""
    escaped = _UNSAFE_TEXT.sub(lambda found: f"\\u{ord(found.group()):04x}", value)
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: ASCII digits up to ``MAX_ID`` only, so an id past 64 bits is
    a 404 like any other missing one, never an overflow in the database driver."""

    regex = r"[0-9]+"

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
