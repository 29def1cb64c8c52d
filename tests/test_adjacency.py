"""District adjacency: shared edges count, touching corners do not."""

from __future__ import annotations

import pytest
from overlay_shapes import grid_districts

from geoapp.demo.city import read_demo_layer
from geoapp.layers import DISTRICTS
from geoapp.overlay.adjacency import district_adjacency, neighbours


def test_districts_sharing_an_edge_are_adjacent_with_its_length() -> None:
    table = district_adjacency(grid_districts())
    assert list(table.columns) == ["a", "b", "shared_length_m"]
    found = {(row.a, row.b): row.shared_length_m for row in table.itertuples()}
    assert found == pytest.approx(
        {("P", "Q"): 10.0, ("P", "S"): 10.0, ("Q", "T"): 10.0, ("R", "T"): 5.0, ("S", "T"): 5.0}
    )


def test_districts_touching_at_a_corner_only_are_not_adjacent() -> None:
    pairs = set(zip(*district_adjacency(grid_districts())[["a", "b"]].to_numpy().T, strict=True))
    assert ("Q", "R") not in pairs and ("Q", "S") not in pairs and ("P", "T") not in pairs


def test_the_graph_lists_each_neighbour_both_ways_and_keeps_isolated_districts() -> None:
    graph = neighbours(district_adjacency(grid_districts()), codes=["P", "Q", "R", "S", "T", "Z"])
    assert graph["T"] == {"Q", "R", "S"}
    assert graph["Q"] == {"P", "T"}
    assert graph["Z"] == set()


def test_every_demo_district_has_a_neighbour_and_pairs_are_ordered() -> None:
    districts = read_demo_layer(DISTRICTS)
    table = district_adjacency(districts)
    assert (table["a"] < table["b"]).all()
    assert not table.duplicated(["a", "b"]).any()
    assert set(table["a"]) | set(table["b"]) == set(districts["code"])
