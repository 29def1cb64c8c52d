"""What each version of a plan changed, in words a planner reads in the history.

A version's stored delta says which districts moved and which community fields changed, by
community id. The history names communities, so the versions are walked oldest first while a
running table of community names is kept: a district moved to community 7 reads as
"3 行政区を「和田」へ" even when version 7 did not touch the community itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from .model import STATUS_LABELS, Delta

# Community fields in the words of the history, Japanese and English.
FIELD_LABELS = {
    "name": ("名称", "name"),
    "name_kana": ("よみがな", "kana"),
    "color": ("色", "colour"),
    "description": ("説明", "description"),
    "hub_center": ("拠点施設", "hub facility"),
    "places": ("重要な場所", "important places"),
    "locked": ("ロック", "lock"),
}
# Beyond this many communities, a version's history line gives counts instead of names.
MANY = 3
PLAN_FIELD_LABELS = {
    "name": ("案の名前", "plan name"),
    "description": ("案の説明", "plan description"),
    "status": ("状態", "status"),
}


def describe_versions(deltas: Iterable[Delta]) -> list[list[dict[str, Any]]]:
    """For each delta, oldest first, the list of changes it made (see ``describe_delta``)."""
    names: dict[int, str] = {}
    return [describe_delta(delta, names) for delta in deltas]


def describe_delta(delta: Delta, names: dict[int, str]) -> list[dict[str, Any]]:
    """The changes one delta made, as small records; ``names`` (community id → name) is the
    table before the delta and is brought up to date with it."""
    before = dict(names)
    communities = {int(key): values for key, values in delta.get("communities", {}).items()}
    for cid, (_, new) in communities.items():
        if new is None:
            names.pop(cid, None)
        else:
            names[cid] = new["name"]
    created = [names[cid] for cid, (old, _) in sorted(communities.items()) if old is None]
    deleted = [before[cid] for cid, (_, new) in sorted(communities.items()) if new is None]
    changes = _listed("created", created) + _listed("deleted", deleted)
    for old, new in (values for _, values in sorted(communities.items())):
        if old is not None and new is not None:
            changes.extend(_community_edits(old, new))
    changes.extend(_assignment_changes(delta, {**before, **names}))
    for name, (old, new) in sorted(delta.get("plan", {}).items()):
        if old is not None:  # a plan's first version sets its fields: nothing to tell
            changes.append({"kind": "plan", "field": name, "from": old, "to": new})
    return changes


def _listed(kind: str, communities: list[str]) -> list[dict[str, Any]]:
    """Communities created or deleted: each by name, or a count when there are many."""
    if len(communities) > MANY:
        return [{"kind": f"{kind}_many", "count": len(communities)}]
    return [{"kind": kind, "community": name} for name in communities]


def _assignment_changes(delta: Delta, names: dict[int, str]) -> list[dict[str, Any]]:
    """Districts moved, counted per community they went to (or unassigned)."""
    targets = Counter(new for _, new in delta.get("assignments", {}).values())
    unassigned = targets.pop(None, 0)
    if len(targets) > MANY:
        changes = [
            {"kind": "assigned_many", "districts": targets.total(), "communities": len(targets)}
        ]
    else:
        changes = [
            {"kind": "assigned", "districts": count, "community": names.get(cid, str(cid))}
            for cid, count in targets.most_common()
        ]
    if unassigned:
        changes.append({"kind": "unassigned", "districts": unassigned})
    return changes


def _community_edits(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """A kept community's changed fields: a rename on its own, the rest together."""
    changes: list[dict[str, Any]] = []
    if old.get("name") != new.get("name"):
        changes.append({"kind": "renamed", "from": old.get("name"), "to": new.get("name")})
    fields = [name for name in FIELD_LABELS if name != "name" and old.get(name) != new.get(name)]
    if fields:
        changes.append({"kind": "edited", "community": new.get("name"), "fields": fields})
    return changes


def change_text(change: dict[str, Any], lang: str) -> str:
    """One change in Japanese (``lang="ja"``) or English."""
    english = lang == "en"
    kind = change["kind"]
    if kind == "assigned":
        count, community = change["districts"], change["community"]
        if english:
            return f"{count} district{'s' * (count != 1)} to “{community}”"
        return f"{count} 行政区を「{community}」へ"
    if kind == "unassigned":
        count = change["districts"]
        if english:
            return f"{count} district{'s' * (count != 1)} unassigned"
        return f"{count} 行政区の割り当てを解除"
    if kind == "assigned_many":
        count, communities = change["districts"], change["communities"]
        if english:
            return f"{count} districts to {communities} communities"
        return f"{count} 行政区を {communities} コミュニティへ"
    if kind in ("created_many", "deleted_many"):
        count, made = change["count"], kind == "created_many"
        if english:
            return f"{'created' if made else 'deleted'} {count} communities"
        return f"{count} コミュニティを{'作成' if made else '削除'}"
    if kind == "created":
        return f"created “{change['community']}”" if english else f"「{change['community']}」を作成"
    if kind == "deleted":
        return f"deleted “{change['community']}”" if english else f"「{change['community']}」を削除"
    if kind == "renamed":
        if english:
            return f"renamed “{change['from']}” to “{change['to']}”"
        return f"「{change['from']}」を「{change['to']}」に改名"
    if kind == "edited":
        fields = [FIELD_LABELS[name][english] for name in change["fields"]]
        if english:
            return f"“{change['community']}”: {', '.join(fields)} changed"
        return f"「{change['community']}」の{'・'.join(fields)}を変更"
    return _plan_change_text(change, english)


def _plan_change_text(change: dict[str, Any], english: bool) -> str:
    """A change of the plan's own name, description or status."""
    field = PLAN_FIELD_LABELS.get(change["field"], (change["field"], change["field"]))[english]
    old, new = change["from"], change["to"]
    if change["field"] == "status":
        old = STATUS_LABELS.get(old, (old, old))[english]
        new = STATUS_LABELS.get(new, (new, new))[english]
    if change["field"] == "description":
        return f"{field} changed" if english else f"{field}を変更"
    return f"{field}: {old} → {new}"


def changes_text(changes: list[dict[str, Any]], lang: str) -> str:
    """A version's changes as one line; a version that changed nothing says so."""
    if not changes:
        return "no change" if lang == "en" else "変更なし"
    return ("; " if lang == "en" else "、").join(change_text(change, lang) for change in changes)
