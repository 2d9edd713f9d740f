// Weaverse — the studio's topic editor (catalog/topic), and Markdown previews
// for any studio page. Without this file every form still works: Markdown is
// written without a preview, a quiz or an assignment gets one new question or
// test per save through its empty row, and every grader's fields show.
//
//  - textarea[data-md-preview="/studio/preview"]: "Write" and "Preview" tabs
//    above the textarea; the preview is the server's rendering (the one
//    learners see: POST of the form field "text", same-origin, so the
//    cross-origin check passes), fetched when the tab opens and again,
//    debounced, when the text changed since. Labels come from data-md-write,
//    data-md-show, data-md-loading, data-md-empty and data-md-failed (English
//    or Korean defaults from <html lang>).
//  - [data-quiz]: add, remove and move questions; fields are named
//    "q.<i>.…" and numbered again after every change, so the server reads
//    them in their order on the page.
//  - [data-tests]: add and remove an assignment's tests ("t.<i>.…"); the
//    grader select shows only its fields ([data-graders="javascript other"]).
//  - [data-topic-form]: a second click while the form is being sent is
//    ignored.
(() => {
  "use strict";
  const ko = (document.documentElement.lang || "ko").startsWith("ko");
  const live = document.getElementById("topic-live");
  const say = (text) => {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(() => (live.textContent = text), 50);
  };
  const fill = (s, n) => String(s || "").replace("{n}", String(n));
  let uid = 0;

  // ---- Markdown preview ------------------------------------------------------
  const mdDefaults = ko
    ? { write: "쓰기", show: "미리 보기", loading: "미리 보기를 만드는 중이에요…", empty: "미리 볼 내용이 없어요.", failed: "미리 보기를 불러오지 못했어요." }
    : { write: "Write", show: "Preview", loading: "Rendering the preview…", empty: "Nothing to preview yet.", failed: "The preview could not be loaded." };

  const setupPreview = (area) => {
    if (area.dataset.mdReady) return;
    area.dataset.mdReady = "1";
    const url = area.dataset.mdPreview || "/studio/preview";
    const label = (k) => area.dataset["md" + k[0].toUpperCase() + k.slice(1)] || mdDefaults[k];
    if (!area.id) area.id = "md-" + ++uid;
    const base = area.id;

    const tabs = document.createElement("div");
    tabs.className = "md-tabs";
    tabs.setAttribute("role", "tablist");
    const lbl = document.querySelector(`label[for="${CSS.escape(area.id)}"]`);
    if (lbl) {
      if (!lbl.id) lbl.id = base + "-label";
      tabs.setAttribute("aria-labelledby", lbl.id);
    }
    const tab = (text, id, controls) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "md-tab";
      b.id = id;
      b.setAttribute("role", "tab");
      b.setAttribute("aria-controls", controls);
      b.textContent = text;
      return b;
    };
    const panel = document.createElement("div");
    panel.id = base + "-preview";
    panel.className = "md-preview prose prose-sm";
    panel.setAttribute("role", "tabpanel");
    panel.tabIndex = 0;
    panel.hidden = true;
    const writeTab = tab(label("write"), base + "-write-tab", area.id);
    const showTab = tab(label("show"), base + "-show-tab", panel.id);
    panel.setAttribute("aria-labelledby", showTab.id);
    tabs.append(writeTab, showTab);
    area.before(tabs);
    area.after(panel);

    let rendered = null; // the text the preview shows
    let pending = null;
    let timer = 0;
    const status = (text) => {
      const p = document.createElement("p");
      p.className = "md-preview-status";
      p.textContent = text;
      panel.replaceChildren(p);
    };
    const render = async () => {
      const text = area.value;
      if (text === rendered) return;
      if (!text.trim()) {
        rendered = text;
        status(label("empty"));
        return;
      }
      if (pending) pending.abort();
      const ctl = new AbortController();
      pending = ctl;
      if (rendered === null) status(label("loading"));
      panel.setAttribute("aria-busy", "true");
      try {
        const res = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8", Accept: "text/html" },
          body: new URLSearchParams({ text }),
          signal: ctl.signal,
        });
        const body = await res.text();
        if (!res.ok) {
          status(res.status === 413 && body ? body : label("failed"));
          rendered = null;
        } else if (!body.trim()) {
          status(label("empty"));
          rendered = text;
        } else {
          // The server's rendering: raw HTML and unsafe links are dropped there.
          panel.innerHTML = body;
          rendered = text;
        }
      } catch (e) {
        if (e.name !== "AbortError") {
          status(label("failed"));
          rendered = null;
        }
      } finally {
        if (pending === ctl) {
          pending = null;
          panel.removeAttribute("aria-busy");
        }
      }
    };
    const select = (showing, focus) => {
      writeTab.setAttribute("aria-selected", String(!showing));
      showTab.setAttribute("aria-selected", String(showing));
      writeTab.tabIndex = showing ? -1 : 0;
      showTab.tabIndex = showing ? 0 : -1;
      area.hidden = showing;
      panel.hidden = !showing;
      if (showing) render();
      if (focus) (showing ? showTab : writeTab).focus();
    };
    writeTab.addEventListener("click", () => select(false));
    showTab.addEventListener("click", () => select(true));
    tabs.addEventListener("keydown", (e) => {
      if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") {
        e.preventDefault();
        const toShow = e.key === "End" || (e.key !== "Home" && writeTab.getAttribute("aria-selected") === "true");
        select(toShow, true);
      }
    });
    // Typing while the preview shows elsewhere (another script may change
    // the value): render again once the typing stops.
    area.addEventListener("input", () => {
      if (panel.hidden) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(render, 400);
    });
    select(false);
  };
  document.querySelectorAll("textarea[data-md-preview]").forEach(setupPreview);

  // ---- numbered rows (quiz questions, assignment tests) ------------------------
  // renumber names the fields of each row by its place: prefix "q" turns
  // "q.3.prompt" / "q-3-prompt" (or the template's "__i__") into row i's.
  const renumber = (items, prefix, label, numberSel) => {
    const name = new RegExp("^" + prefix + "\\.(\\d+|__i__)\\.");
    const ref = new RegExp("\\b" + prefix + "-(\\d+|__i__)-", "g");
    // Renamed one row at a time, two rows' radios share a name for a moment,
    // and the browser unchecks one of them: their choices are put back after.
    const checked = items.flatMap((row) => [...row.querySelectorAll("input[type=radio]:checked")]);
    items.forEach((row, i) => {
      row.querySelectorAll("[name],[id],[for],[aria-describedby],[aria-labelledby],[aria-controls]").forEach((el) => {
        if (el.name) el.name = el.name.replace(name, `${prefix}.${i}.`);
        for (const a of ["id", "for", "aria-describedby", "aria-labelledby", "aria-controls"]) {
          const v = el.getAttribute(a);
          if (v) el.setAttribute(a, v.replace(ref, `${prefix}-${i}-`));
        }
      });
      const num = row.querySelector(numberSel);
      if (num && label) num.textContent = fill(label, i + 1);
    });
    checked.forEach((el) => (el.checked = true));
  };
  const isBlank = (row) =>
    [...row.querySelectorAll("input[type=text], input:not([type]), textarea")].every((el) => !el.value.trim()) &&
    ![...row.querySelectorAll("input[type=radio], input[type=checkbox]")].some((el) => el.checked);
  const unblank = (row) => {
    row.removeAttribute("data-blank");
    row.querySelectorAll("[data-blank-note]").forEach((n) => n.remove());
    return row;
  };

  // rows manages the numbered rows of box: o.row items of the list o.list,
  // new ones made from the <template> o.template by the button o.add, each
  // taken away by its o.remove button; o.prefix names their fields ("q" →
  // "q.<i>.…"), box.dataset.label numbers them ("문제 {n}", in o.number),
  // box.dataset.msgAdded and msgRemoved are said. A row's o.tools (hidden
  // without a script) show, o.updated follows every change, o.click and
  // o.clicked handle the rows' other buttons.
  const rows = (box, o) => {
    const list = box.querySelector(o.list);
    const tpl = box.querySelector(o.template);
    const add = box.querySelector(o.add);
    if (!list || !tpl || !add) return;
    const all = () => [...list.children].filter((el) => el.matches(o.row));
    const update = () => {
      renumber(all(), o.prefix, box.dataset.label, o.number);
      if (o.updated) o.updated(all());
    };
    // The empty row offered without a script: "add" does that now.
    const blank = all().find((el) => el.hasAttribute("data-blank"));
    if (blank && isBlank(blank) && all().length > 1) blank.remove();
    else if (blank) unblank(blank);
    const activate = (row) => row.querySelectorAll(o.tools).forEach((el) => (el.hidden = false));
    all().forEach(activate);
    box.querySelectorAll("[data-nojs]").forEach((n) => (n.hidden = true));
    add.hidden = false;
    update();
    add.addEventListener("click", () => {
      const row = unblank(tpl.content.firstElementChild.cloneNode(true));
      list.append(row);
      activate(row);
      update();
      row.querySelector("textarea, input[type=text], input:not([type])").focus();
      say(fill(box.dataset.msgAdded, all().length));
    });
    list.addEventListener("click", (e) => {
      const btn = e.target.closest("button");
      const row = btn && btn.closest(o.row);
      if (!row || row.parentElement !== list) return;
      if (btn.matches(o.remove)) {
        const next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        update();
        (next ? next.querySelector(o.remove) : add).focus();
        say(fill(box.dataset.msgRemoved, all().length));
      } else if (o.click) {
        o.click(btn, row);
        update();
        o.clicked(btn, row, all());
      }
    });
  };

  // ---- quiz: questions added, removed and moved ----------------------------------
  document.querySelectorAll("[data-quiz]").forEach((quiz) =>
    rows(quiz, {
      list: "[data-quiz-list]", row: "[data-quiz-question]", template: "template[data-quiz-template]", add: "[data-quiz-add]",
      remove: "[data-quiz-remove]", tools: "[data-quiz-tools]", prefix: "q", number: "[data-q-number]",
      updated: (all) =>
        all.forEach((row, i) => {
          row.querySelector("[data-quiz-up]").disabled = i === 0;
          row.querySelector("[data-quiz-down]").disabled = i === all.length - 1;
        }),
      click: (btn, row) => {
        if (btn.matches("[data-quiz-up]") && row.previousElementSibling) row.previousElementSibling.before(row);
        if (btn.matches("[data-quiz-down]") && row.nextElementSibling) row.nextElementSibling.after(row);
      },
      // The focus stays on the question moved (on its other arrow at an end).
      clicked: (btn, row, all) => {
        const other = row.querySelector(btn.matches("[data-quiz-up]") ? "[data-quiz-down]" : "[data-quiz-up]");
        (btn.disabled ? other : btn).focus();
        say(fill(quiz.dataset.msgMoved, all.indexOf(row) + 1));
      },
    }),
  );

  // ---- quiz: one correct answer (radios) or several (checkboxes) -----------------
  // A question marked "several correct answers" marks its correct choices
  // with checkboxes; unmarked, with radios again, keeping the first one marked.
  document.querySelectorAll("[data-quiz]").forEach((quiz) =>
    quiz.addEventListener("change", (e) => {
      if (!e.target.matches("[data-quiz-multiple]")) return;
      const row = e.target.closest("[data-quiz-question]");
      let kept = false;
      row.querySelectorAll("[data-quiz-correct]").forEach((input) => {
        const checked = input.checked && !kept;
        input.type = e.target.checked ? "checkbox" : "radio";
        input.checked = e.target.checked ? input.checked : checked;
        kept = kept || checked;
      });
    }),
  );

  // ---- assignment: the grader's fields, tests added and removed ------------------
  document.querySelectorAll("[data-assignment]").forEach((box) => {
    const form = box.closest("form");
    const grader = box.querySelector("select[name=grader]");
    if (!form || !grader) return;
    const apply = () => {
      const g = ["javascript", "sql", "html"].includes(grader.value) ? grader.value : "other";
      form.querySelectorAll("[data-graders]").forEach((el) => {
        el.hidden = !el.dataset.graders.split(" ").includes(g);
      });
    };
    grader.addEventListener("change", apply);
    form.addEventListener("weaverse:rows", apply);
    apply();
  });
  document.querySelectorAll("[data-tests]").forEach((box) =>
    rows(box, {
      list: "[data-test-list]", row: "[data-test-row]", template: "template[data-test-template]", add: "[data-test-add]",
      remove: "[data-test-remove]", tools: "[data-test-remove]", prefix: "t", number: "[data-test-number]",
      // A new row shows its grader's fields only.
      updated: () => box.dispatchEvent(new CustomEvent("weaverse:rows", { bubbles: true })),
    }),
  );

  // ---- one submission at a time ------------------------------------------------
  document.querySelectorAll("form[data-topic-form]").forEach((form) => {
    let sending = false;
    form.addEventListener("submit", (e) => {
      if (sending) {
        e.preventDefault();
        return;
      }
      sending = true;
    });
    window.addEventListener("pageshow", () => (sending = false));
  });
})();
