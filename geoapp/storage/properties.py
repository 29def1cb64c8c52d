"""Free properties as stored: each feature's mapping as JSON text.

A layer read from one file gives every feature the same keys, so its properties are encoded
a key at a time, with the standard library's C string encoder, instead of one mapping at a
time through ``json``: the text is the same, and a large import spends far less on it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
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
    if not shared:
        return ["{}"] * len(rows)
    names = [encode_basestring(key) for key in shared]
    prefixes = ["{" + names[0]] + [", " + name for name in names[1:]]
    columns = [
        [f"{prefix}: {text}" for text in _json_texts([row[key] for row in rows])]
        for prefix, key in zip(prefixes, shared, strict=True)
    ]
    columns[-1] = [text + "}" for text in columns[-1]]
    return list(map("".join, zip(*columns, strict=True)))


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
