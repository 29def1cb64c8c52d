"""Base map tiles: GSI maps by default, ``none`` for closed networks, or an in-house server."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from markupsafe import escape

from ..errors import BadInput
from ..translatable import N_, Text

TILE_PLACEHOLDERS = ("{z}", "{x}", "{y}")
# How messages show a tile URL's placeholders (values, as a msgid's braces are its own).
_TILE = "/".join(TILE_PLACEHOLDERS)
_TILE_EXAMPLE = f"https://tiles.example.lg.jp/{_TILE}.png"

_GSI_ATTRIBUTION = N_(
    '<a href="https://maps.gsi.go.jp/development/ichiran.html" target="_blank" '
    'rel="noopener">地理院タイル</a>'
)


@dataclass(frozen=True)
class Basemap:
    """A tile source; ``label`` is Japanese (English from the catalogue where shown), and
    ``url`` is None when the map has no base tiles at all."""

    key: str
    label: str
    url: str | None
    attribution: str = ""
    min_zoom: int = 5
    max_native_zoom: int = 18


BASEMAPS: dict[str, Basemap] = {
    "gsi-pale": Basemap(
        "gsi-pale",
        N_("地理院地図（淡色）"),
        "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png",
        _GSI_ATTRIBUTION,
    ),
    "gsi-std": Basemap(
        "gsi-std",
        N_("地理院地図（標準）"),
        "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png",
        _GSI_ATTRIBUTION,
    ),
    "none": Basemap("none", N_("背景地図なし"), None),
}


def basemap_for(setting: str, attribution: str = "") -> Basemap:
    """The base map of a setting: a preset key, or an XYZ URL template of an in-house server,
    which must come with its attribution (the credit the map shows for its tiles)."""
    if setting in BASEMAPS:
        return BASEMAPS[setting]
    url = urlparse(setting)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise BadInput(
            Text(
                "背景地図の設定「{setting}」は使えません。gsi-pale, gsi-std, none, "
                "または {tile} を含むタイルURL（http:// または https://）を指定してください。",
                setting=setting,
                tile=_TILE,
            )
        )
    missing = [part for part in TILE_PLACEHOLDERS if part not in setting]
    if missing:
        raise BadInput(
            Text(
                "タイルURL「{setting}」に {missing} がありません。"
                "ズーム・列・行を {tile} の形で入れてください（例: {example}）。",
                setting=setting,
                missing=missing,
                tile=_TILE,
                example=_TILE_EXAMPLE,
            )
        )
    if not attribution.strip():
        raise BadInput(
            Text(
                "タイルURL「{setting}」の背景地図には出典の表示が必要です。"
                "GEOAPP_BASEMAP_ATTRIBUTION に地図の提供元"
                "（例: 「○○市 庁内地図」）を指定してください。",
                setting=setting,
            )
        )
    # Leaflet shows attribution as HTML; a city's own attribution is shown as text.
    return Basemap("custom", N_("背景地図"), setting, str(escape(attribution)))
