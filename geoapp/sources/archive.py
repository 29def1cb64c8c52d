"""Opening a source as planners hand it in: a loose file, a folder or a .zip (unpacked with
limits against zip bombs and unsafe paths), with the one data file in it given to its reader."""

from __future__ import annotations

import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..translatable import Text
from .crs import given_crs
from .csv_points import read_csv_layer
from .encoding import python_codec
from .gdal import read_geopackage, read_json_layer
from .shapefile import read_shapefile
from .source_data import Request, SourceData, require_content

SUPPORTED = Text(
    "シェープファイル（.shp、それを入れたフォルダ、.zip）、GeoJSON（.geojson・.json）、"
    "GeoPackage（.gpkg）、TopoJSON（.topojson）、CSV（.csv）"
)
_DATA_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".topojson", ".csv")
_PUBLISHER_FILES = frozenset({"attributes.csv"})


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
    request = Request(
        source=path.name,
        encoding=python_codec(encoding) if encoding else None,
        crs=given_crs(crs) if crs is not None else None,
        layer_name=layer_name,
        point_layer=point_layer,
        preferred_layers=preferred_layers,
    )
    if not path.exists():
        raise BadInput(
            Text(
                "{file} が見つかりません。ファイルの場所と名前を確かめてください。", file=path.name
            ),
            file=path.name,
            reason="file_missing",
        )
    if path.is_dir():
        request = replace(request, root=path)
        yield _read_file(_the_data_file_in(path, request, recursive=False), request)
    elif path.suffix.lower() == ".zip":
        require_content(path, request)
        with tempfile.TemporaryDirectory(prefix="geoapp-zip-") as folder:
            unpacked = Path(folder)
            _unpack_zip(path, unpacked, max_unpacked_bytes)
            request = replace(request, root=unpacked)
            yield _read_file(_the_data_file_in(unpacked, request, recursive=True), request)
    else:
        yield _read_file(path, request)


def _read_file(path: Path, request: Request) -> SourceData:
    """Read one data file, choosing the reader by its extension."""
    require_content(path, request)
    suffix = path.suffix.lower()
    if suffix == ".shp":
        return read_shapefile(path, request)
    if suffix in (".geojson", ".json", ".topojson"):
        return read_json_layer(path, request)
    if suffix == ".gpkg":
        return read_geopackage(path, request)
    if suffix == ".csv" or (request.point_layer and suffix in (".txt", ".tsv")):
        return read_csv_layer(path, request)
    raise BadInput(
        Text(
            "{file} は読み込めない形式です。対応している形式: {supported}。"
            "シェープファイルは .dbf などではなく .shp を指定してください。",
            file=request.label(path),
            supported=SUPPORTED,
        ),
        file=request.label(path),
        reason="unsupported_format",
    )


def _the_data_file_in(folder: Path, request: Request, *, recursive: bool) -> Path:
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
    names = [request.label(path) for path in candidates]
    if not candidates:
        raise BadInput(
            Text(
                "{file} に読み込めるデータファイルがありません。対応している形式: {supported}。",
                file=request.source,
                supported=SUPPORTED,
            ),
            file=request.source,
            reason="no_data_file",
        )
    raise BadInput(
        Text(
            "{file} にデータファイルが複数あります: {names}。"
            "1つだけにするか、--layer でファイル名を指定してください。",
            file=request.source,
            names=names,
        ),
        file=request.source,
        reason="several_files",
        files=names,
    )


def _is_clutter(relative: Path) -> bool:
    """True for the hidden files and macOS resource folders zip tools add."""
    return relative.parts[0] == "__MACOSX" or any(part.startswith(".") for part in relative.parts)


def _unpack_zip(archive: Path, folder: Path, limit: int) -> None:
    """Unpack a zip into ``folder`` after refusing unsafe members and zip bombs."""
    if not zipfile.is_zipfile(archive):
        raise BadInput(
            Text(
                "{file} は zip ファイルではないか、壊れています。"
                "作り直すか、中のファイルを直接指定してください。",
                file=archive.name,
            ),
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
            Text(
                "{file} を展開できません（{reason}）。zip が壊れているか、対応していない"
                "圧縮方式です。作り直してください。",
                file=archive.name,
                reason=str(exc),
            ),
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
    problem = None
    if path.startswith("/") or (len(path) > 1 and path[0].isalpha() and path[1] == ":"):
        problem = Text("絶対パス")
    elif ".." in path.split("/"):
        problem = Text("上のフォルダを指すパス（..）")
    elif stat.S_ISLNK(member.external_attr >> 16):
        problem = Text("シンボリックリンク")
    elif member.flag_bits & 0x1:
        problem = Text("パスワード付き")
    if problem is not None:
        raise BadInput(
            Text(
                "{file} の中の「{member}」は{problem}なので、安全のため展開しません。"
                "フォルダ構成をそのまま、パスワードなしで zip を作り直してください。",
                file=archive,
                member=name,
                problem=problem,
            ),
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
        Text(
            "{file} は展開すると {size:,} バイトを超え、上限 {limit:,} バイトより大きいため"
            "展開しません。必要なファイルだけを zip にしてください。",
            file=archive,
            size=size,
            limit=limit,
        ),
        file=archive,
        reason="zip_too_large",
        size=size,
        limit=limit,
    )
