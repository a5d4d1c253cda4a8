// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) {
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
});

// The search box in the top bar (docs/search.md). Without JavaScript it is a plain
// form that opens the results page; with it, htmx puts the first results under the
// box while the user types, and the keyboard moves through them: "/" focuses the box
// (unless typing in another field), the arrow keys move the highlight, Enter opens
// the highlighted result (or, with none, the results page), Escape closes the list.
(() => {
  const input = document.getElementById("global-search");
  const panel = document.getElementById("global-search-results");
  if (!input || !panel) return;
  let active = -1;
  const options = () => Array.from(panel.querySelectorAll('[role="option"]'));
  const isOpen = () => panel.classList.contains("show");

  const highlight = (index) => {
    const items = options();
    active = index >= 0 && index < items.length ? index : -1;
    items.forEach((item, i) => {
      item.classList.toggle("active", i === active);
      item.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const open = (show) => {
    const visible = show && options().length > 0;
    panel.classList.toggle("show", visible);
    input.setAttribute("aria-expanded", visible ? "true" : "false");
    if (!visible) highlight(-1);
  };

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) return;
    if (input.offsetParent === null) return; // hidden in the collapsed menu
    event.preventDefault();
    input.focus();
    input.select();
  });

  input.addEventListener("keydown", (event) => {
    const items = options();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) return;
      event.preventDefault();
      if (!isOpen()) open(true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      const start = active < 0 && step < 0 ? items.length : active;
      highlight((start + step + items.length) % items.length);
    } else if (event.key === "Enter") {
      if (isOpen() && active >= 0) {
        event.preventDefault();
        window.location.assign(items[active].href);
      }
    } else if (event.key === "Escape") {
      if (isOpen()) {
        event.preventDefault();
        open(false);
      }
    }
  });

  // A click on a result keeps the focus in the box until the link opens.
  panel.addEventListener("mousedown", (event) => event.preventDefault());
  input.addEventListener("focus", () => {
    if (input.value.trim()) open(true);
  });
  input.form.addEventListener("focusout", (event) => {
    if (!input.form.contains(event.relatedTarget)) open(false);
  });
  // A session that ended answers with the login page: open it instead of listing it
  // (after logging in, the results page of the same text follows).
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target !== panel || !event.detail.xhr.responseURL) return;
    const answered = new URL(event.detail.xhr.responseURL, window.location.href);
    if (answered.pathname !== new URL(input.form.action, window.location.href).pathname) {
      event.detail.shouldSwap = false;
      window.location.assign(answered.href);
    }
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== panel) return;
    active = -1;
    open(document.activeElement === input && input.value.trim() !== "");
  });
})();

// A field marked data-clears="<name>" empties the field <name> of its form when it
// gets a value (choosing a team on Assign activity clears the pre-filled salesperson).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-clears]");
  if (!field || !field.form || !field.value) return;
  const other = field.form.elements.namedItem(field.dataset.clears);
  if (other && other.value) {
    other.value = "";
    other.dispatchEvent(new Event("change", { bubbles: true }));
  }
});
