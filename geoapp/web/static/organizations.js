/* The organizations' pages: a select marked data-autosubmit reloads its page at once (the
 * form's button is for browsers without script); the stage map's fiscal-year slider asks
 * /api/organizations/stages for the state at that year's end and restyles the map's
 * communities, the legend and the count table, without redrawing the shapes. Text goes
 * in through textContent only. */
(function () {
  "use strict";

  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  const slider = document.getElementById("fiscal-year");
  if (!slider) return;
  const config = JSON.parse(slider.dataset.slider);
  const english = document.documentElement.lang === "en";
  const label = document.getElementById("fiscal-year-label");
  const status = document.getElementById("year-status");
  let asked = 0;
  let timer = null;

  /** A count of areas as the server writes it: 4地区, 4 areas. */
  function areas(count) {
    const shown = count.toLocaleString("en-US");
    if (english) return `${shown} area${count === 1 ? "" : "s"}`;
    return `${shown}地区`;
  }

  /** The slider's label follows it while it moves. */
  function showLabel() {
    const text = config.labels[slider.value] || slider.value;
    label.textContent = text;
    slider.setAttribute("aria-valuetext", text);
  }

  /** Colour every community by its stage in ``state`` and write the counts. */
  function draw(year, state) {
    const layer = window[config.layer];
    if (layer) {
      layer.eachLayer((area) => {
        const stage = state.stages[String(area.feature.properties.community_id)] || "";
        const fill = config.palette[stage] || config.palette[""];
        area.feature.properties.fill = fill;
        area.setStyle({ fillColor: fill });
      });
    }
    const counts = { ...state.counts, "": state.no_stage };
    for (const cell of document.querySelectorAll("[data-stage-count]")) {
      cell.textContent = areas(counts[cell.dataset.stageCount] || 0);
    }
    for (const heading of document.querySelectorAll("[data-legend-heading]")) {
      heading.textContent = config.headings[year] || "";
    }
    status.textContent = english
      ? `End of FY${year} (${state.date})`
      : `${state.fiscal_year_label}末（${state.date_label}）`;
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
