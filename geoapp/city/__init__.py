"""The city's own settings (name, code, base map, credits, centre kinds): checked forms, ``geoapp
city`` and the settings page."""
