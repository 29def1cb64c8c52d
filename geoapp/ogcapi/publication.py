"""The published collections, each prepared once per edition of what it is made of (its
parts of the publication stamp: a stage change rebuilds the organizations, not the
districts' shapes): each feature serialized once per CRS, a spatial index for ``bbox``,
and the extent. A page of items is then a slice and a join."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import NotFound
from ..exports.rfc7946 import as_multipolygons, rfc7946_geometries
from ..storage.publication import PublicationStamp
from ..translatable import Text
from .collections import COLLECTIONS, Collection, Published
from .crs import GEOGRAPHIC_DECIMALS, PROJECTED_DECIMALS, northing_first, swapped_axes


def json_value(value: Any) -> Any:
    """A frame cell as JSON: missing values as null, numpy numbers as Python's."""
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def output_geometries(frame: gpd.GeoDataFrame, srid: int | None) -> np.ndarray:
    """The geometries as written in the output CRS (None: CRS84 after RFC 7946)."""
    if srid is None or frame.crs is None:
        return rfc7946_geometries(frame.geometry).to_numpy()
    moved = frame.geometry.to_crs(srid)
    decimals = GEOGRAPHIC_DECIMALS if moved.crs.is_geographic else PROJECTED_DECIMALS
    snapped = shapely.set_precision(moved.to_numpy(), 10.0**-decimals)
    rounded = shapely.transform(snapped, lambda xy: np.round(xy, decimals))
    multi = as_multipolygons(gpd.GeoSeries(rounded, crs=srid)).to_numpy()
    return swapped_axes(multi) if northing_first(srid) else multi


@dataclass
class PreparedCollection:
    """One collection's features, ready to page: the edition key it was read for and when,
    ids, geometries (working CRS), an index, the properties and the serialized features
    per output CRS."""

    collection: Collection
    key: str
    stamp: str
    frame: gpd.GeoDataFrame
    ids: list[str]
    position: dict[str, int]
    tree: shapely.STRtree
    extent: list[float] | None
    _features: dict[int | None, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, collection: Collection, key: str, frame: gpd.GeoDataFrame) -> PreparedCollection:
        """Prepare ``frame`` (id, public fields, geometry in the working CRS) for ``key``."""
        ids = [str(json_value(value)) for value in frame["id"]]
        geometries = frame.geometry.to_numpy()
        drawn = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        extent = None
        if drawn.any() and frame.crs is not None:
            extent = [round(v, GEOGRAPHIC_DECIMALS) for v in frame[drawn].to_crs(4326).total_bounds]
        return cls(
            collection,
            key,
            datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            frame,
            ids,
            {fid: number for number, fid in enumerate(ids)},
            shapely.STRtree(geometries),
            extent,
        )

    def features(self, srid: int | None) -> list[str]:
        """Every feature as GeoJSON text in the output CRS, made on first use."""
        with self._lock:
            if srid not in self._features:
                self._features[srid] = self._serialized(srid)
            return self._features[srid]

    def _serialized(self, srid: int | None) -> list[str]:
        """Serialize every feature with its public properties."""
        geometries = output_geometries(self.frame, srid)
        names = ["id", *self.collection.fields]
        records = self.frame[names].to_dict("records")
        texts = []
        for record, geometry in zip(records, geometries, strict=True):
            shape = None if geometry is None or geometry.is_empty else geometry
            feature = {
                "type": "Feature",
                "id": json_value(record["id"]),
                "geometry": shapely.geometry.mapping(shape) if shape is not None else None,
                "properties": {name: json_value(record[name]) for name in self.collection.fields},
            }
            texts.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        return texts

    def matching(self, area: shapely.Geometry | None) -> np.ndarray:
        """The positions of the features meeting ``area`` (all without one), in order."""
        if area is None:
            return np.arange(len(self.ids))
        return np.sort(self.tree.query(area, predicate="intersects"))

    def item(self, feature_id: str, srid: int | None) -> str:
        """One feature's GeoJSON text; NotFound for an unknown id."""
        if feature_id not in self.position:
            raise NotFound(
                Text(
                    "コレクション「{collection}」に地物「{feature}」はありません。",
                    collection=self.collection.id,
                    feature=feature_id[:100],
                )
            )
        return self.features(srid)[self.position[feature_id]]


class Edition:
    """The published data as one request sees it: the publication stamp, the working CRS
    and each collection as prepared for its own parts of the stamp."""

    def __init__(
        self,
        stamp: PublicationStamp,
        working_srid: int,
        source: Callable[[], Published],
        editions: Editions,
    ) -> None:
        self.stamp = stamp
        self.working_srid = working_srid
        self._source = cache(source)
        self._editions = editions

    @property
    def key(self) -> str:
        """The key of everything published (the collections list and the API document)."""
        return self.stamp.key

    def key_of(self, collection: Collection) -> str:
        """The key of what ``collection`` is made of, which its ETags carry."""
        return self.stamp.key_of(collection.made_of)

    def collection(self, collection: Collection) -> PreparedCollection:
        """The prepared collection, read from the store only when its parts moved."""
        return self._editions.prepared(collection, self.key_of(collection), self._source)

    def all(self) -> list[PreparedCollection]:
        """Every published collection, prepared."""
        return [self.collection(collection) for collection in COLLECTIONS]


class Editions:
    """Each collection's latest preparation, kept until its key moves."""

    def __init__(self) -> None:
        self._prepared: dict[str, PreparedCollection] = {}
        self._locks = {collection.id: threading.Lock() for collection in COLLECTIONS}
        self._srid: tuple[str, int] | None = None

    def prepared(
        self, collection: Collection, key: str, source: Callable[[], Published]
    ) -> PreparedCollection:
        """The collection prepared for ``key``, read from ``source`` when it is new."""
        with self._locks[collection.id]:
            found = self._prepared.get(collection.id)
            if found is None or found.key != key:
                found = PreparedCollection.of(collection, key, collection.read(source()))
                self._prepared[collection.id] = found
            return found

    def latest(self, collection_id: str) -> PreparedCollection | None:
        """The collection as last prepared (None before it is asked for)."""
        return self._prepared.get(collection_id)

    def working_srid(self, data_stamp: str, read: Callable[[], int]) -> int:
        """The working CRS, read again only when the layers' data stamp moves."""
        known = self._srid
        if known is None or known[0] != data_stamp:
            known = self._srid = (data_stamp, read())
        return known[1]
