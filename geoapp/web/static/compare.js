/* The comparison map: districts whose community differs between plan A and plan B, over
 * both plans' community boundaries (A dashed, B solid). A click on a moved district (or
 * choosing it in the list beside the map, static/map_features.js) opens a popup with its
 * row of the table of moved districts: its population, its community in A and in B. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("compare-config").textContent);
  const map = window[config.mapName];
  const moved = new Set(config.moved);

  const { request: json, textTooltip } = window.geoappApi;
  const table = document.getElementById("moved-table");
  const rows = new Map(table ? [...table.querySelectorAll("tr[data-district]")].map((row) => [row.dataset.district, row]) : []);

  /** A moved district's popup: its name over its table row's other cells, each under its
   * column's heading (copied as text). */
  function movedPopup(name, row) {
    const box = document.createElement("div");
    const title = box.appendChild(document.createElement("div"));
    title.className = "geoapp-popup-title";
    title.textContent = name;
    const popupTable = box.appendChild(document.createElement("table"));
    popupTable.className = "popup-table";
    const heads = table.tHead.rows[0].cells;
    for (let column = 1; column < row.cells.length; column++) {
      const line = popupTable.insertRow();
      line.appendChild(document.createElement("th")).textContent = heads[column].textContent;
      line.insertCell().textContent = row.cells[column].textContent;
    }
    return box;
  }

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
      onEachFeature: (feature, layer) => {
        const { code, name } = feature.properties;
        layer.bindTooltip(textTooltip(name));
        if (rows.has(code)) layer.bindPopup(() => movedPopup(name, rows.get(code)), { className: "geoapp-popup" });
      },
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
