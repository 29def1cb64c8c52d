"""Files the app writes for other programs: spreadsheet-safe CSV and GeoJSON that reads back
through ``geoapp import``."""
