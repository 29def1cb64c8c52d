"""Which school zone each district lies in: the pieces, their areas and shares, the majority.

Most districts lie wholly inside one zone. Those are found with bulk STRtree queries and
prepared-geometry predicates (``contains_properly``, then ``covers`` for districts that
share an edge with the zone's boundary) and need no intersection at all; only districts
that straddle a zone boundary are intersected. Areas are in m² of the layers' CRS.

Ties: when two zones hold the same share of a district (within ``TIE_TOLERANCE`` of its
area), the zone with the lower code is the majority zone.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..translatable import Text
from .inputs import check_layer, check_same_crs, check_threshold

DEFAULT_SPLIT_THRESHOLD = 0.05
TIE_TOLERANCE = 1e-9

# DE-9IM patterns, evaluated on prepared zones (GEOS RelateNG caches each zone's edges).
_COVERS = "T*****FF*"
_INTERIORS_MEET = "T********"

PIECE_COLUMNS = ["district", "zone", "area_m2", "district_share", "zone_share"]
UNCOVERED_COLUMNS = ["district", "area_m2", "district_share"]
# A district's part in no zone smaller than this (1 dm²) is floating-point noise of the
# overlay along edges the district and its zones share, not land outside the zones.
UNCOVERED_MIN_M2 = 0.01
MAJORITY_COLUMNS = ["majority_zone", "majority_share", "second_share", "split"]


@dataclass(frozen=True)
class _Pieces:
    """Positional pieces: district and zone row numbers, piece areas, and (optionally)
    the piece geometries."""

    district: np.ndarray
    zone: np.ndarray
    area: np.ndarray
    geometry: np.ndarray | None


def district_zone_pieces(districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every (district, zone) piece of positive area, with its area in m² and its share of
    the district and of the zone; ordered by district (input order), largest piece first.

    A district outside every zone has no piece.
    """
    _check_polygon_layers(districts, zones)
    pieces = _pieces(districts.geometry.to_numpy(), zones.geometry.to_numpy(), shapes=False)
    return _piece_frame(districts, zones, pieces)


def district_zone_piece_shapes(
    districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The pieces of ``district_zone_pieces`` with their geometry (a whole district's piece
    is the district itself), in the layers' CRS."""
    _check_polygon_layers(districts, zones)
    pieces = _pieces(districts.geometry.to_numpy(), zones.geometry.to_numpy(), shapes=True)
    frame = _piece_frame(districts, zones, pieces)
    order = frame.index.to_numpy()
    return gpd.GeoDataFrame(
        frame.reset_index(drop=True),
        geometry=pieces.geometry[order] if pieces.geometry is not None else None,
        crs=districts.crs,
    )


def uncovered_parts(
    districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, pieces: pd.DataFrame
) -> gpd.GeoDataFrame:
    """The part of each district that lies in no school zone: the district's code, the
    part's area in m², its share of the district and its geometry, in district order.

    ``pieces`` are the districts' pieces (``district_zone_pieces``); a district with a
    piece of its whole area is covered and is not cut again. Parts under
    ``UNCOVERED_MIN_M2`` are left out.
    """
    geometries = districts.geometry.to_numpy()
    codes = districts["code"].astype(str).to_numpy()
    whole = pieces.loc[pieces["district_share"] >= 1 - TIE_TOLERANCE, "district"].to_numpy()
    candidates = np.flatnonzero(~np.isin(codes, whole))
    zone_shapes = zones.geometry.to_numpy()
    near_district, near_zone = shapely.STRtree(zone_shapes).query(geometries[candidates])
    rest = geometries[candidates].copy()
    for position in np.unique(near_district):
        around = shapely.union_all(zone_shapes[near_zone[near_district == position]])
        rest[position] = shapely.difference(rest[position], around)
    area = shapely.area(rest)
    kept = area >= UNCOVERED_MIN_M2
    chosen = candidates[kept]
    return gpd.GeoDataFrame(
        {
            "district": codes[chosen],
            "area_m2": area[kept],
            "district_share": area[kept] / shapely.area(geometries[chosen]),
        },
        geometry=_polygonal(rest[kept]),
        crs=districts.crs,
    )


def majority_zones(
    districts: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    threshold: float = DEFAULT_SPLIT_THRESHOLD,
) -> pd.DataFrame:
    """Per district (indexed by code): the zone holding most of it, that share, the
    second-largest share, and whether it is split (second share above ``threshold``).

    A district outside every zone has no majority zone (None) and shares of 0.
    """
    check_threshold(threshold)
    pieces = district_zone_pieces(districts, zones)
    return majority_from_pieces(pieces, districts["code"], threshold)


def majority_from_pieces(
    pieces: pd.DataFrame, district_codes: pd.Series, threshold: float = DEFAULT_SPLIT_THRESHOLD
) -> pd.DataFrame:
    """The majority table of ``majority_zones`` from pieces already computed."""
    check_threshold(threshold)
    codes = pd.Index(district_codes.astype(str), name="district")
    frame = pd.DataFrame(
        {
            "majority_zone": pd.Series([None] * len(codes), index=codes, dtype=object),
            "majority_share": 0.0,
            "second_share": 0.0,
        },
        index=codes,
    )
    if len(pieces):
        ranked = _rank_pieces(pieces)
        first = ranked[ranked["rank"] == 0].set_index("district")
        second = ranked[ranked["rank"] == 1].set_index("district")
        frame.loc[first.index, "majority_zone"] = first["zone"].astype(object)
        frame.loc[first.index, "majority_share"] = first["district_share"]
        frame.loc[second.index, "second_share"] = second["district_share"]
    frame["split"] = frame["second_share"] > threshold
    return frame[MAJORITY_COLUMNS]


def _rank_pieces(pieces: pd.DataFrame) -> pd.DataFrame:
    """The pieces with each one's rank within its district: 0 for the majority zone.

    Shares within ``TIE_TOLERANCE`` of each other count as equal; the lower zone code wins.
    """
    ranked = pieces[["district", "zone", "district_share"]].copy()
    best = ranked.groupby("district", sort=False)["district_share"].transform("max")
    ranked["tied_best"] = ranked["district_share"] >= best - TIE_TOLERANCE
    ranked = ranked.sort_values(
        ["district", "tied_best", "district_share", "zone"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    ranked["rank"] = ranked.groupby("district", sort=False).cumcount()
    return ranked


def _check_polygon_layers(districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> None:
    """Validate both polygon layers before any geometry work."""
    check_layer(districts, Text("行政区"), "polygon")
    check_layer(zones, Text("小学校区"), "polygon")
    check_same_crs(districts, zones)


def _piece_frame(
    districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, pieces: _Pieces
) -> pd.DataFrame:
    """The pieces as a frame of codes, areas and shares, in district order, largest first."""
    district_area = shapely.area(districts.geometry.to_numpy())
    zone_area = shapely.area(zones.geometry.to_numpy())
    frame = pd.DataFrame(
        {
            "district": districts["code"].astype(str).to_numpy()[pieces.district],
            "zone": zones["code"].astype(str).to_numpy()[pieces.zone],
            "area_m2": pieces.area,
            "district_share": pieces.area / district_area[pieces.district],
            "zone_share": pieces.area / zone_area[pieces.zone],
            "_row": pieces.district,
        }
    )
    frame = frame.sort_values(["_row", "area_m2", "zone"], ascending=[True, False, True])
    return frame[PIECE_COLUMNS]


def _pieces(districts: np.ndarray, zones: np.ndarray, shapes: bool) -> _Pieces:
    """The positive-area pieces of each district in each zone.

    1. Bounding-box candidates from one bulk STRtree query.
    2. Prepared ``contains_properly`` settles the districts deep inside a zone. For the
       rest, only the zone holding a point inside the district can cover it: one
       prepared covers test (DE-9IM) each settles those on a zone's edge.
    3. A settled district's other candidates are skipped unless its zone overlaps another
       one (a broken zone coverage); every other candidate whose interior meets the
       district's is cut (candidates touching only along an edge are not).
    """
    tree = shapely.STRtree(districts)
    zone_of, district_of = tree.query(zones)
    shapely.prepare(zones)
    whole = shapely.contains_properly(zones[zone_of], districts[district_of])
    home = np.full(len(districts), -1)
    home[district_of[whole]] = zone_of[whole]
    edge_zone, edge_district = _covering_zones(zones, districts, np.unique(district_of[~whole]))
    unsettled = home[edge_district] < 0
    edge_zone, edge_district = edge_zone[unsettled], edge_district[unsettled]
    covered = shapely.relate_pattern(zones[edge_zone], districts[edge_district], _COVERS)
    home[edge_district[covered]] = edge_zone[covered]
    whole_zone = np.concatenate([zone_of[whole], edge_zone[covered]])
    whole_district = np.concatenate([district_of[whole], edge_district[covered]])
    overlapping = _overlapping_zones(zones)
    settled = home[district_of] >= 0
    to_cut = ~settled | overlapping[np.maximum(home[district_of], 0), zone_of]
    to_cut &= ~np.isin(
        zone_of * len(districts) + district_of, whole_zone * len(districts) + whole_district
    )
    cut_zone, cut_district = zone_of[to_cut], district_of[to_cut]
    meets = shapely.relate_pattern(zones[cut_zone], districts[cut_district], _INTERIORS_MEET)
    cut_zone, cut_district = cut_zone[meets], cut_district[meets]
    cut = _intersections(districts, zones, cut_district, cut_zone, overlapping)
    cut_area = shapely.area(cut)
    positive = cut_area > 0
    return _Pieces(
        district=np.concatenate([whole_district, cut_district[positive]]),
        zone=np.concatenate([whole_zone, cut_zone[positive]]),
        area=np.concatenate([shapely.area(districts[whole_district]), cut_area[positive]]),
        geometry=np.concatenate([districts[whole_district], _polygonal(cut[positive])])
        if shapes
        else None,
    )


def _intersections(
    districts: np.ndarray,
    zones: np.ndarray,
    district: np.ndarray,
    zone: np.ndarray,
    overlapping: np.ndarray,
) -> np.ndarray:
    """Each district's intersection with its zone; a district whose pieces in zones that do
    not overlap come to more than its area is cut again on a fine grid.

    GEOS's floating-point overlay can mistake a district vertex lying all but on a zone's
    edge for one inside the zone, and return the whole district as the piece; snap-rounding
    to a grid a trillionth of the coordinates' size settles such near-collinear edges.
    """
    cut = shapely.intersection(districts[district], zones[zone])
    total = np.bincount(district, weights=shapely.area(cut), minlength=len(districts))
    overfull = total > shapely.area(districts) * (1 + TIE_TOLERANCE)
    for index in np.flatnonzero(overfull):
        own = np.flatnonzero(district == index)
        if overlapping[np.ix_(zone[own], zone[own])].any():
            continue  # overlapping zones: the pieces may rightly come to more than the whole
        grid = 1e-12 * max(1.0, float(np.abs(shapely.bounds(districts[index])).max()))
        cut[own] = shapely.intersection(districts[index], zones[zone[own]], grid_size=grid)
    return cut


def _polygonal(pieces: np.ndarray) -> np.ndarray:
    """The pieces with the points and lines an intersection may add dropped: a geometry
    collection becomes the (multi)polygon of its polygon parts."""
    pieces = pieces.copy()
    mixed = np.flatnonzero(shapely.get_type_id(pieces) == shapely.GeometryType.GEOMETRYCOLLECTION)
    for index in mixed:
        parts = shapely.get_parts(pieces[index])
        polygons = shapely.get_parts(parts[shapely.area(parts) > 0])
        pieces[index] = polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons)
    return pieces


def _covering_zones(
    zones: np.ndarray, districts: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(zone, district) pairs where the zone holds a point inside the district: the only
    zones that can cover it."""
    points = shapely.point_on_surface(districts[candidates])
    zone, point = shapely.STRtree(points).query(zones, predicate="contains")
    return zone, candidates[point]


def _overlapping_zones(zones: np.ndarray) -> np.ndarray:
    """A square boolean matrix: True where two zones' interiors overlap.

    Only zones with an invalid coverage edge (unmatched by a neighbour) can overlap, so a
    clean zone coverage costs one linear validation and no pairwise test.
    """
    overlapping = np.zeros((len(zones), len(zones)), dtype=bool)
    suspects = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(zones)))
    if len(suspects) < 2:
        return overlapping
    first, second = shapely.STRtree(zones[suspects]).query(zones[suspects])
    pair = first < second
    first, second = suspects[first[pair]], suspects[second[pair]]
    hit = shapely.relate_pattern(zones[first], zones[second], "T********")
    overlapping[first[hit], second[hit]] = True
    overlapping[second[hit], first[hit]] = True
    return overlapping
