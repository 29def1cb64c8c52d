"""CSV point layers such as the 公共施設一覧: the encoding detected, the latitude/longitude
(or plane X/Y) columns found by name, and their axis order and CRS decided."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..errors import BadInput
from .crs import (
    LONLAT_EPSG,
    bounds_centre,
    crs_candidates,
    epsg_crs,
    finish_frame,
    fits_area_of_use,
    value_bounds,
)
from .encoding import mixed_note, python_codec
from .source_data import Request, SourceData, normal, note

_LAT_NAMES = ("緯度", "latitude", "lat")
_LON_NAMES = ("経度", "longitude", "lon", "lng", "long")
_X_NAMES = ("x座標", "x")
_Y_NAMES = ("y座標", "y")


def read_table(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str, str]:
    """A CSV without geometry (such as population counts by district code), every column
    as text, decoded as a layer's CSV is; with its encoding and how that was decided."""
    request = Request(
        source=path.name,
        encoding=python_codec(encoding) if encoding else None,
        crs=None,
        layer_name=None,
        point_layer=False,
    )
    return _csv_table(path, request)


def read_csv_layer(path: Path, request: Request) -> SourceData:
    """Read a CSV of points with 緯度/経度 (or lat/lon, X/Y) columns; every column as text."""
    notes: list[dict] = []
    label = request.label(path)
    table, encoding, encoding_source = _csv_table(path, request)
    east, north, file_crs, missing_reason = _csv_points(table, label, request, notes)
    frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(east, north))
    return finish_frame(
        frame,
        request,
        notes,
        format="csv",
        encoding=encoding,
        encoding_source=encoding_source,
        file_crs=file_crs,
        crs_source="csv_lonlat",
        missing_reason=missing_reason,
    )


def _csv_table(path: Path, request: Request) -> tuple[pd.DataFrame, str, str]:
    """A CSV or TSV file's columns as text (stripped names, empty cells missing), its
    encoding and how that was decided."""
    label = request.label(path)
    text, encoding, encoding_source = _decoded_csv(path.read_bytes(), label, request)
    first_line = text.split("\n", 1)[0]
    tabbed = path.suffix.lower() == ".tsv" or ("\t" in first_line and "," not in first_line)
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep="\t" if tabbed else ",",
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise BadInput(
            f"{label} を CSV として読めません（{exc}）。区切り文字と列の数を確かめてください。",
            f"Cannot read {label} as CSV ({exc}); check the separators and column counts.",
            file=label,
            reason="csv_invalid",
        ) from exc
    table.columns = [str(column).strip() for column in table.columns]
    return table, encoding, encoding_source


def _decoded_csv(data: bytes, label: str, request: Request) -> tuple[str, str, str]:
    """The CSV's text, its encoding and where that came from (UTF-8 with or without BOM,
    else CP932; ``--encoding`` overrides)."""
    if request.encoding:
        codec = "utf-8-sig" if request.encoding == "utf-8" else request.encoding
        return _strictly_decoded_csv(data, codec, label, "given"), request.encoding, "given"
    if data.startswith(codecs.BOM_UTF8):
        return _strictly_decoded_csv(data, "utf-8-sig", label, "bom"), "utf-8", "detected"
    try:
        return data.decode("utf-8"), "utf-8", "detected"
    except UnicodeDecodeError as error:
        if max(data[: data.rfind(b"\n", 0, error.start) + 1], default=0) >= 0x80:
            raise _csv_undecodable(data, error, "utf-8", label, "mixed") from error
    return _strictly_decoded_csv(data, "cp932", label, "detected"), "cp932", "detected"


def _strictly_decoded_csv(data: bytes, codec: str, label: str, source: str) -> str:
    """The CSV decoded with ``codec``, or a refusal naming the row and column it fails at."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise _csv_undecodable(data, error, codec, label, source) from error


def _csv_undecodable(
    data: bytes, error: UnicodeDecodeError, codec: str, label: str, source: str
) -> BadInput:
    """The refusal of a CSV value ``codec`` cannot decode, naming its row and column."""
    line_number = data.count(b"\n", 0, error.start) + 1
    start = data.rfind(b"\n", 0, error.start) + 1
    end = data.find(b"\n", error.start)
    line = data[start : end if end >= 0 else len(data)].rstrip(b"\r")
    header = data.split(b"\n", 1)[0].rstrip(b"\r").decode(codec, errors="replace")
    column = _undecodable_column(line, header, codec)
    how_ja = {
        "detected": "UTF-8 でも CP932（Shift_JIS）でも",
        "bom": "UTF-8 で",
        "mixed": "UTF-8 で",
    }.get(source, f"指定された文字コード {codec} で")
    mixed_ja, mixed_en = mixed_note(source, "前の行", "earlier lines")
    where_ja = "見出し行" if line_number == 1 else f"{line_number - 1} 件目のデータ行"
    where_en = "the header" if line_number == 1 else f"data row {line_number - 1}"
    return BadInput(
        f"{label} の{where_ja}（{line_number} 行目）の「{column}」を{how_ja}読めません。"
        f"{mixed_ja}文字化けを防ぐため読み込みを止めました。正しい文字コードを --encoding で"
        "指定してください（例: --encoding cp932）。",
        f"{label}: {where_en} (line {line_number}), column {column!r}, cannot be decoded "
        f"({codec}).{mixed_en} Give the right encoding with --encoding (e.g. cp932).",
        file=label,
        field=column,
        feature=line_number - 1 or None,
        encoding=codec,
        reason="encoding_undecodable",
    )


def _undecodable_column(line: bytes, header: str, codec: str) -> str:
    """The header name of the first cell in ``line`` that ``codec`` cannot decode."""
    names = next(csv.reader([header]), [])
    cells = next(csv.reader([line.decode("latin-1")]), [])
    for index, cell in enumerate(cells):
        try:
            cell.encode("latin-1").decode(codec)
        except UnicodeDecodeError:
            return names[index].lstrip("\ufeff") if index < len(names) else f"{index + 1}列目"
    return "?"


def _csv_points(
    table: pd.DataFrame, label: str, request: Request, notes: list[dict]
) -> tuple[np.ndarray, np.ndarray, CRS | None, tuple[str, str] | None]:
    """Eastings and northings from the coordinate columns, the CRS they imply and, for
    plane coordinates, why the CRS must be given."""
    by_name = {normal(column): column for column in reversed(table.columns)}
    latitude = next((by_name[name] for name in _LAT_NAMES if name in by_name), None)
    longitude = next((by_name[name] for name in _LON_NAMES if name in by_name), None)
    if latitude and longitude:
        lon = _coordinate_values(table, longitude, label)
        return lon, _coordinate_values(table, latitude, label), epsg_crs(LONLAT_EPSG), None
    x_column = next((by_name[name] for name in _X_NAMES if name in by_name), None)
    y_column = next((by_name[name] for name in _Y_NAMES if name in by_name), None)
    if not (x_column and y_column):
        raise BadInput(
            f"{label} に座標の列がありません。緯度・経度（または latitude/longitude、lat/lon）、"
            f"平面直角座標なら X座標・Y座標 の列が必要です。ある列: {', '.join(table.columns)}",
            f"{label} has no coordinate columns: it needs 緯度/経度 (latitude/longitude, "
            f"lat/lon) or plane X座標/Y座標 (x/y). Columns: {', '.join(table.columns)}",
            file=label,
            columns=list(table.columns),
            reason="csv_coordinates_missing",
        )
    xs = _coordinate_values(table, x_column, label)
    ys = _coordinate_values(table, y_column, label)
    if len(xs) == 0 or crs_candidates(value_bounds(xs, ys))[:1] == [LONLAT_EPSG]:
        return xs, ys, epsg_crs(LONLAT_EPSG), None
    east, north = _plane_axes(xs, ys, x_column, request, notes)
    return (
        east,
        north,
        None,
        (
            f"{label} の「{x_column}」「{y_column}」の座標系が分かりません",
            f"{label}: the CRS of {x_column!r}/{y_column!r} is unknown",
        ),
    )


def _coordinate_values(table: pd.DataFrame, column: str, label: str) -> np.ndarray:
    """A coordinate column as numbers, or a refusal naming the first empty or bad row."""
    raw = table[column]
    text = (
        raw.fillna("").astype(str).map(lambda value: unicodedata.normalize("NFKC", value).strip())
    )
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(numbers))
    if len(bad):
        row = int(bad[0]) + 1
        value = text.iloc[bad[0]]
        problem_ja = "が空です" if not value else f"の値「{value}」が数値ではありません"
        problem_en = "is empty" if not value else f"is not a number ({value!r})"
        raise BadInput(
            f"{label} の {row} 件目のデータ行（{row + 1} 行目）の「{column}」{problem_ja}。"
            "元のファイルを直してください。",
            f"{label}: data row {row} (line {row + 1}), column {column!r}, {problem_en}; "
            "fix the file.",
            file=label,
            field=column,
            feature=row,
            value=value,
            reason="csv_bad_coordinate",
        )
    return numbers


def _plane_axes(
    xs: np.ndarray, ys: np.ndarray, x_column: str, request: Request, notes: list[dict]
) -> tuple[np.ndarray, np.ndarray]:
    """Eastings and northings from plane X/Y columns.

    Survey practice (and EPSG 6669–6687) makes X座標 the northing, while GIS tools write x as
    the easting; when ``--crs`` is given, the order whose centre lies in the zone wins.
    """
    conventional = (ys, xs) if "座標" in x_column else (xs, ys)
    if request.crs is None or request.crs.is_geographic:
        return conventional
    fitting = [
        order
        for order in ((xs, ys), (ys, xs))
        if fits_area_of_use(bounds_centre(*order), request.crs)
    ]
    if len(fitting) == 1:
        return fitting[0]
    east_is_x = conventional[0] is xs
    notes.append(
        note(
            "axes_assumed",
            f"「{x_column}」を{'東西（横）' if east_is_x else '南北（縦）'}方向の座標として"
            "読みました。地図上の位置を確かめてください。",
            f"Read {x_column!r} as the {'easting' if east_is_x else 'northing'}; check the "
            "positions on the map.",
        )
    )
    return conventional
