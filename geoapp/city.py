"""A city's settings: its name, municipality code, working CRS and base map."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from pyproj import CRS

from .errors import BadInput


@dataclass(frozen=True)
class City:
    """The one city a geoapp database serves."""

    name: str
    name_kana: str
    municipality_code: str
    working_crs: int
    basemap: str = "gsi-pale"
    prefecture: str = ""

    def __post_init__(self) -> None:
        if not (self.municipality_code.isdigit() and len(self.municipality_code) in (5, 6)):
            raise BadInput(
                f"市区町村コード「{self.municipality_code}」は5桁または6桁の数字で指定してください。",
                f"Municipality code {self.municipality_code!r} must be 5 or 6 digits.",
            )
        check_metric_crs(self.working_crs)

    def with_crs(self, epsg: int) -> City:
        """The same city with another working CRS."""
        return replace(self, working_crs=epsg)


def check_metric_crs(epsg: int) -> None:
    """Refuse a working CRS whose unit is not the metre: areas must come out in m²."""
    try:
        crs = CRS.from_epsg(epsg)
    except Exception as exc:
        raise BadInput(
            f"EPSG:{epsg} は座標参照系として認識できません。",
            f"EPSG:{epsg} is not a known coordinate reference system.",
        ) from exc
    units = {axis.unit_name for axis in crs.axis_info}
    if not crs.is_projected or units != {"metre"}:
        raise BadInput(
            f"作業用の座標参照系 EPSG:{epsg}（{crs.name}）は"
            "メートル単位の投影座標系ではありません。"
            "平面直角座標系（例: EPSG:6669〜6687）を指定してください。",
            f"Working CRS EPSG:{epsg} ({crs.name}) is not projected in metres; "
            "use a plane rectangular zone such as EPSG:6669-6687.",
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
        )
    except (KeyError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(
            f"市の設定ファイル {path} を読めません（{exc}）。[city] 表に name, municipality_code, "
            "working_crs が必要です。",
            f"Cannot read city preset {path} ({exc}); [city] needs name, municipality_code, "
            "working_crs.",
        ) from exc
