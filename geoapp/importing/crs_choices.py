"""The coordinate systems the upload page offers, the city's own zone first, and the page's
wording of a refusal for a missing or wrong CRS (the command line says ``--crs``; the page
points at its own field)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BadInput
from ..sources import JGD2011_ZONES
from ..sources.crs import CrsRefused, candidates_text
from ..translatable import Sentences, Text

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
_ZONE_SERIES: dict[int, str | Text] = {
    JGD2011_ZONES[0]: "JGD2011",
    2443: "JGD2000",
    30161: Text("旧日本測地系"),
}
_GEOGRAPHIC = {
    6668: Text("緯度経度（JGD2011）"),
    4612: Text("緯度経度（JGD2000）"),
    4301: Text("緯度経度（旧日本測地系）"),
    4326: Text("緯度経度（WGS 84）"),
}
SHOWN_CANDIDATES = 6


@dataclass(frozen=True)
class CrsChoice:
    """One option of the form's CRS field."""

    code: int
    label: Text


@dataclass(frozen=True)
class CrsGroup:
    """A group of options (an optgroup)."""

    label: Text
    choices: tuple[CrsChoice, ...]


def crs_label(code: int) -> Text:
    """A CRS the upload page accepts, by name (e.g. 平面直角座標系 第VIII系（JGD2011））."""
    if code in _GEOGRAPHIC:
        return _GEOGRAPHIC[code]
    for first, series in _ZONE_SERIES.items():
        if first <= code < first + len(_NUMERALS):
            return Text(
                "平面直角座標系 第{numeral}系（{series}）",
                numeral=_NUMERALS[code - first],
                series=series,
            )
    return Text("EPSG:{code}", code=code)


def _choice(code: int) -> CrsChoice:
    return CrsChoice(code, crs_label(code))


def crs_choices(working: int) -> tuple[CrsGroup, ...]:
    """The CRS field's options: the city's working CRS first, then lon/lat, then every
    zone of each datum."""

    def zones(first: int) -> tuple[CrsChoice, ...]:
        return tuple(_choice(first + n) for n in range(len(_NUMERALS)) if first + n != working)

    return (
        CrsGroup(Text("この市の作業用の座標系"), (_choice(working),)),
        CrsGroup(Text("緯度経度"), tuple(map(_choice, _GEOGRAPHIC))),
        CrsGroup(Text("平面直角座標系（JGD2011）"), zones(JGD2011_ZONES[0])),
        CrsGroup(Text("平面直角座標系（JGD2000）"), zones(2443)),
        CrsGroup(Text("平面直角座標系（旧日本測地系）"), zones(30161)),
    )


def page_crs_refusal(error: BadInput, working: int) -> BadInput:
    """A refusal as the upload page words it: a refusal about the CRS keeps its finding,
    then asks for the form's CRS field instead of ``--crs`` and lists a few candidates, the
    city's working CRS first when it is one; any other refusal as it is."""
    if not isinstance(error, CrsRefused):
        return error
    candidates = list(error.details.get("candidates") or [])
    if working in candidates:
        candidates.remove(working)
        candidates.insert(0, working)
    shown = candidates[:SHOWN_CANDIDATES]
    return BadInput(
        Sentences(
            *([] if error.finding is None else [error.finding]),
            Text(
                "「詳細設定」の「座標系」欄で正しい座標系を選んでから、もう一度検査してください。"
            ),
            *candidates_text(shown, crs_label),
        ),
        **{**error.details, "candidates": shown},
    )
