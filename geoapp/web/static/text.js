/* The page scripts' user text: T("日本語") is the text in the page's language, from the
 * catalogue the page carries (#script-text, rendered by base.html from the gettext
 * catalogue); Japanese, the source language, is shown as written. pybabel extracts every
 * T("…") call into the catalogue (README.md, "Translating").
 *
 * Figures and dates as geoapp/formatting.py writes them, in the page's language (<html
 * lang>), not the browser's: 1,234 and 12.5% in both; 令和6年4月1日 (和暦) in Japanese,
 * 2024-04-01 (ISO 8601) in English; stored times in Japan time. */
(function () {
  "use strict";

  const element = document.getElementById("script-text");
  const texts = element ? JSON.parse(element.textContent) : {};
  const english = document.documentElement.lang === "en";
  const MISSING = "—";
  // (first day, era name), newest first, as geoapp/japanese_calendar.py lists them.
  const ERAS = [["2019-05-01", "令和"], ["1989-01-08", "平成"], ["1926-12-25", "昭和"]];
  const JAPAN_OFFSET_MS = 9 * 3600 * 1000;

  const T = (text) => (Object.prototype.hasOwnProperty.call(texts, text) ? texts[text] : text);
  window.T = T;
  /** An aside after a word as the language brackets it: 公民館（集会所）, Kominkan (meeting hall). */
  window.bracketed = (text) => T("（{text}）").replace("{text}", text);
  /** Items listed as the language separates them: 石田、野口 / Ishida, Noguchi. */
  window.listed = (items) => items.join(T("、"));

  const missing = (value) => value === null || value === undefined || value === "" || Number.isNaN(Number(value));

  /** ``value`` × 10^``shift`` rounded half up (四捨五入) as written in decimal, as
   * formatting.py rounds it (2.675 → 268 for 2 decimals, where toFixed gives 2.67). */
  function shiftedHalfUp(value, shift) {
    const magnitude = Math.abs(Number(value));
    const written = String(magnitude);
    return written.includes("e") ? Math.round(magnitude * 10 ** shift) : Math.round(Number(`${written}e${shift}`));
  }

  /** A whole count of 10^-``digits`` units written with ``digits`` decimals, grouped by
   * thousands: 123456 with 2 → 1,234.56. */
  function grouped(units, digits) {
    const text = String(units).padStart(digits + 1, "0");
    const whole = text.slice(0, text.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return digits ? `${whole}.${text.slice(-digits)}` : whole;
  }

  /** A figure grouped by thousands, rounded to ``digits`` decimals: 1,234; 12.5; — for none. */
  function formatNumber(value, digits = 0) {
    if (missing(value)) return MISSING;
    const units = shiftedHalfUp(value, digits);
    return (Number(value) < 0 && units ? "-" : "") + grouped(units, digits);
  }

  /** A share (0.125) as a percentage: 12.5%; a share above 0 that would round to 0, <0.1%. */
  function formatPercent(share, digits = 1) {
    if (missing(share)) return MISSING;
    const units = shiftedHalfUp(share, digits + 2);
    if (share > 0 && !units) return `<${grouped(1, digits)}%`;
    return `${Number(share) < 0 && units ? "-" : ""}${grouped(units, digits)}%`;
  }

  /** "YYYY-MM-DD" as 令和6年4月1日 (元年 for an era's first year) or left as it is. */
  function shownDay(iso) {
    if (english) return iso;
    const [year, month, date] = iso.split("-").map(Number);
    const found = ERAS.find(([start]) => iso >= start);
    if (!found) return `${year}年${month}月${date}日`;
    const eraYear = year - Number(found[0].slice(0, 4)) + 1;
    return `${found[1]}${eraYear === 1 ? "元" : eraYear}年${month}月${date}日`;
  }

  /** A date ("2024-04-01", or a stored time's day) as formatting.day writes it. */
  function formatDay(when) {
    if (when === null || when === undefined || when === "") return MISSING;
    return shownDay(String(when).slice(0, 10));
  }

  /** A stored time (ISO 8601 with its offset) in Japan time, as formatting.moment writes
   * it: 令和8年11月23日 17:28, 2026-11-23 17:28 JST; a time without an offset is UTC. */
  function formatMoment(when) {
    if (when === null || when === undefined || when === "") return MISSING;
    const text = String(when);
    const instant = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
    if (Number.isNaN(instant.getTime())) return MISSING;
    const japan = new Date(instant.getTime() + JAPAN_OFFSET_MS).toISOString();
    const shown = `${shownDay(japan.slice(0, 10))} ${japan.slice(11, 16)}`;
    return english ? `${shown} JST` : shown;
  }

  Object.assign(window, { formatNumber, formatPercent, formatDay, formatMoment });
})();
