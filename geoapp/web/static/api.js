/* The one client of geoapp's JSON API for every page script: JSON requests with Accept,
 * the CSRF token (read once from the session route named by this script tag's
 * data-session attribute) on every change, and failures as an ApiError carrying the
 * status, the answer's body and its message in the page's language; every feature of a
 * published collection (/ogcapi, page by page, cached by the browser by its ETag); and the
 * text tooltip every map uses for names from the data. */
(function () {
  "use strict";

  const sessionUrl = document.currentScript.dataset.session;
  const english = document.documentElement.lang === "en";
  let token = null;

  class ApiError extends Error {
    constructor(status, body) {
      super((english ? body.message_en : body.message) || body.message || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  /** The session's CSRF token, asked for once per page. */
  function csrfToken() {
    if (token === null) {
      token = request(sessionUrl).then((session) => session.csrf_token);
      token.catch(() => { token = null; });
    }
    return token;
  }

  /** Fetch ``url``; ``options.body`` is sent as JSON, or as it is when it is FormData. */
  async function request(url, options = {}) {
    const method = options.method || "GET";
    const headers = { Accept: "application/json" };
    let body = options.body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    if (method !== "GET") headers["X-CSRFToken"] = await csrfToken();
    const response = await fetch(url, { method, headers, body, credentials: "same-origin" });
    const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, answer);
    return answer;
  }

  /** Every feature of a published collection, following its pages' next links. */
  async function features(url) {
    const found = [];
    while (url) {
      const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = await response.json();
      found.push(...page.features);
      const next = (page.links || []).find((link) => link.rel === "next");
      url = next ? next.href : null;
    }
    return found;
  }

  /** A Leaflet tooltip showing ``text`` as text: Leaflet inserts a string tooltip as HTML. */
  function textTooltip(text) {
    return () => {
      const span = document.createElement("span");
      span.textContent = String(text);
      return span;
    };
  }

  window.geoappApi = { request, csrfToken, ApiError, features, textTooltip };
})();
