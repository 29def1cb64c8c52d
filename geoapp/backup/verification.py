"""What a copy is checked against once written: each table's row count, each layer's
total area and each plan's latest version (its number and a summary of its district
assignments)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import shapely

from ..layers import LAYERS
from ..storage.tables import TableReader

# Areas are compared to the square centimetre: both sides read the same WKB.
AREA_DECIMALS = 4


@dataclass(frozen=True)
class Check:
    """One compared figure: what it is, and its value on each side."""

    kind: str
    name: str
    source: str
    target: str

    @property
    def holds(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class Verification:
    """Every check of one copy."""

    checks: tuple[Check, ...]

    @property
    def holds(self) -> bool:
        return all(check.holds for check in self.checks)

    def failed(self) -> list[Check]:
        """The checks whose two sides differ."""
        return [check for check in self.checks if not check.holds]

    def total_rows(self) -> int:
        """The rows of every table, as the target holds them."""
        return sum(int(check.target) for check in self.checks if check.kind == "rows")

    def table(self) -> str:
        """The checks as a plain-text table, for the terminal."""
        header = ("確認 / check", "名前 / name", "元 / source", "先 / target", "")
        rows = [header] + [
            (check.kind, check.name, check.source, check.target, "ok" if check.holds else "NG")
            for check in self.checks
        ]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
        lines = [
            "  ".join(
                cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
            )
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(line.rstrip() for line in lines)


def _width(text: str) -> int:
    """How many terminal columns ``text`` takes (a wide character takes two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def verify(source: TableReader, target: TableReader) -> Verification:
    """Compare the target with the source, table by table."""
    checks = [
        Check("rows", table.name, str(source.count(table.name)), str(target.count(table.name)))
        for table in source.tables()
    ]
    names = {table.name for table in source.tables()}
    for layer in LAYERS:
        if layer.table in names and layer.geometry_type != "Point":
            checks.append(
                Check(
                    "area m²",
                    layer.table,
                    _total_area(source, layer.table),
                    _total_area(target, layer.table),
                )
            )
    source_plans, target_plans = source.plan_summaries(), target.plan_summaries()
    for plan in sorted(source_plans.keys() | target_plans.keys()):
        checks.append(
            Check("plan", str(plan), source_plans.get(plan, "-"), target_plans.get(plan, "-"))
        )
    return Verification(tuple(checks))


def _total_area(reader: TableReader, table: str) -> str:
    """The summed area of a layer's geometries, rounded."""
    total = 0.0
    for chunk in _chunks(reader, table, ["geom"]):
        total += float(shapely.area(shapely.from_wkb([row[0] for row in chunk])).sum())
    return f"{total:,.{AREA_DECIMALS}f}"


def _chunks(reader: TableReader, name: str, columns: list[str]) -> Iterator[list[tuple]]:
    """The chunks of a table's rows, or none when the schema has no such table."""
    for table in reader.tables():
        if table.name == name:
            yield from reader.chunks(table, columns)
