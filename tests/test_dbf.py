"""The fields the hand-written DBF reader parses from the bytes equal what GDAL (pyogrio)
reads from the same Shapefile, in the encoding the source decided."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from layer_files import write_shapefile
from shapely import box
from shared_data import yaizu

from geoapp.sources import read_source

ZONE_8 = 6676
EAST, NORTH = -19_000.0, -128_000.0
DEMO = Path(__file__).parents[1] / "geodata" / "demo"


def assert_fields_as_gdal_reads_them(shp: Path) -> None:
    data = read_source(shp)
    ours = data.fields
    gdal = pyogrio.read_dataframe(shp, read_geometry=False, encoding=data.encoding)
    assert list(ours.columns) == list(gdal.columns)
    assert len(ours) == len(gdal) > 0
    for name in gdal.columns:
        if pd.api.types.is_string_dtype(gdal[name]):
            expected = [None if pd.isna(value) else value for value in gdal[name]]
            assert ours[name].tolist() == expected, name
        else:
            assert ours[name].dtype == gdal[name].dtype, name
            assert ours[name].equals(gdal[name]), name


@pytest.mark.parametrize("name", ["自治会区域", "小学校区", "中学校区"])
def test_the_yaizu_layers_fields_read_as_gdal_reads_them(name: str) -> None:
    assert_fields_as_gdal_reads_them(yaizu(name) / f"{name}.shp")


@pytest.mark.parametrize("shp", sorted(DEMO.glob("*.shp")), ids=lambda path: path.stem)
def test_the_demo_city_layers_fields_read_as_gdal_reads_them(shp: Path) -> None:
    assert_fields_as_gdal_reads_them(shp)


def test_a_cp932_shapefile_without_cpg_reads_as_gdal_reads_it(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "CODE": ["0012", "0034", None],
            "NAME": ["Minato", "髙橋①地区", "  前後  "],
            "JINKO": [120, 0, 35_000],
            "AREA": [1.5, 0.25, -3.0],
        },
        geometry=[box(EAST + 100 * i, NORTH, EAST + 100 * i + 100, NORTH + 100) for i in range(3)],
        crs=ZONE_8,
    )
    assert_fields_as_gdal_reads_them(write_shapefile(frame, tmp_path / "zones" / "z.shp"))
