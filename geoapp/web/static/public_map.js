/* The public map: 「私の地域はどこ？」 search, a click or the browser's location naming the
 * community there, the list of communities selecting one, district outlines only when
 * zoomed in, and the view (centre, zoom, community, hidden layers) kept in the URL.
 * Every text from the server is set with textContent, never as HTML. */
(function () {
  "use strict";

  const OUTLINE_ZOOM = 14;
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

  /** The community outlines drawn on the map, by community id. */
  function communityPaths() {
    const paths = new Map();
    map.eachLayer((layer) => {
      const props = layer.feature && layer.feature.properties;
      if (props && layer.options.className === "geoapp-community" && props.id !== undefined) {
        paths.set(props.id, layer);
      }
    });
    return paths;
  }

  /** Make ``id`` the selected community: highlighted, its list entry pressed, the URL. */
  function select(id, fit) {
    selected = byId.has(id) ? id : null;
    for (const [cid, layer] of communityPaths()) {
      const on = cid === selected;
      layer.setStyle({ weight: on ? 9 : 5, opacity: selected === null || on ? 0.9 : 0.35 });
      if (on) layer.bringToFront();
    }
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
      swatch.style.background = match.community.color;
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
  if (printNow) printNow.addEventListener("click", () => window.print());

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

  function outlines() {
    element.classList.toggle("geoapp-zoomed-in", map.getZoom() >= OUTLINE_ZOOM);
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
    const hidden = overlays.filter((input) => !input.checked).map((input) => input.dataset.overlay);
    if (hidden.length) url.searchParams.set("hide", hidden.join(","));
    else url.searchParams.delete("hide");
    history.replaceState(null, "", url);
    const printLink = document.getElementById("print-link");
    if (printLink) {
      const target = new URL(printLink.href);
      for (const name of ["lat", "lon", "z", "c", "hide"]) {
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

  restore();
  outlines();
  map.on("zoomend", outlines);
  map.on("moveend", remember);
})();
