"""The report of one import: what it read, repaired, rejected and stored, and every problem
it found, with the gaps and overlaps located in lon/lat for the reader."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import shapely

from ..errors import BadInput
from ..sources.source_data import note
from ..translatable import N_

# How the report says the encoding and the CRS were decided.
ENCODING_SOURCES = {
    "cpg": N_(".cpg ファイル"),
    "dbf_language_id": N_("DBF の言語ID"),
    "detected": N_("自動判定"),
    "given": N_("指定"),
    "format": N_("形式の規定"),
}
CRS_SOURCES = {
    "prj": N_(".prj ファイル"),
    "given": N_("指定"),
    "embedded": N_("ファイル内の定義"),
    "csv_lonlat": N_("緯度・経度の列"),
}


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
        entry = note(
            str(error.details.get("reason", error.code)), error.text, error.details.get("feature")
        )
        if error.details.get("candidates"):
            entry["candidates"] = list(error.details["candidates"])
        self.errors.append(entry)


def located_problems(
    problems: list[Any], crs: Any, names: Mapping[str, str]
) -> list[dict[str, Any]]:
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
