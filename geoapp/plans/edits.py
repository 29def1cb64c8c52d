"""Edit operations on a plan: each validates its parameters against the plan and the city,
then returns the delta it makes. Nothing here touches storage."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import BadInput, Locked, NotFound
from ..translatable import Text
from ..web.validation import unsafe_character
from .checks import plan_checks
from .geography import Geography
from .model import Delta, PlanState, empty_delta

# Colours for new communities: the one palette; the editor receives it in its config and
# offers its first unused colour. Ordered so that any eight communities numbered in a row
# (a plan of up to eight, or neighbours numbered together) differ clearly (CIEDE2000 ≥ 12)
# for readers with normal vision and with deuteranopia, and from the white of unassigned
# districts (tests/test_colour_vision.py). Colours from Tableau 10, Okabe–Ito and Paul Tol's
# schemes.
PALETTE = (
    "#4e79a7",
    "#2ca02c",
    "#8c564b",
    "#56b4e9",
    "#f28e2b",
    "#b07aa1",
    "#f0e442",
    "#aa3377",
    "#0072b2",
    "#ee6677",
    "#d62728",
    "#117733",
    "#88ccee",
    "#76b7b2",
    "#e69f00",
    "#332288",
    "#882255",
    "#009e73",
)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_KANA = re.compile(r"^[\u3040-\u30ff\u3000\s・ー－]*$")
MAX_NAME = 60
MAX_TEXT = 2000
MAX_PLACES = 50

EditResult = tuple[Delta, int]
Operation = Callable[[PlanState, dict[str, Any], Geography, int], EditResult]


def palette_color(community_id: int) -> str:
    """The default colour of a new community."""
    return PALETTE[(community_id - 1) % len(PALETTE)]


def assign(state: PlanState, params: dict[str, Any], geo: Geography, next_id: int) -> EditResult:
    """Put districts (listed, or all of a majority school zone) into one community."""
    target = community_id(state, params.get("community"))
    require_unlocked(state, target)
    codes = district_selection(geo, params)
    return move(state, codes, target), next_id


def unassign(state: PlanState, params: dict[str, Any], geo: Geography, next_id: int) -> EditResult:
    """Take districts out of their communities."""
    return move(state, district_selection(geo, params), None), next_id


def reassign(state: PlanState, params: dict[str, Any], geo: Geography, next_id: int) -> EditResult:
    """Put each listed district into the community given for it (null: unassigned), all
    in one edit: how the editor undoes and redoes a stroke that moved districts apart."""
    wanted = params.get("assignments")
    if not isinstance(wanted, dict) or not wanted:
        raise BadInput(
            Text(
                "assignments に 行政区コード → コミュニティ番号（または null）を指定してください。"
            )
        )
    codes = district_selection(geo, {"districts": list(wanted)})
    delta = empty_delta()
    for code in codes:
        value = wanted[code]
        target = None if value is None else community_id(state, value)
        if target is not None:
            require_unlocked(state, target)
        delta["assignments"].update(move(state, [code], target)["assignments"])
    return delta, next_id


def create_community(
    state: PlanState, params: dict[str, Any], geo: Geography, next_id: int
) -> EditResult:
    """A new community, optionally with districts assigned to it at once."""
    fields = community_fields(state, geo, params, None)
    fields.setdefault("name_kana", "")
    fields.setdefault("color", palette_color(next_id))
    fields.setdefault("description", "")
    fields.setdefault("hub_center", None)
    fields.setdefault("places", [])
    if "name" not in fields:
        raise BadInput(Text("コミュニティの名称を指定してください。"))
    fields["locked"] = False
    delta = empty_delta()
    delta["communities"][str(next_id)] = [None, fields]
    if params.get("districts") or params.get("zone"):
        moved = move(state, district_selection(geo, params), next_id)
        delta["assignments"] = moved["assignments"]
    return delta, next_id + 1


def update_community(
    state: PlanState, params: dict[str, Any], geo: Geography, next_id: int
) -> EditResult:
    """Rename, recolour or redescribe a community, or set its hub and important places."""
    cid = community_id(state, params.get("community"))
    require_unlocked(state, cid)
    before = state.communities[cid]
    after = {**before, **community_fields(state, geo, params, cid)}
    return _community_change(cid, before, after), next_id


def merge_communities(
    state: PlanState, params: dict[str, Any], geo: Geography, next_id: int
) -> EditResult:
    """Move every district of the listed communities into ``into`` and delete them."""
    target = community_id(state, params.get("into"))
    sources = params.get("communities")
    if not isinstance(sources, list) or not sources:
        raise BadInput(Text("統合するコミュニティ（communities）を一つ以上指定してください。"))
    ids = [community_id(state, value) for value in sources]
    if target in ids:
        raise BadInput(Text("統合先のコミュニティを統合元に含めることはできません。"))
    for cid in [target, *ids]:
        require_unlocked(state, cid)
    return _remove_communities(state, ids, target), next_id


def delete_community(
    state: PlanState, params: dict[str, Any], geo: Geography, next_id: int
) -> EditResult:
    """Delete a community; its districts become unassigned."""
    cid = community_id(state, params.get("community"))
    require_unlocked(state, cid)
    return _remove_communities(state, [cid], None), next_id


def lock_community(
    state: PlanState, params: dict[str, Any], geo: Geography, next_id: int
) -> EditResult:
    """Lock a community: its districts and fields stay as they are until unlocked."""
    return _set_lock(state, params, True), next_id


def unlock_community(
    state: PlanState, params: dict[str, Any], geo: Geography, next_id: int
) -> EditResult:
    """Unlock a community so it can be edited again."""
    return _set_lock(state, params, False), next_id


def fix_strays(
    state: PlanState, params: dict[str, Any], geo: Geography, next_id: int
) -> EditResult:
    """Move each stray piece of a community into the community around it (locked
    communities are left alone)."""
    delta = empty_delta()
    for stray in plan_checks(geo, state)["strays"]:
        around, owner = stray["surrounded_by"], stray["community"]
        if around is None or is_locked(state, around) or is_locked(state, owner):
            continue
        for code in stray["districts"]:
            delta["assignments"][code] = [owner, around]
    return delta, next_id


def update_plan(
    state: PlanState, params: dict[str, Any], geo: Geography, next_id: int
) -> EditResult:
    """Rename the plan or change its description."""
    delta = empty_delta()
    for name, limit in (("name", MAX_NAME), ("description", MAX_TEXT)):
        if name in params:
            value = text_field(params, name, limit, required=name == "name")
            if value != state.info.get(name):
                delta["plan"][name] = [state.info.get(name), value]
    return delta, next_id


OPERATIONS: dict[str, Operation] = {
    "assign": assign,
    "unassign": unassign,
    "reassign": reassign,
    "create_community": create_community,
    "update_community": update_community,
    "merge_communities": merge_communities,
    "delete_community": delete_community,
    "lock_community": lock_community,
    "unlock_community": unlock_community,
    "fix_strays": fix_strays,
    "update_plan": update_plan,
}


def operation_named(name: object) -> Operation:
    """The edit operation called ``name``."""
    if name not in OPERATIONS:
        raise BadInput(
            Text(
                "編集の種類（op）「{name}」は使えません。次のいずれかを指定してください: {known}",
                name=str(name),
                known=", ".join(OPERATIONS),
            )
        )
    return OPERATIONS[str(name)]


# --- helpers shared by the operations ---------------------------------------------------
def move(state: PlanState, codes: list[str], target: int | None) -> Delta:
    """The delta moving ``codes`` into ``target`` (None: unassigned); refuses districts
    held by a locked community."""
    delta = empty_delta()
    for code in codes:
        before = state.assignments.get(code)
        if before == target:
            continue
        if before is not None:
            require_unlocked(state, before)
        delta["assignments"][code] = [before, target]
    return delta


def community_id(state: PlanState, value: object) -> int:
    """A community id from a request, which must name a community of this plan."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise BadInput(
            Text("コミュニティの指定「{value}」は番号（id）で指定してください。", value=str(value))
        )
    cid = int(value)
    if cid not in state.communities:
        raise NotFound(
            Text(
                "コミュニティ {cid} はこの案にありません（削除されたか、存在しません）。"
                "最新の案を読み込み直してください。",
                cid=cid,
            ),
            community=cid,
        )
    return cid


def is_locked(state: PlanState, cid: int) -> bool:
    """Whether a community is locked."""
    return bool(state.communities.get(cid, {}).get("locked"))


def require_unlocked(state: PlanState, cid: int) -> None:
    """Refuse to touch a locked community."""
    if is_locked(state, cid):
        name = state.communities[cid]["name"]
        raise Locked(
            Text(
                "コミュニティ「{name}」（{cid}）はロックされています。"
                "ロックを解除してから編集してください。",
                name=name,
                cid=cid,
            ),
            community=cid,
        )


def district_selection(geo: Geography, params: dict[str, Any]) -> list[str]:
    """The districts a request names: ``districts`` (codes) or ``zone`` (a majority zone)."""
    zone = params.get("zone")
    if zone is not None:
        if geo.majority is None or str(zone) not in geo.zone_names:
            raise BadInput(Text("小学校区「{zone}」はありません。", zone=str(zone)))
        return geo.districts_of_zone(str(zone))
    codes = params.get("districts")
    if not isinstance(codes, list) or not codes:
        raise BadInput(
            Text(
                "行政区のコード（districts）を一つ以上、または小学校区（zone）を指定してください。"
            )
        )
    codes = [str(code) for code in codes]
    unknown = sorted({code for code in codes if code not in geo.index})
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise BadInput(
            Text("行政区のコードが見つかりません: {codes}", codes=shown),
            unknown_districts=unknown,
        )
    return list(dict.fromkeys(codes))


def community_fields(
    state: PlanState, geo: Geography, params: dict[str, Any], cid: int | None
) -> dict[str, Any]:
    """The community fields a request sets, each checked."""
    fields: dict[str, Any] = {}
    if "name" in params:
        name = text_field(params, "name", MAX_NAME, required=True)
        taken = [other for other, c in state.communities.items() if c["name"] == name]
        if any(other != cid for other in taken):
            raise BadInput(
                Text("コミュニティ名「{name}」はこの案で既に使われています。", name=name)
            )
        fields["name"] = name
    if "name_kana" in params:
        kana = text_field(params, "name_kana", MAX_NAME * 2)
        if not _KANA.match(kana):
            raise BadInput(
                Text("よみがな「{kana}」はひらがなまたはカタカナで入力してください。", kana=kana)
            )
        fields["name_kana"] = kana
    if "color" in params:
        color = params["color"]
        if not isinstance(color, str) or not _COLOR.match(color):
            raise BadInput(
                Text("色「{color}」は #RRGGBB の形で指定してください。", color=str(color))
            )
        fields["color"] = color.lower()
    if "description" in params:
        fields["description"] = text_field(params, "description", MAX_TEXT)
    if "hub_center" in params:
        hub = params["hub_center"]
        if hub not in (None, "") and str(hub) not in geo.center_names:
            raise BadInput(Text("拠点施設「{hub}」はありません。", hub=str(hub)))
        fields["hub_center"] = str(hub) if hub else None
    if "places" in params:
        fields["places"] = places(params["places"])
    return fields


def text_field(params: dict[str, Any], name: str, limit: int, required: bool = False) -> str:
    """A trimmed text value of at most ``limit`` characters."""
    value = params.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadInput(Text("「{name}」は文字列で指定してください。", name=name))
    value = value.strip()
    if (character := unsafe_character(value)) is not None:
        raise BadInput(
            Text(
                "「{name}」に使えない文字（{character}）が含まれています。",
                name=name,
                character=character,
            ),
            fields=[name],
        )
    if required and not value:
        raise BadInput(Text("「{name}」を入力してください。", name=name))
    if len(value) > limit:
        raise BadInput(Text("「{name}」は{limit}文字以内にしてください。", name=name, limit=limit))
    return value


def places(value: object) -> list[dict[str, Any]]:
    """Important places: each a name, a lon/lat point and a note."""
    if not isinstance(value, list) or len(value) > MAX_PLACES:
        raise BadInput(
            Text(
                "重要な場所（places）は{limit}件以内のリストで指定してください。", limit=MAX_PLACES
            )
        )
    checked = []
    for number, place in enumerate(value, start=1):
        if not isinstance(place, dict):
            raise BadInput(Text("重要な場所の{number}件目が正しくありません。", number=number))
        lon, lat = _degrees(place.get("lon"), 180), _degrees(place.get("lat"), 90)
        if lon is None or lat is None:
            raise BadInput(
                Text(
                    "重要な場所の{number}件目の経度・緯度（lon, lat）が正しくありません。",
                    number=number,
                )
            )
        checked.append(
            {
                "name": text_field(place, "name", MAX_NAME, required=True),
                "lon": lon,
                "lat": lat,
                "note": text_field(place, "note", MAX_TEXT),
            }
        )
    return checked


def _degrees(value: object, limit: float) -> float | None:
    """A longitude or latitude within ±``limit`` degrees, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if -limit <= value <= limit else None


def _remove_communities(state: PlanState, ids: list[int], heir: int | None) -> Delta:
    """The delta deleting communities, their districts going to ``heir`` (or unassigned)."""
    delta = empty_delta()
    for cid in ids:
        delta["communities"][str(cid)] = [state.communities[cid], None]
        for code in state.members(cid):
            delta["assignments"][code] = [cid, heir]
    return delta


def _set_lock(state: PlanState, params: dict[str, Any], locked: bool) -> Delta:
    """The delta locking or unlocking one community."""
    cid = community_id(state, params.get("community"))
    before = state.communities[cid]
    return _community_change(cid, before, {**before, "locked": locked})


def _community_change(cid: int, before: dict[str, Any], after: dict[str, Any]) -> Delta:
    """The delta replacing a community's fields (empty when nothing differs)."""
    delta = empty_delta()
    if before != after:
        delta["communities"][str(cid)] = [before, after]
    return delta
