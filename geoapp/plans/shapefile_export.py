"""A plan's communities as a zipped Shapefile (CP932 by default, or UTF-8) with a ``.cpg``.

A DBF holds text in one encoding and at most 254 bytes a field, and GDAL drops what does
not fit without failing. So every text is checked first: a character CP932 lacks (𠮷) or
a text too long is refused, naming the community and the field, instead of written short.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from ..errors import BadInput

SHAPEFILE_ENCODINGS = {"cp932": "CP932", "utf-8": "UTF-8"}
DBF_TEXT_BYTES = 254
# Shapefile attribute names (at most 10 characters).
SHAPEFILE_FIELDS = {
    "id": "ID",
    "name": "NAME",
    "name_kana": "NAME_KANA",
    "color": "COLOR",
    "hub_center": "HUB",
    "hub_name": "HUB_NAME",
    "population": "POP",
    "households": "HOUSEHOLD",
    "population_65": "POP65",
    "districts": "DISTRICTS",
    "description": "DESCR",
}
_TEXT_LABELS = {
    "name": ("名称", "name"),
    "name_kana": ("よみがな", "kana"),
    "color": ("色", "colour"),
    "hub_center": ("拠点施設", "hub centre"),
    "hub_name": ("拠点施設名", "hub centre name"),
    "description": ("説明", "description"),
}


def shapefile_zip(
    communities: gpd.GeoDataFrame, folder: Path, base_name: str, encoding: str
) -> tuple[bytes, str, str]:
    """The communities zipped with a ``.cpg`` naming the encoding: bytes, name, media type."""
    if encoding not in SHAPEFILE_ENCODINGS:
        raise BadInput(
            f"文字コード「{encoding}」は使えません。cp932 または utf-8 を指定してください。",
            f"Unknown encoding {encoding!r}; use cp932 or utf-8.",
        )
    refuse_lossy_text(communities, encoding)
    frame = communities.rename(columns=SHAPEFILE_FIELDS)
    path = folder / "communities.shp"
    pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding=encoding)
    (folder / "communities.cpg").write_text(SHAPEFILE_ENCODINGS[encoding], encoding="ascii")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.glob("communities.*")):
            archive.write(part, part.name)
    return buffer.getvalue(), f"{base_name}-shp.zip", "application/zip"


def refuse_lossy_text(communities: gpd.GeoDataFrame, encoding: str) -> None:
    """Refuse the export when a text would lose characters in the DBF: the first such
    community and field named, with the way out (UTF-8, or GeoPackage for long texts)."""
    for row in communities.itertuples(index=False):
        for column, (label, label_en) in _TEXT_LABELS.items():
            text = getattr(row, column, None)
            if not isinstance(text, str):
                continue
            field = SHAPEFILE_FIELDS[column]
            where = f"コミュニティ「{row.name}」（ID {row.id}）の{label}（{field}）"
            where_en = f"the {label_en} ({field}) of community {row.id}"
            missing = sorted({char for char in text if not _encodable(char, encoding)})
            if missing and encoding == "cp932":
                shown = "".join(missing[:10])
                raise BadInput(
                    f"{where}の文字「{shown}」は Shift_JIS（CP932）にないため、"
                    "シェープファイルに書くと消えてしまいます。UTF-8 のシェープファイル"
                    "（encoding=utf-8、コマンドでは --encoding utf-8）で出力してください。",
                    f"The characters {shown!r} in {where_en} ({row.name}) do not exist in "
                    "Shift_JIS (CP932) and would vanish from the Shapefile; export a UTF-8 "
                    "Shapefile instead (encoding=utf-8, or --encoding utf-8 on the command "
                    "line).",
                    community=int(row.id),
                    field=field,
                    characters=missing,
                    encoding=encoding,
                )
            size = len(text.encode(encoding, errors="replace"))
            if size > DBF_TEXT_BYTES:
                raise BadInput(
                    f"{where}は {size} バイトあり、シェープファイルの項目に入る"
                    f" {DBF_TEXT_BYTES} バイトを超えるため、後ろが切れてしまいます。"
                    "GeoPackage（format=gpkg）か GeoJSON で出力するか、短くしてください。",
                    f"{where_en} ({row.name}) is {size} bytes, more than the "
                    f"{DBF_TEXT_BYTES} a Shapefile field holds, and would be cut short; "
                    "export a GeoPackage (format=gpkg) or GeoJSON, or shorten it.",
                    community=int(row.id),
                    field=field,
                    bytes=size,
                    encoding=encoding,
                )


def _encodable(char: str, encoding: str) -> bool:
    """Whether ``char`` exists in ``encoding``."""
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
