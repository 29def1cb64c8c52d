/* The page scripts' user text: T("日本語") is the text in the page's language, from the
 * catalogue the page carries (#script-text, rendered by base.html from the gettext
 * catalogue); Japanese, the source language, is shown as written. pybabel extracts every
 * T("…") call into the catalogue (README.md, "Translating"). */
(function () {
  "use strict";

  const element = document.getElementById("script-text");
  const texts = element ? JSON.parse(element.textContent) : {};

  window.T = (text) => (Object.prototype.hasOwnProperty.call(texts, text) ? texts[text] : text);
})();
