"""Pure geometry on shapely arrays: validity and repair, coverage gaps and overlaps, point location
and the lasso. No Flask, SQL or storage here."""
