/* The boundary editor: planners assign districts to wide-area communities on the map.
 *
 * The plan lives on the server (/api/plans/<id>); every edit is POSTed at once with the
 * version it was made against, and the answer (new version, changes, checks) redraws the
 * map and the panels. The map is the folium/Leaflet map the page already holds.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const T = (text) => (text in config.text ? config.text[text] : text);
  const map = window[config.mapName];
  const MANY_DISTRICTS = 3000;
  const DISTRICT_LABEL_ZOOM = 16;
  const UNASSIGNED_COLOR = "#ffffff";
  const EDITABLE = ["draft", "proposed"];
  const MAX_NAME = 60;

  const state = {
    plan: null, // {id, name, status, version, communities: [...], assignments: {...}, checks}
    communities: new Map(), // id → community
    districts: new Map(), // code → {feature, layer, props}
    zones: [],
    centers: new Map(),
    active: null,
    tool: "click",
    brush: 24,
    undo: [],
    redo: [],
    queue: Promise.resolve(),
    pending: null,
    highlightUnassigned: false,
    placing: false, // waiting for a map click that places an important place
    placeDraft: null, // {lon, lat} of a place being named
    timings: { ready: null, rendered: null, renderMs: null }, // performance.now() marks, for benchmarks
  };

  const layers = {};
  const $ = (id) => document.getElementById(id);
  const fmt = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString(config.lang === "en" ? "en-US" : "ja-JP"));
  const pct = (x) => (x === null || x === undefined ? "—" : x > 0 && x < 0.001 ? "<0.1%" : (100 * x).toFixed(1) + "%");
  const editable = () => EDITABLE.includes(state.plan.status);

  /** An element with properties set (``dataset`` and ``style`` merged, ``on…`` as listeners,
   * others as properties or attributes) and children appended; strings become text nodes, so
   * names and other data never reach the page as HTML. */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "style") Object.assign(node.style, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key in node) node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    node.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
    return node;
  }


  /** A tooltip's content as text: Leaflet inserts a string as HTML, so it gets a node. */
  const textTooltip = (text) => () => el("span", {}, String(text));

  // --- talking to the server -------------------------------------------------------------
  const { ApiError, request: api } = window.geoappApi;

  /** Send one edit operation, in order after the ones before it. */
  function edit(op, params, description) {
    const run = async () => {
      const action = { op, params, description };
      try {
        const result = await api(config.urls.edits, {
          method: "POST",
          body: { version: state.plan.version, op, ...params },
        });
        applyResult(result);
        return result;
      } catch (error) {
        await handleFailure(error, action);
        return null;
      }
    };
    state.queue = state.queue.then(run);
    return state.queue;
  }

  async function handleFailure(error, action) {
    if (error instanceof ApiError && error.status === 409) {
      state.pending = action;
      await reloadPlan();
      $("conflict-text").textContent = error.message + " " + T("最新の版を読み込みました。");
      $("pending-action").textContent = action ? `${T("保留中の操作")}: ${action.description}` : "";
      $("retry-button").hidden = !action;
      $("conflict-notice").hidden = false;
    } else {
      showError(error.message);
      render();
    }
  }

  function showError(message) {
    const box = $("error-notice");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => (box.hidden = true), 8000);
  }

  function applyResult(result) {
    const changes = result.changes || {};
    const repaint = new Set(Object.keys(changes.assignments || {}));
    for (const [code, values] of Object.entries(changes.assignments || {})) {
      if (values[1] === null) delete state.plan.assignments[code];
      else state.plan.assignments[code] = values[1];
    }
    const restyled = new Set();
    for (const [key, values] of Object.entries(changes.communities || {})) {
      const id = Number(key);
      restyled.add(id);
      if (values[1] === null) state.communities.delete(id);
      else state.communities.set(id, { id, ...values[1] });
    }
    if (restyled.size) {
      for (const [code, cid] of Object.entries(state.plan.assignments)) if (restyled.has(cid)) repaint.add(code);
    }
    for (const [key, values] of Object.entries(changes.plan || {})) state.plan[key] = values[1];
    state.plan.version = result.version;
    state.plan.checks = result.checks;
    if (state.active !== null && !state.communities.has(state.active)) state.active = null;
    flash(T("保存しました") + ` (${T("版")} ${result.version})`);
    render(repaint);
    refreshBoundaries();
  }

  async function reloadPlan() {
    const plan = await api(config.urls.plan);
    state.plan = plan;
    state.communities = new Map(plan.communities.map((c) => [c.id, c]));
    if (state.active !== null && !state.communities.has(state.active)) state.active = null;
    if (state.active === null && plan.communities.length) state.active = plan.communities[0].id;
    render();
    refreshBoundaries();
  }

  // --- the map ---------------------------------------------------------------------------
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

  function paintDistrict(code, previewColor) {
    const district = state.districts.get(code);
    if (!district) return;
    const style = districtStyle(code);
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
        layer.on("click", () => onDistrictClick(props.code));
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
        L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 2, fillColor: feature.properties.color || "#d95f02", fillOpacity: 0.95, className: "geoapp-center" }),
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
      }, { collapsed: false, position: "topright" })
      .addTo(map);
    map.options.zoomSnap = 0.25; // fit the whole city, not the next whole zoom level down
    map.invalidateSize();
    if (city.bounds) map.fitBounds(city.bounds, { padding: [16, 16], animate: false });
    map.on("zoomend moveend", drawLabels);
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

  function drawLabels() {
    layers.labels.clearLayers();
    const bounds = map.getBounds();
    if (map.getZoom() >= DISTRICT_LABEL_ZOOM) {
      let shown = 0;
      for (const { props } of state.districts.values()) {
        const at = L.latLng(props.label[1], props.label[0]);
        if (!bounds.contains(at) || shown++ > 400) continue;
        L.marker(at, { interactive: false, icon: L.divIcon({ className: "district-label", html: el("span", {}, props.name), iconSize: null }) }).addTo(layers.labels);
      }
      return;
    }
    const members = new Map();
    for (const [code, cid] of Object.entries(state.plan.assignments)) {
      const district = state.districts.get(code);
      if (!district) continue;
      if (!members.has(cid)) members.set(cid, []);
      members.get(cid).push(district.props.label);
    }
    for (const community of state.communities.values()) {
      const at = labelPoint(members.get(community.id) || []);
      if (!at || !bounds.contains(at)) continue;
      L.marker(at, { interactive: false, icon: L.divIcon({ className: "community-label", html: el("span", {}, community.name), iconSize: null }) }).addTo(layers.labels);
    }
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

  function showHover(props) {
    const status = $("map-status");
    if (!props) {
      status.textContent = "";
      return;
    }
    const cid = state.plan.assignments[props.code];
    const community = cid === undefined ? null : state.communities.get(cid);
    status.textContent = `${props.name}（${props.code}） ${T("人口")} ${fmt(props.population)}${props.population === null ? "" : T("人")} ・ ${community ? community.name : T("未割当")}`;
  }

  // --- tools -----------------------------------------------------------------------------
  const HINTS = {
    click: "クリックした行政区を選択中のコミュニティに割り当てます。",
    brush: "ドラッグでなぞった行政区を割り当てます。[ と ] で大きさを変えます。",
    zone: "クリックした小学校区が主な校区である行政区をすべて割り当てます。",
    lasso: "ドラッグで囲んだ範囲に大部分が入る行政区を割り当てます。",
    eraser: "クリックまたはなぞった行政区の割り当てを外します。",
    pan: "ドラッグで地図を動かします。",
  };

  function setTool(tool) {
    state.tool = tool;
    for (const button of document.querySelectorAll(".tool")) {
      button.classList.toggle("active", button.dataset.tool === tool);
      button.setAttribute("aria-pressed", button.dataset.tool === tool ? "true" : "false");
    }
    $("tool-hint").textContent = T(HINTS[tool]);
    const painting = tool === "brush" || tool === "lasso" || tool === "eraser";
    if (painting) map.dragging.disable();
    else map.dragging.enable();
    map.getContainer().dataset.tool = tool;
    cursor.remove();
  }

  function requireActive() {
    if (state.active === null || !state.communities.has(state.active)) {
      showError(T("コミュニティを選ぶか、新しく作成してください。"));
      return false;
    }
    return true;
  }

  function activeName() {
    return state.communities.get(state.active)?.name || "";
  }

  function onDistrictClick(code) {
    if (stroke.justEnded || !editable()) return;
    const district = state.districts.get(code);
    if (state.tool === "click") {
      if (!requireActive()) return;
      assignDistricts([code], `${district.props.name} → ${activeName()}`);
    } else if (state.tool === "eraser") {
      unassignDistricts([code], `${district.props.name} → ${T("未割当")}`);
    }
  }

  function assignDistricts(codes, description) {
    const target = state.active;
    const moving = codes.filter((code) => state.plan.assignments[code] !== target);
    if (!moving.length) return;
    const color = state.communities.get(target).color;
    for (const code of moving) paintDistrict(code, color);
    recordUndoable(edit("assign", { community: target, districts: moving }, description));
  }

  function unassignDistricts(codes, description) {
    const moving = codes.filter((code) => state.plan.assignments[code] !== undefined);
    if (!moving.length) return;
    for (const code of moving) paintDistrict(code, null);
    recordUndoable(edit("unassign", { districts: moving }, description));
  }

  function zoneAssign(latlng) {
    if (!requireActive()) return;
    const zone = state.zones.find((feature) => containsPoint(feature.geometry, latlng.lng, latlng.lat));
    if (!zone) return;
    const target = state.active;
    const color = state.communities.get(target).color;
    for (const { props } of state.districts.values()) if (props.majority_zone === zone.properties.code) paintDistrict(props.code, color);
    recordUndoable(edit("assign", { community: target, zone: zone.properties.code }, `${zone.properties.name} → ${activeName()}`));
  }

  async function recordUndoable(promise) {
    const result = await promise;
    if (!result) return;
    const moved = result.changes.assignments || {};
    const before = {}, after = {};
    for (const [code, values] of Object.entries(moved)) {
      before[code] = values[0];
      after[code] = values[1];
    }
    if (!Object.keys(before).length) return;
    state.undo.push({ before, after, description: T(result.operation) });
    state.redo = [];
    renderUndo();
  }

  async function undoOrRedo(from, to, key) {
    const step = from.pop();
    if (!step) return;
    renderUndo();
    const result = await edit("reassign", { assignments: step[key] }, step.description);
    if (result) to.push(step);
    else from.push(step);
    renderUndo();
  }

  function renderUndo() {
    $("undo-button").disabled = !state.undo.length;
    $("redo-button").disabled = !state.redo.length;
  }

  // Brush, eraser and lasso strokes: pointer events on the map container.
  const cursor = L.circleMarker([0, 0], { radius: 24, interactive: false, color: "#1d2733", weight: 1.5, dashArray: "4 3", fill: false });
  const stroke = { active: false, codes: new Set(), points: [], line: null, justEnded: false };

  function strokeStart(event) {
    if (!editable() || !["brush", "eraser", "lasso"].includes(state.tool) || event.originalEvent.button !== 0) return;
    if (state.tool === "brush" && !requireActive()) return;
    stroke.active = true;
    stroke.codes = new Set();
    stroke.points = [event.latlng];
    if (state.tool === "lasso") {
      stroke.line = L.polyline([event.latlng], { color: "#1d2733", weight: 2, dashArray: "6 4", interactive: false }).addTo(map);
    } else {
      brushAt(event);
    }
  }

  function strokeMove(event) {
    if (["brush", "eraser"].includes(state.tool)) {
      cursor.setLatLng(event.latlng).setRadius(state.brush);
      if (!map.hasLayer(cursor)) cursor.addTo(map);
    }
    if (!stroke.active) return;
    if (state.tool === "lasso") {
      const last = map.latLngToContainerPoint(stroke.points[stroke.points.length - 1]);
      if (last.distanceTo(event.containerPoint) < 4) return;
      stroke.points.push(event.latlng);
      stroke.line.addLatLng(event.latlng);
    } else {
      brushAt(event);
    }
  }

  function brushAt(event) {
    const center = event.containerPoint;
    const color = state.tool === "eraser" ? null : state.communities.get(state.active).color;
    for (const { props, layer } of state.districts.values()) {
      if (stroke.codes.has(props.code)) continue;
      const label = map.latLngToContainerPoint([props.label[1], props.label[0]]);
      const hit = label.distanceTo(center) <= state.brush || containsPoint(layer.feature.geometry, event.latlng.lng, event.latlng.lat);
      if (hit) {
        stroke.codes.add(props.code);
        paintDistrict(props.code, color);
      }
    }
  }

  async function strokeEnd() {
    if (!stroke.active) return;
    stroke.active = false;
    stroke.justEnded = true;
    setTimeout(() => (stroke.justEnded = false), 50);
    if (state.tool === "lasso") {
      const ring = stroke.points.map((p) => [p.lng, p.lat]);
      const line = stroke.line;
      stroke.line = null;
      if (ring.length < 3) {
        line.remove();
        return;
      }
      if (!requireActive()) {
        line.remove();
        return;
      }
      try {
        const { districts } = await api(config.urls.lasso, { method: "POST", body: { polygon: ring } });
        if (!districts.length) showError(T("範囲に入る行政区がありません。"));
        else assignDistricts(districts, `${districts.length}${T("件")} → ${activeName()}`);
      } catch (error) {
        showError(error.message);
      } finally {
        setTimeout(() => line.remove(), 400);
      }
      return;
    }
    const codes = [...stroke.codes];
    if (!codes.length) return;
    if (state.tool === "eraser") unassignDistricts(codes, `${codes.length}${T("件")} → ${T("未割当")}`);
    else assignDistricts(codes, `${codes.length}${T("件")} → ${activeName()}`);
  }

  function containsPoint(geometry, x, y) {
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    return polygons.some((rings) => ringContains(rings[0], x, y) && !rings.slice(1).some((hole) => ringContains(hole, x, y)));
  }

  function ringContains(ring, x, y) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  // --- panels ----------------------------------------------------------------------------
  function communityFigures() {
    const figures = new Map();
    for (const item of state.plan.checks.communities || []) figures.set(item.id, item);
    return figures;
  }

  function communityExtras(cid) {
    const centers = [], zones = new Map();
    let area = 0;
    for (const [code, assigned] of Object.entries(state.plan.assignments)) {
      if (assigned !== cid) continue;
      const district = state.districts.get(code);
      if (!district) continue;
      const props = district.props;
      area += props.area_m2;
      centers.push(...props.centers);
      for (const [zone, share] of props.zones) zones.set(zone, (zones.get(zone) || 0) + share * props.area_m2);
    }
    const zoneShares = [...zones.entries()].map(([zone, a]) => [zone, area ? a / area : 0]).sort((a, b) => b[1] - a[1]);
    return { centers, zoneShares };
  }

  /** Redraw the panels, and the districts in ``repaint`` (all of them when not given). */
  function render(repaint) {
    const started = performance.now();
    if (repaint) for (const code of repaint) paintDistrict(code);
    else paintAll();
    renderPlanBar();
    renderCommunities();
    renderActive();
    renderChecks();
    renderReadOnly();
    drawLabels();
    drawPlaces();
    state.timings.rendered = performance.now();
    state.timings.renderMs = state.timings.rendered - started;
  }

  function renderPlanBar() {
    $("plan-name").textContent = state.plan.name;
    const badge = $("plan-status");
    badge.className = `status-badge status-${state.plan.status}`;
    badge.textContent = label(state.plan.status);
    $("plan-version").textContent = `${T("版")} ${state.plan.version}`;
    const select = $("status-select");
    select.replaceChildren(new Option(label(state.plan.status), state.plan.status, true, true));
    for (const next of config.transitions[state.plan.status] || []) select.add(new Option(label(next), next));
  }

  /** An adopted or archived plan is shown read-only, with a way to copy it into a draft. */
  function renderReadOnly() {
    const readOnly = !editable();
    document.body.classList.toggle("plan-readonly", readOnly);
    $("readonly-notice").hidden = !readOnly;
    $("readonly-status").textContent = label(state.plan.status);
    for (const button of document.querySelectorAll(".tool:not([data-tool=pan]), #new-community-button, #fix-strays")) button.disabled = readOnly;
    if (readOnly) {
      $("undo-button").disabled = $("redo-button").disabled = true;
      if (state.tool !== "pan") setTool("pan");
      $("new-community-form").hidden = true;
    }
  }

  async function copyToEdit() {
    const name = `${state.plan.name}（${T("複製")}）`.slice(0, MAX_NAME);
    try {
      const plan = await api(config.urls.create, { method: "POST", body: { name, source: "copy", copy_of: state.plan.id } });
      window.location.assign(config.urls.editPage.replace(/\/0\/edit$/, `/${plan.id}/edit`));
    } catch (error) {
      showError(error.message);
    }
  }

  function label(status) {
    const labels = config.statusLabels[status];
    return labels ? labels[config.lang === "en" ? 1 : 0] : status;
  }

  function renderCommunities() {
    const list = $("community-list");
    const figures = communityFigures();
    $("community-count").textContent = state.communities.size;
    list.replaceChildren();
    for (const community of state.communities.values()) {
      const figure = figures.get(community.id) || {};
      const item = document.createElement("li");
      item.className = "community" + (community.id === state.active ? " active" : "") + (community.locked ? " locked" : "");
      item.dataset.community = community.id;
      item.tabIndex = 0;
      item.append(
        el("span", { className: "swatch", style: { background: community.color } }),
        el("span", { className: "community-name" }, community.name,
          community.locked ? [" ", el("span", { className: "lock", title: T("ロック中"), role: "img", "aria-label": T("ロック中") })] : null,
          " ", el("small", {}, community.name_kana || "")),
        el("span", { className: "community-figures" },
          el("span", { dataset: { figure: "population" } }, fmt(figure.population)), figure.population === null ? null : el("small", {}, T("人")),
          " ", el("span", { className: "sub", dataset: { figure: "districts" } }, figure.districts === 1 ? T("1 行政区") : T("{n} 行政区").replace("{n}", fmt(figure.districts)))),
      );
      item.addEventListener("click", () => selectCommunity(community.id));
      item.addEventListener("dblclick", () => zoomToCommunity(community.id));
      list.append(item);
    }
  }

  function selectCommunity(cid) {
    state.active = cid;
    renderCommunities();
    renderActive();
  }

  function renderActive() {
    const card = $("active-card");
    const community = state.communities.get(state.active);
    if (!community) {
      card.replaceChildren(el("h2", {}, T("選択中のコミュニティ")), el("p", { className: "muted" }, T("コミュニティを選ぶか、新しく作成してください。")));
      return;
    }
    const figure = communityFigures().get(community.id) || {};
    const extras = communityExtras(community.id);
    const centerNames = extras.centers.map((code) => state.centers.get(code)?.name || code);
    const zoneNames = new Map(state.zones.map((z) => [z.properties.code, z.properties.name]));
    const figures = [
      ["人口", "population", [fmt(figure.population), figure.districts_without_population ? el("small", {}, " " + T("{n}行政区のデータなし").replace("{n}", fmt(figure.districts_without_population))) : null]],
      ["世帯", "households", fmt(figure.households)],
      ["65歳以上", "share_65", pct(figure.share_65)],
      ["行政区", "districts", fmt(figure.districts)],
      ["面積", "area", figure.area_km2 === undefined ? "—" : figure.area_km2.toFixed(2) + " km²"],
      ["コンパクト度", "compactness", figure.polsby_popper === null || figure.polsby_popper === undefined ? "—" : figure.polsby_popper.toFixed(2)],
      ["拠点施設", "hubs", centerNames.length ? centerNames.join("、") : "—"],
    ];
    const zoneLines = extras.zoneShares.slice(0, 6).map(([z, share]) => el("span", { className: "zone-share" }, `${zoneNames.get(z) || z} ${pct(share)}`));
    card.replaceChildren(
      el("h2", {}, el("span", { className: "swatch", style: { background: community.color } }), community.name),
      el("dl", { className: "figure-grid", dataset: { community: community.id } },
        figures.map(([term, key, value]) => [el("dt", {}, T(term)), el("dd", { dataset: { figure: key } }, value)]),
        el("dt", {}, T("小学校区")), el("dd", { dataset: { figure: "zones" } }, zoneLines.length ? zoneLines : "—")),
      communityForm(community, extras.centers),
      placesSection(community),
    );
  }

  /** The selected community's fields: name, kana, colour, hub facility and description. */
  function communityForm(community, inside) {
    const others = [...state.communities.values()].filter((c) => c.id !== community.id);
    const outside = [...state.centers.entries()].filter(([code]) => !inside.includes(code)).sort((a, b) => a[1].name.localeCompare(b[1].name, "ja"));
    const option = ([code, center]) => el("option", { value: code, selected: code === community.hub_center }, center.name);
    const hub = el("select", { name: "hub_center", id: "hub-select" },
      el("option", { value: "" }, T("（選ばない）")),
      el("optgroup", { label: T("区域内の施設") }, inside.map((code) => option([code, state.centers.get(code) || { name: code }]))),
      el("optgroup", { label: T("区域外の施設") }, outside.map(option)));
    const fields = el("fieldset", { className: "community-fields", disabled: !editable() },
      el("label", {}, T("名称"), el("input", { name: "name", value: community.name, maxLength: MAX_NAME, required: true })),
      el("label", {}, T("よみがな"), el("input", { name: "name_kana", value: community.name_kana || "", maxLength: 120 })),
      el("label", {}, T("拠点施設（選択）"), hub),
      el("label", {}, T("説明"), el("textarea", { name: "description", rows: 3, maxLength: 2000, value: community.description || "" })),
      el("div", { className: "form-row" },
        el("label", { className: "color" }, T("色"), el("input", { name: "color", type: "color", value: community.color })),
        el("button", { type: "submit", className: "button small" }, T("保存")),
        el("button", { type: "button", className: "button secondary small", id: "lock-button", onclick: toggleLock }, community.locked ? T("ロック解除") : T("ロック")),
        el("button", { type: "button", className: "button danger small", id: "delete-button", onclick: () => deleteCommunity(community) }, T("削除"))),
      others.length
        ? el("div", { className: "form-row merge-row" },
          el("select", { id: "merge-select", "aria-label": T("統合先") }, others.map((c) => el("option", { value: c.id }, c.name))),
          el("button", { type: "button", className: "button secondary small", id: "merge-button", onclick: () => mergeInto(community) }, T("へ統合")))
        : null);
    return el("form", { className: "community-form", id: "community-form", onsubmit: (event) => saveCommunity(event, community) }, fields);
  }

  /** Save the fields that changed; a form saved unchanged sends nothing. */
  function saveCommunity(event, community) {
    event.preventDefault();
    const data = new FormData(event.target);
    const fields = {
      name: data.get("name"),
      name_kana: data.get("name_kana"),
      color: data.get("color"),
      hub_center: data.get("hub_center") || null,
      description: data.get("description"),
    };
    const changed = Object.fromEntries(Object.entries(fields).filter(([key, value]) => value !== (community[key] ?? (key === "hub_center" ? null : ""))));
    if (!Object.keys(changed).length) {
      flash(T("変更はありません"));
      return;
    }
    edit("update_community", { community: community.id, ...changed }, `${T("update_community")}: ${fields.name}`);
  }

  function deleteCommunity(community) {
    if (confirm(T("本当に削除しますか？ 行政区は未割当になります。"))) edit("delete_community", { community: community.id }, `${T("delete_community")}: ${community.name}`);
  }

  function mergeInto(community) {
    const into = Number($("merge-select").value);
    edit("merge_communities", { communities: [community.id], into }, `${community.name} ${T("へ統合")} ${state.communities.get(into).name}`);
  }

  /** The community's important places: listed with a remove button, added by a map click. */
  function placesSection(community) {
    const places = community.places || [];
    const list = el("ul", { className: "place-list", id: "place-list" }, places.map((place, index) =>
      el("li", { className: "place" },
        el("span", { className: "place-name" }, place.name, place.note ? el("small", {}, place.note) : null),
        editable() ? el("button", { type: "button", className: "button secondary small", onclick: () => savePlaces(community, places.filter((_, i) => i !== index)) }, T("削除")) : null)));
    const section = el("section", { className: "places" }, el("h3", {}, T("重要な場所"), " ", el("span", { className: "count" }, String(places.length))), list);
    if (!places.length) list.append(el("li", { className: "muted" }, T("まだありません。")));
    if (!editable()) return section;
    if (state.placeDraft) {
      const form = el("form", { className: "place-form", id: "place-form", onsubmit: (event) => addPlace(event, community) },
        el("label", {}, T("名称"), el("input", { name: "name", required: true, maxLength: MAX_NAME })),
        el("label", {}, T("メモ"), el("input", { name: "note", maxLength: 2000 })),
        el("div", { className: "form-row" },
          el("button", { type: "submit", className: "button small" }, T("追加")),
          el("button", { type: "button", className: "button secondary small", onclick: () => stopPlacing() }, T("取り消す"))));
      section.append(form);
      setTimeout(() => form.elements.name.focus());
    } else {
      section.append(el("button", { type: "button", className: "button secondary small", id: "add-place-button", "aria-pressed": String(state.placing), onclick: () => startPlacing() },
        state.placing ? T("地図をクリックして場所を選んでください") : "＋ " + T("地図で場所を追加")));
    }
    return section;
  }

  function startPlacing() {
    state.placing = true;
    map.getContainer().dataset.placing = "true";
    renderActive();
  }

  function stopPlacing() {
    state.placing = false;
    state.placeDraft = null;
    delete map.getContainer().dataset.placing;
    renderActive();
  }

  function addPlace(event, community) {
    event.preventDefault();
    const data = new FormData(event.target);
    const place = { name: data.get("name"), note: data.get("note"), lon: state.placeDraft.lon, lat: state.placeDraft.lat };
    stopPlacing();
    savePlaces(community, [...(community.places || []), place]);
  }

  function savePlaces(community, places) {
    edit("update_community", { community: community.id, places }, `${T("重要な場所")}: ${community.name}`);
  }

  function drawPlaces() {
    layers.places.clearLayers();
    for (const community of state.communities.values()) {
      for (const place of community.places || []) {
        L.circleMarker([place.lat, place.lon], { radius: 5, color: "#1d2733", weight: 2, fillColor: community.color, fillOpacity: 1, className: "geoapp-place" })
          .bindTooltip(textTooltip(`${place.name}（${community.name}）`))
          .addTo(layers.places);
      }
    }
  }

  function toggleLock() {
    const community = state.communities.get(state.active);
    if (!community) return;
    const op = community.locked ? "unlock_community" : "lock_community";
    edit(op, { community: community.id }, `${T(op)}: ${community.name}`);
  }

  function renderChecks() {
    const checks = state.plan.checks;
    const items = [];
    const name = (cid) => state.communities.get(cid)?.name || String(cid);
    if (checks.unassigned.length) items.push({ kind: "unassigned", text: `${T("未割当の行政区")}: ${checks.unassigned.length}${T("件")}`, districts: checks.unassigned });
    if (checks.unknown_districts.length) {
      const listed = checks.unknown_districts.map((code) => `${code}（${name(state.plan.assignments[code])}）`).join("、");
      items.push({ kind: "vanished", text: `${T("行政区のレイヤからなくなったコード")}: ${listed}` });
    }
    for (const item of checks.non_contiguous) items.push({ kind: "non-contiguous", text: `${name(item.community)}: ${T("離れた部分があります")}（${item.pieces}）`, community: item.community });
    for (const item of checks.enclaves) items.push({ kind: "enclave", text: `${name(item.community)}: ${T("他のコミュニティに囲まれています")}（${name(item.surrounded_by)}）`, community: item.community });
    for (const item of checks.strays) items.push({ kind: "stray", text: `${name(item.community)}: ${T("飛び地")} ${item.districts.length}${T("件")}`, districts: item.districts });
    for (const cid of checks.without_hub) items.push({ kind: "no-hub", text: `${name(cid)}: ${T("拠点施設がありません")}`, community: cid });
    for (const item of checks.several_hubs) items.push({ kind: "several-hubs", text: `${name(item.community)}: ${T("拠点施設が複数あります")}（${item.centers.length}）`, community: item.community });
    for (const item of checks.hub_outside) items.push({ kind: "hub-outside", text: `${name(item.community)}: ${T("拠点施設が区域の外です")}`, community: item.community });
    for (const cid of checks.population_range.outside) items.push({ kind: "population", text: `${name(cid)}: ${T("人口が目標の範囲外です")}`, community: cid });
    if (checks.missing_population.length) items.push({ kind: "missing-population", text: T("人口のデータがありません（{n}行政区）").replace("{n}", fmt(checks.missing_population.length)), districts: checks.missing_population });
    for (const item of checks.split_districts) {
      if (!item.against_zone) continue;
      const district = state.districts.get(item.district);
      items.push({ kind: "split", text: `${district ? district.props.name : item.district}: ${T("主な小学校区と違うコミュニティに入っています")}`, districts: [item.district] });
    }
    $("problem-count").textContent = checks.problem_count;
    const list = $("check-list");
    list.replaceChildren();
    if (!items.length) {
      const ok = document.createElement("li");
      ok.className = "check-item ok";
      ok.textContent = T("問題はありません。");
      list.append(ok);
    }
    for (const item of items) {
      const entry = document.createElement("li");
      entry.className = `check-item ${item.kind}`;
      entry.dataset.check = item.kind;
      entry.tabIndex = 0;
      entry.textContent = item.text;
      if (item.districts || item.community !== undefined) entry.addEventListener("click", () => (item.districts ? zoomToDistricts(item.districts) : zoomToCommunity(item.community)));
      list.append(entry);
    }
    $("fix-strays").disabled = !checks.strays.length;
  }

  function zoomToDistricts(codes) {
    const group = L.featureGroup(codes.map((code) => state.districts.get(code)?.layer).filter(Boolean));
    if (group.getLayers().length) map.fitBounds(group.getBounds(), { padding: [40, 40], maxZoom: 16 });
    for (const code of codes) {
      const element = state.districts.get(code)?.layer.getElement?.();
      if (element) {
        element.classList.add("flash");
        setTimeout(() => element.classList.remove("flash"), 1600);
      }
    }
  }

  function zoomToCommunity(cid) {
    const codes = Object.entries(state.plan.assignments).filter(([, assigned]) => assigned === cid).map(([code]) => code);
    zoomToDistricts(codes);
  }

  function flash(text) {
    const status = $("map-status");
    status.textContent = text;
    status.classList.add("saved");
    setTimeout(() => status.classList.remove("saved"), 1200);
  }

  // --- history ---------------------------------------------------------------------------
  async function openHistory() {
    const { versions } = await api(config.urls.versions);
    const list = $("history-list");
    list.replaceChildren();
    for (const version of versions) {
      const when = new Date(version.made_at).toLocaleString(config.lang === "en" ? "en-GB" : "ja-JP-u-ca-japanese", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Tokyo" });
      const what = version.description ? version.description[config.lang] || version.description.ja : T(version.operation);
      const item = el("li", { dataset: { version: version.version } },
        el("span", { className: "history-version" }, `${T("版")} ${version.version}`),
        el("span", { className: "history-what" }, el("span", { className: "history-changes" }, what),
          el("small", {}, `${T(version.operation)} ・ ${version.author} ・ ${when}`)));
      if (version.version !== state.plan.version && editable()) {
        item.append(el("button", { type: "button", className: "button secondary small", onclick: () => restore(version.version) }, restoreLabel(version.version)));
      }
      list.append(item);
    }
    $("history-drawer").hidden = false;
  }

  function restoreLabel(version) {
    return config.lang === "en" ? `Restore version ${version}` : `版 ${version} に戻す`;
  }

  async function restore(version) {
    if (!confirm(`${restoreLabel(version)}: ${T("新しい版として保存されます。よろしいですか？")}`)) return;
    try {
      const result = await api(config.urls.restore, { method: "POST", body: { version: state.plan.version, to_version: version } });
      applyResult(result);
      state.undo = [];
      state.redo = [];
      renderUndo();
      openHistory();
    } catch (error) {
      await handleFailure(error, null);
    }
  }

  /** Adopting asks first: it publishes the plan, makes it read-only and archives the one
   * adopted before. */
  function confirmAdoption() {
    const dialog = $("adopt-dialog");
    $("adopt-plan-name").textContent = state.plan.name;
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "adopt"), { once: true });
      dialog.showModal();
    });
  }

  async function changeStatus(status) {
    if (status === "adopted" && !(await confirmAdoption())) {
      renderPlanBar();
      return;
    }
    try {
      const result = await api(config.urls.status, { method: "POST", body: { version: state.plan.version, status } });
      applyResult(result);
    } catch (error) {
      await handleFailure(error, null);
      renderPlanBar();
    }
  }

  // --- wiring ----------------------------------------------------------------------------
  function wire() {
    for (const button of document.querySelectorAll(".tool")) button.addEventListener("click", () => setTool(button.dataset.tool));
    $("brush-size").addEventListener("input", (event) => setBrush(Number(event.target.value)));
    $("undo-button").addEventListener("click", () => undoOrRedo(state.undo, state.redo, "before"));
    $("redo-button").addEventListener("click", () => undoOrRedo(state.redo, state.undo, "after"));
    $("new-community-button").addEventListener("click", () => {
      const form = $("new-community-form");
      form.hidden = false;
      form.elements.color.value = nextColor();
      form.elements.name.focus();
    });
    $("cancel-new-community").addEventListener("click", () => ($("new-community-form").hidden = true));
    $("new-community-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(event.target);
      const result = await edit("create_community", { name: data.get("name"), name_kana: data.get("name_kana"), color: data.get("color") }, `${T("create_community")}: ${data.get("name")}`);
      if (result) {
        const created = Object.keys(result.changes.communities).map(Number).find((id) => result.changes.communities[id][0] === null);
        if (created !== undefined) selectCommunity(created);
        event.target.reset();
        event.target.hidden = true;
      }
    });
    $("highlight-unassigned").addEventListener("change", (event) => {
      state.highlightUnassigned = event.target.checked;
      paintAll();
    });
    $("zoom-unassigned").addEventListener("click", () => zoomToDistricts(state.plan.checks.unassigned));
    $("fix-strays").addEventListener("click", () => recordUndoable(edit("fix_strays", {}, T("fix_strays"))));
    $("plan-name").addEventListener("click", () => {
      const name = prompt(T("案の名前"), state.plan.name);
      if (name && name !== state.plan.name) edit("update_plan", { name }, `${T("update_plan")}: ${name}`);
    });
    $("status-select").addEventListener("change", (event) => changeStatus(event.target.value));
    $("history-button").addEventListener("click", openHistory);
    $("close-history").addEventListener("click", () => ($("history-drawer").hidden = true));
    $("retry-button").addEventListener("click", () => {
      const action = state.pending;
      $("conflict-notice").hidden = true;
      state.pending = null;
      if (action) recordUndoable(edit(action.op, action.params, action.description));
    });
    $("dismiss-conflict").addEventListener("click", () => {
      $("conflict-notice").hidden = true;
      state.pending = null;
    });
    map.on("mousedown", strokeStart);
    map.on("mousemove", strokeMove);
    map.on("mouseup", strokeEnd);
    map.on("mouseout", () => cursor.remove());
    map.on("click", (event) => {
      if (state.placing) {
        state.placing = false;
        state.placeDraft = { lon: Number(event.latlng.lng.toFixed(7)), lat: Number(event.latlng.lat.toFixed(7)) };
        renderActive();
      } else if (state.tool === "zone" && editable()) zoneAssign(event.latlng);
    });
    $("copy-plan-button").addEventListener("click", copyToEdit);
    document.addEventListener("mouseup", strokeEnd);
    document.addEventListener("keydown", onKey);
  }

  function setBrush(size) {
    state.brush = Math.max(6, Math.min(120, size));
    $("brush-size").value = state.brush;
    $("brush-size-value").textContent = state.brush;
    cursor.setRadius(state.brush);
  }

  function nextColor() {
    const used = new Set([...state.communities.values()].map((c) => c.color));
    const palette = config.palette;
    return palette.find((color) => !used.has(color)) || palette[state.communities.size % palette.length];
  }

  function onKey(event) {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName);
    if (typing) return;
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && (key === "z" || key === "y") && !editable()) return;
    if ((event.ctrlKey || event.metaKey) && key === "z") {
      event.preventDefault();
      if (event.shiftKey) undoOrRedo(state.redo, state.undo, "after");
      else undoOrRedo(state.undo, state.redo, "before");
      return;
    }
    if ((event.ctrlKey || event.metaKey) && key === "y") {
      event.preventDefault();
      undoOrRedo(state.redo, state.undo, "after");
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (key === "escape" && (state.placing || state.placeDraft)) return stopPlacing();
    if (!editable() && key !== "h" && !/^[1-9]$/.test(key)) return;
    const tools = { v: "click", b: "brush", z: "zone", l: "lasso", e: "eraser", h: "pan" };
    if (tools[key]) setTool(tools[key]);
    else if (key === "[") setBrush(state.brush - 4);
    else if (key === "]") setBrush(state.brush + 4);
    else if (key === "k") toggleLock();
    else if (/^[1-9]$/.test(key)) {
      const community = [...state.communities.values()][Number(key) - 1];
      if (community) selectCommunity(community.id);
    } else return;
    event.preventDefault();
  }

  async function start() {
    document.body.classList.add("loading");
    $("map-status").textContent = T("読み込み中…");
    const [city, plan] = await Promise.all([api(config.urls.city), api(config.urls.plan), window.geoappApi.csrfToken()]);
    state.plan = plan;
    state.communities = new Map(plan.communities.map((c) => [c.id, c]));
    state.active = plan.communities.length ? plan.communities[0].id : null;
    drawCity(city);
    wire();
    setTool("click");
    setBrush(state.brush);
    render();
    refreshBoundaries();
    renderUndo();
    $("map-status").textContent = "";
    document.body.classList.remove("loading");
    state.timings.ready = performance.now();
    document.body.dataset.editorReady = "true";
  }

  /** The page position of a district's label point: for tests and for scripted tours. */
  function screenPointOf(code) {
    const district = state.districts.get(code);
    const point = map.latLngToContainerPoint([district.props.label[1], district.props.label[0]]);
    const box = map.getContainer().getBoundingClientRect();
    return [box.x + point.x, box.y + point.y];
  }

  window.geoappEditor = { state, map, screenPointOf };
  start().catch((error) => showError(error.message || String(error)));
})();
