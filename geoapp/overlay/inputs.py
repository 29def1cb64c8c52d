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


def check_layer(frame: gpd.GeoDataFrame, label: str, label_en: str, kind: str) -> None:
    """Refuse a layer without codes, with repeated codes, empty or wrong-kind geometry,
    or without a projected CRS; ``kind`` is ``polygon`` or ``point``."""
    if frame.crs is None or not frame.crs.is_projected:
        raise BadInput(
            f"{label}の座標参照系が投影座標系（メートル）ではありません（{frame.crs}）。"
            "作業用の平面直角座標系に変換してください。",
            f"{label_en} are in {frame.crs}, not a projected CRS in metres; "
            "reproject them to the working CRS.",
        )
    if "code" not in frame.columns:
        raise BadInput(
            f"{label}に「code」の項目がありません。",
            f"{label_en} have no 'code' column.",
        )
    codes = frame["code"]
    if codes.isna().any():
        row = int(np.flatnonzero(codes.isna().to_numpy())[0]) + 1
        raise BadInput(
            f"{label}の{row}番目の地物にコードがありません。",
            f"Feature {row} of {label_en} has no code.",
        )
    repeated = sorted(set(codes[codes.duplicated()].astype(str)))
    if repeated:
        raise BadInput(
            f"{label}のコードが重複しています: {', '.join(repeated[:10])}",
            f"{label_en} repeat codes: {', '.join(repeated[:10])}",
            duplicate_codes=repeated,
        )
    geometries = frame.geometry.to_numpy()
    empty = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if empty.any():
        row = int(np.flatnonzero(empty)[0])
        raise BadInput(
            f"{label}の地物「{codes.iloc[row]}」に形状がありません。",
            f"Feature {codes.iloc[row]!r} of {label_en} has no geometry.",
        )
    wanted = (0, 4) if kind == "point" else (3, 6)
    wrong = ~np.isin(shapely.get_type_id(geometries), wanted)
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        expected = "ポイント" if kind == "point" else "ポリゴン"
        raise BadInput(
            f"{label}の地物「{codes.iloc[row]}」の形状が{expected}ではありません"
            f"（{geometries[row].geom_type}）。",
            f"Feature {codes.iloc[row]!r} of {label_en} is a "
            f"{geometries[row].geom_type}, not a {kind}.",
        )
    if kind == "polygon":
        _refuse_invalid(geometries, codes, label, label_en)


def _refuse_invalid(geometries: np.ndarray, codes: pd.Series, label: str, label_en: str) -> None:
    """Refuse invalid polygons (a self-intersection gives wrong areas, or none at all)."""
    invalid = np.flatnonzero(~shapely.is_valid(geometries))
    if not len(invalid):
        return
    row = int(invalid[0])
    reason = shapely.is_valid_reason(geometries[row])
    raise BadInput(
        f"{label}の地物「{codes.iloc[row]}」の形状が不正です（{reason}）。ほかに不正な地物が"
        f"{len(invalid) - 1}件あります。`geoapp import` で取り込み直すと修復されます。",
        f"Feature {codes.iloc[row]!r} of {label_en} is invalid ({reason}), and "
        f"{len(invalid) - 1} more; importing with `geoapp import` repairs them.",
        invalid_codes=[str(code) for code in codes.iloc[invalid[:20]]],
    )


def check_same_crs(*frames: gpd.GeoDataFrame) -> None:
    """Refuse layers in different coordinate reference systems."""
    crs = {str(frame.crs) for frame in frames}
    if len(crs) > 1:
        shown = ", ".join(sorted(f.crs.to_string() for f in frames))
        raise BadInput(
            f"レイヤの座標参照系がそろっていません（{shown}）。同じ座標系に変換してください。",
            f"The layers are in different CRSs ({shown}); reproject them to one.",
        )


def check_threshold(threshold: float) -> None:
    """Refuse a split threshold outside [0, 0.5)."""
    if not 0 <= threshold < 0.5:
        raise BadInput(
            f"分割のしきい値 {threshold} は 0 以上 0.5 未満で指定してください（例: 0.05）。",
            f"The split threshold {threshold} must be at least 0 and below 0.5 (e.g. 0.05).",
        )
