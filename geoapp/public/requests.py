"""The shapes of the public map's requests, checked by ``geoapp.web.validation``."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from ..web.validation import QueryModel, refuse_unsafe_text

# Longer than any address a resident types (「静岡県焼津市大字…」 is some 30 characters).
MAX_QUERY = 100


class SearchQuery(QueryModel):
    """``?q=``: a district name, reading, code or address."""

    q: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY),
        AfterValidator(refuse_unsafe_text),
    ]


class PointQuery(QueryModel):
    """``?lon=&lat=``: a point in lon/lat."""

    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
