"""Free properties as stored: each feature's mapping as JSON text.

A layer read from one file gives every feature the same keys, so its properties are encoded
a key at a time, with the standard library's C string encoder, instead of one mapping at a
time through ``json``: the text is the same, and a large import spends far less on it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from json.encoder import encode_basestring
from typing import Any

# One encoder for every value (json.dumps with options makes one a call); its separators,
# ", " and ": ", are the ones the key-at-a-time path writes.
_JSON = json.JSONEncoder(ensure_ascii=False)


def json_objects(mappings: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """Each mapping (None as empty) as the JSON text ``json.JSONEncoder`` writes."""
    rows = [mapping or {} for mapping in mappings]
    key_orders = {tuple(row) for row in rows}
    shared = key_orders.pop() if len(key_orders) == 1 else None
    if shared is None or not all(isinstance(key, str) for key in shared):
        return [_JSON.encode(dict(row)) for row in rows]
    return json_columns(shared, [[row[key] for row in rows] for key in shared], len(rows))


def json_columns(keys: Sequence[str], columns: Sequence[list[Any]], count: int) -> list[str]:
    """The ``count`` JSON objects with ``keys`` whose values ``columns`` hold, a column a
    key: the text ``json.JSONEncoder`` writes for each row's mapping."""
    if not keys:
        return ["{}"] * count
    names = [encode_basestring(key) for key in keys]
    prefixes = ["{" + names[0]] + [", " + name for name in names[1:]]
    texts = [
        [f"{prefix}: {text}" for text in _json_texts(values)]
        for prefix, values in zip(prefixes, columns, strict=True)
    ]
    texts[-1] = [text + "}" for text in texts[-1]]
    return list(map("".join, zip(*texts, strict=True)))


def _json_texts(values: list[Any]) -> list[str]:
    """Each value as JSON text: whole columns of text, integers or finite reals at once."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return list(map(encode_basestring, values))
    if kinds == {int}:
        return list(map(int.__repr__, values))
    if kinds == {float} and all(map(math.isfinite, values)):
        return list(map(float.__repr__, values))
    return list(map(_JSON.encode, values))
