"""The query parameters of the OGC API routes, checked by ``geoapp.web.validation``:
a bad ``limit`` or ``offset`` is a 400 naming it; ``bbox`` and the CRSs are read by
``crs.py``, which refuses what it cannot honour."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from ..web.validation import MAX_ID, QueryModel, WholeNumber, blank_is_none, text
from .documents import DEFAULT_LIMIT

Given = BeforeValidator(blank_is_none)
Uri = text(300)
Box = text(500)
Moment = text(100)


class FormatQuery(QueryModel):
    """Every route: ``f`` may ask for JSON, the only encoding served."""

    f: Annotated[Literal["json", "geojson"] | None, Given] = None


class FeatureQuery(FormatQuery):
    """One feature: the CRS of its geometry."""

    crs: Annotated[Uri | None, Given] = None


class ItemsQuery(FeatureQuery):
    """A page of features: paging, a box and its CRS; ``datetime`` is accepted and has
    no effect (no collection has time)."""

    limit: Annotated[WholeNumber, Field(ge=1)] = DEFAULT_LIMIT
    offset: Annotated[WholeNumber, Field(ge=0, le=MAX_ID)] = 0
    bbox: Annotated[Box | None, Given] = None
    bbox_crs: Annotated[Uri | None, Given] = Field(default=None, alias="bbox-crs")
    datetime: Annotated[Moment | None, Given] = None
