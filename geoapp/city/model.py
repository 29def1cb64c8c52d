"""A city's settings: its name, municipality code, working CRS, base map, data credits and
the kinds of its community centres."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pyproj import CRS

from ..errors import BadInput
from ..translatable import N_, Text

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Prefectures by the first two digits of a municipality code (全国地方公共団体コード).
PREFECTURES = (
    N_("北海道"), N_("青森県"), N_("岩手県"), N_("宮城県"), N_("秋田県"), N_("山形県"),
    N_("福島県"), N_("茨城県"), N_("栃木県"), N_("群馬県"), N_("埼玉県"), N_("千葉県"),
    N_("東京都"), N_("神奈川県"), N_("新潟県"), N_("富山県"), N_("石川県"), N_("福井県"),
    N_("山梨県"), N_("長野県"), N_("岐阜県"), N_("静岡県"), N_("愛知県"), N_("三重県"),
    N_("滋賀県"), N_("京都府"), N_("大阪府"), N_("兵庫県"), N_("奈良県"), N_("和歌山県"),
    N_("鳥取県"), N_("島根県"), N_("岡山県"), N_("広島県"), N_("山口県"), N_("徳島県"),
    N_("香川県"), N_("愛媛県"), N_("高知県"), N_("福岡県"), N_("佐賀県"), N_("長崎県"),
    N_("熊本県"), N_("大分県"), N_("宮崎県"), N_("鹿児島県"), N_("沖縄県"),
)  # fmt: skip
# The demo city's prefecture (geodata/demo/city.toml), shown like the others.
DEMO_PREFECTURE = N_("（架空）")


@dataclass(frozen=True)
class CenterKind:
    """A kind of community centre on the maps: its legend name, marker colour, and the
    other names the data may give it (``aliases``)."""

    name: str
    color: str
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The kind as stored (JSON)."""
        return {"name": self.name, "color": self.color, "aliases": list(self.aliases)}


# Told apart by a reader with deuteranopia, from each other and from centre_kinds.py's grey
# and extra colours (tests/test_colour_vision.py); each at least 3:1 against the white rim
# and the pale base map.
DEFAULT_CENTER_KINDS = (
    CenterKind(N_("公民館"), "#d55e00"),
    CenterKind(N_("コミュニティセンター"), "#00875f"),
    CenterKind(N_("地区センター"), "#332288"),
    CenterKind(N_("市民センター"), "#aa3377"),
    CenterKind(N_("地域交流センター"), "#0072b2", ("交流センター",)),
    CenterKind(N_("集会所"), "#7a5c00"),
)


@dataclass(frozen=True)
class City:
    """The one city a geoapp database serves; ``demo`` marks the generated demo city."""

    name: str
    name_kana: str
    municipality_code: str
    working_crs: int
    basemap: str = "gsi-pale"
    prefecture: str = ""
    basemap_attribution: str = ""
    credits: str = ""
    demo: bool = False
    center_kinds: tuple[CenterKind, ...] = field(default=DEFAULT_CENTER_KINDS)

    def __post_init__(self) -> None:
        problem = municipality_code_refusal(self.municipality_code)
        if problem is not None:
            raise BadInput(problem)
        check_metric_crs(self.working_crs)

    def with_crs(self, epsg: int) -> City:
        """The same city with another working CRS."""
        return replace(self, working_crs=epsg)

    def to_row(self) -> dict[str, Any]:
        """The city as the ``city`` table stores it (centre kinds as JSON text)."""
        return {
            "name": self.name,
            "name_kana": self.name_kana,
            "prefecture": self.prefecture,
            "municipality_code": self.municipality_code,
            "working_crs": self.working_crs,
            "basemap": self.basemap,
            "basemap_attribution": self.basemap_attribution,
            "credits": self.credits,
            "demo": self.demo,
            "center_kinds": json.dumps(
                [kind.to_dict() for kind in self.center_kinds], ensure_ascii=False
            ),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> City:
        """A city from its stored row; a row without centre kinds gets the default list."""
        kinds = row.get("center_kinds")
        if isinstance(kinds, str):
            kinds = json.loads(kinds)
        return cls(
            name=row["name"],
            name_kana=row["name_kana"],
            municipality_code=row["municipality_code"],
            working_crs=int(row["working_crs"]),
            basemap=row["basemap"],
            prefecture=row["prefecture"],
            basemap_attribution=row.get("basemap_attribution") or "",
            credits=row.get("credits") or "",
            demo=bool(row.get("demo")),
            center_kinds=DEFAULT_CENTER_KINDS
            if kinds is None
            else tuple(
                CenterKind(k["name"], k["color"], tuple(k.get("aliases", ()))) for k in kinds
            ),
        )


def municipality_code_refusal(code: str) -> Text | None:
    """Why ``code`` is not a municipality code (5 digits, or 6 whose last is the check
    digit of 全国地方公共団体コード); None when it is one."""
    if not (code.isascii() and code.isdigit() and len(code) in (5, 6)):
        return Text("市区町村コード「{code}」は5桁または6桁の数字で指定してください。", code=code)
    if len(code) == 6 and code[5] != check_digit(code[:5]):
        return Text(
            "市区町村コード「{code}」の検査数字（6桁目）が合いません。"
            "{code5} の検査数字は {digit} です。",
            code=code,
            code5=code[:5],
            digit=check_digit(code[:5]),
        )
    return None


def check_digit(code5: str) -> str:
    """The check digit of a 5-digit municipality code: weights 6–2, sum mod 11, from 11."""
    total = sum(int(digit) * weight for digit, weight in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)


def prefecture_of(code: str, fallback: str = "") -> str:
    """The prefecture a municipality code belongs to; ``fallback`` for codes of none."""
    number = int(code[:2]) if code[:2].isdigit() else 0
    return PREFECTURES[number - 1] if 1 <= number <= len(PREFECTURES) else fallback


def is_color(value: str) -> bool:
    """True for a colour written as #rrggbb."""
    return bool(_COLOR.match(value))


def crs_name(epsg: int) -> str:
    """The name of an EPSG CRS as pyproj gives it (e.g. JGD2011 / Japan Plane Rectangular
    CS VIII)."""
    return CRS.from_epsg(epsg).name


def check_metric_crs(epsg: int) -> None:
    """Refuse a working CRS whose unit is not the metre: areas must come out in m²."""
    try:
        crs = CRS.from_epsg(epsg)
    except Exception as exc:
        raise BadInput(Text("EPSG:{epsg} は座標参照系として認識できません。", epsg=epsg)) from exc
    units = {axis.unit_name for axis in crs.axis_info}
    if not crs.is_projected or units != {"metre"}:
        raise BadInput(
            Text(
                "作業用の座標参照系 EPSG:{epsg}（{name}）はメートル単位の投影座標系ではありません。"
                "平面直角座標系（例: EPSG:6669〜6687）を指定してください。",
                epsg=epsg,
                name=crs.name,
            )
        )


def load_city_preset(path: Path) -> City:
    """A city from a TOML preset file (``[city]`` table)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))["city"]
        return City(
            name=data["name"],
            name_kana=data.get("name_kana", ""),
            municipality_code=str(data["municipality_code"]),
            working_crs=int(data["working_crs"]),
            basemap=data.get("basemap", "gsi-pale"),
            prefecture=data.get("prefecture", ""),
            credits=data.get("credits", ""),
            demo=bool(data.get("demo", False)),
        )
    except (KeyError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(
            Text(
                "市の設定ファイル {path} を読めません（{reason}）。"
                "[city] 表に name, municipality_code, working_crs が必要です。",
                path=str(path),
                reason=str(exc),
            )
        ) from exc
