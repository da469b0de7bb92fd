// Time tracking: the running timer ticks, and the week grid moves with the arrow keys.
// No inline scripts (the Content Security Policy forbids them); everything hangs on data-*.
(() => {
  const pad = (n) => String(n).padStart(2, "0");

  // A running timer shows h:mm since data-timer-started (an ISO instant from the server).
  function tick() {
    document.querySelectorAll("[data-timer-started]").forEach((element) => {
      const started = Date.parse(element.dataset.timerStarted);
      if (Number.isNaN(started)) {
        return;
      }
      const minutes = Math.max(0, Math.floor((Date.now() - started) / 60000));
      element.textContent = `${Math.floor(minutes / 60)}:${pad(minutes % 60)}`;
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  window.setInterval(tick, 15000);

  // Week grid: arrow keys move between cells (left/right only at the text's edge), Enter saves.
  function cellAt(row, col) {
    return document.querySelector(`input.week-cell[data-row="${row}"][data-col="${col}"]`);
  }
  function nextCell(input, dRow, dCol) {
    let row = Number(input.dataset.row);
    let col = Number(input.dataset.col);
    for (let step = 0; step < 64; step += 1) {
      row += dRow;
      col += dCol;
      if (col > 6) {
        col = 0;
        row += 1;
      } else if (col < 0) {
        col = 6;
        row -= 1;
      }
      if (row < 0 || !document.querySelector(`input.week-cell[data-row="${row}"]`)) {
        if (dRow !== 0 && row >= 0) {
          continue;
        }
        return null;
      }
      const found = cellAt(row, col);
      if (found) {
        return found;
      }
    }
    return null;
  }
  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("week-cell")) {
      return;
    }
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (move) {
      // A cell entered with Tab has its text selected: then the arrows leave it at once.
      const length = input.value.length;
      const all = input.selectionStart === 0 && input.selectionEnd === length;
      const atStart = all || (input.selectionStart === 0 && input.selectionEnd === 0);
      const atEnd = all || (input.selectionStart === length && input.selectionEnd === length);
      if ((event.key === "ArrowLeft" && !atStart) || (event.key === "ArrowRight" && !atEnd)) {
        return;
      }
      const target = nextCell(input, move[0], move[1]);
      if (target) {
        event.preventDefault();
        target.focus();
        target.select();
      }
    } else if (event.key === "Enter") {
      event.preventDefault();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  // A cell shows that it is being saved while the request runs.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const status = document.getElementById("week-status");
    if (status && event.detail.elt && event.detail.elt.id === "week") {
      status.textContent = status.dataset.saving || "…";
    }
  });
})();
