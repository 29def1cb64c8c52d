"""Import one layer from a file: read, decode, map fields, reproject, check and repair
geometry, check the coverage, then store it in one transaction — or store nothing.

The same function serves ``geoapp import``, ``scripts/import_shapefile.py`` and the upload
page; it returns an ``ImportReport`` whether the import succeeded or not.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import BadInput
from ..geometry.checks import (
    GeometryIssue,
    check_points,
    check_polygons,
    coverage_problems,
    snap_coverage,
)
from ..geometry.coverage_edges import CoverageEdges
from ..layers import CENTERS, DISTRICTS, Layer
from ..plans.district_changes import PlansBeforeImport
from ..sources import SourceData, check_coordinates_in_japan, open_source
from ..storage import Store
from ..storage.base import LayerBatch, WriteMode
from ..storage.properties import json_columns
from .field_mapping import (
    FieldMapping,
    center_kind_from_name,
    choose_mapping,
    read_publisher_attributes,
)

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
# Features read, checked and handed to the database at a time.
BATCH_FEATURES = 20_000
STAGES = ("読み込み", "項目の対応付け", "座標変換", "形状の検査", "カバレッジの検査", "保存")
# How the report says the encoding and the CRS were decided.
ENCODING_SOURCES = {
    "cpg": ".cpg ファイル",
    "dbf_language_id": "DBF の言語ID",
    "detected": "自動判定",
    "given": "指定",
    "format": "形式の規定",
}
CRS_SOURCES = {
    "prj": ".prj ファイル",
    "given": "指定",
    "embedded": "ファイル内の定義",
    "csv_lonlat": "緯度・経度の列",
}


@dataclass
class ImportOptions:
    """How to import: overrides for what the file does not say, and what to do with it."""

    layer: Layer
    encoding: str | None = None
    crs: int | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    mode: WriteMode = "replace"
    dry_run: bool = False
    snap: float | None = None
    layer_name: str | None = None
    skip_invalid: bool = False


@dataclass
class ImportReport:
    """What an import read, repaired, rejected and stored, and every problem it found."""

    layer: str
    source: str
    mode: str
    dry_run: bool
    format: str | None = None
    read: int = 0
    imported: int = 0
    repaired: int = 0
    rejected: int = 0
    encoding: str | None = None
    encoding_source: str | None = None
    crs: str | None = None
    crs_source: str | None = None
    working_crs: str | None = None
    mapping: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)
    district_changes: dict[str, Any] = field(default_factory=dict)
    stored: bool = False
    duration_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the import found no error."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)

    def fail(self, error: BadInput) -> None:
        """Record a refusal (with the candidate CRSs, when it names some)."""
        entry = {
            "feature": error.details.get("feature"),
            "code": error.details.get("reason", error.code),
            "message": error.message,
            "message_en": error.message_en,
        }
        if error.details.get("candidates"):
            entry["candidates"] = list(error.details["candidates"])
        self.errors.append(entry)


def import_layer(
    store: Store,
    path: Path,
    options: ImportOptions,
    source_label: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` into ``options.layer``; nothing is stored unless every check passes.

    A large layer streams: each batch of features is read, checked and handed to the
    database while the next is read, and the coverage's edges are matched batch by batch
    beside it.
    A refusal found in a later batch rolls back what was sent before it.
    """
    started = time.monotonic()
    step = progress or (lambda _stage: None)
    report = ImportReport(
        layer=options.layer.name,
        source=source_label or Path(path).name,
        mode=options.mode,
        dry_run=options.dry_run,
    )
    try:
        store.require_current_schema()
        step(STAGES[0])
        with open_source(
            Path(path),
            encoding=options.encoding,
            crs=options.crs,
            layer_name=options.layer_name,
            point_layer=options.layer is CENTERS,
            preferred_layers=(options.layer.name, options.layer.table),
        ) as source:
            _describe_source(report, source)
            try:
                check_coordinates_in_japan(source.geometry, source.crs, source.source)
                _import_source(store, Path(path), source, options, report, step, started)
            finally:
                report.warnings[:0] = source.warnings
    except BadInput as error:
        report.fail(error)
    except _Refused:
        pass
    report.duration_seconds = round(time.monotonic() - started, 3)
    logger.info(
        "import %s from %s: read %d, imported %d, errors %d, stored %s",
        report.layer,
        report.source,
        report.read,
        report.imported,
        len(report.errors),
        report.stored,
    )
    return report


class _Refused(Exception):
    """Raised to roll back a write once the report holds an error."""


def _import_source(
    store: Store,
    path: Path,
    source: SourceData,
    options: ImportOptions,
    report: ImportReport,
    step: Progress,
    started: float,
) -> None:
    """Check ``source`` batch by batch and, unless it is a dry run, store it as it goes."""
    layer = options.layer
    working_crs = store.geometry_srid()
    report.working_crs = f"EPSG:{working_crs}"
    step(STAGES[1])
    fields = _mapped_fields(layer, path, source.fields, options, report)
    exclaves = _exclave_parts(layer, fields)
    plans_before = PlansBeforeImport.read(store) if layer is DISTRICTS else None
    # Reprojecting and checking the geometry go batch by batch, beside storing it.
    step(STAGES[2])
    step(STAGES[3])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-edges") as edge_worker:
        edges = (
            CoverageEdges(edge_worker)
            if layer.geometry_type == "MultiPolygon" and not options.snap
            else None
        )
        features = _Features(layer, source, fields, exclaves, options, report, working_crs)
        batches = features.batches(edges)
        if options.snap:
            batches = iter(features.snapped(list(batches), options.snap))

        def stored_report() -> dict[str, Any]:
            step(STAGES[4])
            report.coverage = features.coverage_report(edges, options.snap)
            if not report.ok:
                raise _Refused
            if plans_before is not None:
                report.district_changes = plans_before.changes(
                    features.stored_codes(),
                    dict(zip(fields["code"], fields["name"], strict=True)),
                    upsert=options.mode == "upsert",
                )
            if not options.dry_run:
                step(STAGES[5])
            report.imported = features.count
            report.duration_seconds = round(time.monotonic() - started, 3)
            notes = [*source.warnings, *report.warnings]
            return {**report.to_dict(), "warnings": notes, "stored": True}

        if options.dry_run:
            for _ in batches:
                pass
            stored_report()
            return
        store.write_layers({layer: batches}, report.source, options.mode, stored_report)
        report.stored = True


def _mapped_fields(
    layer: Layer, path: Path, raw: pd.DataFrame, options: ImportOptions, report: ImportReport
) -> pd.DataFrame:
    """The layer's fields from the source's, by the given or guessed mapping."""
    publisher = read_publisher_attributes(path if path.is_dir() else path.parent)
    mapping = choose_mapping(layer, raw, options.mapping, publisher)
    report.mapping = mapping.to_dict()
    return _stored_fields(layer, raw, mapping, report)


def _describe_source(report: ImportReport, source: SourceData) -> None:
    """Copy what opening the source found into the report."""
    report.format = source.format
    report.read = len(source.fields)
    report.encoding = source.encoding
    report.encoding_source = source.encoding_source
    epsg = source.crs.to_epsg()
    report.crs = f"EPSG:{epsg}" if epsg else source.crs.name
    report.crs_source = source.crs_source


def _stored_fields(
    layer: Layer, raw: pd.DataFrame, mapping: FieldMapping, report: ImportReport
) -> pd.DataFrame:
    """A frame with the layer's fields converted from their sources, the other fields kept
    as free properties (JSON text in ``_properties``), and ``_feature`` holding each row's
    1-based number in the file."""
    data: dict[str, Any] = {"_feature": np.arange(1, len(raw) + 1)}
    for spec in layer.fields:
        if spec.kind == "point":
            data[spec.name] = [None] * len(raw)
            continue
        source = mapping.fields.get(spec.name)
        if source is None:
            data[spec.name] = [None] * len(raw)
            continue
        values = raw[source]
        if spec.kind == "integer":
            data[spec.name] = _whole_numbers(values, spec.label, source)
        elif spec.kind == "real":
            data[spec.name] = pd.to_numeric(values, errors="coerce")
        else:
            data[spec.name] = _texts(values).tolist()
    used = set(mapping.fields.values())
    kept = [c for c in raw.columns if c not in used]
    data["_properties"] = _free_properties(raw[kept], mapping.display_names)
    frame = pd.DataFrame(data)
    if layer is CENTERS and "kind" not in mapping.fields:
        frame["kind"] = [center_kind_from_name(name) for name in frame["name"]]
        if frame["kind"].notna().any():
            report.warnings.append(
                {
                    "feature": None,
                    "code": "kind_from_name",
                    "message": "種別の項目がないため、施設名の末尾（〜公民館 など）から"
                    "種別を判定しました。",
                    "message_en": "No kind field: kinds were read from the end of the names.",
                }
            )
    if layer is DISTRICTS and "population" not in mapping.fields:
        report.warnings.append(
            {
                "feature": None,
                "code": "no_population",
                "message": "人口の項目がないため、人口は不明（0 ではありません）として保存します。"
                "行政区コードごとの人口表は geoapp import population（取り込み画面では"
                "「人口表」）で読み込めます。",
                "message_en": "No population field: population is stored as unknown (not 0). "
                "Load a table of population by district code with geoapp import population "
                "(the upload page's population table).",
            }
        )
    _require_values(layer, frame)
    return frame


def _whole_numbers(values: pd.Series, label: str, source: str) -> pd.array:
    """Counts as whole, non-negative numbers; the first bad value is refused by feature."""
    if pd.api.types.is_integer_dtype(values.dtype) and not (values < 0).any():
        return pd.array(values, dtype="Int64")
    texts = _texts(values)
    parsed = pd.to_numeric(texts.str.replace(",", "", regex=False), errors="coerce")
    bad = texts.notna() & ~(parsed.notna() & (parsed >= 0) & (parsed % 1 == 0))
    if bad.any():
        number = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        text = texts.iloc[number - 1]
        raise BadInput(
            f"{number}番目の地物の「{label}」（項目 {source}）が0以上の整数ではありません"
            f"（値: {text!r}）。元のファイルを直すか、--map で別の項目を指定してください。",
            f"Feature {number}: {label} (field {source}) is not a whole number ≥ 0 "
            f"({text!r}); fix the file or map another field with --map.",
            feature=number,
            reason="not_a_count",
        )
    return pd.array(parsed, dtype="Int64")


def _texts(values: pd.Series) -> pd.Series:
    """Values as stripped text (object dtype), None where missing or blank."""
    items = values.tolist() if values.dtype == object else None
    if items is not None and set(map(type, items)) <= {str, type(None)}:
        stripped = [None if value is None else value.strip() or None for value in items]
        return pd.Series(stripped, index=values.index, dtype=object)
    present = values.notna()
    text = values.astype(object).where(present, "").astype(str).str.strip()
    return text.astype(object).where(present & (text != ""), None)


def _free_properties(table: pd.DataFrame, display_names: Mapping[str, str]) -> list[str]:
    """Each row's unmapped fields as a JSON object keyed by their display names, encoded a
    field at a time."""
    values = {
        display_names.get(column, column): _json_values(table[column]) for column in table.columns
    }
    return json_columns(list(values), list(values.values()), len(table))


def _json_values(column: pd.Series) -> list[object]:
    """A column's values as JSON-ready Python values: whole numeric columns at once."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return column.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return column.astype(object).where(column.notna(), None).tolist()
    return [_json_value(value) for value in column.tolist()]


def _json_value(value: object) -> object:
    """A free property value that JSON can hold."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    return value if isinstance(value, int | float | str | bool) else str(value)


def _require_values(layer: Layer, frame: pd.DataFrame) -> None:
    """Refuse features that lack a required value (a code or a name)."""
    for spec in layer.fields:
        if not spec.required:
            continue
        empty = frame.loc[frame[spec.name].isna(), "_feature"].tolist()
        if empty:
            shown = ", ".join(map(str, empty[:10])) + (" …" if len(empty) > 10 else "")
            raise BadInput(
                f"「{spec.label}」が空の地物があります（{shown}番目）。値を入れるか、"
                f"--map {spec.name}=項目名 で別の項目を指定してください。",
                f"Features {shown} have no {spec.label_en}; fill it in or map another field "
                f"with --map {spec.name}=FIELD.",
                feature=empty[0],
                reason=f"missing_{spec.name}",
            )


def _exclave_parts(layer: Layer, fields: pd.DataFrame) -> pd.Series:
    """Which features share their code with others as parts of one district (an exclave,
    飛び地, under one code and name); codes shared by features of different names, or by
    centres, are refused."""
    repeated = fields["code"].duplicated(keep=False)
    for code, parts in fields[repeated].groupby("code", sort=False):
        if layer is CENTERS or parts["name"].dropna().nunique() > 1:
            numbers = ", ".join(map(str, parts["_feature"]))
            raise BadInput(
                f"コード「{code}」が複数の地物（{numbers}番目）で使われています。"
                "コードは地物ごとに一意にしてください。",
                f"Code {code!r} is used by features {numbers}; each feature needs its own code.",
                feature=int(parts["_feature"].iloc[0]),
                reason="duplicate_code",
            )
    return repeated


class _Features:
    """A layer's features on their way to the database: reprojected, checked and repaired
    a batch at a time, the parts of an exclave joined at the end."""

    def __init__(
        self,
        layer: Layer,
        source: SourceData,
        fields: pd.DataFrame,
        exclaves: pd.Series,
        options: ImportOptions,
        report: ImportReport,
        working_crs: int,
    ) -> None:
        self.layer = layer
        self.source = source
        self.fields = fields
        self.exclaves = exclaves.to_numpy()
        self.options = options
        self.report = report
        self.working_crs = working_crs
        self.count = 0
        self.geometries: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self.closed: list[dict[str, Any]] = []

    def batches(self, edges: CoverageEdges | None) -> Iterator[LayerBatch]:
        """The features ready to store, batch by batch; none once a feature is refused
        (the rest are still checked, so that the report names every refusal)."""
        checker = check_points if self.layer.geometry_type == "Point" else check_polygons
        reproject = not self.source.crs.equals(CRS.from_epsg(self.working_crs))
        repairs: list[GeometryIssue] = []
        rejections: list[GeometryIssue] = []
        parts: list[gpd.GeoDataFrame] = []
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
            repairs += checked.repairs
            rejections += checked.rejections
            present = ~shapely.is_missing(checked.geometries)
            kept = checked.geometries[present]
            self.geometries.append(kept)
            self.codes.append(self.fields["code"].to_numpy()[batch.start : batch.stop][present])
            if edges is not None:
                edges.add(kept)
            if rejections and not self.options.skip_invalid:
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
            merged = self._merged(pd.concat(parts))
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
        if self.options.skip_invalid:
            report.warnings.extend(issue.to_dict() for issue in rejections)
            return
        report.errors.extend(issue.to_dict() for issue in rejections)
        report.errors.append(
            {
                "feature": None,
                "code": "rejected_features",
                "message": f"修復できない形状が{report.rejected}件あるため、何も保存していません。"
                "元のデータを直すか、--skip-invalid でそれらを除いて取り込んでください。",
                "message_en": f"{report.rejected} features cannot be repaired, so nothing was "
                "stored; fix the source or pass --skip-invalid to import the rest.",
            }
        )

    def _merged(self, parts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """One feature of each code from its parts, counts summed, reported as a warning."""
        rows = []
        for code, group in parts.groupby("code", sort=False):
            if len(group) == 1:
                rows.append(group.iloc[0].to_dict())
                continue
            numbers = ", ".join(map(str, group["_feature"]))
            rows.append(_merge_parts(self.layer, group))
            self.report.warnings.append(
                {
                    "feature": int(group["_feature"].iloc[0]),
                    "code": "merged_parts",
                    "message": f"コード「{code}」の地物{len(group)}件（{numbers}番目）を"
                    "飛び地として1つにまとめ、人口などを合算しました。",
                    "message_en": f"Features {numbers} share code {code!r}: joined as one "
                    "feature with exclaves, counts summed.",
                }
            )
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=self.working_crs)

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
        return _located(problems, self.working_crs, names)


def _merge_parts(layer: Layer, parts: gpd.GeoDataFrame) -> dict[str, Any]:
    """One row from the parts of a feature: counts summed, the rest from the first part."""
    row = parts.iloc[0].to_dict()
    for spec in layer.fields:
        if spec.kind == "integer":
            values = parts[spec.name].dropna()
            row[spec.name] = int(values.sum()) if len(values) else None
    row["geometry"] = shapely.MultiPolygon(
        [poly for geom in parts.geometry for poly in shapely.get_parts(geom)]
    )
    return row


# Little-endian WKB of a 2D point, polygon or multipolygon (after the byte-order mark) is
# what storage takes as it is.
_PLAIN_WKB_TYPES = frozenset(code.to_bytes(4, "little") for code in (1, 3, 6))


def _located(problems: list[Any], crs: Any, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Problems as dicts with their location also in lon/lat and the features' names."""
    if not problems:
        return []
    points = gpd.GeoSeries([shapely.Point(p.x, p.y) for p in problems], crs=crs).to_crs(4326)
    return [
        {
            **problem.to_dict(lonlat=(round(point.x, 7), round(point.y, 7))),
            "feature_names": [names.get(code, "") for code in problem.features],
        }
        for problem, point in zip(problems, points, strict=True)
    ]


def summary_counts(report: Mapping[str, Any]) -> dict[str, int]:
    """The figures a report's reader looks at first."""
    coverage = report.get("coverage") or {}
    return {
        "read": report.get("read", 0),
        "imported": report.get("imported", 0),
        "repaired": report.get("repaired", 0),
        "rejected": report.get("rejected", 0),
        "gaps": len(coverage.get("gaps", [])),
        "overlaps": len(coverage.get("overlaps", [])),
    }
