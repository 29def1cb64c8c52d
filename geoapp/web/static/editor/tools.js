/* The tools: click, brush, school zone, lasso, eraser and move; undo and redo. */
(function (E) {
  "use strict";

  const { config, T, operation, map, state, editable, districtCount, $, api, edit, showError, paintDistrict } = E;

  const HINTS = {
    click: T("クリックした行政区を選択中のコミュニティに割り当てます。"),
    brush: T("ドラッグでなぞった行政区を割り当てます。[ と ] で大きさを変えます。"),
    zone: T("クリックした小学校区が主な校区である行政区をすべて割り当てます。"),
    lasso: T("ドラッグで囲んだ範囲に大部分が入る行政区を割り当てます。"),
    eraser: T("クリックまたはなぞった行政区の割り当てを外します。"),
    pan: T("ドラッグで地図を動かします。"),
  };

  function setTool(tool) {
    state.tool = tool;
    for (const button of document.querySelectorAll(".tool")) {
      button.classList.toggle("active", button.dataset.tool === tool);
      button.setAttribute("aria-pressed", button.dataset.tool === tool ? "true" : "false");
    }
    $("tool-hint").textContent = HINTS[tool];
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
    if (state.tool === "click") assignToActive(code);
    else if (state.tool === "eraser") unassignDistricts([code], `${state.districts.get(code).props.name} → ${T("未割当")}`);
  }

  /** Assign one district to the selected community: a click with the click tool, or the
   * keyboard's assign button (editor/districts.js). */
  function assignToActive(code) {
    if (!requireActive()) return;
    assignDistricts([code], `${state.districts.get(code).props.name} → ${activeName()}`);
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
    state.undo.push({ before, after, description: operation(result.operation) });
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
        else assignDistricts(districts, `${districtCount(districts.length)} → ${activeName()}`);
      } catch (error) {
        showError(error.message);
      } finally {
        setTimeout(() => line.remove(), 400);
      }
      return;
    }
    const codes = [...stroke.codes];
    if (!codes.length) return;
    if (state.tool === "eraser") unassignDistricts(codes, `${districtCount(codes.length)} → ${T("未割当")}`);
    else assignDistricts(codes, `${districtCount(codes.length)} → ${activeName()}`);
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


  function setBrush(size) {
    state.brush = Math.max(6, Math.min(120, size));
    $("brush-size").value = state.brush;
    $("brush-size-value").textContent = state.brush;
    cursor.setRadius(state.brush);
  }

  Object.assign(E, { setTool, onDistrictClick, assignToActive, zoneAssign, recordUndoable, undoOrRedo, renderUndo, cursor, strokeStart, strokeMove, strokeEnd, setBrush });
})(window.geoappEditor);
