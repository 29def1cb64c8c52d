"""The shapes of the public map's requests, checked by ``geoapp.web.validation``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from ..subsidies.requests import OptionalYear
from ..web.validation import OptionalId, QueryModel, refuse_unsafe_text

# Longer than any address a resident types (「静岡県焼津市大字…」 is some 30 characters).
MAX_QUERY = 100


class SearchQuery(QueryModel):
    """``?q=``: a district name, reading, code or address."""

    q: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY),
        AfterValidator(refuse_unsafe_text),
    ]


class SearchPage(QueryModel):
    """The search page's ``?q=`` (none: the form alone) and ``?embed=1``."""

    q: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=MAX_QUERY),
        AfterValidator(refuse_unsafe_text),
    ] = ""
    embed: bool = False


class PointQuery(QueryModel):
    """``?lon=&lat=``: a point in lon/lat."""

    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class PageView(QueryModel):
    """How a public page is shown: ``?embed=1`` without the header, for a city's website."""

    embed: bool = False


class ColouringQuery(QueryModel):
    """``?layer=&fiscal_year=``: how the public map colours the communities, by their
    organization's stage or by the subsidies of a fiscal year (this one by default)."""

    layer: Literal["stage", "subsidies"] = "stage"
    fiscal_year: OptionalYear = None


class MapView(ColouringQuery):
    """A view of the public map as its URL keeps it: colouring, centre, zoom, selected
    community and the layers hidden (their places in the layer switcher)."""

    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    z: Annotated[int, Field(ge=0, le=20)] | None = None
    c: OptionalId = None
    hide: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}(,[0-9]{1,2}){0,9}$")] | None = None

    def query(self) -> dict[str, str]:
        """The view as query-string values (those given)."""
        values = {
            "layer": None if self.layer == "stage" else self.layer,
            "fiscal_year": self.fiscal_year,
            "lat": self.lat,
            "lon": self.lon,
            "z": self.z,
            "c": self.c,
            "hide": self.hide,
        }
        return {name: str(value) for name, value in values.items() if value is not None}


class PrintView(MapView):
    """The print layout: paper size and orientation, and the map's view."""

    paper: Literal["a4", "a3"] = "a4"
    orientation: Literal["landscape", "portrait"] = "landscape"
