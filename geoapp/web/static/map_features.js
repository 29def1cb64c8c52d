/* The map's areas for the keyboard (WCAG 2.1.1): beside the map, a list names every area
 * drawn with a popup (what a mouse would click); choosing one with Enter or Space fits the
 * map to it and opens its popup, as a click would. A page asks for it with an empty
 * <ul data-map-features> in its side panel; the list follows the areas as the page redraws
 * them (a new year, a new measure). */
(function () {
  "use strict";

  const list = document.querySelector("[data-map-features]");
  const holder = document.querySelector(".folium-map");
  const map = holder && window[holder.id];
  if (!list || !map) return;
  const lang = document.documentElement.lang;
  let chosen = null;
  let pending = null;

  /** The text of a tooltip for ``area`` (parsed inertly: the server escaped it already). */
  function nameOf(tooltip, area) {
    let content = tooltip.getContent();
    if (typeof content === "function") content = content(area);
    const text = content instanceof Node ? content.textContent : new DOMParser().parseFromString(String(content), "text/html").body.textContent;
    return text.replace(/\s+/g, " ").trim();
  }

  /** The areas drawn with a popup and a tooltip, their own or their layer's (folium binds
   * them to the layer), by name. */
  function areas() {
    const found = new Map();
    map.eachLayer((group) => {
      if (!group.eachLayer) return;
      group.eachLayer((area) => {
        if (!area.feature || !area.getBounds || found.has(area)) return;
        const popup = area.getPopup() || group.getPopup();
        const tooltip = area.getTooltip() || group.getTooltip();
        const name = popup && tooltip ? nameOf(tooltip, area) : "";
        if (name) found.set(area, name);
      });
    });
    return [...found].map(([area, name]) => ({ area, name })).sort((a, b) => a.name.localeCompare(b.name, lang));
  }

  /** Move the map to the area and click it (its popup opens as for the mouse). */
  function choose(button, area, name) {
    chosen = name;
    for (const other of list.querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === button));
    const bounds = area.getBounds();
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: Math.max(map.getZoom(), 14), animate: false });
    area.fire("click", { latlng: bounds.getCenter() }, true);
  }

  function render() {
    pending = null;
    list.replaceChildren(...areas().map(({ area, name }) => {
      const item = document.createElement("li");
      const button = item.appendChild(document.createElement("button"));
      button.type = "button";
      button.textContent = name;
      button.setAttribute("aria-pressed", String(name === chosen));
      const fill = area.options && area.options.fillColor;
      if (fill) {
        const swatch = button.insertBefore(document.createElement("i"), button.firstChild);
        swatch.className = "swatch";
        swatch.style.background = fill;
      }
      button.addEventListener("click", () => choose(button, area, name));
      return item;
    }));
  }

  function later() {
    if (pending === null) pending = setTimeout(render, 50);
  }

  map.on("layeradd layerremove", later);
  render();
})();
