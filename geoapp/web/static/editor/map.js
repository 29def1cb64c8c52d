/* The map: districts painted by community, community boundaries, labels and the
 * hover box. */
(function (E) {
  "use strict";

  const { config, T, map, MANY_DISTRICTS, DISTRICT_LABEL_ZOOM, UNASSIGNED_COLOR, state, phone, layers, fmt, el, textTooltip, $, api } = E;

  function districtStyle(code) {
    const cid = state.plan.assignments[code];
    const community = cid === undefined ? null : state.communities.get(cid);
    if (!community) {
      const strong = state.highlightUnassigned;
      return {
        color: strong ? "#d7301f" : "#8a94a0",
        weight: strong ? 2.2 : 0.8,
        dashArray: "3 3",
        fillColor: strong ? "#fdd0a2" : UNASSIGNED_COLOR,
        fillOpacity: strong ? 0.75 : 0.45,
      };
    }
    return { color: "#ffffff", weight: 0.7, dashArray: null, fillColor: community.color, fillOpacity: community.locked ? 0.45 : 0.62 };
  }

  // The district chosen in the keyboard's list (editor/districts.js): outlined dark and thick.
  const CHOSEN = { color: "#1d2733", weight: 3.5, dashArray: null };

  function paintDistrict(code, previewColor) {
    const district = state.districts.get(code);
    if (!district) return;
    const style = code === state.chosen ? { ...districtStyle(code), ...CHOSEN } : districtStyle(code);
    if (previewColor !== undefined) {
      style.fillColor = previewColor || UNASSIGNED_COLOR;
      style.fillOpacity = previewColor ? 0.62 : 0.45;
    }
    district.layer.setStyle(style);
    const element = district.layer.getElement && district.layer.getElement();
    if (element) {
      const cid = state.plan.assignments[code];
      element.dataset.community = cid === undefined ? "" : String(cid);
      element.classList.toggle("unassigned", cid === undefined);
      element.classList.toggle("chosen", code === state.chosen);
    }
  }

  function paintAll() {
    for (const code of state.districts.keys()) paintDistrict(code);
  }

  function drawCity(city) {
    const many = city.districts.features.length > MANY_DISTRICTS;
    const renderer = many ? L.canvas({ padding: 0.3 }) : L.svg({ padding: 0.3 });
    layers.districts = L.geoJSON(city.districts, {
      renderer,
      style: () => ({ weight: 0.7, className: "geoapp-district" }),
      onEachFeature: (feature, layer) => {
        const props = feature.properties;
        state.districts.set(props.code, { feature, layer, props });
        layer.on("click", () => E.onDistrictClick(props.code));
        layer.on("mouseover", () => showHover(props));
        layer.on("mouseout", () => showHover(null));
        layer.on("add", () => {
          const element = layer.getElement && layer.getElement();
          if (element) element.dataset.code = props.code;
        });
      },
    }).addTo(map);
    state.zones = city.zones.features;
    layers.zones = L.geoJSON(city.zones, {
      interactive: false,
      style: () => ({ className: "geoapp-school-zone", color: "#1f5fbf", weight: 2.5, dashArray: "8 5", fill: false }),
    }).addTo(map);
    layers.centers = L.geoJSON(city.centers, {
      pointToLayer: (feature, latlng) =>
        L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 2, fillColor: feature.properties.color || "#8c8c8c", fillOpacity: 0.95, className: "geoapp-center" }),
      onEachFeature: (feature, layer) => {
        state.centers.set(feature.properties.code, feature.properties);
        layer.bindTooltip(textTooltip(feature.properties.name));
      },
    }).addTo(map);
    layers.boundaries = L.layerGroup().addTo(map);
    layers.places = L.layerGroup().addTo(map);
    layers.labels = L.layerGroup().addTo(map);
    L.control
      .layers(null, {
        [T("小学校区")]: layers.zones,
        [T("拠点施設")]: layers.centers,
        [T("コミュニティ境界")]: layers.boundaries,
        [T("重要な場所")]: layers.places,
        [T("ラベル")]: layers.labels,
      }, { collapsed: phone.matches, position: "topright" }) // folded on a phone, over a small map
      .addTo(map);
    map.options.zoomSnap = 0.25; // fit the whole city, not the next whole zoom level down
    map.invalidateSize();
    if (city.bounds) map.fitBounds(city.bounds, { padding: [16, 16], animate: false });
    map.on("zoomend moveend", drawLabels);
    map.on("overlayadd", (event) => { if (event.layer === layers.labels) drawLabels(); });
  }

  let boundaryTimer = null;
  function refreshBoundaries() {
    clearTimeout(boundaryTimer);
    boundaryTimer = setTimeout(async () => {
      const collection = await api(config.urls.boundaries);
      layers.boundaries.clearLayers();
      L.geoJSON(collection, {
        interactive: false,
        style: () => ({ className: "geoapp-community-boundary", color: "#1d2733", weight: 3, fill: false }),
      }).addTo(layers.boundaries);
    }, 250);
  }

  /** Label the communities (the districts once zoomed in), most districts first; a label
   * that would overlap one already placed, or run past the map's edge, is left out, so
   * a small map (a phone, a tablet) shows fewer labels that can all be read. */
  function drawLabels() {
    layers.labels.clearLayers();
    if (!map.hasLayer(layers.labels)) return; // measured when switched on again
    const bounds = map.getBounds();
    const wanted = [];
    if (map.getZoom() >= DISTRICT_LABEL_ZOOM) {
      for (const { props } of state.districts.values()) {
        const at = L.latLng(props.label[1], props.label[0]);
        if (bounds.contains(at) && wanted.length <= 400) wanted.push({ at, text: props.name, className: "district-label", weight: 0 });
      }
    } else {
      const members = new Map();
      for (const [code, cid] of Object.entries(state.plan.assignments)) {
        const district = state.districts.get(code);
        if (!district) continue;
        if (!members.has(cid)) members.set(cid, []);
        members.get(cid).push(district.props.label);
      }
      for (const community of state.communities.values()) {
        const points = members.get(community.id) || [];
        const at = labelPoint(points);
        if (at && bounds.contains(at)) wanted.push({ at, text: community.name, className: "community-label", weight: points.length });
      }
      wanted.sort((a, b) => b.weight - a.weight);
    }
    const frame = map.getContainer().getBoundingClientRect();
    const placed = [];
    for (const label of wanted) {
      const marker = L.marker(label.at, { interactive: false, icon: L.divIcon({ className: label.className, html: el("span", {}, label.text), iconSize: null }) }).addTo(layers.labels);
      const box = marker.getElement().getBoundingClientRect();
      const outside = box.left < frame.left || box.right > frame.right || box.top < frame.top || box.bottom > frame.bottom;
      if (outside || placed.some((other) => overlap(box, other))) layers.labels.removeLayer(marker);
      else placed.push(box);
    }
  }

  /** Whether two boxes on the screen overlap (touching with 2 px between them counts). */
  function overlap(a, b) {
    const gap = 2;
    return a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap;
  }

  /** The member label point nearest the members' mean: inside the community, near its middle. */
  function labelPoint(points) {
    if (!points.length) return null;
    const x = points.reduce((sum, p) => sum + p[0], 0) / points.length;
    const y = points.reduce((sum, p) => sum + p[1], 0) / points.length;
    let best = points[0], bestDistance = Infinity;
    for (const point of points) {
      const d = (point[0] - x) ** 2 + (point[1] - y) ** 2;
      if (d < bestDistance) [best, bestDistance] = [point, d];
    }
    return L.latLng(best[1], best[0]);
  }

  /** A district in a line: name, code, population and community. */
  function districtText(props) {
    const cid = state.plan.assignments[props.code];
    const community = cid === undefined ? null : state.communities.get(cid);
    return `${props.name}${bracketed(props.code)} ${T("人口")} ${props.population === null ? fmt(null) : T("{n}人").replace("{n}", fmt(props.population))} ・ ${community ? community.name : T("未割当")}`;
  }

  function showHover(props) {
    $("map-status").textContent = props ? districtText(props) : "";
  }

  Object.assign(E, { paintDistrict, paintAll, drawCity, refreshBoundaries, drawLabels, districtText });
})(window.geoappEditor);
