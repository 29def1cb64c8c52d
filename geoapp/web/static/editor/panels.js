/* The panels: plan bar, community list, the active community's card and
 * form, important places, checks. */
(function (E) {
  "use strict";

  const { config, T, operation, map, MAX_NAME, state, layers, fmt, pct, districtCount, phone, editable, el, textTooltip, $, api, edit, showError, paintDistrict, paintAll, drawLabels, setTool } = E;

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
    if (repaint) for (const code of repaint) paintDistrict(code);
    else paintAll();
    renderPlanBar();
    renderCommunities();
    renderActive();
    renderChecks();
    renderReadOnly();
    E.renderChosen();
    drawLabels();
    drawPlaces();
    state.timings.rendered = performance.now();
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

  /** An adopted or archived plan is shown read-only, with a way to copy it into a draft;
   * on a phone every plan is, with a note saying where it can be edited. */
  function renderReadOnly() {
    const readOnly = !editable();
    document.body.classList.toggle("plan-readonly", readOnly);
    $("readonly-notice").hidden = !readOnly || phone.matches;
    $("phone-note").hidden = !phone.matches;
    $("plan-name").disabled = $("status-select").disabled = phone.matches;
    $("readonly-status").textContent = label(state.plan.status);
    for (const button of document.querySelectorAll(".tool:not([data-tool=pan]), #new-community-button, #fix-strays")) button.disabled = readOnly;
    if (readOnly) {
      $("undo-button").disabled = $("redo-button").disabled = true;
      if (state.tool !== "pan") setTool("pan");
      $("new-community-form").hidden = true;
    }
  }

  async function copyToEdit() {
    const name = `${state.plan.name}${bracketed(T("複製"))}`.slice(0, MAX_NAME);
    try {
      const plan = await api(config.urls.create, { method: "POST", body: { name, source: "copy", copy_of: state.plan.id } });
      window.location.assign(config.urls.editPage.replace(/\/0\/edit$/, `/${plan.id}/edit`));
    } catch (error) {
      showError(error.message);
    }
  }

  function label(status) {
    return config.statusNames[status] || status;
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
          " ", el("span", { className: "sub", dataset: { figure: "districts" } }, districtCount(figure.districts))),
      );
      if (community.id === state.active) item.setAttribute("aria-current", "true");
      item.addEventListener("click", () => selectCommunity(community.id));
      item.addEventListener("keydown", (event) => {
        if (event.target !== item || (event.key !== "Enter" && event.key !== " ")) return;
        event.preventDefault();
        selectCommunity(community.id);
        list.querySelector(`[data-community="${community.id}"]`).focus();
      });
      item.addEventListener("dblclick", () => zoomToCommunity(community.id));
      list.append(item);
    }
  }

  function selectCommunity(cid) {
    state.active = cid;
    renderCommunities();
    renderActive();
    E.renderChosen();
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
      [T("人口"), "population", [fmt(figure.population), figure.districts_without_population ? el("small", {}, " " + T("{n}行政区のデータなし").replace("{n}", fmt(figure.districts_without_population))) : null]],
      [T("世帯"), "households", fmt(figure.households)],
      [T("65歳以上"), "share_65", pct(figure.share_65)],
      [T("行政区"), "districts", fmt(figure.districts)],
      [T("面積"), "area", figure.area_km2 === undefined ? "—" : `${fmt(figure.area_km2, 2)} km²`],
      [T("コンパクト度"), "compactness", fmt(figure.polsby_popper, 2)],
      [T("拠点施設"), "hubs", centerNames.length ? listed(centerNames) : "—"],
    ];
    const zoneLines = extras.zoneShares.slice(0, 6).map(([z, share]) => el("span", { className: "zone-share" }, `${zoneNames.get(z) || z} ${pct(share)}`));
    card.replaceChildren(
      el("h2", {}, el("span", { className: "swatch", style: { background: community.color } }), community.name),
      el("dl", { className: "figure-grid", dataset: { community: community.id } },
        figures.map(([term, key, value]) => [el("dt", {}, term), el("dd", { dataset: { figure: key } }, value)]),
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
    edit("update_community", { community: community.id, ...changed }, `${operation("update_community")}: ${fields.name}`);
  }

  function deleteCommunity(community) {
    if (confirm(T("本当に削除しますか？ 行政区は未割当になります。"))) edit("delete_community", { community: community.id }, `${operation("delete_community")}: ${community.name}`);
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
        state.placing ? T("地図をクリックして場所を選んでください") : [el("span", { className: "plus-icon", "aria-hidden": "true" }), " ", T("地図で場所を追加")]));
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
          .bindTooltip(textTooltip(`${place.name}${bracketed(community.name)}`))
          .addTo(layers.places);
      }
    }
  }

  function toggleLock() {
    const community = state.communities.get(state.active);
    if (!community) return;
    const op = community.locked ? "unlock_community" : "lock_community";
    edit(op, { community: community.id }, `${operation(op)}: ${community.name}`);
  }

  function renderChecks() {
    const checks = state.plan.checks;
    const items = [];
    const name = (cid) => state.communities.get(cid)?.name || String(cid);
    if (checks.unassigned.length) items.push({ kind: "unassigned", text: `${T("未割当の行政区")}: ${T("{n}件").replace("{n}", fmt(checks.unassigned.length))}`, districts: checks.unassigned });
    if (checks.unknown_districts.length) {
      const codes = listed(checks.unknown_districts.map((code) => `${code}${bracketed(name(state.plan.assignments[code]))}`));
      items.push({ kind: "vanished", text: `${T("行政区のレイヤからなくなったコード")}: ${codes}` });
    }
    for (const item of checks.non_contiguous) items.push({ kind: "non-contiguous", text: `${name(item.community)}: ${T("離れた部分があります")}${bracketed(item.pieces)}`, community: item.community });
    for (const item of checks.enclaves) items.push({ kind: "enclave", text: `${name(item.community)}: ${T("他のコミュニティに囲まれています")}${bracketed(name(item.surrounded_by))}`, community: item.community });
    for (const item of checks.strays) items.push({ kind: "stray", text: `${name(item.community)}: ${T("飛び地")} ${T("{n}件").replace("{n}", fmt(item.districts.length))}`, districts: item.districts });
    for (const cid of checks.without_hub) items.push({ kind: "no-hub", text: `${name(cid)}: ${T("拠点施設がありません")}`, community: cid });
    for (const item of checks.several_hubs) items.push({ kind: "several-hubs", text: `${name(item.community)}: ${T("拠点施設が複数あります")}${bracketed(item.centers.length)}`, community: item.community });
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


  function nextColor() {
    const used = new Set([...state.communities.values()].map((c) => c.color));
    const palette = config.palette;
    return palette.find((color) => !used.has(color)) || palette[state.communities.size % palette.length];
  }

  Object.assign(E, { render, renderPlanBar, copyToEdit, selectCommunity, renderActive, stopPlacing, toggleLock, zoomToDistricts, flash, nextColor });
})(window.geoappEditor);
