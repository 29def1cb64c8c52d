"""JSON answers that are always valid JSON: NaN and infinities, which JSON has no words
for, are written as null (an SQLite audit row stored before requests were checked may
still hold one)."""

from __future__ import annotations

import logging
import math
from typing import Any

from flask.json.provider import DefaultJSONProvider

logger = logging.getLogger(__name__)


class FiniteJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing to write ``NaN``: such numbers become null, with a warning."""

    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        try:
            return super().dumps(obj, **kwargs)
        except ValueError:
            logger.warning("a JSON answer held NaN or an infinity; it is written as null")
            return super().dumps(finite(obj), **kwargs)


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float, however deep, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value
