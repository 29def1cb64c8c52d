"""A layer's fields converted from a source's columns: counts as whole numbers, text
stripped, required values present, and every unmapped column kept as free JSON properties."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import BadInput
from ..layers import CENTERS, DISTRICTS, WEB_CRS, Layer, free_attribute
from ..sources.source_data import note
from ..storage.properties import json_columns
from ..translatable import Counted, Text
from .field_mapping import (
    FieldMapping,
    center_kind_from_name,
    choose_mapping,
    read_publisher_attributes,
)
from .report import ImportReport


def mapped_fields(
    layer: Layer,
    path: Path,
    raw: pd.DataFrame,
    given: dict[str, str],
    report: ImportReport,
    working_crs: int,
) -> pd.DataFrame:
    """The layer's fields from the source's, by the given or guessed mapping; a point field
    from ``<field>_lon``/``<field>_lat`` columns, as geoapp's own exports write it, put in the
    ``working_crs``."""
    publisher = read_publisher_attributes(path if path.is_dir() else path.parent)
    mapping = choose_mapping(layer, raw, given, publisher)
    report.mapping = mapping.to_dict()
    return stored_fields(layer, raw, mapping, report, working_crs)


def stored_fields(
    layer: Layer,
    raw: pd.DataFrame,
    mapping: FieldMapping,
    report: ImportReport,
    working_crs: int,
) -> pd.DataFrame:
    """A frame with the layer's fields converted from their sources, the other fields kept
    as free properties (JSON text in ``_properties``), and ``_feature`` holding each row's
    1-based number in the file."""
    data: dict[str, Any] = {"_feature": np.arange(1, len(raw) + 1)}
    used = set(mapping.fields.values())
    for spec in layer.fields:
        if spec.kind == "point":
            degrees = [f"{spec.name}_lon", f"{spec.name}_lat"]
            if all(column in raw for column in degrees):
                data[spec.name] = _points(raw[degrees[0]], raw[degrees[1]], working_crs)
                used.update(degrees)
            else:
                data[spec.name] = [None] * len(raw)
            continue
        source = mapping.fields.get(spec.name)
        if source is None:
            data[spec.name] = [None] * len(raw)
            continue
        values = raw[source]
        if spec.kind == "integer":
            data[spec.name] = _whole_numbers(values, spec.title, source)
        elif spec.kind == "real":
            data[spec.name] = pd.to_numeric(values, errors="coerce")
        else:
            data[spec.name] = _texts(values).tolist()
    used.update(mapping.fields.values())
    kept = [c for c in raw.columns if c not in used]
    data["_properties"] = _free_properties(raw[kept], mapping.display_names)
    frame = pd.DataFrame(data)
    if layer is CENTERS and "kind" not in mapping.fields:
        frame["kind"] = [center_kind_from_name(name) for name in frame["name"]]
        if frame["kind"].notna().any():
            report.warnings.append(
                note(
                    "kind_from_name",
                    Text(
                        "種別の項目がないため、施設名の末尾（〜公民館 など）から"
                        "種別を判定しました。"
                    ),
                )
            )
    if layer is DISTRICTS and "population" not in mapping.fields:
        report.warnings.append(
            note(
                "no_population",
                Text(
                    "人口の項目がないため、人口は不明（0 ではありません）として保存します。"
                    "行政区コードごとの人口表は geoapp import population（取り込み画面では"
                    "「人口表」）で読み込めます。"
                ),
            )
        )
    _require_values(layer, frame)
    return frame


def _points(lon: pd.Series, lat: pd.Series, working_crs: int) -> list[Any]:
    """Points from degree columns, in the working CRS; None where either is missing."""
    x, y = pd.to_numeric(lon, errors="coerce"), pd.to_numeric(lat, errors="coerce")
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=WEB_CRS).to_crs(working_crs)
    missing = (x.isna() | y.isna()).to_numpy()
    return [None if gone else point for point, gone in zip(points, missing, strict=True)]


def _whole_numbers(values: pd.Series, label: Text, source: str) -> pd.array:
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
            Text(
                "{number}番目の地物の「{label}」（項目 {field}）が0以上の整数ではありません"
                "（値: '{value}'）。元のファイルを直すか、--map で別の項目を指定してください。",
                number=number,
                label=label,
                field=source,
                value=text,
            ),
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
    """Each row's unmapped fields as a JSON object keyed by their display names (a
    ``free:<name>`` column of geoapp's own GeoJSON as ``<name>``), encoded a field at a
    time."""
    values = {
        free_attribute(display_names.get(column, column)): _json_values(table[column])
        for column in table.columns
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
                Counted(
                    "「{label}」が空の地物があります（{features}番目）。値を入れるか、"
                    "--map {field}=項目名 で別の項目を指定してください。",
                    "「{label}」が空の地物があります（{features}番目）。値を入れるか、"
                    "--map {field}=項目名 で別の項目を指定してください。",
                    n=len(empty),
                    label=spec.title,
                    features=shown,
                    field=spec.name,
                ),
                feature=empty[0],
                reason=f"missing_{spec.name}",
            )
