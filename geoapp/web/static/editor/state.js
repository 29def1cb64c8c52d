/* The boundary editor: planners assign districts to wide-area communities on the map.
 *
 * The plan lives on the server (/api/plans/<id>); every edit is POSTed at once with the
 * version it was made against, and the answer (new version, changes, checks) redraws the
 * map and the panels. The map is the folium/Leaflet map the page already holds. The
 * editor is plain scripts loaded in order: state, server, map, tools, panels, districts,
 * history, start; each adds what the later ones use to this file's namespace.
 *
 * This file: the editor's shared namespace (window.geoappEditor, which tests and
 * scripts/bench_editor.py read): the page config, the plan state, the map and DOM helpers. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const T = window.T;
  // Each edit operation as the undo list and the history name it.
  const OPERATIONS = {
    assign: T("割り当て"), unassign: T("割り当て解除"), reassign: T("元に戻す・やり直し"),
    create_community: T("コミュニティの作成"), update_community: T("コミュニティの変更"),
    merge_communities: T("コミュニティの統合"), delete_community: T("コミュニティの削除"),
    lock_community: T("ロック"), unlock_community: T("ロック解除"),
    fix_strays: T("飛び地の修正"), update_plan: T("案の変更"), set_status: T("状態の変更"),
    restore: T("版の復元"), create: T("作成"), import: T("取り込み"),
  };
  const operation = (op) => OPERATIONS[op] || op;
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
    chosen: null, // the code of the district chosen in the keyboard's list (editor/districts.js)
    tool: "click",
    brush: 24,
    undo: [],
    redo: [],
    queue: Promise.resolve(),
    pending: null,
    highlightUnassigned: false,
    placing: false, // waiting for a map click that places an important place
    placeDraft: null, // {lon, lat} of a place being named
    // performance.now() when the editor became ready and when the panels were last drawn:
    // read only by scripts/bench_editor.py.
    timings: { ready: null, rendered: null },
  };

  const layers = {};
  const $ = (id) => document.getElementById(id);
  const fmt = window.formatNumber;
  const pct = window.formatPercent;
  /** A count of districts: 1 行政区, 3 行政区; 1 district, 3 districts. */
  const districtCount = (n) => (n === 1 ? T("1 行政区") : T("{n} 行政区").replace("{n}", fmt(n)));
  // On a phone the plan is shown read-only: the tools need a tablet's width (768 px) or more.
  const phone = window.matchMedia("(max-width: 767px)");
  const editable = () => !phone.matches && EDITABLE.includes(state.plan.status);

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

  const { textTooltip } = window.geoappApi;

  window.geoappEditor = { config, T, operation, map, MANY_DISTRICTS, DISTRICT_LABEL_ZOOM, UNASSIGNED_COLOR, MAX_NAME, state, layers, fmt, pct, districtCount, phone, editable, el, textTooltip, $ };
})();
