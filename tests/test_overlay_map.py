"""The overlay map's pure helpers: zone colours."""

from __future__ import annotations

from geoapp.demo.city import read_demo_layer
from geoapp.layers import SCHOOL_ZONES
from geoapp.overlay.adjacency import district_adjacency
from geoapp.overlay.map import ZONE_FILLS, zone_fills


def test_neighbouring_zones_never_share_a_fill_colour() -> None:
    zones = read_demo_layer(SCHOOL_ZONES)
    fills = zone_fills(zones)
    assert set(fills) == set(zones["code"]) and set(fills.values()) <= set(ZONE_FILLS)
    for a, b in district_adjacency(zones)[["a", "b"]].itertuples(index=False):
        assert fills[a] != fills[b], (a, b)
