// Weaverse — small progressive enhancements. Pages work without this file.
(() => {
  "use strict";
  document.documentElement.classList.add("js");

  // <form data-confirm="…">: ask before submitting a destructive action.
  document.addEventListener("submit", (ev) => {
    const msg = ev.target instanceof HTMLFormElement && ev.target.dataset.confirm;
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });

  // A page without a session (signed out): forget the token expiry that
  // session.js shares between tabs.
  if (!document.body.dataset.session) {
    try {
      window.localStorage.removeItem("weaverse:session");
    } catch (e) {
      /* storage disabled */
    }
  }

  // <button data-copy="TEXT" hidden>: copies TEXT to the clipboard (shown
  // only where the clipboard can be written), and says so in the page's
  // [data-msg-copied] live region.
  if (navigator.clipboard) {
    const live = document.querySelector("[data-msg-copied]");
    document.querySelectorAll("[data-copy]").forEach((btn) => {
      btn.hidden = false;
      btn.addEventListener("click", () => {
        navigator.clipboard.writeText(btn.dataset.copy).then(() => {
          const icon = btn.querySelector(".bi");
          if (icon) icon.className = "bi bi-clipboard-check";
          if (live) live.textContent = live.dataset.msgCopied;
          window.setTimeout(() => { if (icon) icon.className = "bi bi-clipboard"; }, 1500);
        }).catch(() => {});
      });
    });
  }

  // <button data-password-toggle="ID">: show or hide the password field ID.
  document.querySelectorAll("[data-password-toggle]").forEach((btn) => {
    const input = document.getElementById(btn.dataset.passwordToggle);
    if (!input) return;
    btn.hidden = false;
    btn.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      btn.setAttribute("aria-pressed", String(show));
      const icon = btn.querySelector(".bi");
      if (icon) icon.className = show ? "bi bi-eye-slash" : "bi bi-eye";
    });
  });
})();
