"""The check stage of an import: geometry reprojected, checked and repaired batch by batch
(``BATCH_FEATURES`` at a time), then the coverage's gaps and overlaps found from what was kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..geometry.checks import (
    GeometryIssue,
    check_points,
    check_polygons,
    coverage_problems,
    snap_coverage,
)
from ..geometry.coverage_edges import CoverageEdges
from ..layers import Layer
from ..sources import SourceData
from ..sources.source_data import note
from ..storage.rows import LayerBatch
from ..translatable import Counted
from .exclaves import joined_exclaves
from .progress import Progress, ProgressStep
from .report import ImportReport, located_problems

# Features read, checked and handed to the database at a time.
BATCH_FEATURES = 20_000
# Little-endian WKB of a 2D point, polygon or multipolygon (after the byte-order mark) is
# what storage takes as it is.
_PLAIN_WKB_TYPES = frozenset(code.to_bytes(4, "little") for code in (1, 3, 6))


class ImportFeatures:
    """A layer's features on their way to the database: reprojected, checked and repaired
    a batch at a time, the parts of an exclave joined at the end."""

    def __init__(
        self,
        layer: Layer,
        source: SourceData,
        fields: pd.DataFrame,
        exclaves: pd.Series,
        skip_invalid: bool,
        report: ImportReport,
        working_crs: int,
    ) -> None:
        self.layer = layer
        self.source = source
        self.fields = fields
        self.exclaves = exclaves.to_numpy()
        self.skip_invalid = skip_invalid
        self.report = report
        self.working_crs = working_crs
        self.count = 0
        self.geometries: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self.closed: list[dict[str, Any]] = []

    def batches(self, edges: CoverageEdges | None, step: Progress) -> Iterator[LayerBatch]:
        """The features ready to store, batch by batch, each batch's check reported to
        ``step``; none once a feature is refused (the rest are still checked, so that the
        report names every refusal)."""
        checker = check_points if self.layer.geometry_type == "Point" else check_polygons
        reproject = not self.source.crs.equals(CRS.from_epsg(self.working_crs))
        total = len(self.fields)
        repairs: list[GeometryIssue] = []
        rejections: list[GeometryIssue] = []
        parts: list[gpd.GeoDataFrame] = []
        step(ProgressStep("check", 0, total))
        for batch in self.source.geometry.batches(BATCH_FEATURES):
            geometries = batch.geometries
            if reproject:
                geometries = (
                    gpd.GeoSeries(geometries, crs=self.source.crs)
                    .to_crs(self.working_crs)
                    .to_numpy()
                )
            numbers = range(batch.start + 1, batch.stop + 1)
            checked = checker(geometries, feature_numbers=numbers, closed=batch.closed)
            step(ProgressStep("check", batch.stop, total))
            repairs += checked.repairs
            rejections += checked.rejections
            present = ~shapely.is_missing(checked.geometries)
            kept = checked.geometries[present]
            self.geometries.append(kept)
            self.codes.append(self.fields["code"].to_numpy()[batch.start : batch.stop][present])
            if edges is not None:
                edges.add(kept)
            if rejections and not self.skip_invalid:
                continue
            frame = gpd.GeoDataFrame(
                self.fields.iloc[batch.start : batch.stop],
                geometry=checked.geometries,
                crs=self.working_crs,
            )
            whole = present & ~self.exclaves[batch.start : batch.stop]
            part = present & self.exclaves[batch.start : batch.stop]
            if part.any():
                parts.append(frame[part])
            wkb = None
            if batch.wkb is not None and not reproject:
                unchanged = ~checked.changed[whole]
                wkb = [
                    own if same and own[:1] == b"\x01" and own[1:5] in _PLAIN_WKB_TYPES else None
                    for own, same in zip(batch.wkb[whole], unchanged.tolist(), strict=True)
                ]
            self.count += int(whole.sum())
            yield LayerBatch(frame[whole], wkb, frame["_properties"][whole].tolist())
        if edges is not None:
            edges.finish()
        self._note_checks(repairs, rejections)
        if parts and self.report.ok:
            merged = joined_exclaves(
                self.layer, pd.concat(parts), self.working_crs, self.report.warnings
            )
            self.count += len(merged)
            yield LayerBatch(merged, properties=merged["_properties"].tolist())

    def stored_codes(self) -> set[str]:
        """The codes of the features stored (or, in a dry run, that would be)."""
        return {str(code) for codes in self.codes for code in codes}

    def _note_checks(self, repairs: list[GeometryIssue], rejections: list[GeometryIssue]) -> None:
        """Report the repairs, and the refusals as warnings (``skip_invalid``) or errors."""
        report = self.report
        report.repaired = len({issue.feature for issue in repairs})
        report.rejected = len({issue.feature for issue in rejections})
        report.warnings.extend(issue.to_dict() for issue in repairs)
        if not rejections:
            return
        if self.skip_invalid:
            report.warnings.extend(issue.to_dict() for issue in rejections)
            return
        report.errors.extend(issue.to_dict() for issue in rejections)
        report.errors.append(
            note(
                "rejected_features",
                Counted(
                    "修復できない形状が{n}件あるため、何も保存していません。"
                    "元のデータを直すか、--skip-invalid でそれらを除いて取り込んでください。",
                    "修復できない形状が{n}件あるため、何も保存していません。"
                    "元のデータを直すか、--skip-invalid でそれらを除いて取り込んでください。",
                    n=report.rejected,
                ),
            )
        )

    def snapped(self, batches: list[LayerBatch], snap: float) -> list[LayerBatch]:
        """The batches with gaps and overlaps thinner than ``snap`` closed; the ones closed
        are kept for the coverage report."""
        if not batches:
            return batches
        frame = gpd.GeoDataFrame(
            pd.concat([batch.frame for batch in batches]), crs=self.working_crs
        )
        geometries, closed = snap_coverage(
            frame.geometry.to_numpy(), frame["code"].astype(str).tolist(), snap
        )
        self.closed = self._located(closed)
        self.geometries = [geometries]
        self.codes = [frame["code"].to_numpy()]
        return [
            LayerBatch(
                frame.set_geometry(
                    gpd.GeoSeries(geometries, index=frame.index, crs=self.working_crs)
                ),
                properties=frame["_properties"].tolist(),
            )
        ]

    def coverage_report(self, edges: CoverageEdges | None, snap: float | None) -> dict[str, Any]:
        """The gaps and overlaps of a polygon layer, located, beside those ``--snap``
        closed; nothing for a point layer or an empty one."""
        geometries = np.concatenate(self.geometries) if self.geometries else np.empty(0)
        if self.layer.geometry_type != "MultiPolygon" or not len(geometries):
            return {}
        codes = np.concatenate(self.codes).astype(str).tolist()
        problems = coverage_problems(geometries, codes, min_area=0.01, edges=edges)
        return {
            "checked": True,
            "snap_tolerance_m": snap,
            "gaps": self._located([p for p in problems if p.kind == "gap"]),
            "overlaps": self._located([p for p in problems if p.kind == "overlap"]),
            "snapped": self.closed,
        }

    def _located(self, problems: list[Any]) -> list[dict[str, Any]]:
        """Problems located in lon/lat too, with the features' names."""
        if not problems:
            return []
        names = dict(
            zip(self.fields["code"].astype(str), self.fields["name"].astype(str), strict=True)
        )
        return located_problems(problems, self.working_crs, names)
