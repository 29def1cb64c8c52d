/* The comparison map: districts whose community differs between plan A and plan B, over
 * both plans' community boundaries (A dashed, B solid). */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("compare-config").textContent);
  const map = window[config.mapName];
  const moved = new Set(config.moved);

  const { request: json, textTooltip } = window.geoappApi;

  async function start() {
    const city = await json(config.city);
    const districts = L.geoJSON(city.districts, {
      style: (feature) => {
        const changed = moved.has(feature.properties.code);
        return {
          className: changed ? "geoapp-district moved" : "geoapp-district",
          color: changed ? "#b35806" : "#9aa5b1",
          weight: changed ? 1.5 : 0.5,
          fillColor: changed ? "#f28e2b" : "#e9edf1",
          fillOpacity: changed ? 0.75 : 0.5,
        };
      },
      onEachFeature: (feature, layer) => layer.bindTooltip(textTooltip(feature.properties.name)),
    }).addTo(map);
    const [first, second] = config.boundaries;
    if (first) {
      L.geoJSON(await json(first), { interactive: false, style: () => ({ color: "#1d2733", weight: 2.5, dashArray: "7 5", fill: false }) }).addTo(map);
    }
    if (second) {
      L.geoJSON(await json(second), { interactive: false, style: () => ({ className: "geoapp-community-boundary", color: "#1f5fbf", weight: 3, fill: false }) }).addTo(map);
    }
    map.options.zoomSnap = 0.25; // fit the whole city, not the next whole zoom level down
    map.invalidateSize();
    if (city.bounds) map.fitBounds(city.bounds, { padding: [16, 16], animate: false });
    for (const row of document.querySelectorAll("#moved-table tr[data-district]")) {
      row.addEventListener("click", () => {
        districts.eachLayer((layer) => {
          if (layer.feature.properties.code === row.dataset.district) map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [60, 60] });
        });
      });
    }
    document.body.dataset.compareReady = "true";
  }

  start().catch((error) => {
    document.getElementById("map-status").textContent = error.message;
  });
})();
