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

from ..translatable import Clauses, Counted, InContext, Text, joined
from .model import STATUS_NAMES, Delta

# Community fields as words inside a sentence: the catalogue's context 「文中の項目名」
# (elsewhere these Japanese words are the editor's labels, in capitals, and 「拠点施設」
# is the map's "Community centres").
FIELD_LABELS = {
    "name": InContext("文中の項目名", "名称"),
    "name_kana": InContext("文中の項目名", "よみがな"),
    "color": InContext("文中の項目名", "色"),
    "description": InContext("文中の項目名", "説明"),
    "hub_center": InContext("文中の項目名", "拠点施設"),
    "places": InContext("文中の項目名", "重要な場所"),
    "locked": InContext("文中の項目名", "ロック"),
}
# Beyond this many communities, a version's history line gives counts instead of names.
MANY = 3


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


def change_text(change: dict[str, Any]) -> Text:
    """One change, in words either language shows."""
    kind = change["kind"]
    if kind == "assigned":
        return Counted(
            "{n} 行政区を「{community}」へ",
            "{n} 行政区を「{community}」へ",
            n=change["districts"],
            community=change["community"],
        )
    if kind == "unassigned":
        return Counted(
            "{n} 行政区の割り当てを解除", "{n} 行政区の割り当てを解除", n=change["districts"]
        )
    if kind == "assigned_many":
        return Text(
            "{n} 行政区を {communities} コミュニティへ",
            n=change["districts"],
            communities=change["communities"],
        )
    if kind == "created_many":
        return Text("{n} コミュニティを作成", n=change["count"])
    if kind == "deleted_many":
        return Text("{n} コミュニティを削除", n=change["count"])
    if kind == "created":
        return Text("「{community}」を作成", community=change["community"])
    if kind == "deleted":
        return Text("「{community}」を削除", community=change["community"])
    if kind == "renamed":
        return Text("「{old}」を「{new}」に改名", old=change["from"], new=change["to"])
    if kind == "edited":
        fields = joined((FIELD_LABELS[name] for name in change["fields"]), "・", ", ")
        return Text("「{community}」の{fields}を変更", community=change["community"], fields=fields)
    return _plan_change_text(change)


def _plan_change_text(change: dict[str, Any]) -> Text:
    """A change of the plan's own name, description or status."""
    field, old, new = change["field"], change["from"], change["to"]
    if field == "description":
        return Text("案の説明を変更")
    if field == "status":
        return Text(
            "状態: {old} → {new}",
            old=STATUS_NAMES.get(old, old),
            new=STATUS_NAMES.get(new, new),
        )
    if field == "name":
        return Text("案の名前: {old} → {new}", old=old, new=new)
    return Text("{field}: {old} → {new}", field=field, old=old, new=new)


def changes_text(changes: list[dict[str, Any]], lang: str) -> str:
    """A version's changes as one line in ``lang``; a version that changed nothing says so."""
    if not changes:
        return Text("変更なし").in_language(lang)
    return Clauses(*(change_text(change) for change in changes)).in_language(lang)
