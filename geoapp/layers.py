"""The three building-block layers of a city and the attributes each one stores.

A layer's frame (a GeoDataFrame) has one column per field, a ``properties`` column of
free attributes (a dict per row), and its geometry in the city's working CRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import BadInput
from .translatable import N_, Text

FieldKind = Literal["text", "integer", "real", "point"]

# Lon/lat (EPSG:4326): the CRS of everything sent to a browser map or a GeoJSON download.
WEB_CRS = 4326


@dataclass(frozen=True)
class Field:
    """One stored attribute of a layer; ``label`` is its name in Japanese (a msgid: the
    English comes from the catalogue where it is shown)."""

    name: str
    kind: FieldKind
    label: str
    required: bool = False

    @property
    def title(self) -> Text:
        """The field's label in the reader's language, as a value inside a message."""
        return Text(self.label)


@dataclass(frozen=True)
class Layer:
    """A building-block layer: its table, its name in Japanese (a msgid, like a field's
    label), its geometry type and fields."""

    name: str
    table: str
    label: str
    geometry_type: Literal["MultiPolygon", "Point"]
    fields: tuple[Field, ...]

    @property
    def title(self) -> Text:
        """The layer's label in the reader's language, as a value inside a message."""
        return Text(self.label)

    @property
    def field_names(self) -> list[str]:
        """The stored attribute names, in table order."""
        return [field.name for field in self.fields]

    @property
    def point_fields(self) -> list[str]:
        """Attributes stored as an extra point geometry (for example a school's location)."""
        return [field.name for field in self.fields if field.kind == "point"]

    @property
    def file_columns(self) -> set[str]:
        """The column names the layer's own fields take in a file: each field's name, and
        a point field's ``<name>_lon``/``<name>_lat``."""
        degrees = {f"{name}_{axis}" for name in self.point_fields for axis in ("lon", "lat")}
        return {*self.field_names, *degrees}

    def free_column(self, attribute: str) -> str:
        """The file column of a free attribute: its own name, or ``free:<name>`` when that
        name is one of the layer's columns (or itself starts with ``free:``), so that every
        property stays flat and none overwrites a field."""
        taken = attribute in self.file_columns or attribute in ("geometry", "properties")
        return (
            f"{FREE_PREFIX}{attribute}" if taken or attribute.startswith(FREE_PREFIX) else attribute
        )


# The prefix of a free attribute written under another name (see ``Layer.free_column``);
# ``free_attribute`` reads the name back.
FREE_PREFIX = "free:"


def free_attribute(column: str) -> str:
    """The free attribute a file column holds: ``free:<name>`` is ``<name>``."""
    return column.removeprefix(FREE_PREFIX)


_CODE = Field("code", "text", N_("コード"), required=True)
_NAME = Field("name", "text", N_("名称"), required=True)
_KANA = Field("name_kana", "text", N_("名称（かな）"))

DISTRICTS = Layer(
    name="districts",
    table="districts",
    label=N_("行政区"),
    geometry_type="MultiPolygon",
    fields=(
        _CODE,
        _NAME,
        _KANA,
        Field("population", "integer", N_("人口")),
        Field("households", "integer", N_("世帯数")),
        Field("population_65", "integer", N_("65歳以上人口")),
    ),
)

# Not a stored layer: the counts a population table (住民基本台帳 by 町丁, say) gives
# districts that are already stored, found by their code.
POPULATION = Layer(
    name="population",
    table="districts",
    label=N_("人口表（行政区コードごとの CSV）"),
    geometry_type="MultiPolygon",
    fields=(_CODE, *(f for f in DISTRICTS.fields if f.kind == "integer")),
)

SCHOOL_ZONES = Layer(
    name="school-zones",
    table="school_zones",
    label=N_("小学校区"),
    geometry_type="MultiPolygon",
    fields=(
        _CODE,
        _NAME,
        Field("school_name", "text", N_("学校名")),
        Field("population", "integer", N_("人口")),
        Field("school_location", "point", N_("学校の位置")),
    ),
)

CENTERS = Layer(
    name="centers",
    table="centers",
    label=N_("拠点施設"),
    geometry_type="Point",
    fields=(
        _CODE,
        _NAME,
        _KANA,
        Field("kind", "text", N_("種別")),
        Field("address", "text", N_("所在地")),
        Field("managed_by", "text", N_("管理運営")),
    ),
)

LAYERS: tuple[Layer, ...] = (DISTRICTS, SCHOOL_ZONES, CENTERS)

CENTER_KINDS = (N_("公民館"), N_("コミュニティセンター"), N_("地区センター"), N_("市民センター"))
MANAGEMENT_KINDS = ("直営", "指定管理")


def layer_named(name: str) -> Layer:
    """The layer called ``name`` (``districts``, ``school-zones`` or ``centers``)."""
    for layer in LAYERS:
        if name in (layer.name, layer.table):
            return layer
    raise BadInput(
        Text(
            "レイヤ名「{name}」は使えません。次のいずれかを指定してください: {known}",
            name=name,
            known=[layer.name for layer in LAYERS],
        )
    )
