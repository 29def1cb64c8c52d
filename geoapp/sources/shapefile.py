"""Shapefiles: sidecars checked, the DBF's encoding taken from ``--encoding``, .cpg, the
language byte or the bytes themselves, and the geometry read a batch at a time (one-ring
polygons straight from the .shp by ``shapefile_polygons``, the rest by GDAL)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..errors import BadInput
from ..translatable import Counted, Sentences, Text
from .crs import finish, identified, note_heights
from .dbf import (
    DbfField,
    DbfTable,
    field_column,
    newline_separated,
    numeric_values,
    read_dbf,
    text_fields,
    text_values,
)
from .encoding import decoded_how, mixed_note, python_codec
from .gdal import (
    gdal_info,
    geometries_from_wkb,
    note_reader_warnings,
    read_fields_with_gdal,
    unreadable,
)
from .shapefile_polygons import ShapefilePolygons
from .source_data import FeatureGeometry, GeometryBatch, Request, SourceData, note, require_content

# DBF language driver ids (header byte 29) trusted on their own: both mean code page 932.
_LANGUAGE_IDS = {0x13: "cp932", 0x7B: "cp932"}
# The share of a batch's records that must be one-ring polygons for the .shp to be read
# directly, with GDAL reading the others by feature id (else GDAL reads the whole batch).
_MOSTLY_ONE_RING = 0.75


def read_shapefile(shp: Path, request: Request) -> SourceData:
    """Read a Shapefile, deciding the DBF encoding from .cpg, header or content."""
    notes: list[dict] = []
    shx = _required_sidecar(shp, ".shx", request)
    dbf = _required_sidecar(shp, ".dbf", request)
    _checked_shape_file(shp, request, records=False)
    shape_count = _checked_shape_file(shx, request, records=True)
    table = read_dbf(dbf, request)
    if shape_count != table.record_count:
        raise BadInput(
            Text(
                "{shx} の図形数（{shapes}）と {dbf} の行数（{records}）が合いません。"
                "同じ時に書き出した一式をそろえてください。",
                shx=request.label(shx),
                shapes=shape_count,
                dbf=request.label(dbf),
                records=table.record_count,
            ),
            file=request.label(dbf),
            reason="shapefile_parts_differ",
        )
    encoding, encoding_source = _dbf_encoding(table, _sidecar(shp, ".cpg"), request, notes)
    if table.records.shape[0] < table.record_count:
        deleted = table.record_count - table.records.shape[0]
        notes.append(
            note(
                "deleted_records",
                Counted(
                    "{file} の削除済みの行 {n} 件は読み込みません。",
                    "{file} の削除済みの行 {n} 件は読み込みません。",
                    n=deleted,
                    file=request.label(dbf),
                ),
            )
        )
    info = gdal_info(shp, request, encoding="ISO-8859-1")
    fields = _shapefile_fields(shp, table, encoding, info, request, notes)
    file_crs, missing_reason = _crs_from_prj(shp, info.get("crs"), request)
    # GDAL skips deleted records as it reads, but counts them when told where to start.
    in_one_piece = table.records.shape[0] < table.record_count
    return finish(
        fields,
        ShapefileGeometry(shp, shx, request, notes, len(fields), in_one_piece=in_one_piece),
        request,
        notes,
        format="shapefile",
        encoding=encoding,
        encoding_source=encoding_source,
        file_crs=file_crs,
        crs_source="prj",
        missing_reason=missing_reason,
    )


def _sidecar(shp: Path, suffix: str) -> Path | None:
    """The file beside ``shp`` with the same stem and ``suffix`` (in any letter case)."""
    exact = shp.with_suffix(suffix)
    if exact.is_file():
        return exact
    for path in shp.parent.iterdir():
        if path.stem == shp.stem and path.suffix.lower() == suffix and path.is_file():
            return path
    return None


def _required_sidecar(shp: Path, suffix: str, request: Request) -> Path:
    """The sidecar a Shapefile cannot be read without, or a refusal naming it."""
    path = _sidecar(shp, suffix)
    if path is None:
        missing = request.label(shp.with_suffix(suffix))
        raise BadInput(
            Text(
                "{file} がありません。シェープファイルは .shp・.shx・.dbf・.prj を同じ場所に"
                "そろえて渡してください（zip の場合はすべてを入れてください）。",
                file=missing,
            ),
            file=missing,
            reason="file_missing",
        )
    require_content(path, request)
    return path


def _checked_shape_file(path: Path, request: Request, *, records: bool) -> int:
    """Check a .shp or .shx header against the file's size; the .shx's record count."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(100)
    declared = int.from_bytes(header[24:28], "big") * 2 if len(header) == 100 else -1
    label = request.label(path)
    if len(header) < 100 or int.from_bytes(header[0:4], "big") != 9994:
        problem = Text("{file} はシェープファイルの形式ではありません。", file=label)
    elif declared != size or (records and (size - 100) % 8):
        problem = Text(
            "{file} はヘッダの長さ（{declared:,} バイト）と実際の大きさ（{size:,} バイト）が"
            "違います。",
            file=label,
            declared=declared,
            size=size,
        )
    else:
        return (size - 100) // 8
    raise BadInput(
        Sentences(
            problem,
            Text("途中で切れているか壊れています。元のデータからもう一度書き出してください。"),
        ),
        file=label,
        reason="file_damaged",
    )


def _dbf_encoding(
    table: DbfTable, cpg: Path | None, request: Request, notes: list[dict]
) -> tuple[str, str]:
    """The DBF's encoding and where it came from; every text value is checked against it."""
    if request.encoding:
        chosen = (request.encoding, "given")
    elif cpg is not None and (named := _cpg_codec(cpg, request, notes)):
        chosen = (named, "cpg")
    elif table.language_id in _LANGUAGE_IDS:
        chosen = (_LANGUAGE_IDS[table.language_id], "dbf_language_id")
    else:
        return _detected_dbf_encoding(table), "detected"
    problem = _first_undecodable(table, chosen[0])
    if problem is not None:
        raise _undecodable(table, chosen[0], chosen[1], *problem)
    return chosen


def _cpg_codec(cpg: Path, request: Request, notes: list[dict]) -> str | None:
    """The Python codec a .cpg names, or None (with a warning) when it is empty or unknown."""
    text = cpg.read_bytes().decode("ascii", errors="ignore").strip()
    try:
        return python_codec(text) if text else None
    except BadInput:
        notes.append(
            note(
                "cpg_unknown",
                Text(
                    "{file} の文字コード名「{encoding}」が分からないため、内容から判定します。",
                    file=request.label(cpg),
                    encoding=text,
                ),
            )
        )
        return None


def _detected_dbf_encoding(table: DbfTable) -> str:
    """UTF-8 when every text value decodes strictly as UTF-8, else CP932, else a refusal.

    A file whose other values are UTF-8 is refused rather than read as CP932: CP932 can
    decode many UTF-8 byte runs, into garbled text.
    """
    utf8_problem = _first_undecodable(table, "utf-8")
    if utf8_problem is None:
        return "utf-8"
    if _has_utf8_text_besides(table, *utf8_problem):
        raise _undecodable(table, "utf-8", "mixed", *utf8_problem)
    problem = _first_undecodable(table, "cp932")
    if problem is None:
        return "cp932"
    raise _undecodable(table, "cp932", "detected", *problem)


def _first_undecodable(table: DbfTable, codec: str) -> tuple[DbfField, int | None] | None:
    """The first field name or (field, 1-based feature) whose bytes ``codec`` cannot decode."""
    for dbf_field in table.fields:
        try:
            _decoded_name(dbf_field.raw_name, codec)
        except UnicodeDecodeError:
            return dbf_field, None
    for dbf_field in text_fields(table):
        column = field_column(table, dbf_field)
        if not (column >= 0x80).any():
            continue
        try:
            newline_separated(column).tobytes().decode(codec)
        except UnicodeDecodeError as error:
            return dbf_field, error.start // (dbf_field.length + 1) + 1
    return None


def _has_utf8_text_besides(table: DbfTable, failing: DbfField, feature: int | None) -> bool:
    """True when values other than the failing one hold non-ASCII text valid as UTF-8."""
    for dbf_field in text_fields(table):
        column = field_column(table, dbf_field)
        if dbf_field is failing:
            column = column[: (feature or 1) - 1]
        if not (column >= 0x80).any():
            continue
        try:
            newline_separated(column).tobytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def _undecodable(
    table: DbfTable, codec: str, source: str, dbf_field: DbfField, feature: int | None
) -> BadInput:
    """The refusal of a value or field name the chosen encoding cannot decode."""
    name = dbf_field.raw_name.decode(codec, errors="replace")
    where = (
        Text("項目「{field}」の {feature} 番目の地物の値", field=name, feature=feature)
        if feature
        else Text("項目名「{field}」", field=name)
    )
    return BadInput(
        Sentences(
            Text(
                "{file} の{where}を{how}読めません。",
                file=table.label,
                where=where,
                how=decoded_how(source, codec),
            ),
            *mixed_note(source, Text("ほかの値")),
            Text(
                "文字化けを防ぐため読み込みを止めました。正しい文字コードを --encoding で"
                "指定してください（例: --encoding cp932、--encoding utf-8）。"
            ),
        ),
        file=table.label,
        field=name,
        feature=feature,
        encoding=codec,
        reason="encoding_undecodable",
    )


def _decoded_name(raw: bytes, codec: str) -> str:
    """A field name; a multibyte character cut off by the 10-byte limit is dropped."""
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as error:
        if error.end == len(raw) and error.start >= len(raw) - 3:
            return raw[: error.start].decode(codec)
        raise


def _shapefile_fields(
    shp: Path,
    table: DbfTable,
    codec: str,
    info: dict,
    request: Request,
    notes: list[dict],
) -> pd.DataFrame:
    """The Shapefile's fields, decoded; its geometry is read later, by ``ShapefileGeometry``.

    Text and plain numbers come from the DBF, a column at a time: text decoded, numbers
    parsed into the type GDAL gives the field. GDAL reads the other fields and the values
    it alone knows how to read (as ISO-8859-1, which passes every byte through: GDAL's
    own recoding knows iconv's names, not Python's, and replaces what it cannot convert).
    """
    names = list(info["fields"])
    texts = text_values(table, codec)
    numbers = numeric_values(table, dict(zip(names, info["dtypes"], strict=True)))
    from_dbf = texts.keys() | numbers.keys()
    ours = [name for name in names if name.encode("latin-1") in from_dbf]
    others = [name for name in names if name not in ours]
    records = table.records.shape[0]
    frame = (
        read_fields_with_gdal(shp, request, notes, others)
        if others
        else pd.DataFrame(index=pd.RangeIndex(records))
    )
    if len(frame) != records:  # GDAL kept records the DBF marks deleted
        frame, ours = read_fields_with_gdal(shp, request, [], names), []
    for name in ours:
        raw = name.encode("latin-1")
        values = (
            pd.Series(texts[raw], index=frame.index, dtype=object)
            if raw in texts
            else pd.Series(numbers[raw], index=frame.index)
        )
        frame.insert(names.index(name), name, values)
    return _decoded_attributes(frame, codec, table.label, already=set(ours))


class ShapefileGeometry(FeatureGeometry):
    """A Shapefile's geometry, read a batch at a time and kept as its WKB too: one-ring
    polygons straight from the .shp (``shapefile_polygons``), every other record by GDAL."""

    def __init__(
        self,
        shp: Path,
        shx: Path,
        request: Request,
        notes: list[dict],
        count: int,
        *,
        in_one_piece: bool,
    ) -> None:
        self.shp = shp
        self.shx = shx
        self.request = request
        self.notes = notes
        self.count = count
        self.in_one_piece = in_one_piece

    def __len__(self) -> int:
        return self.count

    def total_bounds(self) -> tuple[float, float, float, float] | None:
        """The extent the .shp header gives (all zero when it holds no shapes)."""
        with self.shp.open("rb") as handle:
            header = handle.read(100)
        bounds = tuple(float(value) for value in np.frombuffer(header, "<f8", 4, 36))
        has_extent = np.all(np.isfinite(bounds)) and any(bounds)
        return (bounds[0], bounds[1], bounds[2], bounds[3]) if has_extent else None

    def batches(self, size: int) -> Iterator[GeometryBatch]:
        with_z = 0
        size = max(self.count, 1) if self.in_one_piece else size
        # With deleted records, GDAL's features are no longer the .shp's records one to one.
        polygons = None if self.in_one_piece else ShapefilePolygons(self.shp, self.shx)
        for start in range(0, self.count, size):
            batch = self._batch(polygons, start, min(start + size, self.count))
            with_z += int(shapely.has_z(batch.geometries).sum())
            yield batch
        note_heights(with_z, self.notes)

    def _batch(self, polygons: ShapefilePolygons | None, start: int, stop: int) -> GeometryBatch:
        """Features ``start`` to ``stop``: GDAL reads them all unless most are one-ring
        polygons, and then only the others, by feature id."""
        simple = polygons.batch(start, stop) if polygons is not None else None
        count = stop - start
        if simple is None or len(simple.positions) < _MOSTLY_ONE_RING * count:
            return self._gdal_batch(start, self._read(skip_features=start, max_features=count))
        geometries = np.empty(count, dtype=object)
        wkb = np.empty(count, dtype=object)
        geometries[simple.positions] = simple.geometries
        wkb[simple.positions] = simple.wkb
        others = np.setdiff1d(np.arange(count), simple.positions)
        if not len(others):
            return GeometryBatch(start, geometries, wkb)
        rest = self._gdal_batch(0, self._read(fids=(start + others).tolist()))
        geometries[others] = rest.geometries
        wkb[others] = rest.wkb
        return GeometryBatch(start, geometries, wkb, others[rest.closed])

    def _gdal_batch(self, start: int, wkb: np.ndarray) -> GeometryBatch:
        """Features read by GDAL, an open ring closed where GEOS needs it (that WKB is not
        the one to store)."""
        geometries, closed = geometries_from_wkb(wkb)
        if len(closed):
            wkb = wkb.copy()
            wkb[closed] = None
        return GeometryBatch(start, geometries, wkb, closed)

    def _read(self, **which: Any) -> np.ndarray:
        """The WKB of the features ``which`` selects (pyogrio's selection keywords)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = pyogrio.raw.read(self.shp, encoding="ISO-8859-1", columns=[], **which)
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
                raise unreadable(self.shp, self.request, exc) from exc
        note_reader_warnings(self.shp, self.request, self.notes, caught)
        return result[2]


def _decoded_attributes(
    frame: pd.DataFrame, codec: str, label: str, already: set[str]
) -> pd.DataFrame:
    """Decode the field names and the text GDAL handed over as ISO-8859-1, value by value,
    except in the columns ``already`` decoded."""
    try:
        columns = {column: _decoded_name(column.encode("latin-1"), codec) for column in frame}
        for column in columns:
            dtype = frame[column].dtype
            if column in already or not (
                pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
            ):
                continue
            values = frame[column].astype(object)
            frame[column] = pd.Series(
                [
                    value.encode("latin-1").decode(codec) if isinstance(value, str) else value
                    for value in values.where(values.notna(), None).tolist()
                ],
                index=frame.index,
                dtype=object,
            )
    except (UnicodeError, ValueError) as exc:
        raise BadInput(
            Text(
                "{file} の文字を {codec} で読めません（{reason}）。--encoding で文字コードを"
                "指定してください。",
                file=label,
                codec=codec,
                reason=str(exc),
            ),
            file=label,
            encoding=codec,
            reason="encoding_undecodable",
        ) from exc
    return frame.rename(columns=columns)


def _crs_from_prj(shp: Path, reported: object, request: Request) -> tuple[CRS | None, Text | None]:
    """The CRS the .prj declares, or None and why not (refused later unless --crs is given)."""
    prj = _sidecar(shp, ".prj")
    label = request.label(prj or shp.with_suffix(".prj"))
    if prj is None:
        return None, Text("{file} がありません。", file=label)
    text = prj.read_bytes().decode("utf-8-sig", errors="replace").strip()
    if not text:
        return None, Text("{file} が空です。", file=label)
    try:
        declared = CRS.from_user_input(text)
    except CRSError as exc:
        return None, Text(
            "{file} の座標系を解釈できません（{reason}）。", file=label, reason=str(exc)
        )
    return identified(declared, reported), None
