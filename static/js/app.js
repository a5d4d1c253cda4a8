// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) {
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
});

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
