"""The stacked chart of areas per stage at the end of each fiscal year, drawn as SVG on the
server: one bar per 年度, a segment per stage in the scheme's colours with its count, the
year labels and the legend as SVG text (every text escaped), so the chart needs no script
and prints as it shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from ..formatting import fiscal_year_short
from ..web.i18n import translate
from .scheme import Scheme
from .stage_colors import NO_STAGE_COLOR, areas_text, stage_name

WIDTH = 360
LABEL_WIDTH = 76
TOTAL_WIDTH = 58
LEGEND_COLUMNS = 2
BAR_HEIGHT = 22
ROW_GAP = 8
LEGEND_ROW = 22
# A segment narrower than this shows its count only in its tooltip.
MIN_LABELLED_WIDTH = 20


def text_color(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (#rrggbb)."""
    red, green, blue = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#111111" if luminance > 0.45 else "#ffffff"


def stage_chart_svg(years: Sequence[dict[str, Any]], scheme: Scheme, lang: str) -> Markup:
    """The chart of ``years`` (``Organizations.stage_counts_by_fiscal_year``'s answer)."""
    series = [(s.key, stage_name(scheme, s.key, lang), s.color) for s in scheme.stages]
    series.append(("", stage_name(scheme, None, lang), NO_STAGE_COLOR))
    totals = [sum(year["counts"].values()) + year["no_stage"] for year in years]
    most = max([*totals, 1])
    legend_rows = _legend(series)
    top = LEGEND_ROW * -(-len(series) // LEGEND_COLUMNS) + 10
    height = top + len(years) * (BAR_HEIGHT + ROW_GAP) + 4
    span = WIDTH - LABEL_WIDTH - TOTAL_WIDTH
    bars = []
    for number, (year, total) in enumerate(zip(years, totals, strict=True)):
        y = top + number * (BAR_HEIGHT + ROW_GAP)
        label = fiscal_year_short(year["fiscal_year"], lang)
        parts = [
            Markup('<text class="chart-year" x="{}" y="{}" text-anchor="end">{}</text>').format(
                LABEL_WIDTH - 8, y + BAR_HEIGHT - 6, label
            )
        ]
        x = float(LABEL_WIDTH)
        for key, name, color in series:
            count = year["counts"].get(key, 0) if key else year["no_stage"]
            if not count:
                continue
            width = span * count / most
            parts.append(
                Markup(
                    '<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}" '
                    'data-stage="{}" data-count="{}"><title>{} {}: {}</title></rect>'
                ).format(
                    x, y, width, BAR_HEIGHT, color, key, count, label, name, areas_text(count, lang)
                )
            )
            if width >= MIN_LABELLED_WIDTH:
                parts.append(
                    Markup(
                        '<text class="chart-count" x="{:.1f}" y="{}" text-anchor="middle" '
                        'fill="{}">{}</text>'
                    ).format(x + width / 2, y + BAR_HEIGHT - 6, text_color(color), count)
                )
            x += width
        parts.append(
            Markup('<text class="chart-total" x="{:.1f}" y="{}">{}</text>').format(
                x + 6, y + BAR_HEIGHT - 6, areas_text(total, lang)
            )
        )
        bars.append(
            Markup('<g class="chart-bar" data-fiscal-year="{}">{}</g>').format(
                year["fiscal_year"], Markup("").join(parts)
            )
        )
    title = translate("年度末の段階別の地区数", lang)
    return Markup(
        '<svg class="stage-chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="stage-chart-title" xmlns="http://www.w3.org/2000/svg">'
        '<title id="stage-chart-title">{}</title>{}{}</svg>'
    ).format(WIDTH, height, title, Markup("").join(legend_rows), Markup("").join(bars))


def _legend(series: list[tuple[str, str, str]]) -> list[Markup]:
    """The chart's legend: a swatch and name per stage, ``LEGEND_COLUMNS`` to a row."""
    column = WIDTH / LEGEND_COLUMNS
    entries = []
    for number, (key, name, color) in enumerate(series):
        x = (number % LEGEND_COLUMNS) * column
        y = (number // LEGEND_COLUMNS) * LEGEND_ROW
        entries.append(
            Markup(
                '<g class="chart-legend" data-stage="{}"><rect x="{:.1f}" y="{}" width="14" '
                'height="14" fill="{}" stroke="#888888" stroke-width="0.5"/>'
                '<text x="{:.1f}" y="{}">{}</text></g>'
            ).format(key, x, y + 2, color, x + 20, y + 14, name)
        )
    return entries
