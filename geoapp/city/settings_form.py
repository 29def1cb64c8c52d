"""The city settings an admin submits (settings page or ``geoapp city set``), checked field
by field: a bad value is refused naming its field, and nothing is stored."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import BadInput
from ..web.basemap import BASEMAPS
from .model import (
    DEFAULT_CENTER_KINDS,
    CenterKind,
    City,
    is_color,
    municipality_code_problem,
    prefecture_of,
)

# Each settings field's name on the page, in Japanese and English.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("市区町村名", "City name"),
    "name_kana": ("よみがな", "Reading (kana)"),
    "municipality_code": ("市区町村コード", "Municipality code"),
    "basemap": ("背景地図", "Base map"),
    "basemap_url": ("タイルの URL", "Tile URL"),
    "basemap_attribution": ("背景地図の出典表示", "Base map attribution"),
    "credits": ("データの出典・利用条件", "Data credits and licence"),
    "center_kinds": ("拠点施設の種別", "Centre kinds"),
}
CUSTOM_BASEMAP = "custom"
BASEMAP_CHOICES = (*BASEMAPS, CUSTOM_BASEMAP)
MAX_NAME = 40
MAX_TEXT = 200
MAX_CREDITS = 1000
_KANA = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc\u30fb\u30fd\u30fe 　]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ALIAS_SEPARATOR = re.compile(r"[、,，\n]+")


@dataclass
class CenterKindRow:
    """One row of the centre-kind table as typed: name, colour, other names."""

    name: str = ""
    color: str = ""
    aliases: str = ""


@dataclass
class SettingsInput:
    """The settings as the form shows and submits them (text, not yet checked)."""

    name: str = ""
    name_kana: str = ""
    municipality_code: str = ""
    basemap: str = "gsi-pale"
    basemap_url: str = ""
    basemap_attribution: str = ""
    credits: str = ""
    center_kinds: list[CenterKindRow] = field(default_factory=list)


class InvalidSettings(BadInput):
    """Settings refused; ``fields`` maps each bad field to its messages (Japanese, English)."""

    def __init__(self, fields: dict[str, tuple[str, str]]) -> None:
        self.fields = fields
        super().__init__(
            "市の設定を保存できません。" + " ".join(ja for ja, _en in fields.values()),
            "The city settings were not saved. " + " ".join(en for _ja, en in fields.values()),
            fields={name: {"message": ja, "message_en": en} for name, (ja, en) in fields.items()},
        )


def settings_input(city: City | None) -> SettingsInput:
    """The form's values for ``city`` (the default kinds for a city not yet set up)."""
    if city is None:
        return SettingsInput(center_kinds=[_row(kind) for kind in DEFAULT_CENTER_KINDS])
    custom = city.basemap not in BASEMAPS
    return SettingsInput(
        name=city.name,
        name_kana=city.name_kana,
        municipality_code=city.municipality_code,
        basemap=CUSTOM_BASEMAP if custom else city.basemap,
        basemap_url=city.basemap if custom else "",
        basemap_attribution=city.basemap_attribution,
        credits=city.credits,
        center_kinds=[_row(kind) for kind in city.center_kinds],
    )


def _row(kind: CenterKind) -> CenterKindRow:
    """A kind as a row of the form."""
    return CenterKindRow(kind.name, kind.color, "、".join(kind.aliases))


def apply_settings(given: SettingsInput, current: City | None, working_crs: int) -> City:
    """The city with the settings ``given``, or ``InvalidSettings`` naming every bad field.

    A new name or code makes the demo city a real one: its demo mark goes, and so do the
    demo's credits unless others are given.
    """
    problems: dict[str, tuple[str, str]] = {}
    name = _line(given.name, "name", MAX_NAME, problems, required=True)
    kana = unicodedata.normalize("NFKC", _line(given.name_kana, "name_kana", MAX_NAME, problems))
    if kana and not _KANA.match(kana):
        problems["name_kana"] = _message(
            "name_kana", "はひらがなかカタカナで入力してください", "must be hiragana or katakana"
        )
    code = unicodedata.normalize("NFKC", given.municipality_code).strip()
    if not code:
        problems["municipality_code"] = _required("municipality_code")
    elif problem := municipality_code_problem(code):
        problems["municipality_code"] = problem
    basemap = _basemap(given, problems)
    attribution = _line(given.basemap_attribution, "basemap_attribution", MAX_TEXT, problems)
    if basemap not in BASEMAPS and not attribution and "basemap_url" not in problems:
        problems["basemap_attribution"] = _message(
            "basemap_attribution",
            "は庁内のタイルを使うとき必要です（地図の出典として表示します）",
            "is needed with an in-house tile server (maps show it as the source)",
        )
    credits = given.credits.strip().replace("\r\n", "\n")
    if len(credits) > MAX_CREDITS:
        problems["credits"] = _too_long("credits", MAX_CREDITS)
    elif _CONTROL_BUT_LINES.search(credits):
        problems["credits"] = _control("credits")
    kinds = center_kinds(given.center_kinds, problems)
    if problems:
        raise InvalidSettings(problems)
    demo = bool(
        current and current.demo and (name, code) == (current.name, current.municipality_code)
    )
    if current is not None and current.demo and not demo and credits == current.credits:
        credits = ""
    fallback = current.prefecture if current is not None else ""
    return City(
        name=name,
        name_kana=kana,
        municipality_code=code,
        working_crs=working_crs,
        basemap=basemap,
        prefecture=prefecture_of(code, fallback),
        basemap_attribution=attribution if basemap not in BASEMAPS else "",
        credits=credits,
        demo=demo,
        center_kinds=kinds,
    )


def center_kinds(
    rows: list[CenterKindRow], problems: dict[str, tuple[str, str]]
) -> tuple[CenterKind, ...]:
    """The kinds of the rows with a name; a bad colour, a name used twice or an overlong
    name is noted in ``problems``."""
    kinds: list[CenterKind] = []
    seen: set[str] = set()
    for row in rows:
        name = unicodedata.normalize("NFKC", row.name).strip()
        if not name:
            continue
        aliases = tuple(
            alias
            for alias in (
                unicodedata.normalize("NFKC", a).strip()
                for a in _ALIAS_SEPARATOR.split(row.aliases)
            )
            if alias
        )
        color = row.color.strip().lower()
        if len(name) > MAX_NAME or any(len(alias) > MAX_NAME for alias in aliases):
            problems["center_kinds"] = _too_long("center_kinds", MAX_NAME)
        elif _CONTROL.search(name + "".join(aliases)):
            problems["center_kinds"] = _control("center_kinds")
        elif not is_color(color):
            problems["center_kinds"] = _message(
                "center_kinds",
                f"の「{name}」の色「{row.color}」は #rrggbb の形（例: #1b9e77）で指定してください",
                f"{name!r}: colour {row.color!r} must be #rrggbb (e.g. #1b9e77)",
            )
        elif repeated := seen & {name, *aliases}:
            shown = sorted(repeated)[0]
            problems["center_kinds"] = _message(
                "center_kinds",
                f"で「{shown}」が二度使われています。名前と別名は一度ずつにしてください",
                f"name {shown!r} is used twice; give each name once",
            )
        if "center_kinds" in problems:
            break
        seen |= {name, *aliases}
        kinds.append(CenterKind(name, color, aliases))
    return tuple(kinds)


def parse_center_kind(text: str) -> CenterKindRow:
    """A kind written on the command line as ``名称=#色`` or ``名称=#色=別名、別名``."""
    parts = text.split("=", 2)
    if len(parts) < 2:
        raise InvalidSettings(
            {
                "center_kinds": _message(
                    "center_kinds",
                    f"の「{text}」は 名称=#色 または 名称=#色=別名、別名 の形で指定してください",
                    f"{text!r} must be NAME=#COLOR or NAME=#COLOR=ALIAS,ALIAS",
                )
            }
        )
    return CenterKindRow(parts[0], parts[1], parts[2] if len(parts) > 2 else "")


def _basemap(given: SettingsInput, problems: dict[str, tuple[str, str]]) -> str:
    """The base map setting: a preset's key, or the in-house tile URL."""
    if given.basemap in BASEMAPS:
        return given.basemap
    if given.basemap != CUSTOM_BASEMAP:
        choices = "、".join(BASEMAP_CHOICES)
        problems["basemap"] = _message(
            "basemap",
            f"「{given.basemap}」は選べません。{choices} のいずれかにしてください",
            f"{given.basemap!r} is not a choice; use one of {', '.join(BASEMAP_CHOICES)}",
        )
        return given.basemap
    url = given.basemap_url.strip()
    if not url:
        problems["basemap_url"] = _required("basemap_url")
    elif (
        not url.startswith(("http://", "https://"))
        or not all(part in url for part in ("{z}", "{x}", "{y}"))
        or _CONTROL.search(url)
        or any(char in url for char in " \"'<>")
        or len(url) > MAX_TEXT
    ):
        problems["basemap_url"] = _message(
            "basemap_url",
            "は http:// か https:// で始まり {z}・{x}・{y} を含む URL にしてください"
            "（例: https://tiles.example.lg.jp/{z}/{x}/{y}.png）",
            "must start with http:// or https:// and hold {z}, {x} and {y} "
            "(e.g. https://tiles.example.lg.jp/{z}/{x}/{y}.png)",
        )
    return url


def _line(
    value: str, name: str, limit: int, problems: dict[str, tuple[str, str]], required: bool = False
) -> str:
    """A one-line text field, stripped; a missing, overlong or controlling value is noted."""
    text = value.strip()
    if required and not text:
        problems[name] = _required(name)
    elif len(text) > limit:
        problems[name] = _too_long(name, limit)
    elif _CONTROL.search(text):
        problems[name] = _control(name)
    return text


def _message(name: str, ja: str, en: str) -> tuple[str, str]:
    """A message about one field, starting with its label."""
    label, label_en = FIELD_LABELS[name]
    return f"「{label}」{ja}。", f"{label_en}: {en}."


def _required(name: str) -> tuple[str, str]:
    return _message(name, "を入力してください", "is required")


def _too_long(name: str, limit: int) -> tuple[str, str]:
    return _message(name, f"は{limit}文字以内にしてください", f"must be at most {limit} characters")


def _control(name: str) -> tuple[str, str]:
    return _message(name, "に制御文字は使えません", "must not hold control characters")
