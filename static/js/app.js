// Small behaviours without inline scripts (the Content Security Policy forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // Buttons and forms with data-confirm ask before they act.
  document.body.addEventListener("submit", (event) => {
    const form = event.target;
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
});
// htmx: show server errors instead of failing silently.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("htmx-error");
  if (box) {
    box.hidden = false;
  }
});
// A later successful htmx request hides the error again.
document.addEventListener("htmx:afterRequest", (event) => {
  const box = document.getElementById("htmx-error");
  if (box && event.detail.successful) {
    box.hidden = true;
  }
});
