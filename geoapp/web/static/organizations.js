/* The organizations' pages: a select marked data-autosubmit reloads its page at once (the
 * form's button is for browsers without script). The stage and milestone maps' pages carry
 * no shapes: the communities come from the published collection (/ogcapi, page by page),
 * filled from the values the page carries (#areas-map's data-areas: each community's stage
 * or milestone reached); the fiscal-year slider asks /api/organizations/stages for the
 * state at that year's end and restyles them, the legend and the count table, without
 * redrawing the shapes. Text goes in through textContent only. */
(function () {
  "use strict";

  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  const pane = document.getElementById("areas-map");
  const drawing = pane ? JSON.parse(pane.dataset.areas) : null;
  let areasLayer = null;

  /** The fill of a community by its value shown (its stage, the milestone reached). */
  function fillOf(feature) {
    const value = drawing.values[String(feature.id)] || "";
    return drawing.colors[value] || drawing.colors[""];
  }

  /** A community's popup: its name, its value and a link to its organization's page. */
  function popupOf(area) {
    const box = document.createElement("div");
    const title = box.appendChild(document.createElement("div"));
    title.className = "geoapp-popup-title";
    title.textContent = area.feature.properties.name || "";
    const table = box.appendChild(document.createElement("table"));
    table.className = "popup-table";
    const row = table.appendChild(document.createElement("tr"));
    const id = String(area.feature.id);
    row.appendChild(document.createElement("th")).textContent = drawing.words.row;
    const value = drawing.values[id] || "";
    row.appendChild(document.createElement("td")).textContent =
      (drawing.texts && drawing.texts[id]) || drawing.names[value] || "";
    const organization = drawing.organizations[id];
    if (organization !== undefined) {
      const link = box.appendChild(document.createElement("a"));
      link.className = "popup-link";
      link.href = `${drawing.organization_url}/${organization}`;
      link.textContent = drawing.words.page;
    }
    return box;
  }

  /** Draw the communities on the map, each filled by its stage. */
  async function drawAreas() {
    const map = window[drawing.map];
    if (!map) return;
    try {
      const features = await window.geoappApi.features(drawing.shapes);
      areasLayer = L.geoJSON(features, {
        style: (feature) => ({
          className: "geoapp-stage-area",
          color: "#4a4a4a",
          weight: 1.2,
          fillColor: fillOf(feature),
          fillOpacity: 0.8,
        }),
        onEachFeature: (feature, area) => {
          const name = document.createElement("span");
          name.textContent = feature.properties.name || "";
          area.bindTooltip(name, { sticky: true, className: "geoapp-tooltip" });
          area.bindPopup(popupOf, { maxWidth: 300, className: "geoapp-popup" });
          area.on("mouseover", () => area.setStyle({ weight: 3, color: "#222222" }));
          area.on("mouseout", () => area.setStyle({ weight: 1.2, color: "#4a4a4a" }));
        },
      }).addTo(map);
      pane.dataset.drawn = String(features.length);
    } catch (error) {
      const notice = pane.appendChild(document.createElement("p"));
      notice.className = "notice";
      notice.setAttribute("role", "alert");
      notice.textContent = `${drawing.words.failed}: ${error.message}`;
    }
  }

  if (drawing) drawAreas();

  const slider = document.getElementById("fiscal-year");
  if (!slider) return;
  const config = JSON.parse(slider.dataset.slider);
  const label = document.getElementById("fiscal-year-label");
  const status = document.getElementById("year-status");
  let asked = 0;
  let timer = null;

  /** A count of areas as the server writes it: 4地区, 4 areas. */
  function areas(count) {
    return config.areas[count === 1 ? "one" : "other"].replace("{n:,}", formatNumber(count));
  }

  /** The slider's label follows it while it moves. */
  function showLabel() {
    const text = config.labels[slider.value] || slider.value;
    label.textContent = text;
    slider.setAttribute("aria-valuetext", text);
  }

  /** Colour every community by its stage in ``state`` and write the counts. */
  function draw(year, state) {
    if (drawing) drawing.values = state.stages;
    if (areasLayer) {
      areasLayer.eachLayer((area) => area.setStyle({ fillColor: fillOf(area.feature) }));
    }
    const counts = { ...state.counts, "": state.no_stage };
    for (const cell of document.querySelectorAll("[data-stage-count]")) {
      cell.textContent = areas(counts[cell.dataset.stageCount] || 0);
    }
    for (const heading of document.querySelectorAll("[data-legend-heading]")) {
      heading.textContent = config.headings[year] || "";
    }
    status.textContent = config.statuses[year] || "";
    slider.dataset.shown = year;
    const url = new URL(window.location.href);
    url.searchParams.set("fiscal_year", year);
    window.history.replaceState(null, "", url);
  }

  /** Fetch the state at the end of the slider's year; an older answer arriving late is
   * dropped. */
  async function redraw() {
    const year = slider.value;
    const mine = ++asked;
    slider.dataset.loading = year;
    try {
      const url = `${slider.dataset.stagesUrl}?fiscal_year=${encodeURIComponent(year)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const state = await response.json();
      if (mine === asked) draw(year, state);
    } catch (error) {
      if (mine === asked) status.textContent = english
        ? `Could not load FY${year}: ${error.message}`
        : `${config.labels[year] || year}を読み込めませんでした: ${error.message}`;
    }
  }

  slider.addEventListener("input", () => {
    showLabel();
    window.clearTimeout(timer);
    timer = window.setTimeout(redraw, 120);
  });
  slider.addEventListener("change", () => {
    window.clearTimeout(timer);
    redraw();
  });
  slider.dataset.shown = slider.value;
})();
