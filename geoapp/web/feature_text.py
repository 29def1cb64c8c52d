"""The tooltips and popups of map features: HTML built on the server, every value escaped.

Folium's GeoJsonTooltip and GeoJsonPopup insert property values into the page as raw HTML,
so a district named ``<img src=x onerror=…>`` would run its script for whoever hovers it.
Every map binds its feature text through ``feature_layer`` instead, which takes only
``Markup`` built here or with ``Markup.format`` (values escaped by ``markupsafe``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup, escape

# The feature properties that carry the escaped HTML of each tooltip and popup.
TOOLTIP = "tooltip_html"
POPUP = "popup_html"
MISSING = "—"


def shown(value: object) -> Markup:
    """A value as escaped text: None, NaN and pandas' NA as a dash, ``Markup`` kept as it is."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return Markup(MISSING)
    return escape(value if isinstance(value, Markup) else str(value))


def popup_table(rows: Iterable[tuple[object, object]], css_class: str = "popup-table") -> Markup:
    """A popup's table of (label, value) rows; labels and values are both escaped, since a
    free attribute's name comes from a file as much as its value does."""
    cells = Markup("").join(
        Markup("<tr><th>{}</th><td>{}</td></tr>").format(shown(label), shown(value))
        for label, value in rows
    )
    return Markup('<table class="{}">{}</table>').format(css_class, cells)


class FeatureText(MacroElement):
    """Binds each feature's tooltip and popup from the escaped HTML in its properties."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (layer) {
            {% if this.tooltip_options is not none %}
            layer.bindTooltip(function (feature) {
                return feature.feature.properties.{{ this.tooltip }};
            }, {{ this.tooltip_options|tojson }});
            {% endif %}
            {% if this.popup_options is not none %}
            layer.bindPopup(function (feature) {
                return feature.feature.properties.{{ this.popup }};
            }, {{ this.popup_options|tojson }});
            {% endif %}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        tooltip_options: dict[str, Any] | None,
        popup_options: dict[str, Any] | None,
    ) -> None:
        super().__init__()
        self._name = "FeatureText"
        self.tooltip, self.popup = TOOLTIP, POPUP
        self.tooltip_options = tooltip_options
        self.popup_options = popup_options


def feature_layer(
    data: gpd.GeoDataFrame,
    tooltips: Sequence[Markup] | None = None,
    popups: Sequence[Markup] | None = None,
    *,
    sticky: bool = False,
    max_width: int = 300,
    **options: Any,
) -> folium.GeoJson:
    """A folium GeoJson layer of ``data`` whose features show ``tooltips`` and ``popups``
    (one per row, in order). Plain ``str`` is refused: only escaped ``Markup`` goes in."""
    data = data.copy()
    for column, texts in ((TOOLTIP, tooltips), (POPUP, popups)):
        if texts is None:
            continue
        texts = list(texts)
        if len(texts) != len(data) or not all(isinstance(text, Markup) for text in texts):
            raise TypeError(f"{column}: one Markup per feature is needed, escaped by markupsafe")
        data[column] = [str(text) for text in texts]
    layer = folium.GeoJson(data, **options)
    FeatureText(
        {"sticky": sticky, "className": "geoapp-tooltip"} if tooltips is not None else None,
        {"maxWidth": max_width, "className": "geoapp-popup"} if popups is not None else None,
    ).add_to(layer)
    return layer
