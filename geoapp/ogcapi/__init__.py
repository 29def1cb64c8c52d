"""OGC API – Features (Part 1 Core, GeoJSON, OpenAPI 3.0; Part 2 CRS) at ``/ogcapi/``:
the city's public layers for any GIS client, built from the collection registry."""
