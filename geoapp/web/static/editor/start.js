/* The editor's entry: wires buttons, keys and the map, loads the city and the
 * plan, and marks the page ready. */
(function (E) {
  "use strict";

  const { config, T, operation, map, state, phone, editable, $, api, edit, showError, paintAll, drawCity, refreshBoundaries, setTool, zoneAssign, recordUndoable, undoOrRedo, renderUndo, cursor, strokeStart, strokeMove, strokeEnd, setBrush, render, copyToEdit, selectCommunity, renderActive, stopPlacing, toggleLock, zoomToDistricts, nextColor, openHistory, changeStatus } = E;

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
      const result = await edit("create_community", { name: data.get("name"), name_kana: data.get("name_kana"), color: data.get("color") }, `${operation("create_community")}: ${data.get("name")}`);
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
    $("fix-strays").addEventListener("click", () => recordUndoable(edit("fix_strays", {}, operation("fix_strays"))));
    phone.addEventListener("change", () => render([]));
    $("plan-name").addEventListener("click", () => {
      const name = prompt(T("案の名前"), state.plan.name);
      if (name && name !== state.plan.name) edit("update_plan", { name }, `${operation("update_plan")}: ${name}`);
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

  Object.assign(E, { screenPointOf });
  start().catch((error) => showError(error.message || String(error)));
})(window.geoappEditor);
