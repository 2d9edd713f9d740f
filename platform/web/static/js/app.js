// Weaverse — small progressive enhancements. Pages work without this file.
(() => {
  "use strict";
  document.documentElement.classList.add("js");

  // <form data-confirm="…">: ask before submitting a destructive action.
  document.addEventListener("submit", (ev) => {
    const msg = ev.target instanceof HTMLFormElement && ev.target.dataset.confirm;
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });
})();
