"""Which districts are neighbours: a shared stretch of boundary, not a touching corner.

The plan checks use this graph for contiguity and enclaves. Two districts that overlap
(a broken coverage) also count as neighbours; the overlap's rim is their shared length.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..translatable import Text
from .inputs import check_layer

ADJACENCY_COLUMNS = ["a", "b", "shared_length_m"]


def district_adjacency(districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every pair of districts sharing a boundary of positive length, with that length in
    metres; codes ordered so that ``a < b``, rows sorted by ``a`` then ``b``."""
    check_layer(districts, Text("行政区"), "polygon")
    geometries = districts.geometry.to_numpy()
    codes = districts["code"].astype(str).to_numpy()
    first, second = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    pair = first < second
    first, second = first[pair], second[pair]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geometries[first]), geometries[second])
    )
    edge = shared > 0
    a, b = codes[first[edge]], codes[second[edge]]
    frame = pd.DataFrame(
        {"a": np.minimum(a, b), "b": np.maximum(a, b), "shared_length_m": shared[edge]}
    )
    return frame.sort_values(["a", "b"], ignore_index=True)[ADJACENCY_COLUMNS]


def neighbours(adjacency: pd.DataFrame, codes: Iterable[str] = ()) -> dict[str, set[str]]:
    """The adjacency as a graph: each district's set of neighbours. Districts listed in
    ``codes`` appear even without any neighbour (an island or an isolated exclave)."""
    graph: dict[str, set[str]] = {str(code): set() for code in codes}
    for a, b in zip(adjacency["a"], adjacency["b"], strict=True):
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set()).add(a)
    return graph
