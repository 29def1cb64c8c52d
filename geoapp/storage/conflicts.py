"""The error for a write refused by a uniqueness rule, which both backends raise."""

from __future__ import annotations

from ..errors import Conflict
from ..translatable import Text


def duplicate_conflict(detail: object) -> Conflict:
    """The error for a write refused by a uniqueness rule: usually another user's change
    (such as adopting another plan) saved a moment earlier."""
    return Conflict(
        Text(
            "同時に保存された別の変更と重なったため、保存できませんでした（{detail}）。"
            "最新の状態を読み込んでから、もう一度操作してください。",
            detail=detail,
        )
    )
