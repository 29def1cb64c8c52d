"""The open data page ``/opendata``: every published collection as GeoJSON, CSV,
GeoPackage and zipped Shapefile, with licence, attribution and update date, and a
DCAT-style catalogue of them."""
