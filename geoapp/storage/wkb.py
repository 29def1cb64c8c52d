"""Little-endian WKB and EWKB as layers store them, made on the bytes: a polygon becomes a
one-part MultiPolygon and the SRID goes after the type, without building new geometries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

# WKB type codes, and the EWKB flag saying an SRID follows the type.
POLYGON_WKB_TYPE = (3).to_bytes(4, "little")
MULTIPOLYGON_WKB_TYPE = 6
EWKB_SRID_FLAG = 0x20000000


def stored_wkb(
    geometries: Sequence[Any],
    srid: int | None = None,
    known: Sequence[bytes | None] | None = None,
) -> list[bytes | None]:
    """Little-endian WKB of each geometry as a layer stores it (None stays None): a polygon
    as a one-part MultiPolygon and, given ``srid``, EWKB that carries it.

    Both are made on the bytes: a MultiPolygon's WKB is a header, a count and its polygons'
    own WKB, and EWKB flags the type and puts the SRID after it. That is several times
    cheaper than building new geometries. ``known`` gives the 2D little-endian WKB of the
    geometries where it was kept from reading (None where not); it is not made again.
    """
    heads, bodies = stored_wkb_parts(geometries, srid, known)
    return [None if head is None else head + body for head, body in zip(heads, bodies, strict=True)]


def stored_wkb_parts(
    geometries: Sequence[Any],
    srid: int | None = None,
    known: Sequence[bytes | None] | None = None,
) -> tuple[list[bytes | None], list[bytes | memoryview]]:
    """``stored_wkb`` in two parts a geometry, the new header (None for no geometry) and
    the rest of the WKB read, which a bulk writer sends without copying it."""
    wkb = (
        shapely.to_wkb(np.asarray(geometries, dtype=object), byte_order=1)
        if known is None
        else [
            own if own is not None else shapely.to_wkb(geometry, byte_order=1)
            for own, geometry in zip(known, geometries, strict=True)
        ]
    )
    srid_bytes = b"" if srid is None else srid.to_bytes(4, "little")
    flag = 0 if srid is None else EWKB_SRID_FLAG
    one_polygon = (
        b"\x01" + (MULTIPOLYGON_WKB_TYPE | flag).to_bytes(4, "little") + srid_bytes + b"\x01\0\0\0"
    )
    heads: list[bytes | None] = []
    bodies: list[bytes | memoryview] = []
    for own in wkb:
        if own is None:
            heads.append(None)
            bodies.append(b"")
        elif own[1:5] == POLYGON_WKB_TYPE:
            heads.append(one_polygon)
            bodies.append(own)
        else:
            kind = (int.from_bytes(own[1:5], "little") | flag).to_bytes(4, "little")
            heads.append(b"\x01" + kind + srid_bytes)
            bodies.append(memoryview(own)[5:])
    return heads, bodies
