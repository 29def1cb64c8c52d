"""Reading a layer's source file as planners and scripts hand it in: archives, Shapefiles, GDAL
formats, CSV and TopoJSON, and their CRS and encodings."""
