"""Real layer files written for tests: Shapefiles as cities send them (CP932, no .cpg)."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import geopandas as gpd


def write_shapefile(frame: gpd.GeoDataFrame, path: Path, encoding: str = "cp932") -> Path:
    """Write ``frame`` as a Shapefile in ``encoding`` without a .cpg, like real city data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding=encoding)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def zip_shapefile(shp: Path, target: Path) -> Path:
    """Zip a Shapefile's parts (as a city's download would be)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(shp.parent.glob(f"{shp.stem}.*")):
            archive.write(part, part.name)
    return target


def write_measured_shapefile(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write single-ring polygons as a PolygonM Shapefile (type 25) with M = vertex number:
    pyogrio writes the .dbf, .prj and a plain .shp, whose .shp and .shx are then rewritten
    by hand, since GDAL cannot be asked to write measures."""
    write_shapefile(frame, path)
    rings = [[list(geom.exterior.coords)] for geom in frame.geometry]
    return rewrite_shapes(path, rings, 25)


def write_open_rings_shapefile(
    frame: gpd.GeoDataFrame, path: Path, open_features: set[int]
) -> Path:
    """Write single-ring polygons as a Shapefile whose features ``open_features`` (0-based)
    leave their ring open, the last point left out, as some exporters do; GDAL cannot be
    asked to write that, so the .shp and .shx are rewritten by hand."""
    write_shapefile(frame, path)
    rings = [
        [list(geom.exterior.coords)[: -1 if index in open_features else None]]
        for index, geom in enumerate(frame.geometry)
    ]
    return rewrite_shapes(path, rings)


def rewrite_shapes(
    path: Path, records: list[list[list[tuple]] | None], shape_type: int = 5
) -> Path:
    """Rewrite a Shapefile's .shp and .shx by hand: each record as its parts (rings of
    points, written as given) or None for a null shape, as Polygon (5) or PolygonM (25,
    with M = vertex number)."""
    contents = [_shape_record(parts, shape_type) for parts in records]
    points = [point for parts in records if parts for ring in parts for point in ring]
    xs, ys = [p[0] for p in points] or [0.0], [p[1] for p in points] or [0.0]

    def header(length_bytes: int) -> bytes:
        return (
            struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length_bytes // 2)
            + struct.pack("<2i", 1000, shape_type)
            + struct.pack("<8d", min(xs), min(ys), max(xs), max(ys), 0, 0, 0, 0)
        )

    shp, shx, offset = b"", b"", 100
    for number, content in enumerate(contents, start=1):
        shp += struct.pack(">2i", number, len(content) // 2) + content
        shx += struct.pack(">2i", offset // 2, len(content) // 2)
        offset += 8 + len(content)
    path.write_bytes(header(100 + len(shp)) + shp)
    path.with_suffix(".shx").write_bytes(header(100 + len(shx)) + shx)
    return path


def _shape_record(parts: list[list[tuple]] | None, shape_type: int) -> bytes:
    """One record's content: a null shape, or the parts as a Polygon(M)."""
    if parts is None:
        return struct.pack("<i", 0)
    points = [point for ring in parts for point in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    starts = [sum(len(ring) for ring in parts[:index]) for index in range(len(parts))]
    content = struct.pack(
        "<i4d2i", shape_type, min(xs), min(ys), max(xs), max(ys), len(parts), len(points)
    )
    content += b"".join(struct.pack("<i", start) for start in starts)
    content += b"".join(struct.pack("<2d", x, y) for x, y in zip(xs, ys, strict=True))
    if shape_type == 25:
        content += struct.pack("<2d", 0, len(points) - 1)
        content += b"".join(struct.pack("<d", float(m)) for m in range(len(points)))
    return content


def replace_dbf(
    shp: Path, fields: list[tuple[str, str, int, int]], rows: list[list[bytes]]
) -> Path:
    """Give a Shapefile a hand-made .dbf: ``fields`` as (name, type, width, decimals) and
    each row's raw values, padded with spaces to their field's width."""
    header_length = 32 + 32 * len(fields) + 1
    record_length = 1 + sum(width for _, _, width, _ in fields)
    header = struct.pack("<B3BIHH20x", 3, 126, 1, 1, len(rows), header_length, record_length)
    descriptors = b"".join(
        struct.pack("<11sc4xBB14x", name.encode(), kind.encode(), width, decimals)
        for name, kind, width, decimals in fields
    )
    records = b"".join(
        b" "
        + b"".join(
            value.ljust(width, b" ")[:width]
            for value, (_, _, width, _) in zip(row, fields, strict=True)
        )
        for row in rows
    )
    shp.with_suffix(".dbf").write_bytes(header + descriptors + b"\r" + records + b"\x1a")
    return shp
