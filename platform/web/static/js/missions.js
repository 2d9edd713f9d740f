// Mission pages (modules/assessment): the code editor's keys, and the
// result page of a submission still being graded.
(() => {
  "use strict";

  // Tab indents in the code editor (two spaces; Shift+Tab outdents the
  // line). Esc releases the next Tab to move the focus on, so the keyboard
  // never gets stuck in the editor.
  for (const area of document.querySelectorAll("[data-code-editor] textarea")) {
    // Line numbers in a gutter beside the text, following its scroll.
    const gutter = document.createElement("pre");
    gutter.className = "code-gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.before(gutter);
    area.parentElement.classList.add("has-gutter");
    let shown = 0;
    const number = () => {
      const n = area.value.split("\n").length;
      if (n !== shown) {
        shown = n;
        gutter.textContent = Array.from({ length: n }, (_, i) => i + 1).join("\n");
      }
      gutter.scrollTop = area.scrollTop;
    };
    area.addEventListener("input", number);
    area.addEventListener("scroll", () => { gutter.scrollTop = area.scrollTop; });
    number();
    let release = false;
    area.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        release = true;
        return;
      }
      if (e.key !== "Tab" || release || e.altKey || e.ctrlKey || e.metaKey) {
        release = false;
        return;
      }
      e.preventDefault();
      const { selectionStart: start, selectionEnd: end, value } = area;
      if (e.shiftKey) {
        const lineStart = value.lastIndexOf("\n", start - 1) + 1;
        const cut = value.slice(lineStart, lineStart + 2).match(/^ {1,2}/);
        if (cut) {
          area.setRangeText("", lineStart, lineStart + cut[0].length, "preserve");
          area.setSelectionRange(Math.max(lineStart, start - cut[0].length), Math.max(lineStart, end - cut[0].length));
          number();
        }
        return;
      }
      area.setRangeText("  ", start, end, "end");
      number();
    });
  }

  // A submission being graded: ask how it stands, and show the result
  // (reload) once it is done. Without script the page offers a link.
  const pending = document.querySelector("[data-poll-url]");
  if (pending) {
    const url = pending.getAttribute("data-poll-url");
    let wait = 700;
    const poll = async () => {
      try {
        const res = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (res.ok) {
          const sub = await res.json();
          if (sub.status === "graded" || sub.status === "error") {
            location.reload();
            return;
          }
        }
      } catch (_) {
        // offline for a moment: try again
      }
      wait = Math.min(wait * 1.5, 5000);
      setTimeout(poll, wait);
    };
    setTimeout(poll, wait);
  }
})();
