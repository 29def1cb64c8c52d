/* The overlay page: a new split threshold reloads the page at once (the form's button is
 * for browsers without script). */
(function () {
  "use strict";

  const threshold = document.getElementById("threshold");
  if (threshold) threshold.addEventListener("change", () => threshold.form.submit());
})();
