"""A Shapefile's geometry read partly straight from the .shp gives exactly what GDAL gives:
the same geometries, the same WKB, the same open rings closed, whatever the records hold."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio.raw
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_files import rewrite_shapes, write_shapefile
from shapely import MultiPolygon, Polygon, box
from shared_data import yaizu

from geoapp.sources import open_source
from geoapp.sources.shapefile_polygons import ShapefilePolygons

ZONE_8 = 6676
EAST, NORTH = -19_000.0, -128_000.0


def square(x: float, y: float, side: float = 100.0, clockwise: bool = False) -> list[tuple]:
    """A closed square ring with its lower left corner at (EAST + x, NORTH + y)."""
    x, y = EAST + x, NORTH + y
    ring = [(x, y), (x + side, y), (x + side, y + side), (x, y + side), (x, y)]
    return ring[::-1] if clockwise else ring


# Records of every kind, each written as given: (label, parts or None).
RECORDS = {
    "counter-clockwise": [square(0, 0)],
    "clockwise": [square(100, 0, clockwise=True)],
    "open ring": [square(200, 0)[:-1]],
    "repeated point": [[*square(300, 0)[:2], square(300, 0)[1], *square(300, 0)[2:]]],
    "too few points": [square(400, 0)[:2] + square(400, 0)[:1]],
    "bow-tie": [
        [(EAST, NORTH), (EAST + 9, NORTH + 9), (EAST + 9, NORTH), (EAST, NORTH + 9), (EAST, NORTH)]
    ],
    "null": None,
    "two parts": [square(500, 0), square(700, 0)],
    "hole": [square(900, 0, 300), square(1000, 100, 50, clockwise=True)],
    "three parts": [square(0, 500), square(200, 500), square(400, 500)],
    "not a number": [[(EAST, NORTH), (np.nan, NORTH), (EAST + 9, NORTH + 9), (EAST, NORTH)]],
}


def gdal_geometry(shp: Path) -> tuple[list, list]:
    """Every feature's geometry and WKB as GDAL reads them (an open ring closed by GEOS,
    with its WKB left out as the reader leaves it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wkb = pyogrio.raw.read(shp, encoding="ISO-8859-1", columns=[])[2]
    with np.errstate(invalid="ignore"):  # NaN coordinates
        geometries = shapely.from_wkb(wkb, on_invalid="ignore")
        broken = shapely.is_missing(geometries) & np.array([w is not None for w in wkb])
        geometries[broken] = shapely.from_wkb(wkb[broken], on_invalid="fix")
    return list(geometries), [None if gone else own for own, gone in zip(wkb, broken, strict=True)]


def ours(shp: Path, batch: int) -> tuple[list, list, list]:
    """Every feature's geometry, WKB and closed-ring positions as the source reads them."""
    geometries, wkb, closed = [], [], []
    with open_source(shp) as source:
        for part in source.geometry.batches(batch):
            geometries += list(part.geometries)
            wkb += list(part.wkb)
            closed += (part.closed + part.start).tolist()
    return geometries, wkb, closed


def assert_same_as_gdal(shp: Path, batch: int = 3) -> None:
    expected_geometries, expected_wkb = gdal_geometry(shp)
    geometries, wkb, closed = ours(shp, batch)
    assert len(geometries) == len(expected_geometries)
    for number, (mine, theirs) in enumerate(zip(geometries, expected_geometries, strict=True)):
        assert (mine is None) == (theirs is None), number
        if mine is not None:
            assert shapely.equals_identical(mine, theirs), number
    assert wkb == expected_wkb
    assert closed == [
        number
        for number, own in enumerate(expected_wkb)
        if own is None and expected_geometries[number] is not None
    ]


def written(tmp_path: Path, records: list) -> Path:
    """A Shapefile of the records, with a .dbf and .prj GDAL wrote for as many features."""
    frame = gpd.GeoDataFrame(
        {"N": list(range(len(records)))}, geometry=[box(0, 0, 1, 1)] * len(records), crs=ZONE_8
    )
    shp = write_shapefile(frame, tmp_path / "records" / "r.shp")
    return rewrite_shapes(shp, records)


def test_records_of_every_kind_read_as_gdal_reads_them(tmp_path: Path) -> None:
    shp = written(tmp_path, list(RECORDS.values()))
    for batch in (1, 2, 3, 5, len(RECORDS)):
        assert_same_as_gdal(shp, batch)


def test_most_records_are_read_straight_from_the_shp(tmp_path: Path) -> None:
    shp = written(
        tmp_path,
        [
            RECORDS["counter-clockwise"],
            RECORDS["two parts"],
            RECORDS["clockwise"],
            RECORDS["open ring"],
        ],
    )
    polygons = ShapefilePolygons(shp, shp.with_suffix(".shx"))
    batch = polygons.batch(0, 4)
    assert batch.positions.tolist() == [0, 2]
    assert [geometry.area for geometry in batch.geometries] == [10_000, 10_000]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(sorted(RECORDS)), min_size=1, max_size=12), st.integers(1, 6))
def test_any_mix_of_records_reads_as_gdal_reads_it(tmp_path_factory, labels, batch) -> None:
    shp = written(tmp_path_factory.mktemp("mix"), [RECORDS[label] for label in labels])
    assert_same_as_gdal(shp, batch)


def test_geopandas_written_polygons_and_multipolygons_read_as_gdal_reads_them(
    tmp_path: Path,
) -> None:
    shapes = [
        box(EAST, NORTH, EAST + 10, NORTH + 10),
        MultiPolygon(
            [
                box(EAST + 20, NORTH, EAST + 30, NORTH + 10),
                box(EAST + 40, NORTH, EAST + 50, NORTH + 10),
            ]
        ),
        Polygon(square(60, 0), [square(70, 10, 20, clockwise=True)]),
        shapely.segmentize(box(EAST + 200, NORTH, EAST + 300, NORTH + 100), 3),
    ]
    frame = gpd.GeoDataFrame({"N": range(len(shapes))}, geometry=shapes, crs=ZONE_8)
    assert_same_as_gdal(write_shapefile(frame, tmp_path / "gpd" / "p.shp"), batch=2)


@pytest.mark.parametrize("name", ["自治会区域", "小学校区", "中学校区"])
def test_the_yaizu_layers_read_as_gdal_reads_them(name: str) -> None:
    assert_same_as_gdal(yaizu(name) / f"{name}.shp", batch=7)


@pytest.mark.parametrize(
    "shp", sorted((Path(__file__).parents[1] / "geodata" / "demo").glob("*.shp")), ids=str
)
def test_the_demo_city_layers_read_as_gdal_reads_them(shp: Path) -> None:
    assert_same_as_gdal(shp, batch=50)
