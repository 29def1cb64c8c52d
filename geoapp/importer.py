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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import BadInput
from .field_mapping import (
    FieldMapping,
    center_kind_from_name,
    choose_mapping,
    read_publisher_attributes,
)
from .geometry_checks import (
    CheckedGeometries,
    check_points,
    check_polygons,
    coverage_problems,
    snap_coverage,
)
from .layers import CENTERS, Layer
from .sources import SourceData, check_coordinates_in_japan, read_source
from .storage import Store
from .storage.base import WriteMode

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
# Rows handed to the database at a time.
BATCH_ROWS = 10_000
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
        """Record a refusal."""
        self.errors.append(
            {
                "feature": error.details.get("feature"),
                "code": error.details.get("reason", error.code),
                "message": error.message,
                "message_en": error.message_en,
            }
        )


def import_layer(
    store: Store,
    path: Path,
    options: ImportOptions,
    source_label: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` into ``options.layer``; nothing is stored unless every check passes."""
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
        frame = _prepare(store, Path(path), options, report, step)
        step(STAGES[4])
        snapped: list[dict[str, Any]] = []
        if options.snap and _is_coverage(options.layer, frame):
            frame, snapped = _snapped(frame, options.snap)
        coverage: Future[dict[str, Any]] = Future()

        def stored_report() -> dict[str, Any]:
            report.coverage = coverage.result()
            report.duration_seconds = round(time.monotonic() - started, 3)
            return {**report.to_dict(), "stored": True}

        if report.ok and not options.dry_run:
            step(STAGES[5])
            # The rows are stored from a second thread while this one checks the coverage
            # (GEOS lets go of the GIL); the write asks for the report when its rows are in.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-write") as pool:
                writing = pool.submit(
                    store.write_layers,
                    {options.layer: _batches(frame)},
                    report.source,
                    options.mode,
                    stored_report,
                )
                _settle(coverage, _coverage_report, options.layer, frame, options.snap, snapped)
                writing.result()
            report.stored = True
        else:
            report.coverage = _coverage_report(options.layer, frame, options.snap, snapped)
    except BadInput as error:
        report.fail(error)
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


def _prepare(
    store: Store, path: Path, options: ImportOptions, report: ImportReport, step: Progress
) -> gpd.GeoDataFrame:
    """The frame ready to store, filling in the report as it goes."""
    layer = options.layer
    step(STAGES[0])
    source = read_source(
        path,
        encoding=options.encoding,
        crs=options.crs,
        layer_name=options.layer_name,
        point_layer=layer is CENTERS,
    )
    _describe_source(report, source)
    check_coordinates_in_japan(source.frame, source.source)
    working_crs = store.geometry_srid()
    report.working_crs = f"EPSG:{working_crs}"
    # A second thread maps and converts the fields while this one reprojects and checks
    # the geometry (GEOS lets go of the GIL, and runs slower outside the main thread).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-fields") as pool:
        step(STAGES[1])
        fields = pool.submit(_mapped_fields, layer, path, source.frame, options, report)
        try:
            step(STAGES[2])
            geometry = source.frame.geometry.to_crs(working_crs)
            step(STAGES[3])
            checker = check_points if layer.geometry_type == "Point" else check_polygons
            checked = checker(geometry.to_numpy(), feature_numbers=range(1, len(geometry) + 1))
        except BaseException:
            if isinstance(fields.exception(), BadInput):
                fields.result()  # a refused field is told first, as reading in order would
            raise
        frame = fields.result().set_geometry(geometry)
    frame = _apply_geometry_checks(frame, checked, options, report)
    frame = _merge_parts_sharing_a_code(layer, frame, report)

    report.imported = len(frame) if report.ok else 0
    return frame.drop(columns=["_feature"])


def _mapped_fields(
    layer: Layer, path: Path, raw: gpd.GeoDataFrame, options: ImportOptions, report: ImportReport
) -> gpd.GeoDataFrame:
    """The layer's fields from the source's, by the given or guessed mapping."""
    publisher = read_publisher_attributes(path if path.is_dir() else path.parent)
    mapping = choose_mapping(layer, raw, options.mapping, publisher)
    report.mapping = mapping.to_dict()
    return _stored_fields(layer, raw, mapping, report)


def _describe_source(report: ImportReport, source: SourceData) -> None:
    """Copy what reading found into the report."""
    report.format = source.format
    report.read = len(source.frame)
    report.encoding = source.encoding
    report.encoding_source = source.encoding_source
    epsg = source.crs.to_epsg()
    report.crs = f"EPSG:{epsg}" if epsg else source.crs.name
    report.crs_source = source.crs_source
    report.warnings.extend(source.warnings)


def _stored_fields(
    layer: Layer, raw: gpd.GeoDataFrame, mapping: FieldMapping, report: ImportReport
) -> gpd.GeoDataFrame:
    """A frame with the layer's fields converted from their sources, the other fields kept
    as free properties, and ``_feature`` holding each row's 1-based number in the file."""
    data: dict[str, Any] = {"_feature": np.arange(1, len(raw) + 1)}
    for spec in layer.fields:
        if spec.kind == "point":
            data[spec.name] = gpd.GeoSeries([None] * len(raw), crs=raw.crs)
            continue
        source = mapping.fields.get(spec.name)
        values = raw[source] if source else pd.Series([None] * len(raw), index=raw.index)
        if spec.kind == "integer":
            data[spec.name] = _whole_numbers(values, spec.label, source or spec.name)
        elif spec.kind == "real":
            data[spec.name] = pd.to_numeric(values, errors="coerce")
        else:
            data[spec.name] = _texts(values).tolist()
    used = set(mapping.fields.values())
    kept = [c for c in raw.columns if c not in used and c != raw.geometry.name]
    data["properties"] = _free_properties(raw[kept], mapping.display_names)
    frame = gpd.GeoDataFrame(data, geometry=raw.geometry.to_numpy(), crs=raw.crs)
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
    present = values.notna()
    text = values.astype(object).where(present, "").astype(str).str.strip()
    return text.astype(object).where(present & (text != ""), None)


def _free_properties(table: pd.DataFrame, display_names: Mapping[str, str]) -> list[dict]:
    """Each row's unmapped fields as a dict of JSON values, keyed by their display names."""
    if table.columns.empty:
        return [{} for _ in range(len(table))]
    values = {
        display_names.get(column, column): _json_values(table[column]) for column in table.columns
    }
    return [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)]


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


def _require_values(layer: Layer, frame: gpd.GeoDataFrame) -> None:
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


def _apply_geometry_checks(
    frame: gpd.GeoDataFrame,
    checked: CheckedGeometries,
    options: ImportOptions,
    report: ImportReport,
) -> gpd.GeoDataFrame:
    """Put the repaired geometries in; refuse the import over rejected ones, or drop them
    with ``skip_invalid``."""
    report.repaired = len({issue.feature for issue in checked.repairs})
    report.rejected = len({issue.feature for issue in checked.rejections})
    report.warnings.extend(issue.to_dict() for issue in checked.repairs)
    frame = frame.set_geometry(gpd.GeoSeries(checked.geometries, crs=frame.crs, index=frame.index))
    if not checked.rejections:
        return frame
    if options.skip_invalid:
        report.warnings.extend(issue.to_dict() for issue in checked.rejections)
        return frame[frame.geometry.notna()].copy()
    report.errors.extend(issue.to_dict() for issue in checked.rejections)
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
    return frame[frame.geometry.notna()].copy()


def _merge_parts_sharing_a_code(
    layer: Layer, frame: gpd.GeoDataFrame, report: ImportReport
) -> gpd.GeoDataFrame:
    """Join features that share a code and a name into one (an exclave, 飛び地), summing
    their counts; refuse codes shared by features with different names."""
    repeated = frame[frame["code"].duplicated(keep=False)]
    if repeated.empty:
        return frame
    merged_rows = []
    for code, parts in repeated.groupby("code", sort=False):
        numbers = ", ".join(map(str, parts["_feature"]))
        if layer is CENTERS or parts["name"].dropna().nunique() > 1:
            raise BadInput(
                f"コード「{code}」が複数の地物（{numbers}番目）で使われています。"
                "コードは地物ごとに一意にしてください。",
                f"Code {code!r} is used by features {numbers}; each feature needs its own code.",
                feature=int(parts["_feature"].iloc[0]),
                reason="duplicate_code",
            )
        merged_rows.append(_merge_parts(layer, parts))
        report.warnings.append(
            {
                "feature": int(parts["_feature"].iloc[0]),
                "code": "merged_parts",
                "message": f"コード「{code}」の地物{len(parts)}件（{numbers}番目）を飛び地として"
                "1つにまとめ、人口などを合算しました。",
                "message_en": f"Features {numbers} share code {code!r}: joined as one "
                "feature with exclaves, counts summed.",
            }
        )
    kept = frame[~frame["code"].isin(repeated["code"])]
    merged = gpd.GeoDataFrame(merged_rows, geometry="geometry", crs=frame.crs)
    return gpd.GeoDataFrame(pd.concat([kept, merged]), crs=frame.crs).sort_values("_feature")


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


def _settle(future: Future[Any], work: Callable[..., Any], *args: Any) -> None:
    """Run ``work`` here and put its result, or its error, in ``future``."""
    try:
        future.set_result(work(*args))
    except BaseException as exc:
        future.set_exception(exc)
        raise


def _is_coverage(layer: Layer, frame: gpd.GeoDataFrame) -> bool:
    """True when the layer's features should tile the city (districts, school zones)."""
    return layer.geometry_type == "MultiPolygon" and len(frame) > 0


def _snapped(frame: gpd.GeoDataFrame, snap: float) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """The frame with gaps and overlaps thinner than ``snap`` closed, and those it closed."""
    geometries, snapped = snap_coverage(
        frame.geometry.to_numpy(), frame["code"].astype(str).tolist(), snap
    )
    closed = _located(snapped, frame.crs, _names_by_code(frame))
    return frame.set_geometry(gpd.GeoSeries(geometries, crs=frame.crs, index=frame.index)), closed


def _coverage_report(
    layer: Layer, frame: gpd.GeoDataFrame, snap: float | None, snapped: list[dict[str, Any]]
) -> dict[str, Any]:
    """The gaps and overlaps of a polygon layer, located, beside those ``--snap`` closed;
    nothing for a point layer."""
    if not _is_coverage(layer, frame):
        return {}
    problems = coverage_problems(
        frame.geometry.to_numpy(), frame["code"].astype(str).tolist(), min_area=0.01
    )
    names = _names_by_code(frame)
    return {
        "checked": True,
        "snap_tolerance_m": snap,
        "gaps": _located([p for p in problems if p.kind == "gap"], frame.crs, names),
        "overlaps": _located([p for p in problems if p.kind == "overlap"], frame.crs, names),
        "snapped": snapped,
    }


def _names_by_code(frame: gpd.GeoDataFrame) -> dict[str, str]:
    """Each feature's name by its code."""
    return dict(zip(frame["code"].astype(str), frame["name"].astype(str), strict=True))


def _batches(frame: gpd.GeoDataFrame) -> Iterator[gpd.GeoDataFrame]:
    """The frame in slices, so that the database stores one while the next is encoded."""
    for start in range(0, len(frame), BATCH_ROWS):
        yield frame.iloc[start : start + BATCH_ROWS]


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
