"""The city settings an admin submits (settings page or ``geoapp city set``), checked field
by field: a bad value is refused naming its field, and nothing is stored."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import BadInput
from ..translatable import N_, Sentences, Text
from ..web.basemap import BASEMAPS
from .model import (
    DEFAULT_CENTER_KINDS,
    CenterKind,
    City,
    is_color,
    municipality_code_refusal,
    prefecture_of,
)

# Each settings field's name on the page (English in the catalogue).
FIELD_LABELS: dict[str, str] = {
    "name": N_("市区町村名"),
    "name_kana": N_("よみがな"),
    "municipality_code": N_("市区町村コード"),
    "basemap": N_("背景地図"),
    "basemap_url": N_("タイルの URL"),
    "basemap_attribution": N_("背景地図の出典表示"),
    "credits": N_("データの出典・利用条件"),
    "center_kinds": N_("拠点施設の種別"),
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
    """Settings refused; ``fields`` maps each bad field to its message."""

    def __init__(self, fields: dict[str, Text]) -> None:
        self.fields = fields
        super().__init__(
            Sentences(Text("市の設定を保存できません。"), *fields.values()),
            fields={
                name: {"message": text.in_language("ja"), "message_en": text.in_language("en")}
                for name, text in fields.items()
            },
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
    problems: dict[str, Text] = {}
    name = _line(given.name, "name", MAX_NAME, problems, required=True)
    kana = unicodedata.normalize("NFKC", _line(given.name_kana, "name_kana", MAX_NAME, problems))
    if kana and not _KANA.match(kana):
        problems["name_kana"] = Text(
            "「{label}」はひらがなかカタカナで入力してください。", label=_label("name_kana")
        )
    code = unicodedata.normalize("NFKC", given.municipality_code).strip()
    if not code:
        problems["municipality_code"] = _required("municipality_code")
    elif problem := municipality_code_refusal(code):
        problems["municipality_code"] = problem
    basemap = _basemap(given, problems)
    attribution = _line(given.basemap_attribution, "basemap_attribution", MAX_TEXT, problems)
    if basemap not in BASEMAPS and not attribution and "basemap_url" not in problems:
        problems["basemap_attribution"] = Text(
            "「{label}」は庁内のタイルを使うとき必要です（地図の出典として表示します）。",
            label=_label("basemap_attribution"),
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


def center_kinds(rows: list[CenterKindRow], problems: dict[str, Text]) -> tuple[CenterKind, ...]:
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
            problems["center_kinds"] = Text(
                "「{label}」の「{name}」の色「{color}」は #rrggbb の形（例: #1b9e77）で"
                "指定してください。",
                label=_label("center_kinds"),
                name=name,
                color=row.color,
            )
        elif repeated := seen & {name, *aliases}:
            shown = sorted(repeated)[0]
            problems["center_kinds"] = Text(
                "「{label}」で「{name}」が二度使われています。名前と別名は一度ずつにしてください。",
                label=_label("center_kinds"),
                name=shown,
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
                "center_kinds": Text(
                    "「{label}」の「{text}」は 名称=#色 または 名称=#色=別名、別名 の形で"
                    "指定してください。",
                    label=_label("center_kinds"),
                    text=text,
                )
            }
        )
    return CenterKindRow(parts[0], parts[1], parts[2] if len(parts) > 2 else "")


def _basemap(given: SettingsInput, problems: dict[str, Text]) -> str:
    """The base map setting: a preset's key, or the in-house tile URL."""
    if given.basemap in BASEMAPS:
        return given.basemap
    if given.basemap != CUSTOM_BASEMAP:
        problems["basemap"] = Text(
            "「{label}」「{value}」は選べません。{choices} のいずれかにしてください。",
            label=_label("basemap"),
            value=given.basemap,
            choices=list(BASEMAP_CHOICES),
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
        problems["basemap_url"] = Text(
            "「{label}」は http:// か https:// で始まり {{z}}・{{x}}・{{y}} を含む URL に"
            "してください（例: https://tiles.example.lg.jp/{{z}}/{{x}}/{{y}}.png）。",
            label=_label("basemap_url"),
        )
    return url


def _line(
    value: str, name: str, limit: int, problems: dict[str, Text], required: bool = False
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


def _label(name: str) -> Text:
    """A field's label, as a message names it."""
    return Text(FIELD_LABELS[name])


def _required(name: str) -> Text:
    return Text("「{label}」を入力してください。", label=_label(name))


def _too_long(name: str, limit: int) -> Text:
    return Text("「{label}」は{limit}文字以内にしてください。", label=_label(name), limit=limit)


def _control(name: str) -> Text:
    return Text("「{label}」に制御文字は使えません。", label=_label(name))
