"""Which source field fills which stored field: explicit ``--map``, or a guess from the
field names common Japanese sources use (e-Stat 町丁・字, 国土数値情報 A27/P29, the national
facility-list format, a publisher's ``attributes.csv``)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import BadInput
from ..layers import CENTERS, DISTRICTS, POPULATION, SCHOOL_ZONES, Layer
from ..translatable import Text

Values = pd.Series
Looks = Callable[[Values], bool]


def _is_text(values: Values) -> bool:
    """True when most values hold a letter (a name, not a number)."""
    sample = values.dropna().head(200).astype(str)
    return bool(len(sample)) and (sample.str.contains(r"[^\d\s.\-]", regex=True).mean() > 0.5)


def _is_number(values: Values) -> bool:
    """True when most non-empty values read as numbers: a count column with a stray bad
    value is still mapped, so the import can name the bad value instead of dropping it."""
    present = values.dropna()
    if pd.api.types.is_numeric_dtype(present.dtype) and not pd.api.types.is_bool_dtype(
        present.dtype
    ):
        return bool(len(present))
    sample = _first_non_empty(present, 500)
    return bool(len(sample)) and pd.to_numeric(sample, errors="coerce").notna().mean() > 0.5


def _first_non_empty(present: pd.Series, count: int) -> pd.Series:
    """The first ``count`` values that are not blank, stripped and without thousands commas;
    read from the head of the column first, as a long column's head usually has them."""
    for size in (4 * count, len(present)):
        sample = present.head(size).astype(str).str.strip().str.replace(",", "")
        sample = sample[sample != ""]
        if len(sample) >= count or size >= len(present):
            break
    return sample.head(count)


def _is_japanese_names(values: Values) -> bool:
    """True for a column of distinct Japanese names: every value holds kanji or kana and
    nine in ten are unique (a name column under an opaque field name such as SAFIELD000)."""
    text = values.fillna("").astype(str).str.strip()
    if not len(text) or not text.str.contains(r"[\u3040-\u30ff\u4e00-\u9fff]").all():
        return False
    return text.nunique() >= 0.9 * len(text)


def _has_values(values: Values) -> bool:
    """True when at least one value is not empty."""
    present = values.dropna()
    if pd.api.types.is_numeric_dtype(present.dtype):
        return bool(len(present))
    return bool((present.astype(str).str.strip() != "").any())


def _is_filled(values: Values) -> bool:
    """True when every value is present: a code must name each feature."""
    return bool(len(values)) and bool((values.fillna("").astype(str).str.strip() != "").all())


@dataclass(frozen=True)
class Alias:
    """A source field name that may fill a stored field, if its values look right."""

    name: str
    looks: Looks = _has_values


# Stored field → candidate source fields, most specific first, per layer.
_ALIASES: dict[Layer, dict[str, tuple[Alias, ...]]] = {
    DISTRICTS: {
        "code": (
            Alias("KEY_CODE", _is_filled),
            Alias("CODE", _is_filled),
            Alias("コード", _is_filled),
            Alias("行政区コード", _is_filled),
            Alias("町丁コード", _is_filled),
            Alias("地区コード", _is_filled),
            Alias("自治会コード", _is_filled),
        ),
        "name": (
            Alias("S_NAME", _is_text),
            Alias("NAME", _is_text),
            Alias("名称", _is_text),
            Alias("行政区名", _is_text),
            Alias("町丁字名", _is_text),
            Alias("自治会名", _is_text),
            Alias("町内会名", _is_text),
            Alias("地区名", _is_text),
        ),
        "name_kana": (
            Alias("NAME_KANA"),
            Alias("KANA"),
            Alias("名称_カナ"),
            Alias("ふりがな"),
            Alias("よみがな"),
            Alias("読み"),
        ),
        "population": (
            Alias("JINKO", _is_number),
            Alias("POP", _is_number),
            Alias("POPULATION", _is_number),
            Alias("人口", _is_number),
            Alias("人口総数", _is_number),
            Alias("総人口", _is_number),
        ),
        "households": (
            Alias("SETAI", _is_number),
            Alias("HOUSEHOLDS", _is_number),
            Alias("HOUSEHOLD", _is_number),
            Alias("世帯数", _is_number),
            Alias("世帯", _is_number),
        ),
        "population_65": (
            Alias("POP65", _is_number),
            Alias("65歳以上", _is_number),
            Alias("65歳以上人口", _is_number),
            Alias("老年人口", _is_number),
            Alias("高齢者人口", _is_number),
        ),
    },
    SCHOOL_ZONES: {
        "code": (
            Alias("CODE", _is_filled),
            Alias("学校コード", _is_filled),
            Alias("A27_003", _is_filled),
            Alias("コード", _is_filled),
            Alias("校区コード", _is_filled),
        ),
        "name": (
            Alias("NAME", _is_text),
            Alias("校区名", _is_text),
            Alias("学区名", _is_text),
            Alias("学校名", _is_text),
            Alias("A27_004", _is_text),
            Alias("A27_007", _is_text),
            Alias("名称", _is_text),
        ),
        "school_name": (
            Alias("SCHOOL", _is_text),
            Alias("学校名", _is_text),
            Alias("A27_004", _is_text),
            Alias("A27_007", _is_text),
        ),
        "population": (
            Alias("POP", _is_number),
            Alias("人口", _is_number),
            Alias("JINKO", _is_number),
            Alias("POPULATION", _is_number),
        ),
    },
    CENTERS: {
        "code": (
            Alias("CODE", _is_filled),
            Alias("ID", _is_filled),
            Alias("施設コード", _is_filled),
            Alias("POIコード", _is_filled),
            Alias("P29_002", _is_filled),
            Alias("NO", _is_filled),
            Alias("コード", _is_filled),
        ),
        "name": (
            Alias("NAME", _is_text),
            Alias("名称", _is_text),
            Alias("施設名", _is_text),
            Alias("P29_004", _is_text),
        ),
        "name_kana": (Alias("NAME_KANA"), Alias("名称_カナ"), Alias("ふりがな")),
        "kind": (Alias("KIND"), Alias("種別"), Alias("施設種別"), Alias("施設分類")),
        "address": (Alias("ADDRESS"), Alias("住所"), Alias("所在地"), Alias("P29_005")),
        "managed_by": (Alias("MANAGED"), Alias("管理運営"), Alias("管理形態"), Alias("運営形態")),
    },
}

# A population table's counts go by the districts' names, and by the totals' names of
# resident-register tables (総数, 計) after them.
_ALIASES[POPULATION] = {field.name: _ALIASES[DISTRICTS][field.name] for field in POPULATION.fields}
_ALIASES[POPULATION]["population"] += (Alias("総数", _is_number), Alias("計", _is_number))

# Fallback codes when a source has no code field: a stable feature id of the publisher
# (geoapp's own plan exports name each community by its ``id``).
_ID_FIELDS = ("SAUID", "OBJECTID", "FID", "ID", "NO")


def _aliases(layer: Layer, target: str) -> tuple[Alias, ...]:
    """The candidates for ``target``: its own name first (as geoapp writes it, so the
    app's exports read back), then the sources' names."""
    known = _ALIASES[layer].get(target, ())
    looks = known[0].looks if known else _has_values
    return (Alias(target, looks), *known)


_CENTER_KIND_IN_NAME = re.compile(
    r"(コミュニティセンター|公民館|地区センター|市民センター|地域交流センター|交流センター|集会所)$"
)


@dataclass(frozen=True)
class FieldMapping:
    """Stored field → source field, and how each was chosen."""

    fields: dict[str, str]
    guessed: dict[str, str]
    display_names: dict[str, str]

    def to_dict(self) -> dict[str, object]:
        """The mapping for a report."""
        return {"fields": self.fields, "guessed": sorted(self.guessed)}


def parse_map_option(text: str, layer: Layer) -> dict[str, str]:
    """``code=KEY_CODE,name=S_NAME`` as a dict, refusing unknown stored fields."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        target, sep, source = item.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise BadInput(
                Text(
                    "--map の「{item}」は 項目=元の項目名 の形で書いてください"
                    "（例: code=KEY_CODE）。",
                    item=item,
                )
            )
        target = target.strip()
        if target not in layer.field_names or target in layer.point_fields:
            raise BadInput(
                Text(
                    "--map の「{field}」は{layer}の項目ではありません。使える項目: {known}",
                    field=target,
                    layer=layer.title,
                    known=", ".join(n for n in layer.field_names if n not in layer.point_fields),
                )
            )
        mapping[target] = source.strip()
    return mapping


def read_publisher_attributes(folder: Path) -> dict[str, str]:
    """A publisher's ``attributes.csv`` (original_name → display_name), if one lies beside."""
    path = folder / "attributes.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.DictReader(handle)
        return {
            row["original_name"].strip(): row["display_name"].strip()
            for row in rows
            if row.get("original_name") and row.get("display_name")
        }


def choose_mapping(
    layer: Layer,
    frame: pd.DataFrame,
    explicit: Mapping[str, str] | None = None,
    display_names: Mapping[str, str] | None = None,
) -> FieldMapping:
    """The mapping for ``frame``: explicit entries first, then guesses for the rest."""
    columns = [c for c in frame.columns if c != "geometry"]
    display = {c: display_names[c] for c in columns if display_names and c in display_names}
    fields = dict(explicit or {})
    for source in fields.values():
        if source not in columns:
            raise BadInput(
                Text(
                    "--map で指定した項目「{field}」がファイルにありません。"
                    "ファイルの項目: {columns}",
                    field=source,
                    columns=", ".join(columns),
                )
            )
    guessed: dict[str, str] = {}
    taken = set(fields.values())
    for target in layer.field_names:
        if target in fields or target in layer.point_fields:
            continue
        found = _first_fitting_column(_aliases(layer, target), columns, display, frame, taken)
        if found:
            fields[target] = guessed[target] = found
            taken.add(found)
    if "code" not in fields:
        by_name = {_normal(c): c for c in columns if c not in taken}
        fallback = next(
            (
                by_name[_normal(name)]
                for name in _ID_FIELDS
                if _normal(name) in by_name and _is_filled(frame[by_name[_normal(name)]])
            ),
            None,
        )
        if fallback:
            fields["code"] = guessed["code"] = fallback
            taken.add(fallback)
    if "name" not in fields and "name" in layer.field_names:
        names = [c for c in columns if c not in taken and _is_japanese_names(frame[c])]
        if len(names) == 1:
            fields["name"] = guessed["name"] = names[0]
    _require(layer, fields, columns)
    return FieldMapping(fields, guessed, display)


def _first_fitting_column(
    aliases: Iterable[Alias],
    columns: list[str],
    display: Mapping[str, str],
    frame: pd.DataFrame,
    taken: set[str],
) -> str | None:
    """The first column, by its own or its display name, that an alias names and fits."""
    by_name = {_normal(c): c for c in columns}
    by_name.update({_normal(d): c for c, d in display.items() if _normal(d) not in by_name})
    for alias in aliases:
        column = by_name.get(_normal(alias.name))
        if column and column not in taken and alias.looks(frame[column]):
            return column
    return None


def _normal(name: str) -> str:
    """A field name compared without case or surrounding space."""
    return name.strip().casefold()


def _require(layer: Layer, fields: Mapping[str, str], columns: list[str]) -> None:
    """Refuse a mapping that leaves a required stored field without a source."""
    lacking = [f for f in layer.fields if f.required and f.name not in fields]
    if lacking:
        # (Built before the message: pybabel extract misses a Text inside a list inside
        # another Text's call.)
        names = [Text("「{label}」({name})", label=f.title, name=f.name) for f in lacking]
        raise BadInput(
            Text(
                "{layer}に必要な{fields}に当たる項目が見つかりません。"
                "--map {field}=項目名 で指定してください。ファイルの項目: {columns}",
                layer=layer.title,
                fields=names,
                field=lacking[0].name,
                columns=", ".join(columns),
            ),
            columns=columns,
        )


def center_kind_from_name(name: str | None) -> str | None:
    """A centre's kind read from the end of its name (…公民館, …コミュニティセンター)."""
    match = _CENTER_KIND_IN_NAME.search(name or "")
    return match.group(1) if match else None
