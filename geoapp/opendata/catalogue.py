"""The open data catalogue: each published collection as a dataset with its licence,
attribution, update date and downloads, as the page shows it and as DCAT-style JSON-LD
(DCAT 2, Dublin Core terms) for data portals and harvesters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..ogcapi.collections import Collection
from ..translatable import translate
from .files import FORMATS

LICENCE = ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/deed.ja")
DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class Dataset:
    """One collection as published: what it is, how many features, when it changed."""

    collection: Collection
    count: int
    modified: date | None
    extent: list[float] | None


def formats_of(collection: Collection) -> list[str]:
    """The download formats of a collection (CSVT rides with CSV; the Shapefiles only
    where the collection offers them)."""
    return [
        name
        for name in FORMATS
        if name != "csvt" and (collection.shapefile or not name.startswith("shp"))
    ]


def attribution(city_name: str | None, lang: str = "ja") -> str:
    """The credit a reuser gives: the city and the licence."""
    return translate("出典: {city}（{licence}）", lang).format(
        city=city_name or "geoapp", licence=LICENCE[0]
    )


def dcat_catalogue(
    datasets: list[Dataset],
    city_name: str | None,
    url: Callable[[str, str | None], str],
    home: str,
) -> dict[str, Any]:
    """The catalogue as DCAT JSON-LD; ``url(collection id, format or None)`` gives a
    download URL (None: the OGC API collection)."""
    publisher = {"@type": "foaf:Organization", "foaf:name": city_name or "geoapp"}
    return {
        "@context": DCAT_CONTEXT,
        "@type": "dcat:Catalog",
        "dct:title": f"{city_name or 'geoapp'} 広域コミュニティ オープンデータ",
        "dct:publisher": publisher,
        "dct:license": {"@id": LICENCE[1]},
        "foaf:homepage": {"@id": home},
        "dcat:dataset": [_dataset(dataset, publisher, city_name, url) for dataset in datasets],
    }


def _dataset(
    dataset: Dataset,
    publisher: dict[str, str],
    city_name: str | None,
    url: Callable[[str, str | None], str],
) -> dict[str, Any]:
    """One dataset with a distribution per download and one for the OGC API."""
    collection = dataset.collection
    described: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "dct:identifier": collection.id,
        "dct:title": [
            {"@language": lang, "@value": collection.title.in_language(lang)}
            for lang in ("ja", "en")
        ],
        "dct:description": [
            {"@language": lang, "@value": collection.description.in_language(lang)}
            for lang in ("ja", "en")
        ],
        "dct:publisher": publisher,
        "dct:license": {"@id": LICENCE[1]},
        "dct:rights": attribution(city_name),
        "dcat:keyword": ["広域コミュニティ", collection.title.in_language("ja")],
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dct:title": FORMATS[name][2],
                "dct:format": FORMATS[name][2],
                "dcat:mediaType": FORMATS[name][1],
                "dcat:downloadURL": {"@id": url(collection.id, name)},
                "dct:license": {"@id": LICENCE[1]},
            }
            for name in formats_of(collection)
        ]
        + [
            {
                "@type": "dcat:Distribution",
                "dct:title": "OGC API – Features",
                "dcat:accessURL": {"@id": url(collection.id, None)},
                "dct:conformsTo": {"@id": "http://www.opengis.net/doc/IS/ogcapi-features-1/1.0"},
                "dcat:mediaType": "application/geo+json",
            }
        ],
    }
    if dataset.modified is not None:
        described["dct:modified"] = {"@type": "xsd:date", "@value": dataset.modified.isoformat()}
    if dataset.extent is not None:
        west, south, east, north = dataset.extent
        described["dct:spatial"] = {
            "@type": "dct:Location",
            "dcat:bbox": f"POLYGON(({west} {south},{east} {south},{east} {north},"
            f"{west} {north},{west} {south}))",
        }
    return described
