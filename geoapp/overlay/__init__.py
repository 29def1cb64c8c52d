"""The overlay of districts, school zones and community centres: pure functions (zones,
apportionment, centres, adjacency), the report and map; ``geoapp overlay`` and ``/overlay``."""
