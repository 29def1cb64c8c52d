"""Map colours a reader with deuteranopia (the commonest colour blindness) can tell apart:
each palette's colours simulated with Machado et al. (2009) and compared with CIEDE2000
(tests/colour_vision.py). Neighbouring classes of a legend must differ by at least
``CLEARLY_DIFFERENT`` for normal vision and for deuteranopia; the centres' markers, every
kind from every other, and each stands out 3:1 from the white around it (WCAG 1.4.11)."""

from __future__ import annotations

import itertools

import pytest
from colour_vision import delta_e as ciede2000
from colour_vision import deuteranope_difference, lab, linear_rgb

from geoapp.city.center_kinds import EXTRA_COLORS, NO_KIND_COLOR
from geoapp.city.model import DEFAULT_CENTER_KINDS
from geoapp.organizations.scheme import load_scheme, preset_names
from geoapp.organizations.stage_colors import (
    NO_STAGE_COLOR,
    NOT_REACHED_COLOR,
    REACHED_COLOR,
)
from geoapp.plans.edits import PALETTE
from geoapp.subsidies.choropleth import CLASS_COLORS, NOTHING_COLOR, UNKNOWN_COLOR

# CIEDE2000: about 2.3 is just noticeable; 10 is plainly another colour on a filled area.
CLEARLY_DIFFERENT = 10.0
UNASSIGNED_DISTRICT = "#ffffff"  # the editor's fill of a district in no community
COMMUNITIES_IN_A_ROW = 8


def difference(first: str, second: str) -> float:
    """The smaller of the two colours' differences for normal vision and for deuteranopia."""
    normal = ciede2000(lab(linear_rgb(first)), lab(linear_rgb(second)))
    return min(normal, deuteranope_difference(first, second))


def too_close(pairs: list[tuple[str, str]], least: float = CLEARLY_DIFFERENT) -> list[str]:
    return [f"{a} / {b}: ΔE00 {difference(a, b):.1f}" for a, b in pairs if difference(a, b) < least]


def contrast_with_white(colour: str) -> float:
    """WCAG's contrast ratio of ``colour`` against white."""
    red, green, blue = linear_rgb(colour)
    return 1.05 / (0.2126 * red + 0.7152 * green + 0.0722 * blue + 0.05)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [  # Sharma, Wu and Dalal (2005), the CIEDE2000 test data, pairs 1, 3, 17 and 25
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_the_colour_difference_is_ciede2000(
    first: tuple[float, float, float], second: tuple[float, float, float], expected: float
) -> None:
    assert ciede2000(first, second) == pytest.approx(expected, abs=1e-4)


def test_deuteranopia_confuses_red_with_green_but_not_blue_with_yellow() -> None:
    assert deuteranope_difference("#59a14f", "#e15759") < 2  # Tableau 10's green and red
    assert deuteranope_difference("#0072b2", "#f0e442") > 40
    assert deuteranope_difference("#777777", "#777777") == pytest.approx(0, abs=1e-6)


def test_communities_numbered_in_a_row_differ_for_a_deuteranope() -> None:
    """Any eight communities numbered in a row (the palette wraps) and the white of an
    unassigned district are clearly different colours."""
    window = PALETTE + PALETTE[: COMMUNITIES_IN_A_ROW - 1]
    pairs = [
        (window[i], window[j])
        for i in range(len(PALETTE))
        for j in range(i + 1, i + COMMUNITIES_IN_A_ROW)
    ]
    pairs += [(colour, UNASSIGNED_DISTRICT) for colour in PALETTE]
    assert too_close(pairs, 12.0) == []
    assert len(set(PALETTE)) == len(PALETTE)


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_stage_differs_from_every_other_and_from_no_stage(preset: str) -> None:
    colours = [stage.color for stage in load_scheme(preset).stages] + [NO_STAGE_COLOR]
    assert too_close(list(itertools.combinations(colours, 2))) == []


def test_the_milestone_map_reached_and_not_reached_differ() -> None:
    assert too_close([(REACHED_COLOR, NOT_REACHED_COLOR)]) == []


def test_the_subsidy_choropleth_classes_differ_from_their_neighbours_and_unknown() -> None:
    """Each class from the next (nothing granted first), and unknown from every class."""
    ladder = (NOTHING_COLOR, *CLASS_COLORS)
    pairs = list(itertools.pairwise(ladder)) + [(UNKNOWN_COLOR, colour) for colour in ladder]
    assert too_close(pairs) == []


def test_every_centre_kind_marker_differs_from_every_other_and_stands_out_from_white() -> None:
    """The default kinds, the grey of a centre without a kind and the colours of kinds a
    city has not configured all show on one map's legend together."""
    colours = [kind.color for kind in DEFAULT_CENTER_KINDS] + [NO_KIND_COLOR, *EXTRA_COLORS]
    assert len(set(colours)) == len(colours)
    assert too_close(list(itertools.combinations(colours, 2))) == []
    assert [colour for colour in colours if contrast_with_white(colour) < 3] == []
