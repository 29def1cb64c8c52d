"""geoapp.storage.properties: free properties become the JSON text json itself writes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from geoapp.storage.properties import json_columns, json_objects

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
)


def encoded(mappings: list) -> list[str]:
    """What ``json`` writes for each mapping, None as empty."""
    return [json.dumps(dict(mapping or {}), ensure_ascii=False) for mapping in mappings]


def test_rows_sharing_keys_encode_as_json_does() -> None:
    rows = [
        {"人口": 725, "名称": '港"町"\n一丁目', "面積": 1.5, "旧": None, "可": True},
        {"人口": 0, "名称": "\\\x01", "面積": float("1e300"), "旧": "x", "可": False},
    ]
    assert json_objects(rows) == encoded(rows)
    assert [json.loads(text) for text in json_objects(rows)] == rows


def test_rows_with_different_keys_and_missing_rows_encode_one_by_one() -> None:
    rows = [{"a": 1}, None, {"b": "二"}, {}]
    assert json_objects(rows) == encoded(rows)


def test_rows_without_keys_are_empty_objects() -> None:
    assert json_objects([{}, None]) == ["{}", "{}"]
    assert json_objects([]) == []


@given(
    st.lists(st.text(max_size=5), min_size=1, max_size=4, unique=True).flatmap(
        lambda keys: st.lists(st.fixed_dictionaries({key: SCALARS for key in keys}), max_size=6)
    )
)
def test_any_rows_sharing_keys_encode_as_json_does(rows: list[dict]) -> None:
    assert json_objects(rows) == encoded(rows)


@given(st.lists(st.one_of(st.none(), st.dictionaries(st.text(max_size=3), SCALARS)), max_size=6))
def test_any_rows_encode_as_json_does(rows: list) -> None:
    assert json_objects(rows) == encoded(rows)


def test_columns_of_values_encode_as_the_rows_they_make() -> None:
    keys = ["人口", "名称"]
    columns = [[725, None], ["港町", '"二"']]
    rows = [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]
    assert json_columns(keys, columns, 2) == encoded(rows)
    assert json_columns([], [], 3) == ["{}", "{}", "{}"]
