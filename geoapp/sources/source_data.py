"""What a reader hands back: the raw fields, the geometry (whole or in batches, so a large layer
is checked and stored while the rest is still being read), and notes about how it was read."""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import BadInput
from ..translatable import Text


@dataclass(frozen=True)
class GeometryBatch:
    """The geometry of consecutive features, the first at 0-based position ``start``, with
    each one's little-endian WKB as read where the reader has it (else None), and the
    positions in the batch of the features whose open rings were closed to read them."""

    start: int
    geometries: np.ndarray
    wkb: np.ndarray | None = None
    closed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))

    @property
    def stop(self) -> int:
        """The position after the batch's last feature."""
        return self.start + len(self.geometries)


class FeatureGeometry(ABC):
    """Every feature's geometry in file order: read whole, or a batch at a time so that a
    large layer can be checked and stored while the rest is still being read."""

    @abstractmethod
    def __len__(self) -> int:
        """How many features there are."""

    @abstractmethod
    def total_bounds(self) -> tuple[float, float, float, float] | None:
        """The extent of all the features, or None when they have no coordinates."""

    @abstractmethod
    def batches(self, size: int) -> Iterator[GeometryBatch]:
        """The geometry ``size`` features at a time."""

    def read_all(self) -> np.ndarray:
        """Every feature's geometry (None where it has none)."""
        return self.read_whole().geometries

    def read_whole(self) -> GeometryArray:
        """Every feature's geometry, read at once."""
        batches = list(self.batches(max(len(self), 1)))
        if not batches:
            return GeometryArray(np.empty(0, dtype=object))
        return GeometryArray(
            np.concatenate([batch.geometries for batch in batches]),
            np.concatenate([batch.closed + batch.start for batch in batches]),
        )


class GeometryArray(FeatureGeometry):
    """Geometry already read whole; ``closed`` as for ``GeometryBatch``, in the whole."""

    def __init__(self, geometries: np.ndarray, closed: np.ndarray | None = None) -> None:
        self.geometries = np.asarray(geometries, dtype=object)
        self.closed = np.empty(0, dtype=np.intp) if closed is None else np.asarray(closed)

    def __len__(self) -> int:
        return len(self.geometries)

    def total_bounds(self) -> tuple[float, float, float, float] | None:
        return _finite_bounds(self.geometries)

    def batches(self, size: int) -> Iterator[GeometryBatch]:
        for start in range(0, len(self.geometries), size):
            stop = start + size
            inside = self.closed[(self.closed >= start) & (self.closed < stop)]
            yield GeometryBatch(start, self.geometries[start:stop], closed=inside - start)

    def read_all(self) -> np.ndarray:
        return self.geometries

    def read_whole(self) -> GeometryArray:
        return self


@dataclass(frozen=True)
class SourceData:
    """One layer's source as read: raw fields, geometry, CRS and how each was decided."""

    fields: pd.DataFrame
    geometry: FeatureGeometry
    source: str
    format: str
    encoding: str | None
    encoding_source: str
    crs: CRS
    crs_source: str
    warnings: list[dict]

    @property
    def frame(self) -> gpd.GeoDataFrame:
        """The whole layer as one frame: the fields, then the geometry."""
        geometry = gpd.GeoSeries(self.geometry.read_all(), index=self.fields.index, crs=self.crs)
        return gpd.GeoDataFrame(self.fields, geometry=geometry, crs=self.crs)

    def read_whole(self) -> SourceData:
        """The source with its geometry read, and every note about it made."""
        return replace(self, geometry=self.geometry.read_whole())


@dataclass(frozen=True)
class Request:
    """What the caller asked for, and how to name files in messages."""

    source: str
    encoding: str | None
    crs: CRS | None
    layer_name: str | None
    point_layer: bool
    root: Path | None = None
    preferred_layers: tuple[str, ...] = ()

    def label(self, path: Path) -> str:
        """The file as the user knows it: its name, or its place in their folder or zip."""
        if self.root is None:
            return path.name
        return f"{self.source}/{path.relative_to(self.root).as_posix()}"


def require_content(path: Path, request: Request) -> None:
    """Refuse a 0-byte file."""
    if path.stat().st_size == 0:
        raise BadInput(
            Text(
                "{file} は空（0バイト）です。書き出しやコピーが途中で失敗して"
                "いないか確かめ、もう一度書き出してください。",
                file=request.label(path),
            ),
            file=request.label(path),
            reason="file_empty",
        )


def normal(name: str) -> str:
    """A column name for matching: NFKC, without spaces, lower case."""
    return unicodedata.normalize("NFKC", name).replace(" ", "").lower()


def _finite_bounds(geometries: np.ndarray) -> tuple[float, float, float, float] | None:
    """The geometries' extent, or None when they have no coordinates."""
    if not len(geometries):
        return None
    bounds = tuple(float(value) for value in shapely.total_bounds(geometries))
    return bounds if np.all(np.isfinite(bounds)) else None


def note(code: str, text: Text, feature: int | None = None) -> dict:
    """One warning (or error) for the import report, its text in Japanese and in English:
    the report's JSON and the pages read ``message`` and ``message_en``."""
    return {
        "feature": feature,
        "code": code,
        "message": text.in_language("ja"),
        "message_en": text.in_language("en"),
    }
