"""Read one layer's source file the way planners and scripts hand it in.

Shapefiles (the .shp with its sidecars, a folder or a .zip), GeoJSON, GeoPackage, TopoJSON
and CSV files with coordinate columns come back as the raw attribute table, decoded with
the right encoding, with their geometry and CRS. Whatever cannot be read correctly is
refused with a ``BadInput`` that names the file, the field and the feature and says what
to do. Nothing here touches the database or Flask.
"""

from __future__ import annotations

import codecs
import csv
import io
import stat
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from ..errors import BadInput
from .shapefile_polygons import ShapefilePolygons

JAPAN_LON = (122.0, 154.0)
JAPAN_LAT = (20.0, 46.0)
GEOGRAPHIC_CANDIDATES = (6668, 4612, 4326)
JGD2011_ZONES = tuple(range(6669, 6688))
ACCEPTED_EPSG = frozenset(
    [*JGD2011_ZONES, 6668, *range(2443, 2462), 4612, *range(30161, 30180), 4301, 4326]
)
PLANE_LIMIT = 1_000_000.0
LONLAT_EPSG = 6668

SUPPORTED_JA = (
    "シェープファイル（.shp、それを入れたフォルダ、.zip）、GeoJSON（.geojson・.json）、"
    "GeoPackage（.gpkg）、TopoJSON（.topojson）、CSV（.csv）"
)
SUPPORTED_EN = (
    "Shapefile (.shp, a folder holding it, or a .zip), GeoJSON (.geojson, .json), "
    "GeoPackage (.gpkg), TopoJSON (.topojson), CSV (.csv)"
)
ACCEPTED_JA = (
    "JGD2011 の平面直角座標系 6669–6687・緯度経度 6668、JGD2000 の 2443–2461・4612、"
    "旧日本測地系の 30161–30179・4301、WGS 84 の 4326"
)
ACCEPTED_EN = (
    "JGD2011 plane zones 6669–6687 and lon/lat 6668, JGD2000 2443–2461 and 4612, "
    "Tokyo datum 30161–30179 and 4301, WGS 84 4326"
)

_DATA_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".topojson", ".csv")
_PUBLISHER_FILES = frozenset({"attributes.csv"})
_CODEPAGE_NAMES = {
    "SHIFT_JIS": "cp932",
    "SHIFT-JIS": "cp932",
    "SJIS": "cp932",
    "S-JIS": "cp932",
    "X-SJIS": "cp932",
    "MS932": "cp932",
    "MS_KANJI": "cp932",
    "WINDOWS-31J": "cp932",
    "CP932": "cp932",
    "932": "cp932",
    "ANSI 932": "cp932",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "65001": "utf-8",
    "EUC-JP": "euc_jp",
    "20932": "euc_jp",
    "51932": "euc_jp",
}
# DBF language driver ids (header byte 29) trusted on their own: both mean code page 932.
_LANGUAGE_IDS = {0x13: "cp932", 0x7B: "cp932"}
_LAT_NAMES = ("緯度", "latitude", "lat")
_LON_NAMES = ("経度", "longitude", "lon", "lng", "long")
_X_NAMES = ("x座標", "x")
_Y_NAMES = ("y座標", "y")
_GEOGRAPHIC_LABELS = {6668: "JGD2011 緯度経度", 4612: "JGD2000 緯度経度", 4326: "WGS 84 緯度経度"}
_READER_NOISE = ("More than one layer found",)
# The bytes of plain decimal numbers in a DBF, padded with spaces.
_WHOLE_NUMBER_BYTES = np.frombuffer(b" +-0123456789", dtype=np.uint8)
_DECIMAL_BYTES = np.frombuffer(b" +-.0123456789eE", dtype=np.uint8)
_MEASURED = "Measured (M) geometry"
# The share of a batch's records that must be one-ring polygons for the .shp to be read
# directly, with GDAL reading the others by feature id (else GDAL reads the whole batch).
_MOSTLY_ONE_RING = 0.75


@dataclass(frozen=True)
class GeometryBatch:
    """The geometry of consecutive features, the first at 0-based position ``start``, with
    each one's little-endian WKB as read where the reader has it (else None), and the
    positions in the batch of the features whose open rings were closed to read them."""

    start: int
    geometries: np.ndarray
    wkb: np.ndarray | None = None
    closed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))

    @property
    def stop(self) -> int:
        """The position after the batch's last feature."""
        return self.start + len(self.geometries)


class FeatureGeometry(ABC):
    """Every feature's geometry in file order: read whole, or a batch at a time so that a
    large layer can be checked and stored while the rest is still being read."""

    @abstractmethod
    def __len__(self) -> int:
        """How many features there are."""

    @abstractmethod
    def total_bounds(self) -> tuple[float, float, float, float] | None:
        """The extent of all the features, or None when they have no coordinates."""

    @abstractmethod
    def batches(self, size: int) -> Iterator[GeometryBatch]:
        """The geometry ``size`` features at a time."""

    def read_all(self) -> np.ndarray:
        """Every feature's geometry (None where it has none)."""
        return self.read_whole().geometries

    def read_whole(self) -> GeometryArray:
        """Every feature's geometry, read at once."""
        batches = list(self.batches(max(len(self), 1)))
        if not batches:
            return GeometryArray(np.empty(0, dtype=object))
        return GeometryArray(
            np.concatenate([batch.geometries for batch in batches]),
            np.concatenate([batch.closed + batch.start for batch in batches]),
        )


class GeometryArray(FeatureGeometry):
    """Geometry already read whole; ``closed`` as for ``GeometryBatch``, in the whole."""

    def __init__(self, geometries: np.ndarray, closed: np.ndarray | None = None) -> None:
        self.geometries = np.asarray(geometries, dtype=object)
        self.closed = np.empty(0, dtype=np.intp) if closed is None else np.asarray(closed)

    def __len__(self) -> int:
        return len(self.geometries)

    def total_bounds(self) -> tuple[float, float, float, float] | None:
        return _finite_bounds(self.geometries)

    def batches(self, size: int) -> Iterator[GeometryBatch]:
        for start in range(0, len(self.geometries), size):
            stop = start + size
            inside = self.closed[(self.closed >= start) & (self.closed < stop)]
            yield GeometryBatch(start, self.geometries[start:stop], closed=inside - start)

    def read_all(self) -> np.ndarray:
        return self.geometries

    def read_whole(self) -> GeometryArray:
        return self


@dataclass(frozen=True)
class SourceData:
    """One layer's source as read: raw fields, geometry, CRS and how each was decided."""

    fields: pd.DataFrame
    geometry: FeatureGeometry
    source: str
    format: str
    encoding: str | None
    encoding_source: str
    crs: CRS
    crs_source: str
    warnings: list[dict]

    @property
    def frame(self) -> gpd.GeoDataFrame:
        """The whole layer as one frame: the fields, then the geometry."""
        geometry = gpd.GeoSeries(self.geometry.read_all(), index=self.fields.index, crs=self.crs)
        return gpd.GeoDataFrame(self.fields, geometry=geometry, crs=self.crs)

    def read_whole(self) -> SourceData:
        """The source with its geometry read, and every note about it made."""
        return replace(self, geometry=self.geometry.read_whole())


@dataclass(frozen=True)
class _Request:
    """What the caller asked for, and how to name files in messages."""

    source: str
    encoding: str | None
    crs: CRS | None
    layer_name: str | None
    point_layer: bool
    root: Path | None = None
    preferred_layers: tuple[str, ...] = ()

    def label(self, path: Path) -> str:
        """The file as the user knows it: its name, or its place in their folder or zip."""
        if self.root is None:
            return path.name
        return f"{self.source}/{path.relative_to(self.root).as_posix()}"


@dataclass(frozen=True)
class _DbfField:
    """One DBF field descriptor."""

    raw_name: bytes
    kind: str
    offset: int
    length: int


@dataclass(frozen=True)
class _DbfTable:
    """A DBF file's header and its live (not deleted) records as a byte matrix."""

    label: str
    language_id: int
    record_count: int
    fields: tuple[_DbfField, ...]
    records: np.ndarray


def read_source(path: Path, **options: Any) -> SourceData:
    """Read one layer's source file whole; the options are those of ``open_source``."""
    with open_source(path, **options) as source:
        return source.read_whole()


@contextmanager
def open_source(
    path: Path,
    *,
    encoding: str | None = None,
    crs: int | None = None,
    layer_name: str | None = None,
    point_layer: bool = False,
    max_unpacked_bytes: int = 2 * 1024**3,
    preferred_layers: tuple[str, ...] = (),
) -> Iterator[SourceData]:
    """Open one layer's source file with its fields decoded and its CRS known; a Shapefile's
    geometry is read as it is asked for, while the source is open.

    Parameters
    ----------
    path
        A .shp (sidecars beside it), a folder holding one data file, a .zip, a .geojson,
        .json, .topojson, .gpkg or .csv file.
    encoding
        The attribute encoding (``--encoding``); overrides .cpg, DBF header and detection.
    crs
        The EPSG code of the coordinates (``--crs``); overrides what the file declares.
    layer_name
        The layer of a GeoPackage or TopoJSON, or the file to use in a folder or zip.
    point_layer
        Also read .txt and .tsv files as CSV with coordinate columns.
    max_unpacked_bytes
        The most a zip may unpack to; larger archives are refused as zip bombs.
    preferred_layers
        Without ``layer_name``, the layer of a several-layer GeoPackage or TopoJSON to read
        when exactly one is so named (the stored layer's names: geoapp's own exports).

    Yields
    ------
    SourceData
        The raw fields, the geometry, the CRS, and how encoding and CRS were found.

    Raises
    ------
    BadInput
        When the file cannot be read correctly; the message says what to do.
    """
    path = Path(path)
    request = _Request(
        source=path.name,
        encoding=_python_codec(encoding) if encoding else None,
        crs=_given_crs(crs) if crs is not None else None,
        layer_name=layer_name,
        point_layer=point_layer,
        preferred_layers=preferred_layers,
    )
    if not path.exists():
        raise BadInput(
            f"{path.name} が見つかりません。ファイルの場所と名前を確かめてください。",
            f"{path.name} does not exist; check the file's location and name.",
            file=path.name,
            reason="file_missing",
        )
    if path.is_dir():
        request = replace(request, root=path)
        yield _read_file(_the_data_file_in(path, request, recursive=False), request)
    elif path.suffix.lower() == ".zip":
        _require_content(path, request)
        with tempfile.TemporaryDirectory(prefix="geoapp-zip-") as folder:
            unpacked = Path(folder)
            _unpack_zip(path, unpacked, max_unpacked_bytes)
            request = replace(request, root=unpacked)
            yield _read_file(_the_data_file_in(unpacked, request, recursive=True), request)
    else:
        yield _read_file(path, request)


def crs_candidates(bounds: tuple[float, float, float, float]) -> list[int]:
    """EPSG codes the coordinates within ``bounds`` are likely in, most plausible first.

    Degrees inside Japan give the geographic CRSs; plane metres give all JGD2011 zones, those
    whose area of use holds the data's centre first (the zone cannot be known from metres).
    """
    minx, miny, maxx, maxy = (float(value) for value in bounds)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return []
    if _looks_like_degrees_in_japan(minx, miny, maxx, maxy) or _looks_like_degrees_in_japan(
        miny, minx, maxy, maxx
    ):
        return list(GEOGRAPHIC_CANDIDATES)
    if max(abs(minx), abs(miny), abs(maxx), abs(maxy)) >= PLANE_LIMIT:
        return []
    centre = ((minx + maxx) / 2, (miny + maxy) / 2)
    fitting = [code for code in JGD2011_ZONES if _fits_area_of_use(centre, _epsg_crs(code))]
    return fitting + [code for code in JGD2011_ZONES if code not in fitting]


def check_coordinates_in_japan(geometry: FeatureGeometry, crs: CRS | None, source: str) -> None:
    """Refuse coordinates that fall outside Japan, or that look like swapped lat/lon."""
    bounds = geometry.total_bounds()
    if bounds is None:
        return
    if crs is None:
        raise BadInput(
            f"{source} の座標系が分かりません。--crs で EPSG コードを指定してください。",
            f"{source} has no CRS; give its EPSG code with --crs.",
            file=source,
            reason="crs_missing",
        )
    crs = CRS.from_user_input(crs)
    minx, miny, maxx, maxy = bounds
    if crs.is_geographic and _looks_like_degrees_in_japan(miny, minx, maxy, maxx):
        raise BadInput(
            f"{source} の緯度と経度が入れ替わっているようです（X が {minx:.4f}〜{maxx:.4f}、"
            f"Y が {miny:.4f}〜{maxy:.4f}）。経度を X、緯度を Y にして作り直してください。",
            f"{source}: latitude and longitude seem swapped (x {minx:.4f}–{maxx:.4f}, "
            f"y {miny:.4f}–{maxy:.4f}); put longitude in x and latitude in y.",
            file=source,
            reason="coordinates_swapped",
        )
    if not crs.is_geographic and _looks_like_degrees_in_japan(minx, miny, maxx, maxy):
        _refuse_wrong_crs(
            source,
            bounds,
            crs,
            f"座標値は緯度経度（度）のようですが、座標系 {_crs_name(crs)} は平面直角座標系です",
            f"the coordinates look like degrees but {_crs_name(crs)} is a plane CRS",
        )
    lon_lat = _bounds_in_lon_lat(bounds, crs)
    if lon_lat is None or not _looks_like_degrees_in_japan(*lon_lat):
        _refuse_stray_features(geometry.read_all(), crs, source)
        found_ja, found_en = _extent_text(lon_lat, bounds)
        _refuse_wrong_crs(
            source,
            bounds,
            crs,
            f"座標が日本の範囲（経度 122〜154 度、緯度 20〜46 度）に入りません（{found_ja}）",
            f"the coordinates fall outside Japan (lon 122–154, lat 20–46; {found_en})",
        )


def _refuse_stray_features(geometries: np.ndarray, crs: CRS, source: str) -> None:
    """Refuse the features outside Japan by number when the others are inside it."""
    bounds = shapely.bounds(geometries)
    present = np.isfinite(bounds).all(axis=1)
    west, south = _to_lon_lat(crs).transform(bounds[:, 0], bounds[:, 1])
    east, north = _to_lon_lat(crs).transform(bounds[:, 2], bounds[:, 3])
    inside = (
        (JAPAN_LON[0] <= west)
        & (east <= JAPAN_LON[1])
        & (JAPAN_LAT[0] <= south)
        & (north <= JAPAN_LAT[1])
    )
    outside = np.flatnonzero(present & ~inside)
    if not (present & inside).any():
        return
    first = int(outside[0]) + 1
    raise BadInput(
        f"{source} の {len(outside)} 件の地物（最初は {first} 番目）の座標が日本の範囲"
        "（経度 122〜154 度、緯度 20〜46 度）の外にあります。ほかの地物は範囲内なので、座標系"
        "ではなくその地物の座標を直してください（座標が 0 や空の地物がないか確かめてください）。",
        f"{source}: {len(outside)} features (the first is feature {first}) lie outside Japan "
        "(lon 122–154, lat 20–46) while the others are inside; fix those features' "
        "coordinates (look for zero or empty ones).",
        file=source,
        feature=first,
        features=[int(index) + 1 for index in outside[:100]],
        reason="coordinates_outside_japan",
    )


def _read_file(path: Path, request: _Request) -> SourceData:
    """Read one data file, choosing the reader by its extension."""
    _require_content(path, request)
    suffix = path.suffix.lower()
    if suffix == ".shp":
        return _read_shapefile(path, request)
    if suffix in (".geojson", ".json", ".topojson"):
        return _read_json_layer(path, request)
    if suffix == ".gpkg":
        return _read_geopackage(path, request)
    if suffix == ".csv" or (request.point_layer and suffix in (".txt", ".tsv")):
        return _read_csv(path, request)
    raise BadInput(
        f"{request.label(path)} は読み込めない形式です。対応している形式: {SUPPORTED_JA}。"
        "シェープファイルは .dbf などではなく .shp を指定してください。",
        f"{request.label(path)} is not a supported format. Supported: {SUPPORTED_EN}. "
        "For a Shapefile give the .shp, not a sidecar.",
        file=request.label(path),
        reason="unsupported_format",
    )


def _require_content(path: Path, request: _Request) -> None:
    """Refuse a 0-byte file."""
    if path.stat().st_size == 0:
        raise BadInput(
            f"{request.label(path)} は空（0バイト）です。書き出しやコピーが途中で失敗して"
            "いないか確かめ、もう一度書き出してください。",
            f"{request.label(path)} is empty (0 bytes); export or copy it again.",
            file=request.label(path),
            reason="file_empty",
        )


def _the_data_file_in(folder: Path, request: _Request, *, recursive: bool) -> Path:
    """The one data file in a folder or unpacked zip (Shapefiles before other formats)."""
    files = [
        path
        for path in (folder.rglob("*") if recursive else folder.iterdir())
        if path.is_file() and not _is_clutter(path.relative_to(folder))
    ]
    shapefiles = sorted(path for path in files if path.suffix.lower() == ".shp")
    candidates = shapefiles or sorted(
        path
        for path in files
        if path.suffix.lower() in _DATA_SUFFIXES and path.name.lower() not in _PUBLISHER_FILES
    )
    if request.layer_name and len(candidates) > 1:
        chosen = [path for path in candidates if request.layer_name in (path.stem, path.name)]
        candidates = chosen or candidates
    if len(candidates) == 1:
        return candidates[0]
    names = ", ".join(request.label(path) for path in candidates)
    if not candidates:
        raise BadInput(
            f"{request.source} に読み込めるデータファイルがありません。対応している形式: "
            f"{SUPPORTED_JA}。",
            f"{request.source} holds no data file to read. Supported: {SUPPORTED_EN}.",
            file=request.source,
            reason="no_data_file",
        )
    raise BadInput(
        f"{request.source} にデータファイルが複数あります: {names}。"
        "1つだけにするか、--layer でファイル名を指定してください。",
        f"{request.source} holds several data files: {names}; keep one or name it with --layer.",
        file=request.source,
        reason="several_files",
        files=[request.label(path) for path in candidates],
    )


def _is_clutter(relative: Path) -> bool:
    """True for the hidden files and macOS resource folders zip tools add."""
    return relative.parts[0] == "__MACOSX" or any(part.startswith(".") for part in relative.parts)


# Zip archives


def _unpack_zip(archive: Path, folder: Path, limit: int) -> None:
    """Unpack a zip into ``folder`` after refusing unsafe members and zip bombs."""
    if not zipfile.is_zipfile(archive):
        raise BadInput(
            f"{archive.name} は zip ファイルではないか、壊れています。"
            "作り直すか、中のファイルを直接指定してください。",
            f"{archive.name} is not a zip file or is damaged; make it again or give the "
            "files inside directly.",
            file=archive.name,
            reason="zip_invalid",
        )
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            names = [_member_name(member) for member in members]
            for member, name in zip(members, names, strict=True):
                _refuse_unsafe_member(archive.name, member, name)
            declared = sum(member.file_size for member in members)
            if declared > limit:
                raise _zip_too_large(archive.name, declared, limit)
            written = 0
            for member, name in zip(members, names, strict=True):
                parts = [
                    part for part in name.replace("\\", "/").split("/") if part not in ("", ".")
                ]
                if member.is_dir() or not parts or _is_clutter(Path(*parts)):
                    continue
                written = _extract_member(bundle, member, folder.joinpath(*parts), written, limit)
                if written > limit:
                    raise _zip_too_large(archive.name, written, limit)
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        raise BadInput(
            f"{archive.name} を展開できません（{exc}）。zip が壊れているか、対応していない"
            "圧縮方式です。作り直してください。",
            f"Cannot unpack {archive.name} ({exc}); the zip is damaged or uses an unsupported "
            "compression method. Make it again.",
            file=archive.name,
            reason="zip_invalid",
        ) from exc


def _member_name(member: zipfile.ZipInfo) -> str:
    """A member's name; names without the UTF-8 flag are tried as UTF-8, then CP932."""
    if member.flag_bits & 0x800:
        return member.filename
    raw = member.filename.encode("cp437")
    for codec in ("utf-8", "cp932"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return member.filename


def _refuse_unsafe_member(archive: str, member: zipfile.ZipInfo, name: str) -> None:
    """Refuse members that would land outside the folder, link elsewhere or need a password."""
    path = name.replace("\\", "/")
    problem_ja, problem_en = "", ""
    if path.startswith("/") or (len(path) > 1 and path[0].isalpha() and path[1] == ":"):
        problem_ja, problem_en = "絶対パス", "an absolute path"
    elif ".." in path.split("/"):
        problem_ja, problem_en = "上のフォルダを指すパス（..）", "a path going up (..)"
    elif stat.S_ISLNK(member.external_attr >> 16):
        problem_ja, problem_en = "シンボリックリンク", "a symbolic link"
    elif member.flag_bits & 0x1:
        problem_ja, problem_en = "パスワード付き", "password-protected"
    if problem_ja:
        raise BadInput(
            f"{archive} の中の「{name}」は{problem_ja}なので、安全のため展開しません。"
            "フォルダ構成をそのまま、パスワードなしで zip を作り直してください。",
            f"{archive}: member {name!r} is {problem_en}; refused for safety. Make the zip "
            "again with plain relative paths and no password.",
            file=archive,
            member=name,
            reason="zip_unsafe_member",
        )


def _extract_member(
    bundle: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, written: int, limit: int
) -> int:
    """Copy one member to ``target``; the running byte count, stopping once past ``limit``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with bundle.open(member) as source, target.open("wb") as sink:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > limit:
                return written
            sink.write(chunk)
    return written


def _zip_too_large(archive: str, size: int, limit: int) -> BadInput:
    """The refusal of an archive that unpacks to more than ``limit`` bytes."""
    return BadInput(
        f"{archive} は展開すると {size:,} バイトを超え、上限 {limit:,} バイトより大きいため"
        "展開しません。必要なファイルだけを zip にしてください。",
        f"{archive} unpacks to more than {size:,} bytes, over the limit of {limit:,}; "
        "refused. Zip only the files needed.",
        file=archive,
        reason="zip_too_large",
        size=size,
        limit=limit,
    )


# Shapefiles


def _read_shapefile(shp: Path, request: _Request) -> SourceData:
    """Read a Shapefile, deciding the DBF encoding from .cpg, header or content."""
    notes: list[dict] = []
    shx = _required_sidecar(shp, ".shx", request)
    dbf = _required_sidecar(shp, ".dbf", request)
    _checked_shape_file(shp, request, records=False)
    shape_count = _checked_shape_file(shx, request, records=True)
    table = _read_dbf(dbf, request)
    if shape_count != table.record_count:
        raise BadInput(
            f"{request.label(shx)} の図形数（{shape_count}）と {request.label(dbf)} の行数"
            f"（{table.record_count}）が合いません。同じ時に書き出した一式をそろえてください。",
            f"{request.label(shx)} has {shape_count} shapes but {request.label(dbf)} has "
            f"{table.record_count} records; use files exported together.",
            file=request.label(dbf),
            reason="shapefile_parts_differ",
        )
    encoding, encoding_source = _dbf_encoding(table, _sidecar(shp, ".cpg"), request, notes)
    if table.records.shape[0] < table.record_count:
        deleted = table.record_count - table.records.shape[0]
        notes.append(
            _note(
                "deleted_records",
                f"{request.label(dbf)} の削除済みの行 {deleted} 件は読み込みません。",
                f"{deleted} deleted records in {request.label(dbf)} are skipped.",
            )
        )
    info = _gdal_info(shp, request, encoding="ISO-8859-1")
    fields = _shapefile_fields(shp, table, encoding, info, request, notes)
    file_crs, missing_reason = _crs_from_prj(shp, info.get("crs"), request)
    # GDAL skips deleted records as it reads, but counts them when told where to start.
    in_one_piece = table.records.shape[0] < table.record_count
    return _finish(
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


def _required_sidecar(shp: Path, suffix: str, request: _Request) -> Path:
    """The sidecar a Shapefile cannot be read without, or a refusal naming it."""
    path = _sidecar(shp, suffix)
    if path is None:
        missing = request.label(shp.with_suffix(suffix))
        raise BadInput(
            f"{missing} がありません。シェープファイルは .shp・.shx・.dbf・.prj を同じ場所に"
            "そろえて渡してください（zip の場合はすべてを入れてください）。",
            f"{missing} is missing; a Shapefile needs its .shp, .shx, .dbf and .prj side by "
            "side (all of them inside the zip).",
            file=missing,
            reason="file_missing",
        )
    _require_content(path, request)
    return path


def _checked_shape_file(path: Path, request: _Request, *, records: bool) -> int:
    """Check a .shp or .shx header against the file's size; the .shx's record count."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(100)
    declared = int.from_bytes(header[24:28], "big") * 2 if len(header) == 100 else -1
    label = request.label(path)
    if len(header) < 100 or int.from_bytes(header[0:4], "big") != 9994:
        problem_ja, problem_en = "シェープファイルの形式ではありません", "is not a Shapefile part"
    elif declared != size or (records and (size - 100) % 8):
        problem_ja = (
            f"ヘッダの長さ（{declared:,} バイト）と実際の大きさ（{size:,} バイト）が違います"
        )
        problem_en = f"declares {declared:,} bytes but has {size:,}"
    else:
        return (size - 100) // 8
    raise BadInput(
        f"{label} は{problem_ja}。途中で切れているか壊れています。元のデータからもう一度"
        "書き出してください。",
        f"{label} {problem_en}: it is truncated or damaged. Export it again.",
        file=label,
        reason="file_damaged",
    )


def _read_dbf(dbf: Path, request: _Request) -> _DbfTable:
    """Parse a DBF header and its records into a byte matrix (deleted records dropped)."""
    data = dbf.read_bytes()
    label = request.label(dbf)
    count = int.from_bytes(data[4:8], "little")
    header_length = int.from_bytes(data[8:10], "little")
    record_length = int.from_bytes(data[10:12], "little")
    fields: list[_DbfField] = []
    offset = 1
    for start in range(32, min(header_length, len(data)) - 31, 32):
        if data[start] == 0x0D:
            break
        kind = chr(data[start + 11])
        length = data[start + 16] + (0 if kind in "NF" else data[start + 17] * 256)
        fields.append(_DbfField(data[start : start + 11].split(b"\0")[0], kind, offset, length))
        offset += length
    if (
        len(data) < 33
        or header_length < 33
        or record_length < 1
        or offset > record_length
        or len(data) < header_length + count * record_length
    ):
        raise BadInput(
            f"{label} の見出し（ヘッダ）と中身が合いません。途中で切れているか壊れています。"
            "元のデータからもう一度書き出してください。",
            f"{label}: the header does not match the content; the file is truncated or "
            "damaged. Export it again.",
            file=label,
            reason="file_damaged",
        )
    names = [dbf_field.raw_name for dbf_field in fields]
    repeated = next((name for name in names if names.count(name) > 1), None)
    if repeated is not None:
        shown = repeated.decode("latin-1")
        raise BadInput(
            f"{label} に同じ名前の項目「{shown}」が複数あります。GDAL では別々に読めないため、"
            "元のデータで項目名を付け直してから書き出してください。",
            f"{label} has more than one field named {shown!r}, which cannot be read apart; "
            "rename the fields in the source and export again.",
            file=label,
            field=shown,
            reason="field_repeated",
        )
    records = np.frombuffer(
        data, dtype=np.uint8, count=count * record_length, offset=header_length
    ).reshape(count, record_length)
    return _DbfTable(label, data[29], count, tuple(fields), records[records[:, 0] != 0x2A])


def _dbf_encoding(
    table: _DbfTable, cpg: Path | None, request: _Request, notes: list[dict]
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


def _cpg_codec(cpg: Path, request: _Request, notes: list[dict]) -> str | None:
    """The Python codec a .cpg names, or None (with a warning) when it is empty or unknown."""
    text = cpg.read_bytes().decode("ascii", errors="ignore").strip()
    try:
        return _python_codec(text) if text else None
    except BadInput:
        notes.append(
            _note(
                "cpg_unknown",
                f"{request.label(cpg)} の文字コード名「{text}」が分からないため、"
                "内容から判定します。",
                f"{request.label(cpg)} names an unknown encoding {text!r}; detecting instead.",
            )
        )
        return None


def _detected_dbf_encoding(table: _DbfTable) -> str:
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


def _first_undecodable(table: _DbfTable, codec: str) -> tuple[_DbfField, int | None] | None:
    """The first field name or (field, 1-based feature) whose bytes ``codec`` cannot decode."""
    for dbf_field in table.fields:
        try:
            _decoded_name(dbf_field.raw_name, codec)
        except UnicodeDecodeError:
            return dbf_field, None
    for dbf_field in _text_fields(table):
        column = _column(table, dbf_field)
        if not (column >= 0x80).any():
            continue
        try:
            _newline_separated(column).tobytes().decode(codec)
        except UnicodeDecodeError as error:
            return dbf_field, error.start // (dbf_field.length + 1) + 1
    return None


def _has_utf8_text_besides(table: _DbfTable, failing: _DbfField, feature: int | None) -> bool:
    """True when values other than the failing one hold non-ASCII text valid as UTF-8."""
    for dbf_field in _text_fields(table):
        column = _column(table, dbf_field)
        if dbf_field is failing:
            column = column[: (feature or 1) - 1]
        if not (column >= 0x80).any():
            continue
        try:
            _newline_separated(column).tobytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def _text_fields(table: _DbfTable) -> list[_DbfField]:
    """The character (C) fields, when there are records to read."""
    return _fields_of_kinds(table, "C")


def _fields_of_kinds(table: _DbfTable, kinds: str) -> list[_DbfField]:
    """The fields whose DBF type is one of ``kinds``, when there are records to read."""
    if table.records.shape[0] == 0:
        return []
    return [dbf_field for dbf_field in table.fields if dbf_field.kind in kinds]


def _column(table: _DbfTable, dbf_field: _DbfField) -> np.ndarray:
    """One field's bytes for every live record, as a (records, width) matrix."""
    return table.records[:, dbf_field.offset : dbf_field.offset + dbf_field.length]


def _text_values(table: _DbfTable, codec: str) -> dict[bytes, list[str | None]]:
    """Each text field's values, decoded a column at a time and trimmed as GDAL trims them
    (anything after a NUL byte, spaces at both ends; empty is None); keyed by raw name.

    A field with a newline inside a value is left out, for GDAL to read value by value.
    """
    values = {}
    for dbf_field in (text for text in _text_fields(table) if text.length):
        decoded = _trimmed_lines(_column(table, dbf_field)).decode(codec).split("\n")[:-1]
        if len(decoded) == table.records.shape[0]:
            values[dbf_field.raw_name] = [value or None for value in decoded]
    return values


def _trimmed_lines(column: np.ndarray) -> bytes:
    """A column's values trimmed on their bytes and each ended by a newline.

    Trimming bytes is trimming characters: NUL, space and newline bytes are never part of
    a multibyte character in CP932 or UTF-8.
    """
    count, width = column.shape
    position = np.arange(width, dtype=np.uint16)
    content = column != 0x20
    nul = column == 0
    if nul.any():
        content &= position < np.where(nul.any(axis=1), nul.argmax(axis=1), width)[:, None]
    start = content.argmax(axis=1)[:, None]
    end = (content * (position + 1)).max(axis=1)[:, None]
    keep = np.ones((count, width + 1), dtype=bool)
    keep[:, :width] = (position >= start) & (position < end)
    return _newline_separated(column)[keep].tobytes()


def _newline_separated(column: np.ndarray) -> np.ndarray:
    """A column's values each followed by a newline, so no multibyte character spans two."""
    lines = np.full((column.shape[0], column.shape[1] + 1), 0x0A, dtype=np.uint8)
    lines[:, :-1] = column
    return lines


def _undecodable(
    table: _DbfTable, codec: str, source: str, dbf_field: _DbfField, feature: int | None
) -> BadInput:
    """The refusal of a value or field name the chosen encoding cannot decode."""
    name = dbf_field.raw_name.decode(codec, errors="replace")
    how_ja, how_en = {
        "given": (f"指定された文字コード {codec} で", f"the given encoding {codec}"),
        "cpg": (f".cpg が示す文字コード {codec} で", f"the .cpg's encoding {codec}"),
        "dbf_language_id": (
            f"DBF ヘッダが示す文字コード {codec} で",
            f"the DBF header's encoding {codec}",
        ),
        "detected": ("UTF-8 でも CP932（Shift_JIS）でも", "either UTF-8 or CP932 (Shift_JIS)"),
        "mixed": ("UTF-8 で", "UTF-8"),
    }[source]
    mixed_ja, mixed_en = _mixed_note(source, "ほかの値", "other values")
    where_ja = f"項目「{name}」の {feature} 番目の地物の値" if feature else f"項目名「{name}」"
    where_en = f"field {name!r} of feature {feature}" if feature else f"the field name {name!r}"
    return BadInput(
        f"{table.label} の{where_ja}を{how_ja}読めません。{mixed_ja}文字化けを防ぐため"
        "読み込みを止めました。正しい文字コードを --encoding で指定してください"
        "（例: --encoding cp932、--encoding utf-8）。",
        f"{table.label}: {where_en} cannot be decoded with {how_en}.{mixed_en} Stopped to "
        "avoid garbled text; give the right encoding with --encoding (e.g. cp932, utf-8).",
        file=table.label,
        field=name,
        feature=feature,
        encoding=codec,
        reason="encoding_undecodable",
    )


def _mixed_note(source: str, others_ja: str, others_en: str) -> tuple[str, str]:
    """The sentence saying that the encodings seem mixed, when they do."""
    if source != "mixed":
        return "", ""
    return (
        f"{others_ja}は UTF-8 なので、文字コードが混ざっているようです。",
        f" The {others_en} are UTF-8, so the encodings seem mixed.",
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
    table: _DbfTable,
    codec: str,
    info: dict,
    request: _Request,
    notes: list[dict],
) -> pd.DataFrame:
    """The Shapefile's fields, decoded; its geometry is read later, by ``ShapefileGeometry``.

    Text and plain numbers come from the DBF, a column at a time: text decoded, numbers
    parsed into the type GDAL gives the field. GDAL reads the other fields and the values
    it alone knows how to read (as ISO-8859-1, which passes every byte through: GDAL's
    own recoding knows iconv's names, not Python's, and replaces what it cannot convert).
    """
    names = list(info["fields"])
    texts = _text_values(table, codec)
    numbers = _numeric_values(table, dict(zip(names, info["dtypes"], strict=True)))
    from_dbf = texts.keys() | numbers.keys()
    ours = [name for name in names if name.encode("latin-1") in from_dbf]
    others = [name for name in names if name not in ours]
    records = table.records.shape[0]
    frame = (
        _read_fields_with_gdal(shp, request, notes, others)
        if others
        else pd.DataFrame(index=pd.RangeIndex(records))
    )
    if len(frame) != records:  # GDAL kept records the DBF marks deleted
        frame, ours = _read_fields_with_gdal(shp, request, [], names), []
    for name in ours:
        raw = name.encode("latin-1")
        values = (
            pd.Series(texts[raw], index=frame.index, dtype=object)
            if raw in texts
            else pd.Series(numbers[raw], index=frame.index)
        )
        frame.insert(names.index(name), name, values)
    return _decoded_attributes(frame, codec, table.label, already=set(ours))


def _numeric_values(table: _DbfTable, dtypes: dict[str, str]) -> dict[bytes, np.ndarray]:
    """The numeric (N, F) fields that GDAL reads as numbers, parsed from the DBF bytes into
    GDAL's type, keyed by raw name; a field whose values are not plain decimal numbers is
    left to GDAL, whose reading of them this does not try to match.

    As GDAL does, a value that is blank (up to a NUL byte) or starts with ``*`` is missing,
    and a whole-number field with missing values becomes reals with NaN, as pyogrio gives.
    """
    values = {}
    for dbf_field in (number for number in _fields_of_kinds(table, "NF") if number.length):
        dtype = dtypes.get(dbf_field.raw_name.decode("latin-1"))
        if dtype not in ("int32", "int64", "float64"):
            continue
        column = _column(table, dbf_field)
        if (column == 0).any():
            column = np.where(np.cumsum(column == 0, axis=1) > 0, 0x20, column).astype(np.uint8)
        missing = (column == 0x20).all(axis=1) | (column[:, 0] == ord("*"))
        allowed = _WHOLE_NUMBER_BYTES if dtype != "float64" else _DECIMAL_BYTES
        if not np.isin(column[~missing], allowed).all():
            continue
        present = column[~missing].view(f"S{dbf_field.length}").ravel()
        try:
            parsed = present.astype(np.int64 if dtype != "float64" else np.float64)
        except ValueError:
            continue
        if missing.any():
            full = np.full(len(column), np.nan)
            full[~missing] = parsed
            values[dbf_field.raw_name] = full
        else:
            values[dbf_field.raw_name] = parsed.astype(dtype)
    return values


def _read_fields_with_gdal(
    shp: Path, request: _Request, notes: list[dict], columns: list[str]
) -> pd.DataFrame:
    """Some of a Shapefile's fields, read by GDAL without the geometry."""
    return _read_with_gdal(
        shp, request, notes, encoding="ISO-8859-1", columns=columns, read_geometry=False
    )


class ShapefileGeometry(FeatureGeometry):
    """A Shapefile's geometry, read a batch at a time and kept as its WKB too: one-ring
    polygons straight from the .shp (``shapefile_polygons``), every other record by GDAL."""

    def __init__(
        self,
        shp: Path,
        shx: Path,
        request: _Request,
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
        _note_heights(with_z, self.notes)

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
        geometries, closed = _geometries_from_wkb(wkb)
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
                raise _unreadable(self.shp, self.request, exc) from exc
        _note_reader_warnings(self.shp, self.request, self.notes, caught)
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
            f"{label} の文字を {codec} で読めません（{exc}）。--encoding で文字コードを"
            "指定してください。",
            f"{label} cannot be decoded as {codec} ({exc}); give the encoding with --encoding.",
            file=label,
            encoding=codec,
            reason="encoding_undecodable",
        ) from exc
    return frame.rename(columns=columns)


def _crs_from_prj(
    shp: Path, reported: object, request: _Request
) -> tuple[CRS | None, tuple[str, str] | None]:
    """The CRS the .prj declares, or None and why not (refused later unless --crs is given)."""
    prj = _sidecar(shp, ".prj")
    label = request.label(prj or shp.with_suffix(".prj"))
    if prj is None:
        return None, (f"{label} がありません", f"{label} is missing")
    text = prj.read_bytes().decode("utf-8-sig", errors="replace").strip()
    if not text:
        return None, (f"{label} が空です", f"{label} is empty")
    try:
        declared = CRS.from_user_input(text)
    except CRSError as exc:
        return None, (
            f"{label} の座標系を解釈できません（{exc}）",
            f"{label} cannot be understood ({exc})",
        )
    return _identified(declared, reported), None


# GeoJSON, TopoJSON and GeoPackage


def _read_json_layer(path: Path, request: _Request) -> SourceData:
    """Read GeoJSON (RFC 7946, lon/lat unless a legacy "crs" member says otherwise) or
    TopoJSON (GDAL tells them apart)."""
    notes: list[dict] = []
    _require_utf8(path, request)
    _note_ignored_encoding(request, notes)
    driver = _gdal_info(path, request).get("driver")
    layer = _chosen_layer(path, request, notes) if driver == "TopoJSON" else None
    frame, closed = _read_frame_with_gdal(path, request, notes, layer)
    file_crs = _identified(CRS.from_user_input(frame.crs), None) if frame.crs else None
    if file_crs is None and crs_candidates(tuple(frame.total_bounds))[:1] == [LONLAT_EPSG]:
        file_crs = _epsg_crs(4326)
    return _finish_frame(
        frame,
        request,
        notes,
        closed,
        format="topojson" if driver == "TopoJSON" else "geojson",
        encoding=None,
        encoding_source="format",
        file_crs=file_crs,
        crs_source="embedded",
        missing_reason=(
            f"{request.label(path)} に座標系の情報がなく、座標値も緯度経度ではありません",
            f"{request.label(path)} declares no CRS and its coordinates are not lon/lat",
        ),
    )


def _read_geopackage(path: Path, request: _Request) -> SourceData:
    """Read one layer of a GeoPackage (``layer_name`` when it holds several)."""
    notes: list[dict] = []
    _note_ignored_encoding(request, notes)
    layer = _chosen_layer(path, request, notes)
    frame, closed = _read_frame_with_gdal(path, request, notes, layer)
    file_crs = _identified(CRS.from_user_input(frame.crs), None) if frame.crs else None
    return _finish_frame(
        frame,
        request,
        notes,
        closed,
        format="gpkg",
        encoding=None,
        encoding_source="format",
        file_crs=file_crs,
        crs_source="embedded",
        missing_reason=(
            f"{request.label(path)} のレイヤ「{layer}」に座標系が設定されていません",
            f"layer {layer!r} of {request.label(path)} has no CRS",
        ),
    )


def _require_utf8(path: Path, request: _Request) -> None:
    """Refuse a JSON file that is not UTF-8 (RFC 7946 and TopoJSON require it)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BadInput(
            f"{request.label(path)} の {line} 行目が UTF-8 ではありません。GeoJSON・TopoJSON は"
            " UTF-8 と決まっています。UTF-8 で保存し直してください。",
            f"{request.label(path)}: line {line} is not UTF-8, which GeoJSON and TopoJSON "
            "require; save it again as UTF-8.",
            file=request.label(path),
            line=line,
            reason="encoding_undecodable",
        ) from error


def _note_ignored_encoding(request: _Request, notes: list[dict]) -> None:
    """Warn that ``--encoding`` does not apply to a format that fixes its encoding."""
    if request.encoding:
        notes.append(
            _note(
                "encoding_ignored",
                "この形式の文字コードは UTF-8 と決まっているため、--encoding は使いません。",
                "This format is always UTF-8; --encoding is ignored.",
            )
        )


def _chosen_layer(path: Path, request: _Request, notes: list[dict]) -> str:
    """The layer to read: the one named, the only layer with geometry, or the one named
    after the stored layer (noted)."""
    try:
        listed = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as exc:
        raise _unreadable(path, request, exc) from exc
    names = [str(name) for name, geometry_type in listed if geometry_type is not None]
    shown = ", ".join(names)
    if request.layer_name is not None:
        if request.layer_name in names:
            return request.layer_name
        raise BadInput(
            f"{request.label(path)} にレイヤ「{request.layer_name}」はありません。"
            f"あるレイヤ: {shown or 'なし'}。--layer で指定し直してください。",
            f"{request.label(path)} has no layer {request.layer_name!r}; it has: "
            f"{shown or 'none'}. Name one with --layer.",
            file=request.label(path),
            layers=names,
            reason="unknown_layer",
        )
    if len(names) == 1:
        return names[0]
    preferred = {_normal(name) for name in request.preferred_layers}
    matching = [name for name in names if _normal(name) in preferred]
    if len(matching) == 1:
        notes.append(
            _note(
                "layer_chosen",
                f"{request.label(path)} のレイヤ（{shown}）のうち、同じ名前の"
                f"「{matching[0]}」を読み込みました。別のレイヤは --layer で指定できます。",
                f"Of the layers of {request.label(path)} ({shown}), {matching[0]!r} was read "
                "as it bears the layer's name; choose another with --layer.",
            )
        )
        return matching[0]
    if not names:
        raise BadInput(
            f"{request.label(path)} に図形を持つレイヤがありません。",
            f"{request.label(path)} has no layer with geometry.",
            file=request.label(path),
            reason="no_layer",
        )
    raise BadInput(
        f"{request.label(path)} にはレイヤが複数あります: {shown}。"
        "読み込むレイヤを --layer で指定してください。",
        f"{request.label(path)} has several layers: {shown}; choose one with --layer.",
        file=request.label(path),
        layers=names,
        reason="several_layers",
    )


def _gdal_info(path: Path, request: _Request, **options: object) -> dict:
    """What GDAL says about a data file, or a refusal when it cannot open it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyogrio.read_info(path, **options)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _unreadable(path, request, exc) from exc


def _read_with_gdal(
    path: Path, request: _Request, notes: list[dict], **options: object
) -> gpd.GeoDataFrame:
    """Read a layer with pyogrio, turning GDAL's errors into refusals and warnings into notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pyogrio.read_dataframe(path, **options)
        except (
            pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError,
            UnicodeDecodeError,
        ) as exc:
            raise _unreadable(path, request, exc) from exc
    _note_reader_warnings(path, request, notes, caught)
    return frame


def _note_reader_warnings(
    path: Path, request: _Request, notes: list[dict], caught: list[warnings.WarningMessage]
) -> None:
    """Turn GDAL's warnings into notes, each once."""
    made = []
    for message in dict.fromkeys(str(item.message) for item in caught):
        if _MEASURED in message:
            made.append(
                _note(
                    "has_m",
                    f"{request.label(path)} の形状に計測値（M）があります。M は取り込まず、"
                    "平面の座標だけを使います。",
                    f"{request.label(path)} has measured (M) coordinates; only the plane "
                    "coordinates are kept.",
                )
            )
        elif not any(noise in message for noise in _READER_NOISE):
            text = message.replace(str(path), request.label(path))
            made.append(
                _note("reader_warning", f"読み込み時の警告: {text}", f"Reader warning: {text}")
            )
    notes.extend(note for note in made if note not in notes)


def _unreadable(path: Path, request: _Request, exc: Exception) -> BadInput:
    """The refusal of a file GDAL cannot read."""
    label = request.label(path)
    detail = str(exc).replace(str(path), label)
    return BadInput(
        f"{label} を読み込めません（{detail}）。ファイルが壊れていないか、形式が拡張子と"
        "合っているか確かめてください。",
        f"Cannot read {label} ({detail}); check that it is not damaged and that its "
        "format matches its extension.",
        file=label,
        reason="file_unreadable",
    )


# CSV


def read_table(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str, str]:
    """A CSV without geometry (such as population counts by district code), every column
    as text, decoded as a layer's CSV is; with its encoding and how that was decided."""
    request = _Request(
        source=path.name,
        encoding=_python_codec(encoding) if encoding else None,
        crs=None,
        layer_name=None,
        point_layer=False,
    )
    return _csv_table(path, request)


def _read_csv(path: Path, request: _Request) -> SourceData:
    """Read a CSV of points with 緯度/経度 (or lat/lon, X/Y) columns; every column as text."""
    notes: list[dict] = []
    label = request.label(path)
    table, encoding, encoding_source = _csv_table(path, request)
    east, north, file_crs, missing_reason = _csv_points(table, label, request, notes)
    frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(east, north))
    return _finish_frame(
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


def _csv_table(path: Path, request: _Request) -> tuple[pd.DataFrame, str, str]:
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


def _decoded_csv(data: bytes, label: str, request: _Request) -> tuple[str, str, str]:
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
    mixed_ja, mixed_en = _mixed_note(source, "前の行", "earlier lines")
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
    table: pd.DataFrame, label: str, request: _Request, notes: list[dict]
) -> tuple[np.ndarray, np.ndarray, CRS | None, tuple[str, str] | None]:
    """Eastings and northings from the coordinate columns, the CRS they imply and, for
    plane coordinates, why the CRS must be given."""
    by_name = {_normal(column): column for column in reversed(table.columns)}
    latitude = next((by_name[name] for name in _LAT_NAMES if name in by_name), None)
    longitude = next((by_name[name] for name in _LON_NAMES if name in by_name), None)
    if latitude and longitude:
        lon = _coordinate_values(table, longitude, label)
        return lon, _coordinate_values(table, latitude, label), _epsg_crs(LONLAT_EPSG), None
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
    if len(xs) == 0 or crs_candidates(_value_bounds(xs, ys))[:1] == [LONLAT_EPSG]:
        return xs, ys, _epsg_crs(LONLAT_EPSG), None
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
    xs: np.ndarray, ys: np.ndarray, x_column: str, request: _Request, notes: list[dict]
) -> tuple[np.ndarray, np.ndarray]:
    """Eastings and northings from plane X/Y columns.

    Survey practice (and EPSG 6669–6687) makes X座標 the northing, while GIS tools write x as
    the easting; when ``--crs`` is given, the order whose centre lies in the zone wins.
    """
    conventional = (ys, xs) if "座標" in x_column else (xs, ys)
    if request.crs is None or request.crs.is_geographic:
        return conventional
    fitting = [
        order for order in ((xs, ys), (ys, xs)) if _fits_area_of_use(_centre(*order), request.crs)
    ]
    if len(fitting) == 1:
        return fitting[0]
    east_is_x = conventional[0] is xs
    notes.append(
        _note(
            "axes_assumed",
            f"「{x_column}」を{'東西（横）' if east_is_x else '南北（縦）'}方向の座標として"
            "読みました。地図上の位置を確かめてください。",
            f"Read {x_column!r} as the {'easting' if east_is_x else 'northing'}; check the "
            "positions on the map.",
        )
    )
    return conventional


def _normal(name: str) -> str:
    """A column name for matching: NFKC, without spaces, lower case."""
    return unicodedata.normalize("NFKC", name).replace(" ", "").lower()


# CRS


def _given_crs(code: int) -> CRS:
    """The CRS for ``--crs``, refused unless it is one used for Japanese data."""
    if code not in ACCEPTED_EPSG:
        raise BadInput(
            f"--crs {code} には対応していません。使える座標系: {ACCEPTED_JA}。",
            f"--crs {code} is not supported. Use one of: {ACCEPTED_EN}.",
            crs=code,
            reason="crs_not_accepted",
        )
    return _epsg_crs(code)


def _identified(declared: CRS, reported: object) -> CRS:
    """The EPSG CRS matching ``declared`` (ESRI WKT included), else GDAL's, else as is."""
    code = declared.to_epsg(min_confidence=70)
    if code is None and reported is not None:
        code = CRS.from_user_input(reported).to_epsg(min_confidence=70)
    return _epsg_crs(code) if code else declared


def _finish(
    fields: pd.DataFrame,
    geometry: FeatureGeometry,
    request: _Request,
    notes: list[dict],
    *,
    format: str,
    encoding: str | None,
    encoding_source: str,
    file_crs: CRS | None,
    crs_source: str,
    missing_reason: tuple[str, str] | None,
) -> SourceData:
    """Settle the CRS and package what was read."""
    if request.crs is not None:
        if (
            file_crs is not None
            and crs_source != "csv_lonlat"
            and not file_crs.equals(request.crs, ignore_axis_order=True)
        ):
            notes.append(
                _note(
                    "crs_overridden",
                    f"ファイルの座標系 {_crs_name(file_crs)} ではなく、指定された "
                    f"EPSG:{request.crs.to_epsg()} を使います。",
                    f"Using the given EPSG:{request.crs.to_epsg()} instead of the file's "
                    f"{_crs_name(file_crs)}.",
                )
            )
        crs, crs_source = request.crs, "given"
    elif file_crs is not None:
        crs = file_crs
        if file_crs.to_epsg() not in ACCEPTED_EPSG:
            notes.append(
                _note(
                    "crs_unusual",
                    f"座標系 {_crs_name(file_crs)} は日本のデータでは珍しいものです。"
                    "位置が正しいか確かめてください。",
                    f"The CRS {_crs_name(file_crs)} is unusual for Japanese data; check the "
                    "positions.",
                )
            )
    else:
        raise _crs_missing(geometry, request, missing_reason or ("座標系が不明です", "No CRS"))
    return SourceData(
        fields=fields.reset_index(drop=True),
        geometry=geometry,
        source=request.source,
        format=format,
        encoding=encoding,
        encoding_source=encoding_source,
        crs=crs,
        crs_source=crs_source,
        warnings=notes,
    )


def _finish_frame(
    frame: gpd.GeoDataFrame,
    request: _Request,
    notes: list[dict],
    closed: np.ndarray | None = None,
    **how: Any,
) -> SourceData:
    """Package a layer read whole, noting its 3D coordinates; ``closed`` as for
    ``GeometryArray``, ``how`` as for ``_finish``."""
    geometries = frame.geometry.to_numpy()
    _note_heights(int(shapely.has_z(geometries).sum()), notes)
    return _finish(
        pd.DataFrame(frame.drop(columns=frame.geometry.name)),
        GeometryArray(geometries, closed),
        request,
        notes,
        **how,
    )


def _geometries_from_wkb(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geometries from WKB, and the positions of those read only by closing their rings:
    GDAL passes a Shapefile's or GeoJSON's open ring on as it is, which GEOS refuses."""
    with np.errstate(invalid="ignore"):  # NaN coordinates, refused by the checks
        geometries = shapely.from_wkb(wkb, on_invalid="ignore")
        broken = np.flatnonzero(shapely.is_missing(geometries) & (wkb != None))  # noqa: E711
        if len(broken):
            geometries[broken] = shapely.from_wkb(wkb[broken], on_invalid="fix")
    return geometries, broken


def _read_frame_with_gdal(
    path: Path, request: _Request, notes: list[dict], layer: str | None
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """A whole layer read with GDAL, and the positions of the features read only by closing
    their rings (read again as WKB, where a geometry GEOS refused is not simply missing)."""
    frame = _read_with_gdal(path, request, notes, layer=layer, on_invalid="ignore")
    closed = np.empty(0, dtype=np.intp)
    if frame.geometry.isna().any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # noted on the first reading
            wkb = pyogrio.raw.read(path, layer=layer, columns=[])[2]
        geometries, closed = _geometries_from_wkb(wkb)
        frame = frame.set_geometry(gpd.GeoSeries(geometries, index=frame.index, crs=frame.crs))
    return frame, closed


def _note_heights(with_z: int, notes: list[dict]) -> None:
    """Note features with 3D coordinates, which the geometry check flattens."""
    if with_z:
        notes.append(
            _note(
                "has_z",
                f"{with_z} 件の地物が3次元（Z・M）の座標を持っています。高さ・計測値は形状の"
                "検査で取り除きます。",
                f"{with_z} features have 3D (Z/M) coordinates; the geometry check drops them.",
            )
        )


def _crs_missing(geometry: FeatureGeometry, request: _Request, reason: tuple[str, str]) -> BadInput:
    """The refusal of data without a CRS, listing likely candidates."""
    bounds = geometry.total_bounds()
    candidates = crs_candidates(bounds) if bounds is not None else []
    shown_ja, shown_en = _candidate_text(candidates)
    if candidates and candidates[0] in JGD2011_ZONES:
        hint_ja = (
            "座標値はメートル単位の平面直角座標のようですが、系番号は座標値だけでは判別"
            "できません。データの地域の系を選んでください（JGD2000 なら 2443–2461、旧日本測地系"
            f"なら 30161–30179）。候補（地域が合うものから）: {shown_ja}"
        )
        hint_en = (
            "The coordinates look like plane metres, but the zone cannot be told from them; "
            "choose the zone of the data's region (JGD2000: 2443–2461, Tokyo datum: "
            f"30161–30179). Candidates, fitting regions first: {shown_en}"
        )
    elif candidates:
        hint_ja = f"座標値は緯度経度のようです。候補: {shown_ja}"
        hint_en = f"The coordinates look like lon/lat. Candidates: {shown_en}"
    else:
        hint_ja = "座標値から候補を推定できませんでした。"
        hint_en = "No candidate could be guessed from the coordinates."
    return BadInput(
        f"{reason[0]}。座標系を --crs で EPSG コードとして指定してください。{hint_ja}",
        f"{reason[1]}; give the CRS as an EPSG code with --crs. {hint_en}",
        file=request.source,
        candidates=candidates,
        reason="crs_missing",
    )


def _refuse_wrong_crs(
    source: str,
    bounds: tuple[float, float, float, float],
    crs: CRS,
    problem_ja: str,
    problem_en: str,
) -> None:
    """Refuse data whose coordinates do not fit Japan in their CRS, suggesting others."""
    candidates = crs_candidates(bounds)
    shown_ja, shown_en = _candidate_text(candidates)
    raise BadInput(
        f"{source} の{problem_ja}。座標系 {_crs_name(crs)} が違う可能性があります。"
        f"正しい座標系を --crs で指定してください。{'候補: ' + shown_ja if candidates else ''}",
        f"{source}: {problem_en}; the CRS {_crs_name(crs)} is probably wrong. Give the right "
        f"one with --crs.{' Candidates: ' + shown_en if candidates else ''}",
        file=source,
        candidates=candidates,
        reason="coordinates_outside_japan",
    )


def _candidate_text(codes: list[int]) -> tuple[str, str]:
    """Candidate EPSG codes described in Japanese and English."""
    japanese, english = [], []
    for code in codes:
        name = _epsg_crs(code).name
        label = _GEOGRAPHIC_LABELS.get(code) or f"第{name.rsplit(' ', 1)[-1]}系"
        japanese.append(f"EPSG:{code}（{label}）")
        english.append(f"EPSG:{code} ({name})")
    return "、".join(japanese), ", ".join(english)


def _crs_name(crs: CRS) -> str:
    """A CRS as EPSG:code when it has one, else its name."""
    code = crs.to_epsg()
    return f"EPSG:{code}" if code else crs.name


@lru_cache(maxsize=64)
def _epsg_crs(code: int) -> CRS:
    """The CRS for an EPSG code (cached: building one reads the PROJ database)."""
    return CRS.from_epsg(code)


@lru_cache(maxsize=64)
def _to_lon_lat(crs: CRS) -> Transformer:
    """A transformer from ``crs`` to JGD2011 lon/lat in x, y order (cached per CRS)."""
    return Transformer.from_crs(crs, LONLAT_EPSG, always_xy=True)


def _fits_area_of_use(point: tuple[float, float], crs: CRS) -> bool:
    """True when ``point`` (x, y in ``crs``) lies within the CRS's area of use."""
    area = crs.area_of_use
    if area is None:
        return False
    try:
        lon, lat = _to_lon_lat(crs).transform(*point)
    except ProjError:
        return False
    return area.west <= lon <= area.east and area.south <= lat <= area.north


def _bounds_in_lon_lat(
    bounds: tuple[float, float, float, float], crs: CRS
) -> tuple[float, float, float, float] | None:
    """``bounds`` transformed to JGD2011 lon/lat, or None when they cannot be."""
    try:
        result = _to_lon_lat(crs).transform_bounds(*bounds, densify_pts=21)
    except (ProjError, CRSError):
        return None
    west, south, east, north = result
    plausible = -180 <= west <= east <= 180 and -90 <= south <= north <= 90
    return result if plausible else None


def _looks_like_degrees_in_japan(minx: float, miny: float, maxx: float, maxy: float) -> bool:
    """True when x lies in Japan's longitudes and y in its latitudes."""
    in_longitudes = JAPAN_LON[0] <= minx <= maxx <= JAPAN_LON[1]
    return in_longitudes and JAPAN_LAT[0] <= miny <= maxy <= JAPAN_LAT[1]


def _extent_text(
    lon_lat: tuple[float, float, float, float] | None, bounds: tuple[float, float, float, float]
) -> tuple[str, str]:
    """The extent found, in lon/lat when it could be computed, else in the file's units."""
    if lon_lat is None:
        minx, miny, maxx, maxy = bounds
        return (
            f"X {minx:.3f}〜{maxx:.3f}、Y {miny:.3f}〜{maxy:.3f}",
            f"x {minx:.3f}–{maxx:.3f}, y {miny:.3f}–{maxy:.3f}",
        )
    west, south, east, north = lon_lat
    return (
        f"経度 {west:.4f}〜{east:.4f}、緯度 {south:.4f}〜{north:.4f}",
        f"lon {west:.4f}–{east:.4f}, lat {south:.4f}–{north:.4f}",
    )


def _finite_bounds(geometries: np.ndarray) -> tuple[float, float, float, float] | None:
    """The geometries' extent, or None when they have no coordinates."""
    if not len(geometries):
        return None
    bounds = tuple(float(value) for value in shapely.total_bounds(geometries))
    return bounds if np.all(np.isfinite(bounds)) else None


def _value_bounds(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
    """The bounds of coordinate arrays."""
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def _centre(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    """The centre of coordinate arrays' bounds."""
    minx, miny, maxx, maxy = _value_bounds(xs, ys)
    return (minx + maxx) / 2, (miny + maxy) / 2


# Encodings


def _python_codec(name: str) -> str:
    """The Python codec for an encoding name as .cpg files and users write it."""
    key = name.strip().lstrip("\ufeff").upper()
    codec = _CODEPAGE_NAMES.get(key)
    if codec is None:
        candidate = f"cp{key}" if key.isdigit() else key
        try:
            codec = codecs.lookup(candidate).name
        except LookupError:
            raise BadInput(
                f"文字コード「{name}」が分かりません。cp932（Shift_JIS）や utf-8 のように"
                "指定してください。",
                f"Unknown encoding {name!r}; use e.g. cp932 (Shift_JIS) or utf-8.",
                encoding=name,
                reason="encoding_unknown",
            ) from None
    return "cp932" if codec == "shift_jis" else codec


def _note(code: str, message: str, message_en: str, feature: int | None = None) -> dict:
    """One warning for the import report."""
    return {"feature": feature, "code": code, "message": message, "message_en": message_en}
