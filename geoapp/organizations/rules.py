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

from .. import formatting
from ..translatable import Shown, Text, Worded, joined
from .scheme import Scheme, Stage
from .shown import named


@dataclass(frozen=True)
class BrokenRule(Worded):
    """A rule a stage change breaks, and its message (a ``Text``, shown in either language)."""

    code: str
    text: Text

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
    names = joined((named(s) for s in skipped), "・", ", ")
    if current is None or scheme.stage(current) is None:
        return BrokenRule(
            "stage_skipped",
            Text(
                "「{stage}」から始めることはできません（{skipped}を経ていません）",
                stage=named(stage),
                skipped=names,
            ),
        )
    before = scheme.stage(current)
    assert before is not None
    return BrokenRule(
        "stage_skipped",
        Text(
            "「{before}」から「{stage}」へは進めません（{skipped}を飛ばしています）",
            before=named(before),
            stage=named(stage),
            skipped=names,
        ),
    )


def _missing_milestones(
    scheme: Scheme, stage: Stage, achieved: Mapping[str, date], on: date
) -> list[BrokenRule]:
    """The rules for each milestone ``stage`` requires that was not reached by ``on``."""
    rules = []
    for key in stage.requires:
        milestone = named(scheme.milestone(key), key)
        reached = achieved.get(key)
        if reached is None:
            text = Text(
                "{stage}には{milestone}が必要です（未記録）",
                stage=named(stage),
                milestone=milestone,
            )
        elif reached > on:
            text = Text(
                "{stage}には{milestone}が必要です（{reached}の記録で、変更日より後です）",
                stage=named(stage),
                milestone=milestone,
                reached=Shown(formatting.day, reached),
            )
        else:
            continue
        rules.append(BrokenRule("milestone_required", text))
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
                Text(
                    "{milestone}は{stage}（{entered}）の要件なので、その日より後の日付にはできません",
                    milestone=named(kind),
                    stage=named(stage),
                    entered=str(change["effective_on"]),
                ),
            )
    return None
