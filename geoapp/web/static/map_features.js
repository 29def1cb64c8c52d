/* The map's features for the keyboard (WCAG 2.1.1): beside the map, a list names every
 * feature a mouse would click; choosing one with Enter or Space moves the map to it and
 * clicks it, so its popup opens as for the mouse. A page asks for it with an empty
 * <ul data-map-features> in its side panel; the list follows the features as the page
 * redraws them (a new year, a new measure, a new assignment).
 *
 * Which features: by default those drawn with a popup and a tooltip, their own or their
 * layer's (folium binds them to the layer). A page may name them instead by the classes
 * their paths are drawn with (data-map-features="geoapp-district geoapp-center"); then a
 * feature without a tooltip is named by its ``name`` property. A page whose click does
 * something else than show the feature (the editor's click assigns it) listens for the
 * list's cancelable "map-feature" event (detail: {layer, name}) and calls preventDefault.
 * A page that restyles features without redrawing them fires "mapfeatureschange" on the
 * map, so the list's swatches follow.
 *
 * The list is one stop for Tab (a long list must not stand between the keyboard and the
 * rest of the page): the arrow keys, Home and End move along it. */
(function () {
  "use strict";

  const list = document.querySelector("[data-map-features]");
  const holder = document.querySelector(".folium-map");
  const map = holder && window[holder.id];
  if (!list || !map) return;
  const lang = document.documentElement.lang;
  const classes = list.dataset.mapFeatures.split(/\s+/).filter(Boolean);
  let shown = [];
  let chosen = null;
  let pending = null;

  /** The text of a tooltip for ``feature`` (parsed inertly: the server escaped it already). */
  function nameOf(tooltip, feature) {
    let content = tooltip.getContent();
    if (typeof content === "function") content = content(feature);
    const text = content instanceof Node ? content.textContent : new DOMParser().parseFromString(String(content), "text/html").body.textContent;
    return text.replace(/\s+/g, " ").trim();
  }

  /** Whether the page lists ``feature``: drawn with one of its classes, or else with a
   * popup and a tooltip. */
  function listed(feature, popup, tooltip) {
    if (!classes.length) return Boolean(popup && tooltip);
    const drawn = String(feature.options.className || "").split(/\s+/);
    return classes.some((name) => drawn.includes(name));
  }

  /** The features listed, by name. */
  function features() {
    const found = new Map();
    map.eachLayer((group) => {
      if (!group.eachLayer) return;
      group.eachLayer((feature) => {
        if (!feature.feature || !(feature.getBounds || feature.getLatLng) || found.has(feature)) return;
        const popup = feature.getPopup() || group.getPopup();
        const tooltip = feature.getTooltip() || group.getTooltip();
        if (!listed(feature, popup, tooltip)) return;
        const name = tooltip ? nameOf(tooltip, feature) : String(feature.feature.properties.name || "").trim();
        if (name) found.set(feature, name);
      });
    });
    return [...found].map(([layer, name]) => ({ layer, name })).sort((a, b) => a.name.localeCompare(b.name, lang));
  }

  /** Where a feature is: its bounds' centre, or its point. */
  function placeOf(layer) {
    return layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng();
  }

  /** Move the map to the feature and click it (its popup opens as for the mouse), unless
   * the page does its own thing with it. */
  function choose(button, layer, name) {
    chosen = name;
    for (const other of list.querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === button));
    const zoom = Math.max(map.getZoom(), 14);
    if (layer.getBounds) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: zoom, animate: false });
    else map.setView(layer.getLatLng(), Math.max(zoom, 15), { animate: false });
    const event = new CustomEvent("map-feature", { detail: { layer, name }, cancelable: true });
    if (list.dispatchEvent(event)) layer.fire("click", { latlng: placeOf(layer) }, true);
  }

  /** Make ``button`` the list's one stop for Tab. */
  function current(button) {
    for (const other of list.querySelectorAll("button")) other.tabIndex = other === button ? 0 : -1;
  }

  function swatch(button, layer) {
    const fill = layer.options && layer.options.fillColor;
    let mark = button.querySelector(".swatch");
    if (fill && !mark) {
      mark = button.insertBefore(document.createElement("i"), button.firstChild);
      mark.className = "swatch";
    }
    if (mark) mark.style.background = fill || "";
  }

  function entry({ layer, name }) {
    const item = document.createElement("li");
    const button = item.appendChild(document.createElement("button"));
    button.type = "button";
    button.textContent = name;
    button.setAttribute("aria-pressed", String(name === chosen));
    swatch(button, layer);
    button.addEventListener("click", () => choose(button, layer, name));
    button.addEventListener("focus", () => current(button));
    return item;
  }

  /** Redraw the list when the features changed (keeping the focus on the same name), else
   * only the swatches. */
  function render() {
    pending = null;
    const found = features();
    const same = found.length === shown.length && found.every((one, index) => one.layer === shown[index].layer && one.name === shown[index].name);
    if (same) {
      list.querySelectorAll("button").forEach((button, index) => swatch(button, shown[index].layer));
      return;
    }
    const focused = list.contains(document.activeElement) ? document.activeElement.textContent : null;
    shown = found;
    list.replaceChildren(...shown.map(entry));
    const buttons = [...list.querySelectorAll("button")];
    const stop = buttons.find((button) => button.getAttribute("aria-pressed") === "true") || buttons[0];
    if (stop) current(stop);
    const again = focused === null ? null : buttons.find((button) => button.textContent === focused);
    if (again) again.focus({ preventScroll: true });
  }

  function later() {
    if (pending === null) pending = setTimeout(render, 50);
  }

  const STEPS = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
  list.addEventListener("keydown", (event) => {
    const buttons = [...list.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (at < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    let next = null;
    if (event.key in STEPS) next = Math.min(buttons.length - 1, Math.max(0, at + STEPS[event.key]));
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = buttons.length - 1;
    else return;
    event.preventDefault();
    buttons[next].focus();
  });

  map.on("layeradd layerremove mapfeatureschange", later);
  render();
})();
