// Dashboard, privacy and portal behaviours (no inline scripts: the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // A button with data-copy-target copies the value of the named input to the clipboard.
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    const input = document.getElementById(button.dataset.copyTarget);
    if (!input) {
      return;
    }
    input.select();
    const done = () => {
      const label = button.dataset.copiedLabel;
      if (label) {
        button.textContent = label;
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, () => {});
    } else {
      document.execCommand("copy");
      done();
    }
  });
});
