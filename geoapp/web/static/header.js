/* The header's menu: when the links do not fit on one line beside the app's name (a phone,
 * a tablet, a long English label, a page that adds a link), they fold behind the menu
 * button, a button with aria-expanded that the keyboard and screen readers use as any
 * other. Without this script the links stay in the header and wrap. See "Header" at the
 * top of geoapp.css. */
(function () {
  "use strict";

  const header = document.querySelector(".app-header");
  const toggle = header && header.querySelector(".menu-toggle");
  const nav = header && header.querySelector(".header-nav");
  if (!toggle || !nav) return;

  function show(open) {
    toggle.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  }

  /** Fold the links when, laid out unfolded on one line, they end past the header's padding. */
  function fold() {
    header.classList.remove("folded");
    const room = header.getBoundingClientRect().right - parseFloat(getComputedStyle(header).paddingRight);
    const folded = nav.getBoundingClientRect().right > room + 0.5;
    header.classList.toggle("folded", folded);
    if (!folded) show(false);
  }

  toggle.hidden = false;
  header.classList.add("foldable");
  fold();
  window.addEventListener("resize", fold);
  toggle.addEventListener("click", () => show(toggle.getAttribute("aria-expanded") !== "true"));
  header.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.classList.contains("menu-open")) {
      show(false);
      toggle.focus();
    }
  });
})();
