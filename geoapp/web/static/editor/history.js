/* The version history drawer, restoring a version, and status changes. */
(function (E) {
  "use strict";

  const { config, T, operation, state, editable, el, $, api, handleFailure, applyResult, renderUndo, renderPlanBar } = E;

  async function openHistory() {
    const { versions } = await api(config.urls.versions);
    const list = $("history-list");
    list.replaceChildren();
    for (const version of versions) {
      const when = window.formatMoment(version.made_at);
      const what = version.description ? version.description[config.lang] || version.description.ja : operation(version.operation);
      const item = el("li", { dataset: { version: version.version } },
        el("span", { className: "history-version" }, `${T("版")} ${version.version}`),
        el("span", { className: "history-what" }, el("span", { className: "history-changes" }, what),
          el("small", {}, `${operation(version.operation)} ・ ${version.author} ・ ${when}`)));
      if (version.version !== state.plan.version && editable()) {
        item.append(el("button", { type: "button", className: "button secondary small", onclick: () => restore(version.version) }, restoreLabel(version.version)));
      }
      list.append(item);
    }
    $("history-drawer").hidden = false;
  }

  function restoreLabel(version) {
    return T("版 {n} に戻す").replace("{n}", version);
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

  Object.assign(E, { openHistory, changeStatus });
})(window.geoappEditor);
