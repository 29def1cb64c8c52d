"""The rules a stage change must keep, pure: which milestones a stage requires and that the
ladder is climbed one stage at a time.

From the seeds: every city's ladder is a sequence meant to be taken in order (沼田市
"段階に合わせ切れ目なくサポート", 湯沢市 STEP1 → STEP2 → STEP3, the council track of 001
from 地域説明会 to 認定), so moving up more than one stage — or starting above the first —
skips a stage and is refused, as is entering a stage without its required milestones
recorded on or before the change's date. Moving down (an organization that falls back)
skips nothing and is allowed. A scheme may set ``stages_in_order = false`` to allow
jumps; the milestones are still required. An admin may record a refused change as an
exception with a reason (the service audits it with the rules it waived).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..japanese_calendar import wareki_date
from .scheme import Scheme, Stage


@dataclass(frozen=True)
class BrokenRule:
    """A rule a stage change breaks, named in Japanese and English."""

    code: str
    message: str
    message_en: str

    def to_dict(self) -> dict[str, str]:
        """The rule as the API and the audit log show it."""
        return {"code": self.code, "message": self.message, "message_en": self.message_en}


def broken_rules(
    scheme: Scheme,
    current: str | None,
    target: str,
    achieved: Mapping[str, date],
    on: date,
) -> list[BrokenRule]:
    """The rules broken by moving from stage ``current`` (None: no stage yet) to ``target``
    on ``on``, given the dates the organization reached its milestones."""
    stage = scheme.stage(target)
    if stage is None:
        raise ValueError(f"unknown stage {target!r}")
    start = -1 if current is None or scheme.stage(current) is None else scheme.order(current)
    end = scheme.order(target)
    if end <= start:
        return []
    passed = scheme.stages[start + 1 : end + 1]
    rules: list[BrokenRule] = []
    if scheme.stages_in_order and len(passed) > 1:
        rules.append(_skipped(scheme, current, stage, passed[:-1]))
    checked = passed if scheme.stages_in_order else (stage,)
    for each in checked:
        rules.extend(_missing_milestones(scheme, each, achieved, on))
    return rules


def _skipped(
    scheme: Scheme, current: str | None, stage: Stage, skipped: tuple[Stage, ...]
) -> BrokenRule:
    """The rule against skipping stages."""
    names = "・".join(s.name for s in skipped)
    names_en = ", ".join(s.name_en for s in skipped)
    if current is None or scheme.stage(current) is None:
        return BrokenRule(
            "stage_skipped",
            f"「{stage.name}」から始めることはできません（{names}を経ていません）",
            f"An organization cannot start at {stage.name_en}: it skips {names_en}.",
        )
    before = scheme.stage(current)
    assert before is not None
    return BrokenRule(
        "stage_skipped",
        f"「{before.name}」から「{stage.name}」へは進めません（{names}を飛ばしています）",
        f"Cannot move from {before.name_en} to {stage.name_en}: it skips {names_en}.",
    )


def _missing_milestones(
    scheme: Scheme, stage: Stage, achieved: Mapping[str, date], on: date
) -> list[BrokenRule]:
    """The rules for each milestone ``stage`` requires that was not reached by ``on``."""
    rules = []
    for key in stage.requires:
        kind = scheme.milestone(key)
        name, name_en = (kind.name, kind.name_en) if kind else (key, key)
        reached = achieved.get(key)
        if reached is None:
            why, why_en = "未記録", "not recorded"
        elif reached > on:
            why = f"{wareki_date(reached)}の記録で、変更日より後です"
            why_en = f"recorded on {reached.isoformat()}, after the change"
        else:
            continue
        rules.append(
            BrokenRule(
                "milestone_required",
                f"{stage.name}には{name}が必要です（{why}）",
                f"{stage.name_en} requires {name_en} ({why_en}).",
            )
        )
    return rules


def milestone_too_late(
    scheme: Scheme, history: list[dict[str, Any]], milestone: str, on: date
) -> BrokenRule | None:
    """The rule a milestone dated ``on`` would break after the fact: a recorded stage change
    (not an exception) that required it happened before ``on``."""
    kind = scheme.milestone(milestone)
    for change in history:
        stage = scheme.stage(change["stage"])
        if (
            kind is not None
            and stage is not None
            and milestone in stage.requires
            and change["exception_reason"] is None
            and on > change["effective_on"]
        ):
            return BrokenRule(
                "milestone_after_stage",
                f"{kind.name}は{stage.name}（{change['effective_on']}）の要件なので、"
                "その日より後の日付にはできません",
                f"{kind.name_en} is required by {stage.name_en} (entered on "
                f"{change['effective_on']}), so it cannot be dated later.",
            )
    return None
