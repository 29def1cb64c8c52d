"""Backups, restores and moving a city's database between SQLite and PostGIS."""
