"""The overlay map's pure helpers: zone colours and share labels."""

from __future__ import annotations

from geoapp.demo.city import read_demo_layer
from geoapp.layers import SCHOOL_ZONES
from geoapp.overlay.adjacency import district_adjacency
from geoapp.overlay.map import ZONE_FILLS, share_text, zone_fills


def test_neighbouring_zones_never_share_a_fill_colour() -> None:
    zones = read_demo_layer(SCHOOL_ZONES)
    fills = zone_fills(zones)
    assert set(fills) == set(zones["code"]) and set(fills.values()) <= set(ZONE_FILLS)
    for a, b in district_adjacency(zones)[["a", "b"]].itertuples(index=False):
        assert fills[a] != fills[b], (a, b)


def test_a_sliver_share_reads_as_under_a_tenth_of_a_percent() -> None:
    assert share_text(0.0004) == "<0.1%"
    assert share_text(0.0) == "0.0%"
    assert share_text(0.5) == "50.0%"
