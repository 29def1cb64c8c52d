"""CSV point layers such as the 公共施設一覧: read by GDAL's CSV driver, which makes each row's
point from the coordinate columns (X_POSSIBLE_NAMES/Y_POSSIBLE_NAMES); geoapp decides the
encoding from the bytes, finds the latitude/longitude (or plane X/Y) columns by name, checks
every coordinate value and decides the axis order and CRS."""

from __future__ import annotations

import codecs
import csv
import json
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import BadInput
from ..translatable import Sentences, Text
from .crs import (
    LONLAT_EPSG,
    bounds_centre,
    crs_candidates,
    epsg_crs,
    finish_frame,
    fits_area_of_use,
    value_bounds,
)
from .encoding import decoded_how, mixed_note, python_codec
from .gdal import gdal_info, read_with_gdal
from .source_data import Request, SourceData, normal, note

_LAT_NAMES = ("緯度", "latitude", "lat")
_LON_NAMES = ("経度", "longitude", "lon", "lng", "long")
_X_NAMES = ("x座標", "x")
_Y_NAMES = ("y座標", "y")


@dataclass(frozen=True)
class _CsvFile:
    """A CSV as GDAL reads it: the file (or its UTF-8 copy), its separator, its encoding
    and how that was decided."""

    opened: Path | None
    separator: str
    encoding: str
    encoding_source: str


@dataclass(frozen=True)
class _CoordinateColumns:
    """The columns holding the points: longitude/latitude, or plane X/Y."""

    x: str
    y: str
    lonlat: bool


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
    with _readable_csv(path, request) as csv_file:
        table = _csv_table(path, csv_file, request, [])
    return pd.DataFrame(table), csv_file.encoding, csv_file.encoding_source


def read_csv_layer(path: Path, request: Request) -> SourceData:
    """Read a CSV of points with 緯度/経度 (or lat/lon, X/Y) columns; every column as text."""
    notes: list[dict] = []
    label = request.label(path)
    with _readable_csv(path, request) as csv_file:
        info = gdal_info(path, request, opened=csv_file.opened, SEPARATOR=csv_file.separator)
        columns = _coordinate_columns([str(name) for name in info["fields"]], label)
        table = _csv_table(path, csv_file, request, notes, columns, info["layer_name"])
    points, file_crs, missing_reason = _checked_points(table, columns, label, request, notes)
    return finish_frame(
        table.set_geometry(gpd.GeoSeries(points, index=table.index)),
        request,
        notes,
        format="csv",
        encoding=csv_file.encoding,
        encoding_source=csv_file.encoding_source,
        file_crs=file_crs,
        crs_source="csv_lonlat",
        missing_reason=missing_reason,
    )


@contextmanager
def _readable_csv(path: Path, request: Request) -> Iterator[_CsvFile]:
    """The CSV as GDAL can read it.

    GDAL's CSV driver reads UTF-8 only, matches column names on their bytes and knows a
    CSV by its .csv extension, so any other file (CP932, a .txt or .tsv) is handed to it as
    a UTF-8 .csv copy in a temporary folder. The bytes are decoded strictly first: that
    decides the encoding and names the row and column of a value that cannot be decoded.
    """
    text, encoding, encoding_source = _decoded_csv(path.read_bytes(), request.label(path), request)
    first_line = text.split("\n", 1)[0]
    tabbed = path.suffix.lower() == ".tsv" or ("\t" in first_line and "," not in first_line)
    separator = "TAB" if tabbed else "COMMA"
    if encoding == "utf-8" and path.suffix.lower() == ".csv":
        yield _CsvFile(None, separator, encoding, encoding_source)
        return
    with tempfile.TemporaryDirectory(prefix="geoapp-csv-") as folder:
        copy = Path(folder) / f"{path.stem}.csv"
        copy.write_text(text.lstrip("\ufeff"), encoding="utf-8", newline="")
        yield _CsvFile(copy, separator, encoding, encoding_source)


def _csv_table(
    path: Path,
    csv_file: _CsvFile,
    request: Request,
    notes: list[dict],
    columns: _CoordinateColumns | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Every column as text (names stripped, empty cells missing), read by GDAL; with
    ``columns``, GDAL also makes each row's point from them (None where it cannot)."""
    options = {"EMPTY_STRING_AS_NULL": "YES", "SEPARATOR": csv_file.separator}
    if columns is not None:
        # The coordinate columns stay text, as written, for the checks to quote.
        fields = [{"name": name, "type": "String"} for name in (columns.x, columns.y)]
        patch = {"layers": [{"name": layer, "schemaType": "Patch", "fields": fields}]}
        options |= {
            "X_POSSIBLE_NAMES": columns.x,
            "Y_POSSIBLE_NAMES": columns.y,
            "KEEP_GEOM_COLUMNS": "YES",
            "OGR_SCHEMA": json.dumps(patch),
        }
    table = read_with_gdal(path, request, notes, opened=csv_file.opened, **options)
    return table.rename(columns=str.strip)


def _decoded_csv(data: bytes, label: str, request: Request) -> tuple[str, str, str]:
    """The CSV's text, its encoding and where that came from (UTF-8 with or without BOM,
    else CP932; ``--encoding`` overrides)."""
    if request.encoding:
        codec = "utf-8-sig" if request.encoding == "utf-8" else request.encoding
        return _strictly_decoded_csv(data, codec, label, "given"), request.encoding, "given"
    if data.startswith(codecs.BOM_UTF8):
        return _strictly_decoded_csv(data, "utf-8-sig", label, "bom"), "utf-8", "detected"
    if b"\x00" in data[:4096]:
        raise BadInput(
            Text(
                "{file} は UTF-16 などで保存されています（NUL 文字を含みます）。"
                "UTF-8 か Shift_JIS（CP932）で保存し直してください。",
                file=label,
            ),
            file=label,
            reason="encoding_undecodable",
        )
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
    where = (
        Text("見出し行（{line} 行目）", line=line_number)
        if line_number == 1
        else Text("{row} 件目のデータ行（{line} 行目）", row=line_number - 1, line=line_number)
    )
    return BadInput(
        Sentences(
            Text(
                "{file} の{where}の「{column}」を{how}読めません。",
                file=label,
                where=where,
                column=column,
                how=decoded_how(source, codec),
            ),
            *mixed_note(source, Text("前の行")),
            Text(
                "文字化けを防ぐため読み込みを止めました。正しい文字コードを --encoding で"
                "指定してください（例: --encoding cp932）。"
            ),
        ),
        file=label,
        field=column.in_language("ja") if isinstance(column, Text) else column,
        feature=line_number - 1 or None,
        encoding=codec,
        reason="encoding_undecodable",
    )


def _undecodable_column(line: bytes, header: str, codec: str) -> str | Text:
    """The header name of the first cell in ``line`` that ``codec`` cannot decode (「3列目」
    where the header has no name for it)."""
    names = next(csv.reader(header.splitlines()[:1]), [])
    cells = next(csv.reader([line.decode("latin-1")]), [])
    for index, cell in enumerate(cells):
        try:
            cell.encode("latin-1").decode(codec)
        except UnicodeDecodeError:
            if index < len(names):
                return names[index].lstrip("\ufeff")
            return Text("{n}列目", n=index + 1)
    return "?"


def _coordinate_columns(names: list[str], label: str) -> _CoordinateColumns:
    """The longitude/latitude columns, else the plane X/Y ones, found by name."""
    by_name = {normal(name): name for name in reversed(names)}
    latitude = next((by_name[name] for name in _LAT_NAMES if name in by_name), None)
    longitude = next((by_name[name] for name in _LON_NAMES if name in by_name), None)
    if latitude and longitude:
        return _CoordinateColumns(longitude, latitude, lonlat=True)
    x_column = next((by_name[name] for name in _X_NAMES if name in by_name), None)
    y_column = next((by_name[name] for name in _Y_NAMES if name in by_name), None)
    if x_column and y_column:
        return _CoordinateColumns(x_column, y_column, lonlat=False)
    shown = [name.strip() for name in names]
    raise BadInput(
        Text(
            "{file} に座標の列がありません。緯度・経度（または latitude/longitude、lat/lon）、"
            "平面直角座標なら X座標・Y座標 の列が必要です。ある列: {columns}",
            file=label,
            columns=shown,
        ),
        file=label,
        columns=shown,
        reason="csv_coordinates_missing",
    )


def _checked_points(
    table: gpd.GeoDataFrame,
    columns: _CoordinateColumns,
    label: str,
    request: Request,
    notes: list[dict],
) -> tuple[np.ndarray, CRS | None, Text | None]:
    """Each row's point, the CRS the coordinates imply and, for plane coordinates, why the
    CRS must be given.

    Where GDAL made no point, the values are read again after NFKC (full-width digits such
    as ３４．８４ are common in spreadsheets) or refused, naming the row, column and value.
    """
    x_column, y_column = columns.x.strip(), columns.y.strip()
    points = table.geometry.to_numpy()
    xs, ys = shapely.get_x(points), shapely.get_y(points)
    unread = np.flatnonzero(~(np.isfinite(xs) & np.isfinite(ys)))
    if len(unread):
        xs[unread] = _coordinate_values(table[x_column].iloc[unread], label)
        ys[unread] = _coordinate_values(table[y_column].iloc[unread], label)
        points[unread] = shapely.points(xs[unread], ys[unread])
    if columns.lonlat or not len(xs) or crs_candidates(value_bounds(xs, ys))[:1] == [LONLAT_EPSG]:
        return points, epsg_crs(LONLAT_EPSG), None
    east, north = _plane_axes(xs, ys, x_column, request, notes)
    return (
        points if east is xs else shapely.points(east, north),
        None,
        Text("{file} の「{x}」「{y}」の座標系が分かりません。", file=label, x=x_column, y=y_column),
    )


def _coordinate_values(values: pd.Series, label: str) -> np.ndarray:
    """Coordinate values as numbers (after NFKC), or a refusal naming the first empty or bad
    one by its row, column and value."""
    text = (
        values.fillna("")
        .astype(str)
        .map(lambda value: unicodedata.normalize("NFKC", value).strip())
    )
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(numbers))
    if len(bad):
        row = int(values.index[bad[0]]) + 1
        column = str(values.name)
        value = text.iloc[bad[0]]
        where = {"file": label, "row": row, "line": row + 1, "column": column}
        raise BadInput(
            Text(
                "{file} の {row} 件目のデータ行（{line} 行目）の「{column}」が空です。"
                "元のファイルを直してください。",
                **where,
            )
            if not value
            else Text(
                "{file} の {row} 件目のデータ行（{line} 行目）の「{column}」の値「{value}」が"
                "数値ではありません。元のファイルを直してください。",
                value=value,
                **where,
            ),
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
            Text(
                "「{column}」を東西（横）方向の座標として読みました。地図上の位置を確かめてください。",
                column=x_column,
            )
            if east_is_x
            else Text(
                "「{column}」を南北（縦）方向の座標として読みました。地図上の位置を確かめてください。",
                column=x_column,
            ),
        )
    )
    return conventional
