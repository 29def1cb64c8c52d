"""A refused request names each wrong field with what is wrong and the value given, in
Japanese and, from the catalogue, in English: the whole message for an API client, and
each field's own message for a form that shows it beside the field."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import AfterValidator, Field

from geoapp.errors import BadInput
from geoapp.translatable import Text
from geoapp.web.validation import (
    Id,
    InvalidFields,
    RequestModel,
    check_file_name,
    refused,
    text,
    validate,
)


def _no_sunday(value: str) -> str:
    if value == "日曜":
        raise refused(Text("ありえない日付です"))
    return value


class Entry(RequestModel):
    plan: Id
    name: text(3)
    day: Annotated[str, AfterValidator(_no_sunday)] = ""
    tags: Annotated[tuple[str, ...], Field(min_length=1)] = ("a",)
    areas: Annotated[tuple[str, ...], Field(min_length=2)] = ("a", "b")


def refusal(data: dict[str, object]) -> InvalidFields:
    with pytest.raises(InvalidFields) as caught:
        validate(Entry, data)
    return caught.value


def test_each_field_is_named_with_what_is_wrong_and_the_value_given_in_either_language() -> None:
    error = refusal({"plan": "x", "name": "abcdef"})
    assert error.message == (
        "入力が正しくありません: 「plan」は整数（半角数字）で指定してください（入力: x）。"
        "「name」は3文字以内にしてください（入力: abcdef）。"
    )
    assert error.message_en == (
        "The request is not valid: plan must be a whole number (ASCII digits) (got 'x'). "
        "name may have at most 3 characters (got 'abcdef')."
    )
    assert error.details == {"fields": ["plan", "name"]}
    shown = {field: text.in_language("en") for field, text in error.messages.items()}
    assert shown == {
        "plan": "plan must be a whole number (ASCII digits) (got 'x').",
        "name": "name may have at most 3 characters (got 'abcdef').",
    }


def test_a_fields_own_refusal_follows_its_name_and_a_missing_field_shows_no_value() -> None:
    error = refusal({"name": "ab", "day": "日曜"})
    assert error.messages["day"].in_language("ja") == "「day」: ありえない日付です。"
    assert error.messages["day"].in_language("en") == "day: is not a real date."
    assert error.messages["plan"].in_language("ja") == "「plan」を指定してください。"
    assert error.messages["plan"].in_language("en") == "plan is required."


def test_a_count_of_one_item_reads_in_the_english_singular() -> None:
    error = refusal({"plan": 1, "name": "a", "tags": [], "areas": ["a"]})
    assert error.messages["tags"].in_language("en") == "tags must hold at least 1 item."
    assert error.messages["areas"].in_language("en") == "areas must hold at least 2 items."
    assert error.messages["tags"].in_language("ja") == "「tags」は1件以上にしてください。"


def test_past_five_fields_the_message_says_how_many_more() -> None:
    error = refusal({"plan": "x", "name": "abcd", "tags": [], "areas": [], "a": 1, "b": 2})
    assert len(error.messages) == 6
    assert error.message.endswith("（ほか1件）")
    assert error.message_en.endswith(" (and 1 more)")


def test_a_file_name_with_a_control_character_is_named_in_either_language() -> None:
    with pytest.raises(BadInput) as caught:
        check_file_name("a\x07b.csv", "file")
    assert caught.value.message == (
        "「file」のファイル名「a\\u0007b.csv」に使えない文字（U+0007）が含まれています。"
    )
    assert caught.value.message_en == (
        "The file name 'a\\u0007b.csv' (file) holds a character that is not allowed (U+0007)."
    )
