/* Scrolling regions for the keyboard (WCAG 2.1.1): a long table, a wide chart or a long list
 * of codes held in a box that scrolls takes the focus while its content overflows, so that
 * arrow keys scroll it, and is announced as a region named after what heads it (its term,
 * its column or its section's heading). A box that fits its content stays out of the tab
 * order. */
(function () {
  "use strict";

  const SCROLLERS = ".table-scroll, .wide-table, .chart-card, .code-list, .district-changes dd";

  /** The text heading ``box``: its term in a list, its column in a table, or the heading
   * (or summary) of the section holding it. */
  function headingOf(box) {
    if (box.matches("dd") && box.previousElementSibling) return box.previousElementSibling.textContent.trim();
    const cell = box.closest("td[data-label]");
    if (cell) return cell.dataset.label;
    const section = box.closest("section, details, .card, form") || document.body;
    const heading = section.querySelector("h1, h2, h3, summary, legend, caption");
    return heading ? heading.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function mark(box) {
    const overflows = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
    if (!overflows) {
      if (box.hasAttribute("data-scroll-region")) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach((name) => box.removeAttribute(name));
      }
      return;
    }
    box.setAttribute("data-scroll-region", "");
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    const name = headingOf(box);
    if (name) box.setAttribute("aria-label", name);
  }

  function start() {
    const boxes = document.querySelectorAll(SCROLLERS);
    boxes.forEach(mark);
    const watcher = new ResizeObserver((entries) => entries.forEach((entry) => mark(entry.target)));
    boxes.forEach((box) => watcher.observe(box));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
