/* Talking to the server: edits queued in order, their answers applied, conflicts
 * and failures shown. */
(function (E) {
  "use strict";

  const { config, T, state, $ } = E;

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
      E.render();
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
    E.flash(T("保存しました") + ` (${T("版")} ${result.version})`);
    E.render(repaint);
    E.refreshBoundaries();
  }

  async function reloadPlan() {
    const plan = await api(config.urls.plan);
    state.plan = plan;
    state.communities = new Map(plan.communities.map((c) => [c.id, c]));
    if (state.active !== null && !state.communities.has(state.active)) state.active = null;
    if (state.active === null && plan.communities.length) state.active = plan.communities[0].id;
    E.render();
    E.refreshBoundaries();
  }

  Object.assign(E, { api, edit, handleFailure, showError, applyResult });
})(window.geoappEditor);
