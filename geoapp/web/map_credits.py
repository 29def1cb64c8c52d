"""The city's data credits (出典・利用条件) on every map, in Leaflet's attribution corner."""

from __future__ import annotations

import re
from html import escape

import folium
from branca.element import MacroElement
from jinja2 import Template

_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


class Credits(MacroElement):
    """The credits added to the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "Credits"
        self.html = html


def credits_html(text: str) -> str:
    """The credits as HTML: the text escaped, its web addresses made links, lines kept."""
    parts, start = [], 0
    for match in _URL.finditer(text):
        url = match.group(0)
        parts.append(escape(text[start : match.start()]))
        parts.append(f'<a href="{escape(url)}" target="_blank" rel="noopener">{escape(url)}</a>')
        start = match.end()
    parts.append(escape(text[start:]))
    return '<span class="geoapp-credits">' + "".join(parts).replace("\n", "<br>") + "</span>"


def add_credits(fmap: folium.Map, text: str) -> None:
    """Show ``text`` (if any) with the map's attribution."""
    if text.strip():
        Credits(credits_html(text.strip())).add_to(fmap)
