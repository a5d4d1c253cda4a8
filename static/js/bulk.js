// Bulk actions on list rows (core.generic_views.bulk): the header's box selects the
// page's rows, the bar counts what is selected. Loaded again after every htmx swap
// of the list, so the listeners are added once.
(() => {
  if (window.bulkActionsReady) {
    window.bulkActionsCount();
    return;
  }
  window.bulkActionsReady = true;
  const rows = () => Array.from(document.querySelectorAll("[data-bulk-row]"));
  const count = () => {
    const bar = document.querySelector("[data-bulk-bar]");
    if (!bar) return;
    const all = bar.querySelector("[data-bulk-all]");
    const picked = rows().filter((box) => box.checked).length;
    const shown = bar.querySelector("[data-bulk-count]");
    if (shown) shown.textContent = all && all.checked ? all.dataset.bulkTotal : String(picked);
    const page = document.querySelector("[data-bulk-page]");
    if (page) {
      const boxes = rows();
      page.checked = boxes.length > 0 && picked === boxes.length;
      page.indeterminate = picked > 0 && picked < boxes.length;
    }
  };
  window.bulkActionsCount = count;
  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-bulk-page]")) {
      rows().forEach((box) => { box.checked = target.checked; });
    }
    if (target.matches("[data-bulk-row]") && !target.checked) {
      const all = document.querySelector("[data-bulk-all]");
      if (all) all.checked = false;
    }
    if (target.matches("[data-bulk-page], [data-bulk-row], [data-bulk-all]")) count();
  });
  count();
})();
