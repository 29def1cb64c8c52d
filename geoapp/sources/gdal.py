"""GeoJSON, TopoJSON, GeoPackage and anything else pyogrio reads: one layer chosen, UTF-8
required, and GDAL's warnings turned into notes the planner can act on.

pyogrio's Arrow path (``use_arrow=True``) is not used: it needs pyarrow (which also moves
pandas' text columns to Arrow storage app-wide) and gains little here. On the
100,000-district benchmark city it reads a GeoPackage in 0.46 s instead of 0.55 s and
GeoJSON in 4.70 s instead of 4.89 s, reads geometry in batches slower (0.42 s against
0.38 s), and cannot decode CP932 itself; the Shapefile import, the one large load, reads
its fields and one-ring polygons without GDAL (``dbf``, ``shapefile_polygons``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely
from pyproj import CRS

from ..errors import BadInput
from ..translatable import Text
from .crs import LONLAT_EPSG, crs_candidates, epsg_crs, finish_frame, identified
from .source_data import Request, SourceData, normal, note

_READER_NOISE = ("More than one layer found",)
_MEASURED = "Measured (M) geometry"


def read_fields_with_gdal(
    shp: Path, request: Request, notes: list[dict], columns: list[str]
) -> pd.DataFrame:
    """Some of a Shapefile's fields, read by GDAL without the geometry."""
    return read_with_gdal(
        shp, request, notes, encoding="ISO-8859-1", columns=columns, read_geometry=False
    )


def read_json_layer(path: Path, request: Request) -> SourceData:
    """Read GeoJSON (RFC 7946, lon/lat unless a legacy "crs" member says otherwise) or
    TopoJSON (GDAL tells them apart)."""
    notes: list[dict] = []
    _require_utf8(path, request)
    _note_ignored_encoding(request, notes)
    driver = gdal_info(path, request).get("driver")
    layer = _chosen_layer(path, request, notes) if driver == "TopoJSON" else None
    frame, closed = _read_frame_with_gdal(path, request, notes, layer)
    file_crs = identified(CRS.from_user_input(frame.crs), None) if frame.crs else None
    if file_crs is None and crs_candidates(tuple(frame.total_bounds))[:1] == [LONLAT_EPSG]:
        file_crs = epsg_crs(4326)
    return finish_frame(
        frame,
        request,
        notes,
        closed,
        format="topojson" if driver == "TopoJSON" else "geojson",
        encoding=None,
        encoding_source="format",
        file_crs=file_crs,
        crs_source="embedded",
        missing_reason=Text(
            "{file} に座標系の情報がなく、座標値も緯度経度ではありません。",
            file=request.label(path),
        ),
    )


def read_geopackage(path: Path, request: Request) -> SourceData:
    """Read one layer of a GeoPackage (``layer_name`` when it holds several)."""
    notes: list[dict] = []
    _note_ignored_encoding(request, notes)
    layer = _chosen_layer(path, request, notes)
    frame, closed = _read_frame_with_gdal(path, request, notes, layer)
    file_crs = identified(CRS.from_user_input(frame.crs), None) if frame.crs else None
    return finish_frame(
        frame,
        request,
        notes,
        closed,
        format="gpkg",
        encoding=None,
        encoding_source="format",
        file_crs=file_crs,
        crs_source="embedded",
        missing_reason=Text(
            "{file} のレイヤ「{layer}」に座標系が設定されていません。",
            file=request.label(path),
            layer=layer,
        ),
    )


def _require_utf8(path: Path, request: Request) -> None:
    """Refuse a JSON file that is not UTF-8 (RFC 7946 and TopoJSON require it)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BadInput(
            Text(
                "{file} の {line} 行目が UTF-8 ではありません。GeoJSON・TopoJSON は"
                " UTF-8 と決まっています。UTF-8 で保存し直してください。",
                file=request.label(path),
                line=line,
            ),
            file=request.label(path),
            line=line,
            reason="encoding_undecodable",
        ) from error


def _note_ignored_encoding(request: Request, notes: list[dict]) -> None:
    """Warn that ``--encoding`` does not apply to a format that fixes its encoding."""
    if request.encoding:
        notes.append(
            note(
                "encoding_ignored",
                Text("この形式の文字コードは UTF-8 と決まっているため、--encoding は使いません。"),
            )
        )


def _chosen_layer(path: Path, request: Request, notes: list[dict]) -> str:
    """The layer to read: the one named, the only layer with geometry, or the one named
    after the stored layer (noted)."""
    try:
        listed = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as exc:
        raise unreadable(path, request, exc) from exc
    names = [str(name) for name, geometry_type in listed if geometry_type is not None]
    if request.layer_name is not None:
        if request.layer_name in names:
            return request.layer_name
        raise BadInput(
            Text(
                "{file} にレイヤ「{layer}」はありません。"
                "あるレイヤ: {layers}。--layer で指定し直してください。",
                file=request.label(path),
                layer=request.layer_name,
                layers=names or Text("なし"),
            ),
            file=request.label(path),
            layers=names,
            reason="unknown_layer",
        )
    if len(names) == 1:
        return names[0]
    preferred = {normal(name) for name in request.preferred_layers}
    matching = [name for name in names if normal(name) in preferred]
    if len(matching) == 1:
        notes.append(
            note(
                "layer_chosen",
                Text(
                    "{file} のレイヤ（{layers}）のうち、同じ名前の"
                    "「{layer}」を読み込みました。別のレイヤは --layer で指定できます。",
                    file=request.label(path),
                    layers=names,
                    layer=matching[0],
                ),
            )
        )
        return matching[0]
    if not names:
        raise BadInput(
            Text("{file} に図形を持つレイヤがありません。", file=request.label(path)),
            file=request.label(path),
            reason="no_layer",
        )
    raise BadInput(
        Text(
            "{file} にはレイヤが複数あります: {layers}。"
            "読み込むレイヤを --layer で指定してください。",
            file=request.label(path),
            layers=names,
        ),
        file=request.label(path),
        layers=names,
        reason="several_layers",
    )


def gdal_info(
    path: Path, request: Request, *, opened: Path | None = None, **options: object
) -> dict:
    """What GDAL says about a data file (or the copy ``opened`` of it that GDAL can read),
    or a refusal when it cannot open it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyogrio.read_info(opened or path, **options)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise unreadable(path, request, exc, opened) from exc


def read_with_gdal(
    path: Path,
    request: Request,
    notes: list[dict],
    *,
    opened: Path | None = None,
    **options: object,
) -> gpd.GeoDataFrame:
    """Read a layer (from the copy ``opened`` when given) with pyogrio, turning GDAL's errors
    into refusals and warnings into notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pyogrio.read_dataframe(opened or path, **options)
        except (
            pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError,
            UnicodeDecodeError,
        ) as exc:
            raise unreadable(path, request, exc, opened) from exc
    note_reader_warnings(path, request, notes, caught, opened)
    return frame


def note_reader_warnings(
    path: Path,
    request: Request,
    notes: list[dict],
    caught: list[warnings.WarningMessage],
    opened: Path | None = None,
) -> None:
    """Turn GDAL's warnings into notes, each once."""
    made = []
    for message in dict.fromkeys(str(item.message) for item in caught):
        if _MEASURED in message:
            made.append(
                note(
                    "has_m",
                    Text(
                        "{file} の形状に計測値（M）があります。M は取り込まず、"
                        "平面の座標だけを使います。",
                        file=request.label(path),
                    ),
                )
            )
        elif not any(noise in message for noise in _READER_NOISE):
            text = _named_as_given(message, path, request, opened)
            made.append(note("reader_warning", Text("読み込み時の警告: {warning}", warning=text)))
    notes.extend(note for note in made if note not in notes)


def unreadable(
    path: Path, request: Request, exc: Exception, opened: Path | None = None
) -> BadInput:
    """The refusal of a file GDAL cannot read."""
    label = request.label(path)
    detail = _named_as_given(str(exc), path, request, opened)
    return BadInput(
        Text(
            "{file} を読み込めません（{reason}）。ファイルが壊れていないか、形式が拡張子と"
            "合っているか確かめてください。",
            file=label,
            reason=detail,
        ),
        file=label,
        reason="file_unreadable",
    )


def _named_as_given(message: str, path: Path, request: Request, opened: Path | None) -> str:
    """GDAL's message with the file (or the copy of it GDAL read) named as the user knows it."""
    for name in (opened, path):
        if name is not None:
            message = message.replace(str(name), request.label(path))
    return message


def geometries_from_wkb(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geometries from WKB, and the positions of those read only by closing their rings:
    GDAL passes a Shapefile's or GeoJSON's open ring on as it is, which GEOS refuses."""
    with np.errstate(invalid="ignore"):  # NaN coordinates, refused by the checks
        geometries = shapely.from_wkb(wkb, on_invalid="ignore")
        broken = np.flatnonzero(shapely.is_missing(geometries) & (wkb != None))  # noqa: E711
        if len(broken):
            geometries[broken] = shapely.from_wkb(wkb[broken], on_invalid="fix")
    return geometries, broken


def _read_frame_with_gdal(
    path: Path, request: Request, notes: list[dict], layer: str | None
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """A whole layer read with GDAL, and the positions of the features read only by closing
    their rings (read again as WKB, where a geometry GEOS refused is not simply missing)."""
    frame = read_with_gdal(path, request, notes, layer=layer, on_invalid="ignore")
    closed = np.empty(0, dtype=np.intp)
    if frame.geometry.isna().any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # noted on the first reading
            wkb = pyogrio.raw.read(path, layer=layer, columns=[])[2]
        geometries, closed = geometries_from_wkb(wkb)
        frame = frame.set_geometry(gpd.GeoSeries(geometries, index=frame.index, crs=frame.crs))
    return frame, closed
