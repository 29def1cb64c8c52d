"""Checks every overlay function runs first, so bad layers fail early with a clear message.

The overlay works in metres: both layers must share one projected CRS, carry a unique
``code`` per feature and have a geometry on every row.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import BadInput
from ..translatable import Text


def check_layer(frame: gpd.GeoDataFrame, label: Text, kind: str) -> None:
    """Refuse a layer without codes, with repeated codes, empty or wrong-kind geometry,
    or without a projected CRS; ``label`` names the layer in the messages, ``kind`` is
    ``polygon`` or ``point``."""
    if frame.crs is None or not frame.crs.is_projected:
        raise BadInput(
            Text(
                "{label}の座標参照系が投影座標系（メートル）ではありません（{crs}）。"
                "作業用の平面直角座標系に変換してください。",
                label=label,
                crs=str(frame.crs),
            )
        )
    if "code" not in frame.columns:
        raise BadInput(Text("{label}に「code」の項目がありません。", label=label))
    codes = frame["code"]
    if codes.isna().any():
        row = int(np.flatnonzero(codes.isna().to_numpy())[0]) + 1
        raise BadInput(Text("{label}の{row}番目の地物にコードがありません。", label=label, row=row))
    repeated = sorted(set(codes[codes.duplicated()].astype(str)))
    if repeated:
        raise BadInput(
            Text(
                "{label}のコードが重複しています: {codes}",
                label=label,
                codes=", ".join(repeated[:10]),
            ),
            duplicate_codes=repeated,
        )
    geometries = frame.geometry.to_numpy()
    empty = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if empty.any():
        code = codes.iloc[int(np.flatnonzero(empty)[0])]
        raise BadInput(Text("{label}の地物「{code}」に形状がありません。", label=label, code=code))
    wanted = (0, 4) if kind == "point" else (3, 6)
    wrong = ~np.isin(shapely.get_type_id(geometries), wanted)
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        values = {"label": label, "code": codes.iloc[row], "found": geometries[row].geom_type}
        raise BadInput(
            Text("{label}の地物「{code}」の形状がポイントではありません（{found}）。", **values)
            if kind == "point"
            else Text(
                "{label}の地物「{code}」の形状がポリゴンではありません（{found}）。", **values
            )
        )
    if kind == "polygon":
        _refuse_invalid(geometries, codes, label)


def _refuse_invalid(geometries: np.ndarray, codes: pd.Series, label: Text) -> None:
    """Refuse invalid polygons (a self-intersection gives wrong areas, or none at all)."""
    invalid = np.flatnonzero(~shapely.is_valid(geometries))
    if not len(invalid):
        return
    row = int(invalid[0])
    raise BadInput(
        Text(
            "{label}の地物「{code}」の形状が不正です（{reason}）。ほかに不正な地物が"
            "{more}件あります。`geoapp import` で取り込み直すと修復されます。",
            label=label,
            code=codes.iloc[row],
            reason=shapely.is_valid_reason(geometries[row]),
            more=len(invalid) - 1,
        ),
        invalid_codes=[str(code) for code in codes.iloc[invalid[:20]]],
    )


def check_same_crs(*frames: gpd.GeoDataFrame) -> None:
    """Refuse layers in different coordinate reference systems."""
    crs = {str(frame.crs) for frame in frames}
    if len(crs) > 1:
        shown = ", ".join(sorted(f.crs.to_string() for f in frames))
        raise BadInput(
            Text(
                "レイヤの座標参照系がそろっていません（{crs}）。同じ座標系に変換してください。",
                crs=shown,
            )
        )


def check_threshold(threshold: float) -> None:
    """Refuse a split threshold outside [0, 0.5)."""
    if not 0 <= threshold < 0.5:
        raise BadInput(
            Text(
                "分割のしきい値 {threshold} は 0 以上 0.5 未満で指定してください（例: 0.05）。",
                threshold=threshold,
            )
        )
