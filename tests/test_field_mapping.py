"""geoapp.field_mapping: which source field fills which stored field."""

from __future__ import annotations

import pandas as pd
import pytest

from geoapp.errors import BadInput
from geoapp.importing.field_mapping import choose_mapping, parse_map_option
from geoapp.layers import CENTERS, DISTRICTS


def test_a_lone_column_of_distinct_japanese_names_is_guessed_as_the_name() -> None:
    frame = pd.DataFrame(
        {
            "SAUID": [10, 18, 23],
            "SAUPDATE": ["2025-02-26 13:41:55"] * 3,
            "SAFIELD000": ["高新田自治会", "焼津第6自治会", "大井川東自治会"],
        }
    )
    mapping = choose_mapping(DISTRICTS, frame)
    assert mapping.fields == {"code": "SAUID", "name": "SAFIELD000"}
    assert set(mapping.guessed) == {"code", "name"}


def test_two_candidate_name_columns_are_not_guessed_but_listed() -> None:
    frame = pd.DataFrame({"ID": [1, 2], "A": ["本町", "港町"], "B": ["ほんまち", "みなとまち"]})
    with pytest.raises(BadInput) as caught:
        choose_mapping(DISTRICTS, frame)
    assert "--map name=" in caught.value.message and "A, B" in caught.value.message


def test_an_empty_code_column_gives_way_to_a_filled_one() -> None:
    frame = pd.DataFrame(
        {"POIコード": [None, None], "NO": ["10947", "10948"], "名称": ["港", "浜"]}
    )
    assert choose_mapping(CENTERS, frame).fields["code"] == "NO"


def test_a_count_column_with_one_bad_value_is_still_mapped() -> None:
    frame = pd.DataFrame(
        {
            "KEY_CODE": ["1", "2", "3"],
            "S_NAME": ["本町", "港町", "松原"],
            "JINKO": ["10", "不明", "5"],
        }
    )
    assert choose_mapping(DISTRICTS, frame).fields["population"] == "JINKO"


def test_map_option_refuses_unknown_fields_and_bad_items() -> None:
    assert parse_map_option("code=KEY_CODE, name=S_NAME", DISTRICTS) == {
        "code": "KEY_CODE",
        "name": "S_NAME",
    }
    with pytest.raises(BadInput, match="river"):
        parse_map_option("river=X", DISTRICTS)
    with pytest.raises(BadInput, match="code"):
        parse_map_option("code", DISTRICTS)
