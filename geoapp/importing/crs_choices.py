"""The coordinate systems the upload page offers, the city's own zone first, and the page's
wording of a refusal for a missing or wrong CRS (the command line says ``--crs``; the page
points at its own field)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..sources import JGD2011_ZONES

# The 19 zones of the plane rectangular system, by their numerals.
_NUMERALS = (
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
)
_ZONE_SERIES = {
    JGD2011_ZONES[0]: ("JGD2011", "JGD2011"),
    2443: ("JGD2000", "JGD2000"),
    30161: ("旧日本測地系", "Tokyo datum"),
}
_GEOGRAPHIC = {
    6668: ("緯度経度（JGD2011）", "Lon/lat (JGD2011)"),
    4612: ("緯度経度（JGD2000）", "Lon/lat (JGD2000)"),
    4301: ("緯度経度（旧日本測地系）", "Lon/lat (Tokyo datum)"),
    4326: ("緯度経度（WGS 84）", "Lon/lat (WGS 84)"),
}
# Refusals about the CRS, by the reason the importer records.
CRS_REASONS = frozenset({"crs_missing", "coordinates_outside_japan", "crs_not_accepted"})
SHOWN_CANDIDATES = 6


@dataclass(frozen=True)
class CrsChoice:
    """One option of the form's CRS field."""

    code: int
    label: str
    label_en: str


@dataclass(frozen=True)
class CrsGroup:
    """A group of options (an optgroup)."""

    label: str
    label_en: str
    choices: tuple[CrsChoice, ...]


def crs_label(code: int) -> tuple[str, str]:
    """A CRS the upload page accepts, named in Japanese and English (e.g. 第VIII系)."""
    if code in _GEOGRAPHIC:
        return _GEOGRAPHIC[code]
    for first, (series, series_en) in _ZONE_SERIES.items():
        if first <= code < first + len(_NUMERALS):
            numeral = _NUMERALS[code - first]
            return (
                f"平面直角座標系 第{numeral}系（{series}）",
                f"Plane zone {numeral} ({series_en})",
            )
    return f"EPSG:{code}", f"EPSG:{code}"


def _choice(code: int) -> CrsChoice:
    return CrsChoice(code, *crs_label(code))


def crs_choices(working: int) -> tuple[CrsGroup, ...]:
    """The CRS field's options: the city's working CRS first, then lon/lat, then every
    zone of each datum."""

    def zones(first: int) -> tuple[CrsChoice, ...]:
        return tuple(_choice(first + n) for n in range(len(_NUMERALS)) if first + n != working)

    return (
        CrsGroup("この市の作業用の座標系", "This city's working CRS", (_choice(working),)),
        CrsGroup("緯度経度", "Longitude and latitude", tuple(map(_choice, _GEOGRAPHIC))),
        CrsGroup("平面直角座標系（JGD2011）", "Plane zones (JGD2011)", zones(JGD2011_ZONES[0])),
        CrsGroup("平面直角座標系（JGD2000）", "Plane zones (JGD2000)", zones(2443)),
        CrsGroup("平面直角座標系（旧日本測地系）", "Plane zones (Tokyo datum)", zones(30161)),
    )


def page_crs_issue(issue: dict[str, Any], working: int) -> dict[str, Any]:
    """A refusal as the upload page words it: a CRS refusal keeps its finding, asks for the
    form's CRS field instead of ``--crs``, and lists a few candidates, the city's working
    CRS first when it is one; any other refusal as it is."""
    if issue.get("code") not in CRS_REASONS:
        return issue
    candidates = list(issue.get("candidates") or [])
    if working in candidates:
        candidates.remove(working)
        candidates.insert(0, working)
    shown = candidates[:SHOWN_CANDIDATES]
    ja = _before_crs_option(issue["message"], r"(?<=。)", "")
    en = _before_crs_option(issue["message_en"], r"(?<=[.;]) ", " ")
    ja += "「詳細設定」の「座標系」欄で正しい座標系を選んでから、もう一度検査してください。"
    en += " Choose the right one in the “Coordinate system” field under “Options” and check again."
    if shown:
        ja += "候補: " + "、".join(f"EPSG:{c}（{crs_label(c)[0]}）" for c in shown)
        en += " Candidates: " + ", ".join(f"EPSG:{c} ({crs_label(c)[1]})" for c in shown)
    return {**issue, "message": ja, "message_en": en, "candidates": shown}


def _before_crs_option(message: str, sentence_end: str, joiner: str) -> str:
    """The sentences of ``message`` before the first that mentions ``--crs``."""
    kept = []
    for sentence in re.split(sentence_end, message):
        if "--crs" in sentence:
            break
        kept.append(sentence)
    text = joiner.join(kept).strip().rstrip(";")
    return text if text.endswith(("。", ".")) or not text else f"{text}."
