"""The fictional demo city 青葉川市 and ``geoapp demo``."""
