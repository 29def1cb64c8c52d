"""Exclaves (飛び地): features that share a code and a name are parts of one district,
joined into one MultiPolygon with their counts summed; a code shared otherwise is refused."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import BadInput
from ..layers import CENTERS, Layer
from ..sources.source_data import note
from ..translatable import Text


def exclave_parts(layer: Layer, fields: pd.DataFrame) -> pd.Series:
    """Which features share their code with others as parts of one district (an exclave,
    飛び地, under one code and name); codes shared by features of different names, or by
    centres, are refused."""
    repeated = fields["code"].duplicated(keep=False)
    for code, parts in fields[repeated].groupby("code", sort=False):
        if layer is CENTERS or parts["name"].dropna().nunique() > 1:
            numbers = ", ".join(map(str, parts["_feature"]))
            raise BadInput(
                Text(
                    "コード「{code}」が複数の地物（{numbers}番目）で使われています。"
                    "コードは地物ごとに一意にしてください。",
                    code=code,
                    numbers=numbers,
                ),
                feature=int(parts["_feature"].iloc[0]),
                reason="duplicate_code",
            )
    return repeated


def joined_exclaves(
    layer: Layer, parts: gpd.GeoDataFrame, crs: int, warnings: list[dict[str, Any]]
) -> gpd.GeoDataFrame:
    """One feature of each code from its parts, counts summed, each join noted in
    ``warnings``."""
    rows = []
    for code, group in parts.groupby("code", sort=False):
        if len(group) == 1:
            rows.append(group.iloc[0].to_dict())
            continue
        numbers = ", ".join(map(str, group["_feature"]))
        rows.append(_joined_row(layer, group))
        warnings.append(
            note(
                "merged_parts",
                Text(
                    "コード「{code}」の地物{n}件（{numbers}番目）を"
                    "飛び地として1つにまとめ、人口などを合算しました。",
                    code=code,
                    n=len(group),
                    numbers=numbers,
                ),
                feature=int(group["_feature"].iloc[0]),
            )
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def _joined_row(layer: Layer, parts: gpd.GeoDataFrame) -> dict[str, Any]:
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
