-- The layers' R*Tree indexes were kept in step with every import, a third of a large
-- import's time, yet no query read them: geoapp finds features with shapely's STRtree.
DROP TABLE districts_rtree;
DROP TABLE school_zones_rtree;
DROP TABLE centers_rtree;
