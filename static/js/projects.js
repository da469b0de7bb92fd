// Projects: add a line-item row to an offer or invoice formset (no inline scripts: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("add-line");
  const template = document.getElementById("line-empty-form");
  const table = document.getElementById("line-table");
  if (!button || !template || !table) {
    return;
  }
  const prefix = table.dataset.prefix;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  button.addEventListener("click", () => {
    const index = Number(total.value);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    document.getElementById("line-rows").insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
  });
});
