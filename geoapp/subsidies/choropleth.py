"""The choropleth of subsidies by community: a fiscal year's grants (of one program or
all) per community of the adopted plan, as a total, per resident or per household, in
classes from mapclassify's Fisher–Jenks breaks, coloured with ColorBrewer's YlGnBu (safe
for colour-blind readers and in grey), with a legend in 千円 (or 円 per person or
household, which in 千円 would read 0.07)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import mapclassify
import numpy as np
from markupsafe import Markup

from ..formatting import number, yen
from ..layers import WEB_CRS
from ..translatable import N_
from ..web.basemap import Basemap
from ..web.feature_text import feature_layer, popup_table, shown
from ..web.i18n import bracketed, translate
from ..web.webmap import Legend, base_map, legend_body, lonlat_bounds

# ColorBrewer YlGnBu (6 classes without its palest, which pale grey would be mistaken
# for), light to dark; a community granted nothing is pale grey, one whose population is
# unknown dark grey (a lighter grey looks like the second class to a deuteranope).
CLASS_COLORS = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
NOTHING_COLOR = "#f0f0f0"
UNKNOWN_COLOR = "#737373"
UNITS = {"total": N_("千円"), "per_capita": N_("円／人"), "per_household": N_("円／世帯")}
MEASURE_LABELS = {
    "total": N_("交付額"),
    "per_capita": N_("人口1人あたり"),
    "per_household": N_("1世帯あたり"),
}


@dataclass(frozen=True)
class Classes:
    """Class breaks (upper bounds, in the measure's yen) and each community's class: -1
    for nothing granted, -2 for a value that cannot be computed."""

    breaks: tuple[float, ...]
    lower: float
    of_value: tuple[int, ...]


def classify(values: Sequence[float | None], k: int = len(CLASS_COLORS)) -> Classes:
    """Fisher–Jenks classes of the values above 0 (as many classes as distinct values when
    there are fewer than ``k``)."""
    positive = np.array([v for v in values if v is not None and v > 0], dtype=float)
    if not len(positive):
        breaks: tuple[float, ...] = ()
    elif len(np.unique(positive)) <= k:
        breaks = tuple(float(v) for v in np.unique(positive))
    else:
        breaks = tuple(float(v) for v in mapclassify.FisherJenks(positive, k=k).bins)
    of_value = []
    for value in values:
        if value is None:
            of_value.append(-2)
        elif value <= 0:
            of_value.append(-1)
        else:
            of_value.append(next(i for i, upper in enumerate(breaks) if value <= upper))
    return Classes(breaks, float(positive.min()) if len(positive) else 0.0, tuple(of_value))


def class_color(number: int, classes: int) -> str:
    """The fill of class ``number`` of ``classes`` (spread over the palette)."""
    if number == -1:
        return NOTHING_COLOR
    if number == -2:
        return UNKNOWN_COLOR
    if classes <= 1:
        return CLASS_COLORS[-2]
    return CLASS_COLORS[round(number * (len(CLASS_COLORS) - 1) / (classes - 1))]


def shown_amount(value: float, measure: str, lang: str) -> str:
    """A value in the legend's unit: 千円 for totals (a tenth under 10), whole yen per
    person or household."""
    if measure == "total":
        thousand = value / 1000
        small = thousand < 10 and thousand != int(thousand)
        return number(thousand, lang, 1 if small else 0)
    return number(value, lang)


def subsidy_map(
    frame: gpd.GeoDataFrame,
    measure: str,
    title: str,
    basemap: Basemap,
    lang: str,
    leaflet_js: str,
    leaflet_css: str,
) -> tuple[folium.Map, Classes]:
    """The folium map of ``frame`` (one row per community: name, granted, value,
    population, households, geometry), with its legend; and the classes drawn."""
    t = lambda text: translate(text, lang)  # noqa: E731
    data = frame[frame.geometry.notna() & ~frame.geometry.is_empty].to_crs(WEB_CRS)
    fmap = base_map(basemap, lang, leaflet_js, leaflet_css, lonlat_bounds(data))
    classes = classify([None if v is None or v != v else v for v in data["value"]])
    data = data.assign(
        fill=[class_color(c, len(classes.breaks)) for c in classes.of_value],
        klass=list(classes.of_value),
    )
    unit = t(UNITS[measure])
    popups = [
        popup_table(
            [
                (t("広域コミュニティ"), row.name),
                (t(N_("交付額")), yen(row.granted, lang)),
                (t("人口"), number(row.population, lang)),
                (t("世帯数"), number(row.households, lang)),
                (
                    t(MEASURE_LABELS[measure]),
                    "—"
                    if row.value is None or row.value != row.value
                    else f"{shown_amount(row.value, measure, lang)} {unit}",
                ),
            ]
        )
        for row in data.itertuples()
    ]
    feature_layer(
        data[["fill", "klass", "geometry"]],
        [shown(name) for name in data["name"]],
        popups,
        sticky=True,
        name=t(N_("交付額")),
        style_function=lambda feature: {
            "className": f"geoapp-subsidy class-{feature['properties']['klass']}",
            "color": "#4d4d4d",
            "weight": 1.2,
            "fillColor": feature["properties"]["fill"],
            "fillOpacity": 0.8,
        },
        highlight_function=lambda _feature: {"weight": 3, "color": "#222222"},
        zoom_on_click=False,
    ).add_to(fmap)
    Legend(legend_html(data, classes, measure, title, lang)).add_to(fmap)
    return fmap, classes


def class_rows(classes: Classes, measure: str, lang: str) -> list[tuple[int, str, str, int]]:
    """The legend's rows as (class, colour, range or meaning, count): each class, nothing
    granted, and unknown population when any; the public map builds its legend from them."""
    t = lambda text: translate(text, lang)  # noqa: E731
    rows = []
    lower, above = classes.lower, False
    for klass, upper in enumerate(classes.breaks):
        count = sum(1 for c in classes.of_value if c == klass)
        start = shown_amount(lower, measure, lang)
        if above:
            start = t("{amount}超").format(amount=start)
        span = (
            shown_amount(upper, measure, lang)
            if lower == upper
            else f"{start} – {shown_amount(upper, measure, lang)}"
        )
        above = True
        rows.append((klass, class_color(klass, len(classes.breaks)), span, count))
        lower = upper
    nothing = sum(1 for c in classes.of_value if c == -1)
    rows.append((-1, NOTHING_COLOR, t("交付なし"), nothing))
    unknown = sum(1 for c in classes.of_value if c == -2)
    if unknown:
        rows.append((-2, UNKNOWN_COLOR, t("人口・世帯数のデータなし"), unknown))
    return rows


def legend_html(
    data: gpd.GeoDataFrame, classes: Classes, measure: str, title: str, lang: str
) -> Markup:
    """The legend: the title, a row per class with its range and count, nothing granted,
    unknown population, and the total of the communities drawn (in 千円, with the exact
    yen in ``data-total-yen``)."""
    t = lambda text: translate(text, lang)  # noqa: E731
    unit = t(UNITS[measure])
    rows = [
        Markup('<div class="geoapp-legend-head">{}{}</div>').format(
            t(MEASURE_LABELS[measure]), bracketed(unit, lang)
        ),
    ]
    row = Markup(
        '<div class="legend-class" data-class="{}"><i class="swatch" style="background:{}"></i>'
        '{} <span class="muted">({})</span></div>'
    )
    rows.extend(row.format(*entry) for entry in class_rows(classes, measure, lang))
    total = int(data["granted"].sum())
    rows.append(
        Markup('<div class="legend-total" data-total-yen="{}">{} {} {}</div>').format(
            total, t("合計"), shown_amount(total, "total", lang), t(N_("千円"))
        )
    )
    return legend_body(title, rows)
