// Template editor: refresh the live preview while typing (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("template-form");
  const preview = document.getElementById("preview-form");
  if (!form || !preview || !window.htmx) {
    return;
  }
  let timer = null;
  form.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => window.htmx.trigger(preview, "submit"), 400);
  });
});
