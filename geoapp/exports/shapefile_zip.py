"""Layers as one zipped Shapefile set (CP932 by default, or UTF-8) that GDAL, QGIS and
PostGIS's ``shp2pgsql`` all read in the right encoding without options.

The encoding is named twice: a ``.cpg`` holding the code page number (``932``, which GDAL
reads as CP932 and ``shp2pgsql`` looks up; it cannot read the name ``CP932``) or ``UTF-8``,
and the DBF header's language driver byte (0x13 for Shift_JIS). Text fields are sized to
their content, integers stay integers, and a ``.qml`` style goes beside a styled layer.

A DBF holds text in one encoding and at most 254 bytes a field, and GDAL drops what does
not fit without failing. So every text is checked first: a character CP932 lacks (𠮷) or
a text too long is refused, naming the feature and the field, instead of written short.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pyogrio

from ..errors import BadInput
from ..translatable import Text

# Encoding → (.cpg text, DBF language driver id).
SHAPEFILE_ENCODINGS = {"cp932": ("932", 0x13), "utf-8": ("UTF-8", 0x00)}
DBF_TEXT_BYTES = 254
_LANGUAGE_DRIVER_OFFSET = 29


@dataclass(frozen=True)
class ShapefileLayer:
    """One layer of the set: file stem, what a feature is called (the key of its id in an
    error's details, and the word in messages), the column naming a feature in messages
    with its word, the DBF field per column (at most 10 characters), the words for the
    text columns and the geometry type (None: a table, written as the DBF alone)."""

    name: str
    feature: tuple[str, Text | str]
    key: tuple[str, Text | str]
    frame: gpd.GeoDataFrame
    fields: dict[str, str]
    labels: dict[str, Text | str]
    geometry_type: Literal["MultiPolygon", "Point"] | None
    style: str | None = None


def check_encoding(encoding: str) -> None:
    """Refuse an encoding the Shapefile export does not write."""
    if encoding not in SHAPEFILE_ENCODINGS:
        raise BadInput(
            Text(
                "文字コード「{encoding}」は使えません。cp932 または utf-8 を指定してください。",
                encoding=encoding,
            )
        )


def shapefile_zip(
    layers: list[ShapefileLayer], folder: Path, base_name: str, encoding: str
) -> tuple[bytes, str, str]:
    """The layers zipped, the zip named after the export and its encoding (so versions
    and encodings download side by side) and each layer's files after the layer (so
    ``shp2pgsql`` and ``ogr2ogr`` make the same table of every version): bytes, name,
    media type."""
    check_encoding(encoding)
    for layer in layers:
        refuse_lossy_text(layer, encoding)
    for layer in layers:
        write_shapefile(layer, folder / f"{layer.name}.shp", encoding)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for layer in layers:
            for part in sorted(folder.glob(f"{layer.name}.*")):
                archive.write(part, part.name)
    return buffer.getvalue(), f"{base_name}-{encoding}-shp.zip", "application/zip"


def write_shapefile(layer: ShapefileLayer, path: Path, encoding: str) -> None:
    """One layer as a Shapefile at ``path`` with its ``.cpg``, language byte and style (a
    layer without geometry as its ``.dbf`` and ``.cpg`` only)."""
    cpg, language_driver = SHAPEFILE_ENCODINGS[encoding]
    shape = [] if layer.geometry_type is None else [layer.frame.geometry.name]
    pyogrio.write_dataframe(
        layer.frame[[*layer.fields, *shape]].rename(columns=layer.fields),
        path,
        driver="ESRI Shapefile",
        encoding=encoding,
        geometry_type=layer.geometry_type,
        layer_options={"RESIZE": "YES"},
    )
    with path.with_suffix(".dbf").open("r+b") as dbf:
        dbf.seek(_LANGUAGE_DRIVER_OFFSET)
        dbf.write(bytes([language_driver]))
    path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    if layer.style:
        path.with_suffix(".qml").write_text(layer.style, encoding="utf-8")


def refuse_lossy_text(layer: ShapefileLayer, encoding: str) -> None:
    """Refuse the export when a text would lose characters in the DBF: the first such
    feature and field named, with the way out (UTF-8, or GeoPackage for long texts)."""
    feature = layer.feature[0]
    key = layer.key[0]
    named = ["name"] if "name" in layer.frame.columns else []
    columns = list(dict.fromkeys([key, *named, *layer.labels]))
    for record in layer.frame[columns].to_dict("records"):
        value = int(record[key]) if key == "id" else record[key]
        for column, label in layer.labels.items():
            text = record[column]
            if not isinstance(text, str):
                continue
            field = layer.fields[column]
            where = _where(layer, value, label, field, record["name"] if named else None)
            details = {feature: value, "field": field, "encoding": encoding}
            missing = sorted({char for char in text if not _encodable(char, encoding)})
            if missing and encoding == "cp932":
                raise BadInput(
                    Text(
                        "{where}の文字「{characters}」は Shift_JIS（CP932）にないため、"
                        "シェープファイルに書くと消えてしまいます。UTF-8 のシェープファイル"
                        "（encoding=utf-8、コマンドでは --encoding utf-8）で出力してください。",
                        where=where,
                        characters="".join(missing[:10]),
                    ),
                    characters=missing,
                    **details,
                )
            size = len(text.encode(encoding, errors="replace"))
            if size > DBF_TEXT_BYTES:
                raise BadInput(
                    Text(
                        "{where}は {size} バイトあり、シェープファイルの項目に入る"
                        " {limit} バイトを超えるため、後ろが切れてしまいます。"
                        "GeoPackage（format=gpkg）か GeoJSON で出力するか、短くしてください。",
                        where=where,
                        size=size,
                        limit=DBF_TEXT_BYTES,
                    ),
                    bytes=size,
                    **details,
                )


def _where(
    layer: ShapefileLayer, value: object, label: Text | str, field: str, name: str | None
) -> Text:
    """The feature and field a refusal is about: 「コミュニティ「東部」（ID 1）の名称（NAME）」."""
    words = {
        "feature": layer.feature[1],
        "key": layer.key[1],
        "label": label,
        "value": value,
        "field": field,
    }
    if name is None:
        return Text("{feature}（{key} {value}）の{label}（{field}）", **words)
    return Text("{feature}「{name}」（{key} {value}）の{label}（{field}）", name=name, **words)


def _encodable(char: str, encoding: str) -> bool:
    """Whether ``char`` exists in ``encoding``."""
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
