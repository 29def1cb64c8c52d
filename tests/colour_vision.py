"""How colours look to a reader with deuteranopia, and how far apart two colours look:
Machado, Oliveira and Fernandes (2009)'s simulation matrix for deuteranopia (severity 1.0,
applied to linear sRGB) and the CIEDE2000 colour difference in CIELAB (D65)."""

from __future__ import annotations

import math

# Machado et al. 2009, "A Physiologically-based Model for Simulation of Color Vision
# Deficiency", table of matrices, deuteranomaly at severity 1.0.
DEUTERANOPIA = (
    (0.367322, 0.860646, -0.227968),
    (0.280085, 0.672501, 0.047413),
    (-0.011820, 0.042940, 0.968881),
)
SRGB_TO_XYZ = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)
D65 = (0.95047, 1.0, 1.08883)

Rgb = tuple[float, float, float]


def linear_rgb(hex_colour: str) -> Rgb:
    """A #rrggbb colour as linear sRGB components in 0..1."""
    digits = hex_colour.lstrip("#")
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return r, g, b


def _times(matrix: tuple[Rgb, Rgb, Rgb], vector: Rgb) -> Rgb:
    x, y, z = (sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix)
    return x, y, z


def as_deuteranope_sees(hex_colour: str) -> Rgb:
    """The linear sRGB a reader with deuteranopia perceives for ``hex_colour``."""
    r, g, b = (min(1.0, max(0.0, c)) for c in _times(DEUTERANOPIA, linear_rgb(hex_colour)))
    return r, g, b


def lab(rgb: Rgb) -> Rgb:
    """CIELAB (D65) of a linear sRGB colour."""

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    x, y, z = (f(c / white) for c, white in zip(_times(SRGB_TO_XYZ, rgb), D65, strict=True))
    return 116 * y - 16, 500 * (x - y), 200 * (y - z)


def delta_e(first: Rgb, second: Rgb) -> float:
    """CIEDE2000 difference of two CIELAB colours (about 2.3 is just noticeable)."""
    l1, a1, b1 = first
    l2, a2, b2 = second
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1, a2 = a1 * (1 + g), a2 * (1 + g)
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1 = math.degrees(math.atan2(b1, a1)) % 360
    h2 = math.degrees(math.atan2(b2, a2)) % 360
    dl, dc = l2 - l1, c2 - c1
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    dh_big = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    r_t = (
        -2
        * math.sqrt(c_mean**7 / (c_mean**7 + 25**7))
        * math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2))))
    )
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh_big / s_h) ** 2 + r_t * (dc / s_c) * (dh_big / s_h)
    )


def deuteranope_difference(first: str, second: str) -> float:
    """How far apart two #rrggbb colours look to a reader with deuteranopia (CIEDE2000)."""
    return delta_e(lab(as_deuteranope_sees(first)), lab(as_deuteranope_sees(second)))
