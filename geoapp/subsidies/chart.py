"""The chart of grants by fiscal year and program: a stacked bar chart drawn as SVG on the
server, so it shows on a closed network and prints as it looks. Its text is the page's
own (the browser's Japanese fonts, no font file shipped); colours are Okabe and Ito's
palette, told apart by colour-blind readers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from ..formatting import fiscal_year_short, number, thousand_yen, thousands_of_yen
from ..web.i18n import translate

# Okabe–Ito, without black (kept for text and axes).
PROGRAM_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
)
_WIDTH, _HEIGHT = 760, 380
_LEFT, _RIGHT, _TOP, _BOTTOM = 78, 16, 20, 96
_LEGEND_HEIGHT = 66  # of _BOTTOM: the legend's rows under the years' labels


def program_color(index: int) -> str:
    """The colour of the program at ``index`` in the city's list."""
    return PROGRAM_COLORS[index % len(PROGRAM_COLORS)]


def years_chart(
    years: Sequence[Mapping[str, Any]],
    programs: Sequence[Mapping[str, Any]],
    lang: str,
    legend: bool = True,
) -> Markup:
    """An SVG stacked bar per fiscal year (``years``: fiscal_year and amounts by
    program key) in 千円, with a legend of ``programs`` (key, name, name_en). Without
    ``legend`` the SVG ends under the years: a page that shows the chart writes the legend
    in HTML (``chart_legend``), where it wraps on a phone instead of being cut."""
    t = lambda text: translate(text, lang)  # noqa: E731
    keys = [p["key"] for p in programs]
    totals = [sum(year["amounts"].get(key, 0) for key in keys) for year in years]
    top = _nice_top(max(totals, default=0) / 1000)
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    height = _HEIGHT if legend else _HEIGHT - _LEGEND_HEIGHT
    parts = [
        Markup(
            '<svg class="grants-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
            'role="img" aria-labelledby="grants-chart-title">'
        ).format(_WIDTH, height),
        Markup('<title id="grants-chart-title">{}</title>').format(
            t("年度・制度別の交付額（千円）")
        ),
    ]
    for step in range(5):
        value = top * step / 4
        y = _TOP + plot_h - plot_h * step / 4
        parts.append(
            Markup(
                '<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" class="grid"/>'
                '<text x="{}" y="{:.1f}" class="axis" text-anchor="end">{}</text>'
            ).format(_LEFT, _WIDTH - _RIGHT, y, y, _LEFT - 6, y + 4, number(value, lang))
        )
    parts.append(
        Markup(
            '<text x="14" y="{}" class="axis unit" transform="rotate(-90 14 {})">{}</text>'
        ).format(_TOP + plot_h / 2, _TOP + plot_h / 2, t("千円"))
    )
    slot = plot_w / max(len(years), 1)
    bar = min(slot * 0.6, 70)
    for index, (year, total) in enumerate(zip(years, totals, strict=True)):
        label = fiscal_year_short(year["fiscal_year"], lang)
        x = _LEFT + slot * index + (slot - bar) / 2
        base = _TOP + plot_h
        for place, key in enumerate(keys):
            amount = year["amounts"].get(key, 0)
            if not amount:
                continue
            height = plot_h * (amount / 1000) / top if top else 0
            base -= height
            parts.append(
                Markup(
                    '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}">'
                    "<title>{} {}: {}</title></rect>"
                ).format(
                    x,
                    base,
                    bar,
                    height,
                    program_color(place),
                    label,
                    _name(programs[place], lang),
                    thousand_yen(amount, lang),
                )
            )
        parts.append(
            Markup(
                '<text x="{:.1f}" y="{:.1f}" class="total" text-anchor="middle">{}</text>'
            ).format(x + bar / 2, base - 5, number(thousands_of_yen(total), lang))
        )
        parts.append(
            Markup('<text x="{:.1f}" y="{}" class="axis" text-anchor="middle">{}</text>').format(
                x + bar / 2, _TOP + plot_h + 18, label
            )
        )
    parts.append(
        Markup('<line x1="{}" x2="{}" y1="{}" y2="{}" class="base"/>').format(
            _LEFT, _WIDTH - _RIGHT, _TOP + plot_h, _TOP + plot_h
        )
    )
    for place, program in enumerate(programs if legend else ()):
        column, row = place % 2, place // 2
        x, y = _LEFT + column * (plot_w / 2), _TOP + plot_h + 40 + row * 20
        parts.append(
            Markup(
                '<rect x="{:.1f}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{:.1f}" y="{}" class="legend">{}</text>'
            ).format(x, y, program_color(place), x + 18, y + 11, _name(program, lang))
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def chart_legend(programs: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
    """The chart's legend for a page to write: each program's name in ``lang`` and colour."""
    return [
        {"name": _name(program, lang), "color": program_color(number)}
        for number, program in enumerate(programs)
    ]


def _name(program: Mapping[str, Any], lang: str) -> str:
    """A program's name in ``lang`` (escaped where the SVG is put together)."""
    return str(program["name_en"] if lang == "en" else program["name"])


def _nice_top(value: float) -> float:
    """A round number at or above ``value`` for the top of the axis (1, 2, 2.5 or 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power
