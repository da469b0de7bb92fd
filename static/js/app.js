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
// Client picker: a <select data-client-picker> holds only the chosen client; Tom Select turns it
// into a search box that loads matches from data-url as you type (clients/widgets.py).
function clientPickersInit(root) {
  if (!window.TomSelect) {
    return;
  }
  root.querySelectorAll("select[data-client-picker]").forEach((select) => {
    if (select.tomselect) {
      return;
    }
    const url = select.dataset.url;
    // The server searches more than the name (e-mail, city, contacts, tags) and ranks what it
    // finds: for each query show exactly the clients it answered for that query, in its order,
    // with the empty choice first. Answers that arrive late or out of order cannot mix in.
    const answers = new Map();
    const picker = new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: ["text", "hint"],
      maxOptions: 20,
      allowEmptyOption: !select.required, // a required picker has only a placeholder option
      placeholder: select.dataset.placeholder,
      preload: "focus",
      loadThrottle: 200,
      shouldLoad: () => true,
      score(search) {
        const ranks = answers.get(search);
        return (item) => {
          if (item.value === "") {
            return 2;
          }
          if (!ranks) {
            return 1; // still loading: keep what is there
          }
          const rank = ranks.get(String(item.value));
          return rank === undefined ? 0 : 1 - rank / 1000;
        };
      },
      load(query, callback) {
        const separator = url.includes("?") ? "&" : "?";
        fetch(`${url}${separator}q=${encodeURIComponent(query)}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then((response) => (response.ok ? response.json() : { results: [] }))
          .then((data) => {
            answers.set(query, new Map(data.results.map((row, rank) => [String(row.value), rank])));
            callback(data.results);
          })
          .catch(() => callback());
      },
      render: {
        option(item, escape) {
          const hint = item.hint ? ` <small class="text-body-secondary">${escape(item.hint)}</small>` : "";
          return `<div>${escape(item.text)}${hint}</div>`;
        },
        no_results() {
          return `<div class="no-results">${select.dataset.noResults || ""}</div>`;
        },
      },
    });
    // A picker inside an htmx form (the template preview) submits on change like the select did.
    picker.on("change", () => select.dispatchEvent(new Event("change", { bubbles: true })));
    // Names for assistive technology: Tom Select points the <label> at its search box; the
    // hidden <select> keeps the same name, and a picker without a visible label is named by
    // its data-label (or placeholder).
    // The hidden <select> only carries the value: one combobox for assistive technology.
    select.setAttribute("aria-hidden", "true");
    const label = document.getElementById(`${select.id}-ts-label`);
    const control = picker.control_input;
    if (label) {
      select.setAttribute("aria-labelledby", label.id);
    } else {
      const name = select.dataset.label || select.getAttribute("aria-label") || select.dataset.placeholder || "";
      select.setAttribute("aria-label", name);
      control.setAttribute("aria-label", name);
    }
  });
}
document.addEventListener("DOMContentLoaded", () => clientPickersInit(document));
document.addEventListener("htmx:load", (event) => clientPickersInit(event.detail.elt));
// Keyboard users keep their place when htmx replaces what they were on (the buttons of a draft
// after "Approve", a note after "Save"): focus moves into the new content, to its
// [data-swap-focus] element if it has one, else to the swapped element itself. Every htmx
// partial gets this for free; mark the element to land on with data-swap-focus.
let swapFocusId = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  swapFocusId = target && target.id && target.contains(document.activeElement) ? target.id : null;
});
document.addEventListener("htmx:afterSettle", () => {
  if (!swapFocusId) {
    return;
  }
  const container = document.getElementById(swapFocusId);
  swapFocusId = null;
  const active = document.activeElement;
  if (!container || (active && active !== document.body && document.contains(active))) {
    return; // focus is still somewhere real: leave it
  }
  const target = container.querySelector("[data-swap-focus]") || container;
  if (!target.matches("a[href], button, input, select, textarea, [tabindex]")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
});
