"""Plans in and out of files: CSV (district code → community name) and GeoJSON imports;
GeoJSON, GeoPackage, Shapefile (zipped, CP932 or UTF-8 attributes with a ``.cpg``) and CSV
exports, the CSV with its ``.csvt`` column types for GDAL and QGIS.

Imports are checked whole before anything is stored; every problem names the row.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import BadInput
from ..exports.geopackage import GEOPACKAGE_MEDIA_TYPE, PackageLayer, write_geopackage
from ..exports.qgis_style import community_style_qml
from ..exports.rfc7946 import geojson_text
from ..exports.shapefile_zip import shapefile_zip
from ..exports.spreadsheet_csv import csv_bytes, csv_text, csvt_bytes, unquoted
from ..layers import WEB_CRS
from ..translatable import Clauses, Text
from ..web.validation import MAX_ID, unsafe_character
from .boundaries import community_boundaries
from .checks import plan_checks
from .edits import community_fields
from .geography import Geography
from .model import PlanState
from .shapefile_export import communities_layer, districts_layer

_CODE_HEADERS = {"code", "district", "district_code", "行政区コード", "コード", "行政区"}
_NAME_HEADERS = {"community", "community_name", "コミュニティ", "コミュニティ名"}
# The header of geoapp's own plan CSV: its cells were made spreadsheet-safe.
PLAN_CSV_HEADER = ("district_code", "district_name", "community_id", "community")
# Its column types as GDAL and QGIS read them from the .csvt beside it: codes stay text.
PLAN_CSV_TYPES = ("String", "String", "Integer", "String")
EXPORT_FORMATS = ("geojson", "gpkg", "shp", "csv", "csvt")
# A community's own fields that geoapp's GeoJSON carries and a plan import takes back.
_COMMUNITY_FIELDS = ("id", "name_kana", "color", "description", "hub_center")
# Counts summed per community: nullable integers, written empty (never 0) where unknown.
_COUNTS = ("population", "households", "population_65")
COMMUNITY_STYLE = community_style_qml()


# --- imports -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanFile:
    """A plan read from a file: district code → community name, and by community name the
    fields the file gives (geoapp's GeoJSON: id, kana, colour, description, hub centre),
    communities without districts included."""

    mapping: dict[str, str]
    communities: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_plan_csv(data: bytes, geo: Geography, filename: str = "CSV") -> PlanFile:
    """District code → community name from a CSV (UTF-8 or Shift_JIS): the first two
    columns, or with a header row the district code column and the community column (so
    geoapp's own CSV export reads back). A row with no community leaves it unassigned.

    Under geoapp's own header the quote ``spreadsheet_csv`` put before formula-like text is
    dropped again; other files are read as they are."""
    text = csv_text(data, filename)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise BadInput(
            Text("{file} を CSV として読めません（{error}）。", file=filename, error=str(exc))
        ) from exc
    if rows and tuple(cell.strip() for cell in rows[0]) == PLAN_CSV_HEADER:
        rows = [[unquoted(cell) for cell in row] for row in rows]
    code_at, name_at, start = 0, 1, 1
    if rows and (columns := _header_columns(rows[0])) is not None:
        (code_at, name_at), start, rows = columns, 2, rows[1:]
    mapping: dict[str, str] = {}
    problems: list[Text] = []
    for number, row in enumerate(rows, start=start):
        if not any(cell.strip() for cell in row):
            continue
        code = row[code_at].strip() if len(row) > code_at else ""
        name = row[name_at].strip() if len(row) > name_at else ""
        unsafe = [
            (label, character)
            for value, label in ((code, Text("行政区コード")), (name, Text("コミュニティ名")))
            if (character := unsafe_character(value)) is not None
        ]
        if unsafe:
            label, character = unsafe[0]
            problems.append(
                Text(
                    "{number}行目: {label}に使えない文字（{character}）があります",
                    number=number,
                    label=label,
                    character=character,
                )
            )
        elif not code:
            problems.append(Text("{number}行目: 行政区コードがありません", number=number))
        elif code not in geo.index:
            problems.append(
                Text("{number}行目: 行政区コード「{code}」がありません", number=number, code=code)
            )
        elif code in mapping and mapping[code] != name:
            problems.append(
                Text(
                    "{number}行目: 行政区「{code}」が二つのコミュニティに入っています",
                    number=number,
                    code=code,
                )
            )
        elif name:
            mapping[code] = name
    _refuse(filename, problems)
    if not mapping:
        raise BadInput(Text("{file} に行政区の割り当てがありません。", file=filename))
    return PlanFile(mapping)


def read_plan_geojson(data: bytes, geo: Geography, filename: str = "GeoJSON") -> PlanFile:
    """A plan from GeoJSON: district features carrying a ``community`` property, or
    community polygons (each district goes to the polygon holding most of its area) with
    the communities' own fields as geoapp writes them."""
    try:
        frame = gpd.read_file(io.BytesIO(data))
    except Exception as exc:
        raise BadInput(
            Text("{file} を GeoJSON として読めません（{error}）。", file=filename, error=str(exc))
        ) from exc
    columns = {str(c).lower(): c for c in frame.columns}
    code_column = next((columns[c] for c in ("code", "district_code") if c in columns), None)
    name_column = next((columns[c] for c in ("community", "community_name") if c in columns), None)
    if code_column is not None and name_column is not None:
        rows = [
            [str(code), "" if name is None else str(name)]
            for code, name in zip(frame[code_column], frame[name_column], strict=True)
        ]
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return read_plan_csv(buffer.getvalue().encode(), geo, filename)
    name_column = name_column or columns.get("name")
    if name_column is None or frame.crs is None:
        raise BadInput(
            Text(
                "{file} には、行政区コード（code）とコミュニティ名（community）の属性か、"
                "名前（name）のついたコミュニティの区域が必要です。",
                file=filename,
            )
        )
    return PlanFile(
        _mapping_from_polygons(frame, name_column, geo, filename),
        _community_fields(frame, name_column, geo, filename),
    )


def _community_fields(
    frame: gpd.GeoDataFrame, name_column: str, geo: Geography, filename: str
) -> dict[str, dict[str, Any]]:
    """Each named community's fields in the file, checked as an edit checks them; an
    ``id`` is kept when it is a whole number from 1 to ``MAX_ID``."""
    given = [column for column in _COMMUNITY_FIELDS if column in frame.columns]
    found: dict[str, dict[str, Any]] = {}
    for record in frame[[name_column, *given]].to_dict("records"):
        name = str(record.pop(name_column) or "").strip()
        params = {key: value for key, value in record.items() if _given(value)}
        number = params.pop("id", None)
        try:
            fields = community_fields(PlanState(), geo, params, None)
        except BadInput as error:
            raise BadInput(
                Text(
                    "{file} のコミュニティ「{name}」: {message}",
                    file=filename,
                    name=name,
                    message=error.text,
                )
            ) from error
        if isinstance(number, int | float) and 0 < number <= MAX_ID and number == int(number):
            fields["id"] = int(number)
        if name:
            found[name] = fields
    return found


def _given(value: object) -> bool:
    """Whether a property holds a value (not null, NaN or blank)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return not (isinstance(value, str) and not value.strip())


def _mapping_from_polygons(
    frame: gpd.GeoDataFrame, name_column: str, geo: Geography, filename: str
) -> dict[str, str]:
    """Each district to the community polygon covering most of it (overlay's majority rule).

    A community without districts has no polygon (geoapp writes a null geometry for it) and
    assigns nothing; the parts of one name are one community."""
    from ..overlay.zones import majority_zones

    geometries = frame.geometry.to_numpy()
    drawn = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    polygons = frame[drawn].to_crs(geo.districts.crs)
    polygons = polygons.assign(**{name_column: polygons[name_column].astype(str).str.strip()})
    polygons = polygons.dissolve(by=name_column, as_index=False, sort=False)
    names = polygons[name_column]
    zones = gpd.GeoDataFrame(
        {"code": names, "name": names}, geometry=polygons.geometry.to_numpy(), crs=polygons.crs
    )
    majority = majority_zones(geo.districts, zones)
    chosen = majority["majority_zone"].dropna()
    unsafe = sorted({name for name in chosen if unsafe_character(str(name)) is not None})
    if unsafe:
        character = unsafe_character(str(unsafe[0]))
        raise BadInput(
            Text(
                "{file} のコミュニティ名（{column}）に使えない文字（{character}）があります。",
                file=filename,
                column=str(name_column),
                character=character,
            ),
            fields=[str(name_column)],
        )
    if not len(chosen):
        raise BadInput(
            Text("{file} の区域が行政区と重なりません（座標系を確認してください）。", file=filename)
        )
    return {str(code): str(name) for code, name in chosen.items()}


def _header_columns(row: list[str]) -> tuple[int, int] | None:
    """The district code and community columns when the first row names them."""
    cells = [cell.strip().lower().lstrip("\ufeff") for cell in row]
    code_at = next((i for i, cell in enumerate(cells) if cell in _CODE_HEADERS), None)
    name_at = next((i for i, cell in enumerate(cells) if cell in _NAME_HEADERS), None)
    return None if code_at is None or name_at is None else (code_at, name_at)


def _refuse(filename: str, problems: list[Text]) -> None:
    """Raise one error listing the first problems of a file (``details`` lists every
    problem in English for API clients)."""
    if not problems:
        return
    shown = Clauses(*problems[:10])
    in_english = [problem.in_language("en") for problem in problems]
    if len(problems) > 10:
        raise BadInput(
            Text(
                "{file} を取り込めません。{problems} ほか{more}件",
                file=filename,
                problems=shown,
                more=len(problems) - 10,
            ),
            problems=in_english,
        )
    raise BadInput(
        Text("{file} を取り込めません。{problems}", file=filename, problems=shown),
        problems=in_english,
    )


# --- exports -----------------------------------------------------------------------------
def communities_frame(geo: Geography, state: PlanState) -> gpd.GeoDataFrame:
    """One row per community with its attributes, figures (null where unknown) and
    boundary (working CRS)."""
    figures = {c["id"]: c for c in plan_checks(geo, state)["communities"]}
    shapes = community_boundaries(geo, state)
    rows = []
    geometry = dict(zip(shapes["id"], shapes.geometry, strict=True))
    for cid in sorted(state.communities):
        community = state.communities[cid]
        hub = community.get("hub_center")
        rows.append(
            {
                "id": cid,
                "name": community["name"],
                "name_kana": community["name_kana"],
                "color": community["color"],
                "description": community["description"],
                "hub_center": hub,
                "hub_name": geo.center_names.get(hub) if hub else None,
                "population": figures[cid]["population"],
                "households": figures[cid]["households"],
                "population_65": figures[cid]["population_65"],
                "districts": figures[cid]["districts"],
                "geometry": geometry.get(cid),
            }
        )
    columns = ["id", "name", "name_kana", "color", "description", "hub_center", "hub_name"]
    columns += [*_COUNTS, "districts", "geometry"]
    frame = gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=geo.districts.crs)
    return frame.astype(dict.fromkeys(_COUNTS, "Int64"))


def districts_frame(geo: Geography, state: PlanState) -> gpd.GeoDataFrame:
    """Every district with the community it is in (empty when unassigned)."""
    frame = geo.districts[["code", "name", "population", "households", "population_65"]].copy()
    community = [state.assignments.get(code) for code in geo.codes]
    frame["community_id"] = pd.array(community, dtype="Int64")
    frame["community"] = [
        state.communities[cid]["name"] if cid is not None else None for cid in community
    ]
    return gpd.GeoDataFrame(frame, geometry=geo.districts.geometry, crs=geo.districts.crs)


def places_frame(geo: Geography, state: PlanState) -> gpd.GeoDataFrame:
    """The communities' important places as points (lon/lat), each with a code (community
    id and place number) so that the layer imports back as centres."""
    rows = [
        {"code": f"{cid}-{number}", "community_id": cid, "community": c["name"], **place}
        for cid, c in sorted(state.communities.items())
        for number, place in enumerate(c.get("places", []), start=1)
    ]
    points = [shapely.Point(row["lon"], row["lat"]) for row in rows]
    columns = ["code", "community_id", "community", "name", "note", "lon", "lat"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry=points, crs=WEB_CRS)


def export_plan(
    geo: Geography, state: PlanState, fmt: str, base_name: str, encoding: str = "cp932"
) -> tuple[bytes, str, str]:
    """The plan as a file: its bytes, file name and media type. Every geometric format
    holds the same layers, empty or not, and polygons always as MultiPolygon."""
    if fmt not in EXPORT_FORMATS:
        raise BadInput(
            Text(
                "出力形式「{format}」は使えません。{known} のいずれかを指定してください。",
                format=str(fmt),
                known=", ".join(EXPORT_FORMATS),
            )
        )
    if fmt == "csv":
        return _csv(geo, state), f"{base_name}.csv", "text/csv"
    if fmt == "csvt":
        return csvt_bytes(PLAN_CSV_TYPES), f"{base_name}.csvt", "text/csv"
    communities = communities_frame(geo, state)
    if fmt == "geojson":
        body = geojson_text(communities)
        return body.encode("utf-8"), f"{base_name}.geojson", "application/geo+json"
    districts = districts_frame(geo, state)
    with tempfile.TemporaryDirectory() as folder:
        if fmt == "gpkg":
            path = Path(folder) / f"{base_name}.gpkg"
            write_geopackage(
                path,
                [
                    PackageLayer("communities", communities, "MultiPolygon", COMMUNITY_STYLE),
                    PackageLayer("districts", districts, "MultiPolygon"),
                    PackageLayer("places", places_frame(geo, state), "Point"),
                ],
            )
            return path.read_bytes(), path.name, GEOPACKAGE_MEDIA_TYPE
        layers = [communities_layer(communities), districts_layer(districts)]
        return shapefile_zip(layers, Path(folder), base_name, encoding)


def _csv(geo: Geography, state: PlanState) -> bytes:
    """District code, district name, community id and name, for spreadsheets."""
    names = dict(zip(geo.codes, geo.districts["name"], strict=True))
    rows = []
    for code in geo.codes:
        cid = state.assignments.get(code)
        community = state.communities[cid]["name"] if cid is not None else ""
        rows.append([code, names[code], "" if cid is None else cid, community])
    return csv_bytes(PLAN_CSV_HEADER, rows)


def boundaries_geojson(geo: Geography, state: PlanState, tolerance_m: float) -> dict[str, Any]:
    """Display boundaries (coverage-simplified) with each community's name and colour."""
    shapes = community_boundaries(geo, state, tolerance_m).to_crs(WEB_CRS)
    features = []
    for cid, shape in zip(shapes["id"], shapes.geometry, strict=True):
        community = state.communities[cid]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": int(cid),
                    "name": community["name"],
                    "name_kana": community["name_kana"],
                    "color": community["color"],
                },
                "geometry": json.loads(shapely.to_geojson(shape)),
            }
        )
    return {"type": "FeatureCollection", "features": features}
