"""Importing a layer: the pipeline (read, check, store), its report and field mapping; ``geoapp
import`` and the upload page."""
