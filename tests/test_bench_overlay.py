"""The overlay benchmark's generated layers are what it claims (no timing here)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bench_overlay


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory):
    """A small benchmark city written and read back as the subprocesses read it."""
    folder = tmp_path_factory.mktemp("bench")
    bench_overlay.write_layers(2000, seed=3, folder=folder)
    return bench_overlay.read_layers(folder)


def test_generated_districts_form_a_valid_coverage_of_about_60_vertices(layers) -> None:
    districts, _zones = layers
    geometries = districts.geometry.to_numpy()
    assert len(districts) == 2000
    assert shapely.coverage_is_valid(geometries)
    union = shapely.coverage_union_all(geometries)
    assert union.geom_type == "Polygon" and not union.interiors, "one piece of land, no holes"
    assert 50 <= shapely.get_num_coordinates(geometries).mean() <= 75


def test_generated_zones_cover_the_districts_mostly_along_their_edges(layers) -> None:
    districts, zones = layers
    assert zones.area.sum() == pytest.approx(districts.area.sum(), rel=1e-9)
    table = bench_overlay.with_geoapp(districts, zones)
    straddling = (table["second_share"] > 0).mean()
    assert 0.005 < straddling < 0.1


def test_geoapp_and_geopandas_agree_on_the_generated_layers(layers) -> None:
    districts, zones = layers
    ours = bench_overlay.with_geoapp(districts, zones)
    theirs = bench_overlay.with_geopandas(districts, zones).reindex(ours.index)
    assert (ours["majority_zone"] == theirs["majority_zone"]).all()
    assert np.allclose(ours["majority_share"], theirs["majority_share"], rtol=0, atol=1e-9)
