"""The CRS of what was read: the given ``--crs``, else the file's; refused with likely
candidates when missing, and checked to put the coordinates inside Japan."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from ..errors import BadInput
from ..translatable import Counted, Sentences, Text
from .source_data import FeatureGeometry, GeometryArray, Request, SourceData, note

JAPAN_LON = (122.0, 154.0)
JAPAN_LAT = (20.0, 46.0)
GEOGRAPHIC_CANDIDATES = (6668, 4612, 4326)
JGD2011_ZONES = tuple(range(6669, 6688))
ACCEPTED_EPSG = frozenset(
    [*JGD2011_ZONES, 6668, *range(2443, 2462), 4612, *range(30161, 30180), 4301, 4326]
)
PLANE_LIMIT = 1_000_000.0
LONLAT_EPSG = 6668
ACCEPTED = Text(
    "JGD2011 の平面直角座標系 6669–6687・緯度経度 6668、JGD2000 の 2443–2461・4612、"
    "旧日本測地系の 30161–30179・4301、WGS 84 の 4326"
)
_GEOGRAPHIC_LABELS = {
    6668: Text("JGD2011 緯度経度"),
    4612: Text("JGD2000 緯度経度"),
    4326: Text("WGS 84 緯度経度"),
}


class CrsRefused(BadInput):
    """A refusal about the coordinate system: what was found (``finding``; None when the
    given ``--crs`` itself is refused), then what to do on the command line (``advice``).
    The upload page says what to do its own way, after the same finding
    (``importing.crs_choices``)."""

    def __init__(self, finding: Text | None, advice: Text, **details: object) -> None:
        super().__init__(Sentences(*([] if finding is None else [finding]), advice), **details)
        self.finding = finding


def candidates_text(codes: list[int], label: Callable[[int], Text]) -> list[Text]:
    """「候補: EPSG:6676（…）、…」 when there are candidate codes, each named by ``label``."""
    if not codes:
        return []
    named = [Text("EPSG:{code}（{label}）", code=code, label=label(code)) for code in codes]
    return [Text("候補: {candidates}", candidates=named)]


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
    fitting = [code for code in JGD2011_ZONES if fits_area_of_use(centre, epsg_crs(code))]
    return fitting + [code for code in JGD2011_ZONES if code not in fitting]


def check_coordinates_in_japan(geometry: FeatureGeometry, crs: CRS | None, source: str) -> None:
    """Refuse coordinates that fall outside Japan, or that look like swapped lat/lon."""
    bounds = geometry.total_bounds()
    if bounds is None:
        return
    if crs is None:
        raise CrsRefused(
            Text("{file} の座標系が分かりません。", file=source),
            Text("--crs で EPSG コードを指定してください。"),
            file=source,
            reason="crs_missing",
        )
    crs = CRS.from_user_input(crs)
    minx, miny, maxx, maxy = bounds
    if crs.is_geographic and _looks_like_degrees_in_japan(miny, minx, maxy, maxx):
        raise BadInput(
            Text(
                "{file} の緯度と経度が入れ替わっているようです（X が {minx:.4f}〜{maxx:.4f}、"
                "Y が {miny:.4f}〜{maxy:.4f}）。経度を X、緯度を Y にして作り直してください。",
                file=source,
                minx=minx,
                maxx=maxx,
                miny=miny,
                maxy=maxy,
            ),
            file=source,
            reason="coordinates_swapped",
        )
    if not crs.is_geographic and _looks_like_degrees_in_japan(minx, miny, maxx, maxy):
        _refuse_wrong_crs(
            source,
            bounds,
            crs,
            Text(
                "座標値は緯度経度（度）のようですが、座標系 {crs} は平面直角座標系です",
                crs=_crs_name(crs),
            ),
        )
    lon_lat = _bounds_in_lon_lat(bounds, crs)
    if lon_lat is None or not _looks_like_degrees_in_japan(*lon_lat):
        _refuse_stray_features(geometry.read_all(), crs, source)
        _refuse_wrong_crs(
            source,
            bounds,
            crs,
            Text(
                "座標が日本の範囲（経度 122〜154 度、緯度 20〜46 度）に入りません（{found}）",
                found=_extent_text(lon_lat, bounds),
            ),
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
        Counted(
            "{file} の {n} 件の地物（最初は {first} 番目）の座標が日本の範囲"
            "（経度 122〜154 度、緯度 20〜46 度）の外にあります。ほかの地物は範囲内なので、"
            "座標系ではなくその地物の座標を直してください"
            "（座標が 0 や空の地物がないか確かめてください）。",
            "{file} の {n} 件の地物（最初は {first} 番目）の座標が日本の範囲"
            "（経度 122〜154 度、緯度 20〜46 度）の外にあります。ほかの地物は範囲内なので、"
            "座標系ではなくその地物の座標を直してください"
            "（座標が 0 や空の地物がないか確かめてください）。",
            n=len(outside),
            file=source,
            first=first,
        ),
        file=source,
        feature=first,
        features=[int(index) + 1 for index in outside[:100]],
        reason="coordinates_outside_japan",
    )


def given_crs(code: int) -> CRS:
    """The CRS for ``--crs``, refused unless it is one used for Japanese data."""
    if code not in ACCEPTED_EPSG:
        raise CrsRefused(
            None,
            Text(
                "--crs {code} には対応していません。使える座標系: {accepted}。",
                code=code,
                accepted=ACCEPTED,
            ),
            crs=code,
            reason="crs_not_accepted",
        )
    return epsg_crs(code)


def identified(declared: CRS, reported: object) -> CRS:
    """The EPSG CRS matching ``declared`` (ESRI WKT included), else GDAL's, else as is."""
    code = declared.to_epsg(min_confidence=70)
    if code is None and reported is not None:
        code = CRS.from_user_input(reported).to_epsg(min_confidence=70)
    return epsg_crs(code) if code else declared


def finish(
    fields: pd.DataFrame,
    geometry: FeatureGeometry,
    request: Request,
    notes: list[dict],
    *,
    format: str,
    encoding: str | None,
    encoding_source: str,
    file_crs: CRS | None,
    crs_source: str,
    missing_reason: Text | None,
) -> SourceData:
    """Settle the CRS and package what was read (``missing_reason``: the sentence saying
    why the file gives no CRS, for the refusal when none is given either)."""
    if request.crs is not None:
        if (
            file_crs is not None
            and crs_source != "csv_lonlat"
            and not file_crs.equals(request.crs, ignore_axis_order=True)
        ):
            notes.append(
                note(
                    "crs_overridden",
                    Text(
                        "ファイルの座標系 {file_crs} ではなく、指定された EPSG:{code} を使います。",
                        file_crs=_crs_name(file_crs),
                        code=request.crs.to_epsg(),
                    ),
                )
            )
        crs, crs_source = request.crs, "given"
    elif file_crs is not None:
        crs = file_crs
        if file_crs.to_epsg() not in ACCEPTED_EPSG:
            notes.append(
                note(
                    "crs_unusual",
                    Text(
                        "座標系 {crs} は日本のデータでは珍しいものです。"
                        "位置が正しいか確かめてください。",
                        crs=_crs_name(file_crs),
                    ),
                )
            )
    else:
        raise _crs_missing(geometry, request, missing_reason or Text("座標系が不明です。"))
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


def finish_frame(
    frame: gpd.GeoDataFrame,
    request: Request,
    notes: list[dict],
    closed: np.ndarray | None = None,
    **how: Any,
) -> SourceData:
    """Package a layer read whole, noting its 3D coordinates; ``closed`` as for
    ``GeometryArray``, ``how`` as for ``finish``."""
    geometries = frame.geometry.to_numpy()
    note_heights(int(shapely.has_z(geometries).sum()), notes)
    return finish(
        pd.DataFrame(frame.drop(columns=frame.geometry.name)),
        GeometryArray(geometries, closed),
        request,
        notes,
        **how,
    )


def note_heights(with_z: int, notes: list[dict]) -> None:
    """Note features with 3D coordinates, which the geometry check flattens."""
    if with_z:
        notes.append(
            note(
                "has_z",
                Counted(
                    "{n} 件の地物が3次元（Z・M）の座標を持っています。高さ・計測値は形状の"
                    "検査で取り除きます。",
                    "{n} 件の地物が3次元（Z・M）の座標を持っています。高さ・計測値は形状の"
                    "検査で取り除きます。",
                    n=with_z,
                ),
            )
        )


def _crs_missing(geometry: FeatureGeometry, request: Request, reason: Text) -> CrsRefused:
    """The refusal of data without a CRS (``reason`` says why), listing likely candidates."""
    bounds = geometry.total_bounds()
    candidates = crs_candidates(bounds) if bounds is not None else []
    named = [Text("EPSG:{code}（{label}）", code=code, label=_label(code)) for code in candidates]
    if candidates and candidates[0] in JGD2011_ZONES:
        hint = Text(
            "座標値はメートル単位の平面直角座標のようですが、系番号は座標値だけでは判別"
            "できません。データの地域の系を選んでください（JGD2000 なら 2443–2461、旧日本測地系"
            "なら 30161–30179）。候補（地域が合うものから）: {candidates}",
            candidates=named,
        )
    elif candidates:
        hint = Sentences(Text("座標値は緯度経度のようです。"), *candidates_text(candidates, _label))
    else:
        hint = Text("座標値から候補を推定できませんでした。")
    return CrsRefused(
        reason,
        Sentences(Text("座標系を --crs で EPSG コードとして指定してください。"), hint),
        file=request.source,
        candidates=candidates,
        reason="crs_missing",
    )


def _refuse_wrong_crs(
    source: str, bounds: tuple[float, float, float, float], crs: CRS, problem: Text
) -> None:
    """Refuse data whose coordinates do not fit Japan in their CRS, suggesting others."""
    candidates = crs_candidates(bounds)
    raise CrsRefused(
        Text(
            "{file} の{problem}。座標系 {crs} が違う可能性があります。",
            file=source,
            problem=problem,
            crs=_crs_name(crs),
        ),
        Sentences(
            Text("正しい座標系を --crs で指定してください。"),
            *candidates_text(candidates, _label),
        ),
        file=source,
        candidates=candidates,
        reason="coordinates_outside_japan",
    )


def _label(code: int) -> Text:
    """A candidate CRS named as the refusals name it: 「第VIII系」, 「JGD2011 緯度経度」."""
    geographic = _GEOGRAPHIC_LABELS.get(code)
    if geographic is not None:
        return geographic
    return Text("第{numeral}系", numeral=epsg_crs(code).name.rsplit(" ", 1)[-1])


def _crs_name(crs: CRS) -> str:
    """A CRS as EPSG:code when it has one, else its name."""
    code = crs.to_epsg()
    return f"EPSG:{code}" if code else crs.name


@lru_cache(maxsize=64)
def epsg_crs(code: int) -> CRS:
    """The CRS for an EPSG code (cached: building one reads the PROJ database)."""
    return CRS.from_epsg(code)


@lru_cache(maxsize=64)
def _to_lon_lat(crs: CRS) -> Transformer:
    """A transformer from ``crs`` to JGD2011 lon/lat in x, y order (cached per CRS)."""
    return Transformer.from_crs(crs, LONLAT_EPSG, always_xy=True)


def fits_area_of_use(point: tuple[float, float], crs: CRS) -> bool:
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
) -> Text:
    """The extent found, in lon/lat when it could be computed, else in the file's units."""
    if lon_lat is None:
        minx, miny, maxx, maxy = bounds
        return Text(
            "X {minx:.3f}〜{maxx:.3f}、Y {miny:.3f}〜{maxy:.3f}",
            minx=minx,
            maxx=maxx,
            miny=miny,
            maxy=maxy,
        )
    west, south, east, north = lon_lat
    return Text(
        "経度 {west:.4f}〜{east:.4f}、緯度 {south:.4f}〜{north:.4f}",
        west=west,
        east=east,
        south=south,
        north=north,
    )


def value_bounds(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
    """The bounds of coordinate arrays."""
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def bounds_centre(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    """The centre of coordinate arrays' bounds."""
    minx, miny, maxx, maxy = value_bounds(xs, ys)
    return (minx + maxx) / 2, (miny + maxy) / 2
