"""Progress of an import as it really goes: the features read, checked, handed to the
database, then the coverage check, each with its count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Stage = Literal["read", "check", "store", "coverage"]
STAGE_LABELS: dict[Stage, str] = {
    "read": "読み込み",
    "check": "形状の検査",
    "store": "保存",
    "coverage": "カバレッジの検査",
}


@dataclass(frozen=True)
class ProgressStep:
    """One report of progress: ``done`` of the ``total`` features read have passed ``stage``."""

    stage: Stage
    done: int
    total: int

    @property
    def label(self) -> str:
        """The step as the command line shows it, e.g. 保存（20000/100000件）."""
        if not self.total:
            return STAGE_LABELS[self.stage]
        return f"{STAGE_LABELS[self.stage]}（{self.done}/{self.total}件）"


Progress = Callable[[ProgressStep], None]
