/* The page scripts' user text: T("日本語") is the text in the page's language, from the
 * catalogue the page carries (#script-text, rendered by base.html from the gettext
 * catalogue); Japanese, the source language, is shown as written. pybabel extracts every
 * T("…") call into the catalogue (README.md, "Translating"). */
(function () {
  "use strict";

  const element = document.getElementById("script-text");
  const texts = element ? JSON.parse(element.textContent) : {};

  const T = (text) => (Object.prototype.hasOwnProperty.call(texts, text) ? texts[text] : text);
  window.T = T;
  /** An aside after a word as the language brackets it: 公民館（集会所）, Kominkan (meeting hall). */
  window.bracketed = (text) => T("（{text}）").replace("{text}", text);
  /** Items listed as the language separates them: 石田、野口 / Ishida, Noguchi. */
  window.listed = (items) => items.join(T("、"));
})();
