"""The web layer: pages, error handlers, the folium base map and basemaps, security headers,
downloads and the front-end assets the app serves itself."""
