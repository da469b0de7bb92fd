// Client form: add another contact row from the formset's empty form (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-add-contact]").forEach((button) => {
    button.addEventListener("click", () => {
      const prefix = button.dataset.prefix;
      const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
      const max = document.getElementById(`id_${prefix}-MAX_NUM_FORMS`);
      const index = Number.parseInt(total.value, 10);
      if (max && index >= Number.parseInt(max.value, 10)) {
        return;
      }
      const template = document.getElementById("contact-empty-form");
      const html = template.innerHTML.replaceAll("__prefix__", String(index));
      document.getElementById("contact-forms").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  });
});
