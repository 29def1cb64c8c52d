/* The public map: the page carries the map's frame, legend and colouring; the shapes come
 * once from the published collections (/ogcapi, ETagged and cached by the browser), drawn
 * into the layer switcher's groups: communities filled by the colouring (organization
 * stage, or a fiscal year's subsidies, fetched on a switch), districts outlined and
 * clickable only when zoomed in, school zones and hubs. 「私の地域はどこ？」 search, a
 * click or the browser's location name the community there; the list of communities
 * selects one; the view (colouring, year, centre, zoom, community, hidden layers) is kept
 * in the URL. Every text from the server is set with textContent, never as HTML. */
(function () {
  "use strict";

  const OUTLINE_ZOOM = 14;
  const LABEL_ZOOM = 12;
  const SEARCH_DELAY_MS = 250;
  const data = JSON.parse(document.getElementById("public-map-data").textContent);
  const T = window.T;
  const element = document.querySelector(".folium-map");
  const map = element && window[element.id];
  if (!map) return;

  const status = document.getElementById("search-status");
  const results = document.getElementById("search-results");
  const form = document.getElementById("place-search");
  const query = document.getElementById("place-query");
  const listButtons = [...document.querySelectorAll("[data-community]")];
  const byId = new Map(data.communities.map((c) => [c.id, c]));
  let selected = null;
  let hereMarker = null;
  let asked = 0;

  const groups = {};
  for (const [key, name] of Object.entries(data.groups || {})) groups[key] = window[name];
  let colouring = data.colouring;

  /** The fill of a community by the colouring shown. */
  function fillOf(feature) {
    return colouring.fills[String(feature.id)] || colouring.default_fill;
  }

  /** The community areas drawn on the map, by community id. */
  function communityPaths() {
    const paths = new Map();
    if (groups.communities) {
      groups.communities.eachLayer((drawn) => {
        drawn.eachLayer((layer) => paths.set(Number(layer.feature.id), layer));
      });
    }
    return paths;
  }

  /** Outline the selected community boldly, the others thinly. */
  function outlineSelection() {
    for (const [cid, layer] of communityPaths()) {
      const on = cid === selected;
      layer.setStyle({
        weight: on ? 5 : 1.5,
        color: on ? "#111111" : "#3a3a3a",
        opacity: selected === null || on ? 0.9 : 0.5,
      });
      if (on) layer.bringToFront();
    }
  }

  /** Make ``id`` the selected community: outlined, its list entry pressed, the URL. */
  function select(id, fit) {
    selected = byId.has(id) ? id : null;
    outlineSelection();
    for (const button of listButtons) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.community) === selected));
    }
    const community = byId.get(selected);
    if (community && fit && community.bounds) {
      map.fitBounds(community.bounds, { padding: [24, 24], animate: false });
    }
    if (community) say(T("{name} を地図に表示しています。").replace("{name}", community.name));
    remember();
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  /** An element with a class and text. */
  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /** One match as a list item: the district, its community and hub; a button selects it. */
  function matchItem(match) {
    const item = make("li", "search-match");
    const button = make("button", "match-button");
    button.type = "button";
    button.append(make("strong", "match-district", match.district.name));
    if (match.community) {
      const line = make("span", "match-community");
      const swatch = make("i", "swatch");
      swatch.style.background = colouring.fills[String(match.community.id)] || colouring.default_fill;
      line.append(swatch, make("span", null, match.community.name));
      button.append(line);
    } else {
      button.append(make("span", "match-community none", T("広域コミュニティに属していません")));
    }
    if (match.hub) {
      button.append(make("span", "match-hub", `${T("拠点施設")}: ${match.hub.name}`));
      if (match.hub.address) button.append(make("span", "match-address", match.hub.address));
    }
    button.addEventListener("click", () => show(match));
    item.append(button);
    if (match.community) {
      const link = make("a", "match-link", T("詳しく見る"));
      link.href = data.community_url.replace(/0$/, String(match.community.id));
      item.append(link);
    }
    return item;
  }

  /** Show a match on the map: its community selected, the map on its district. */
  function show(match) {
    select(match.community ? match.community.id : null, false);
    if (match.district.bounds) {
      map.fitBounds(match.district.bounds, { padding: [40, 40], maxZoom: 16, animate: false });
    }
  }

  /** Put a search answer in the results list; suggestions when it has no match. */
  function list(answer) {
    results.replaceChildren(...answer.matches.map(matchItem));
    if (answer.matches.length) {
      say(T("{n} 件見つかりました。").replace("{n}", String(answer.total)));
      return;
    }
    const notice = answer.notice ? answer.notice[document.documentElement.lang] : null;
    say(notice || T("見つかりませんでした。"));
    if (answer.suggestions.length) {
      const item = make("li", "search-suggestions", T("次の名前で探してみてください:"));
      for (const name of answer.suggestions) {
        const button = make("button", "suggestion", name);
        button.type = "button";
        button.addEventListener("click", () => {
          query.value = name;
          search(name);
        });
        item.append(button);
      }
      results.append(item);
    }
  }

  /** Ask ``url`` and list the answer, unless a newer question was asked meanwhile. */
  async function ask(url) {
    const mine = ++asked;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      const answer = await response.json();
      if (mine !== asked) return null;
      if (!response.ok) {
        results.replaceChildren();
        say(document.documentElement.lang === "en" ? answer.message_en : answer.message);
        return null;
      }
      list(answer);
      return answer;
    } catch (error) {
      if (mine === asked) say(T("検索できませんでした。時間をおいてもう一度お試しください。"));
      return null;
    }
  }

  /** Search ``text``; show the only match on the map, or the best one when ``best``. */
  async function search(text, best) {
    const typed = text.trim();
    if (!typed) {
      results.replaceChildren();
      say("");
      return;
    }
    say(T("検索中…"));
    const answer = await ask(`${data.search}?q=${encodeURIComponent(typed)}`);
    if (answer && answer.matches.length && (best || answer.matches.length === 1)) {
      show(answer.matches[0]);
    }
  }

  /** Name the district and community at a point, in the list and in a popup there. */
  async function whatIsAt(latlng) {
    const lon = latlng.lng.toFixed(6), lat = latlng.lat.toFixed(6);
    const answer = await ask(`${data.at}?lon=${lon}&lat=${lat}`);
    if (!answer) return;
    const match = answer.matches[0];
    if (!match) {
      say(T("この地点は市の行政区の外です。"));
      return;
    }
    select(match.community ? match.community.id : null, false);
  }

  let timer = null;
  if (form) {
    query.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => search(query.value), SEARCH_DELAY_MS);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      search(query.value, true);
    });
    // preclick: a feature's popup stops the click itself from reaching the map.
    map.on("preclick", (event) => whatIsAt(event.latlng));
  }
  for (const button of listButtons) {
    button.addEventListener("click", () => select(Number(button.dataset.community), true));
  }

  const printNow = document.getElementById("print-now");
  // Print once the fonts are in: on a machine without Japanese fonts, Noto Sans JP's
  // subsets may still be on their way.
  if (printNow) printNow.addEventListener("click", () => document.fonts.ready.then(() => window.print()));

  const locate = document.getElementById("locate-me");
  if (locate) locate.addEventListener("click", () => {
    if (!navigator.geolocation) {
      say(T("このブラウザは現在地の取得に対応していません。地名で探してください。"));
      return;
    }
    say(T("現在地を調べています…"));
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const here = L.latLng(position.coords.latitude, position.coords.longitude);
        if (hereMarker) hereMarker.remove();
        hereMarker = L.circleMarker(here, { radius: 9, className: "geoapp-here" }).addTo(map);
        map.setView(here, Math.max(map.getZoom(), 15), { animate: false });
        whatIsAt(here);
      },
      (error) => say(error.code === error.PERMISSION_DENIED ? T("位置情報の利用が許可されませんでした。ブラウザの設定で許可するか、地名で探してください。") : T("現在地を取得できませんでした。地名で探してください。")),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });

  /* Overlays by their place in the layer switcher, to keep which are hidden in the URL. */
  const overlays = [];
  document.querySelectorAll(".leaflet-control-layers-overlays input").forEach((input, i) => {
    overlays.push(input);
    input.addEventListener("change", () => setTimeout(remember));
    input.dataset.overlay = String(i);
  });

  /** District outlines only when zoomed in; school zones' names not when zoomed out
   * (geoapp-outlines-on-zoom keeps the rule to this map: the editor's districts stay
   * clickable at every zoom). */
  element.classList.add("geoapp-outlines-on-zoom");
  function outlines() {
    element.classList.toggle("geoapp-zoomed-in", map.getZoom() >= OUTLINE_ZOOM);
    element.classList.toggle("geoapp-zoomed-out", map.getZoom() < LABEL_ZOOM);
  }

  /** Keep the view in the URL (replacing, not adding to, the history). */
  function remember() {
    const url = new URL(window.location.href);
    const centre = map.getCenter();
    url.searchParams.set("lat", centre.lat.toFixed(5));
    url.searchParams.set("lon", centre.lng.toFixed(5));
    url.searchParams.set("z", String(map.getZoom()));
    if (selected === null) url.searchParams.delete("c");
    else url.searchParams.set("c", String(selected));
    if (colouring.layer === "stage") url.searchParams.delete("layer");
    else url.searchParams.set("layer", colouring.layer);
    if (colouring.fiscal_year === null) url.searchParams.delete("fiscal_year");
    else url.searchParams.set("fiscal_year", String(colouring.fiscal_year));
    const hidden = overlays.filter((input) => !input.checked).map((input) => input.dataset.overlay);
    if (hidden.length) url.searchParams.set("hide", hidden.join(","));
    else url.searchParams.delete("hide");
    history.replaceState(null, "", url);
    const printLink = document.getElementById("print-link");
    if (printLink) {
      const target = new URL(printLink.href);
      for (const name of ["layer", "fiscal_year", "lat", "lon", "z", "c", "hide"]) {
        if (url.searchParams.has(name)) target.searchParams.set(name, url.searchParams.get(name));
        else target.searchParams.delete(name);
      }
      printLink.href = target.toString();
    }
  }

  /** The view the URL names, if it names one. */
  function restore() {
    const params = new URLSearchParams(window.location.search);
    const lat = Number(params.get("lat")), lon = Number(params.get("lon"));
    const zoom = Number(params.get("z"));
    const given = ["lat", "lon", "z"].every((name) => params.get(name) !== null);
    if (given && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && zoom >= 0 && zoom <= 20) {
      map.setView([lat, lon], zoom, { animate: false });
    }
    for (const index of (params.get("hide") || "").split(",")) {
      const input = overlays[Number(index)];
      if (index !== "" && input && input.checked) input.click();
    }
    const community = Number(params.get("c"));
    if (byId.has(community)) select(community, !given);
  }

  /** A popup's content: what it is, its name and a table of (label, value) rows, as
   * text; a link to the community's page when given. */
  function popupTable(kind, title, rows, link) {
    const box = make("div");
    box.append(make("div", "geoapp-popup-kind", kind), make("div", "geoapp-popup-title", title));
    const table = make("table", "popup-table");
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      const row = table.appendChild(make("tr"));
      row.append(make("th", null, label), make("td", null, String(value)));
    }
    box.append(table);
    if (link) {
      const anchor = box.appendChild(make("a", "popup-link", T("詳しく見る")));
      anchor.href = link;
    }
    return box;
  }

  function count(value) {
    return formatNumber(value);
  }

  function communityLink(id) {
    return id === null || id === undefined ? null : data.community_url.replace(/0$/, String(id));
  }

  /** A name shown as text in a tooltip (Leaflet inserts a string tooltip as HTML). */
  function named(layer, name) {
    layer.bindTooltip(window.geoappApi.textTooltip(name || ""), {
      sticky: true, className: "geoapp-tooltip",
    });
  }

  const panes = { communities: 401, districts: 402, "school-zones": 403, hubs: 404 };
  for (const [key, zIndex] of Object.entries(panes)) {
    map.createPane(`geoapp-${key}`).style.zIndex = String(zIndex);
  }

  /** A school zone's name written inside it, as text (non-interactive). */
  function zoneLabel(p) {
    const point = (data.zone_labels || {})[String(p.code)];
    if (!point || !groups["school-zones"]) return;
    L.marker(point, {
      icon: L.divIcon({
        html: make("div", "geoapp-zone-label", p.name || ""),
        className: "geoapp-zone-label-icon",
        iconSize: [120, 20],
        iconAnchor: [60, 10],
      }),
      interactive: false,
      keyboard: false,
    }).addTo(groups["school-zones"]);
  }

  const draw = {
    communities: (features) => L.geoJSON(features, {
      pane: "geoapp-communities",
      style: (feature) => ({
        className: "geoapp-community", color: "#3a3a3a", weight: 1.5, opacity: 0.9,
        fillColor: fillOf(feature), fillOpacity: 0.75,
      }),
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        named(layer, p.name);
        layer.bindPopup(() => popupTable(T("広域コミュニティ"), p.name, [
          [T("拠点施設"), p.hub_name], [T("人口"), count(p.population)],
          [T("世帯数"), count(p.households)],
        ], communityLink(feature.id)), { className: "geoapp-popup", maxWidth: 300 });
      },
    }),
    districts: (features) => L.geoJSON(features, {
      pane: "geoapp-districts",
      style: () => ({
        className: "geoapp-district", color: "#5a5a5a", weight: 1, fillOpacity: 0,
      }),
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        named(layer, p.name);
        layer.bindPopup(() => popupTable(T("広域コミュニティ"), p.community || T("広域コミュニティに属していません"), [
          [T("行政区"), p.name], [T("コード"), p.code], [T("人口"), count(p.population)],
          [T("世帯数"), count(p.households)],
        ], communityLink(p.community_id)), { className: "geoapp-popup", maxWidth: 300 });
      },
    }),
    "school-zones": (features) => L.geoJSON(features, {
      pane: "geoapp-school-zones",
      style: () => ({
        className: "geoapp-school-zone", color: data.zone_color, weight: 3,
        dashArray: "8 5", fill: false,
      }),
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        named(layer, p.name);
        zoneLabel(p);
        layer.bindPopup(() => popupTable(T("小学校区"), p.name, [
          [T("コード"), p.code], [T("学校名"), p.school_name],
        ]), { className: "geoapp-popup" });
      },
    }),
    hubs: (features) => L.geoJSON(features, {
      pointToLayer: (feature, latlng) => {
        const kind = data.kinds[String(feature.properties.kind || "").normalize("NFKC").trim()];
        return L.circleMarker(latlng, {
          pane: "geoapp-hubs", radius: 8, className: "geoapp-center", color: "#ffffff",
          weight: 2, fillColor: kind ? kind.color : "#777777", fillOpacity: 0.95,
        });
      },
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        const kind = data.kinds[String(p.kind || "").normalize("NFKC").trim()];
        named(layer, p.name);
        layer.bindPopup(() => popupTable(T("拠点施設"), p.name, [
          [T("種別"), kind ? kind.label : "—"], [T("所在地"), p.address],
          [T("管理運営"), p.managed_by], [T("拠点とするコミュニティ"), p.community],
        ], communityLink(p.community_id)), { className: "geoapp-popup", maxWidth: 300 });
      },
    }),
  };

  /** Fetch every layer's shapes at once and draw each into its switcher group as soon as
   * it arrives: the communities show while the larger districts are still on their way. */
  async function drawShapes() {
    const keys = Object.keys(draw).filter((key) => groups[key] && data.collections[key]);
    try {
      await Promise.all(keys.map(async (key) => {
        const found = await window.geoappApi.features(data.collections[key]);
        groups[key].addLayer(draw[key](found));
        if (key === "communities") outlineSelection();
      }));
      element.dataset.drawn = String(communityPaths().size);
    } catch (error) {
      const notice = element.parentElement.appendChild(make("p", "notice map-notice"));
      notice.setAttribute("role", "alert");
      notice.textContent = `${T("地図の区域を読み込めませんでした")}: ${error.message}`;
    }
  }

  /** Write the legend of the colouring shown (the server writes the same rows). */
  function writeLegend() {
    const title = document.getElementById("colouring-title");
    const rows = document.getElementById("colouring-rows");
    if (!title || !rows) return;
    title.textContent = colouring.title;
    rows.replaceChildren(...colouring.rows.map((row) => {
      const line = make("div", "legend-class");
      line.dataset.key = row.key;
      const swatch = make("i", "swatch");
      swatch.style.background = row.color;
      line.append(swatch, make("span", "legend-label", row.label), " ",
        make("span", "legend-count", `(${formatNumber(row.count)})`));
      return line;
    }));
  }

  /** Show ``next`` colouring: the communities refilled, the legend, the URL. */
  function showColouring(next) {
    colouring = next;
    for (const layer of communityPaths().values()) {
      layer.setStyle({ fillColor: fillOf(layer.feature) });
    }
    for (const button of listButtons) {
      const swatch = button.querySelector(".swatch");
      if (swatch) swatch.style.background = colouring.fills[button.dataset.community] || colouring.default_fill;
    }
    writeLegend();
    remember();
  }

  const switcher = document.getElementById("colouring-switch");
  if (switcher) {
    const year = switcher.querySelector("select[name=fiscal_year]");
    const yearLabel = switcher.querySelector(".colouring-year");
    let wanted = 0;
    const showYear = () => { yearLabel.hidden = switcher.elements.layer.value !== "subsidies"; };
    switcher.addEventListener("change", async () => {
      showYear();
      const mine = ++wanted;
      const layer = switcher.elements.layer.value;
      const params = new URLSearchParams({ layer, lang: document.documentElement.lang });
      if (layer === "subsidies") params.set("fiscal_year", year.value);
      switcher.dataset.loading = layer;
      try {
        const response = await fetch(`${data.colouring_url}?${params}`, {
          headers: { Accept: "application/json" },
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const next = await response.json();
        if (mine === wanted) showColouring(next);
      } catch (error) {
        if (mine === wanted) say(`${T("色分けを読み込めませんでした")}: ${error.message}`);
      } finally {
        if (mine === wanted) delete switcher.dataset.loading;
      }
    });
    showYear();
  }

  restore();
  outlines();
  drawShapes();
  map.on("zoomend", outlines);
  map.on("moveend", remember);
})();
