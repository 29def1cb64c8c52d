"""The CRS of what was read: the given ``--crs``, else the file's; refused with likely
candidates when missing, and checked to put the coordinates inside Japan."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from ..errors import BadInput
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
ACCEPTED_JA = (
    "JGD2011 の平面直角座標系 6669–6687・緯度経度 6668、JGD2000 の 2443–2461・4612、"
    "旧日本測地系の 30161–30179・4301、WGS 84 の 4326"
)
ACCEPTED_EN = (
    "JGD2011 plane zones 6669–6687 and lon/lat 6668, JGD2000 2443–2461 and 4612, "
    "Tokyo datum 30161–30179 and 4301, WGS 84 4326"
)
_GEOGRAPHIC_LABELS = {6668: "JGD2011 緯度経度", 4612: "JGD2000 緯度経度", 4326: "WGS 84 緯度経度"}


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


def given_crs(code: int) -> CRS:
    """The CRS for ``--crs``, refused unless it is one used for Japanese data."""
    if code not in ACCEPTED_EPSG:
        raise BadInput(
            f"--crs {code} には対応していません。使える座標系: {ACCEPTED_JA}。",
            f"--crs {code} is not supported. Use one of: {ACCEPTED_EN}.",
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
                note(
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
                note(
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
                f"{with_z} 件の地物が3次元（Z・M）の座標を持っています。高さ・計測値は形状の"
                "検査で取り除きます。",
                f"{with_z} features have 3D (Z/M) coordinates; the geometry check drops them.",
            )
        )


def _crs_missing(geometry: FeatureGeometry, request: Request, reason: tuple[str, str]) -> BadInput:
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
        name = epsg_crs(code).name
        label = _GEOGRAPHIC_LABELS.get(code) or f"第{name.rsplit(' ', 1)[-1]}系"
        japanese.append(f"EPSG:{code}（{label}）")
        english.append(f"EPSG:{code} ({name})")
    return "、".join(japanese), ", ".join(english)


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


def value_bounds(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
    """The bounds of coordinate arrays."""
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def bounds_centre(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    """The centre of coordinate arrays' bounds."""
    minx, miny, maxx, maxy = value_bounds(xs, ys)
    return (minx + maxx) / 2, (miny + maxy) / 2
