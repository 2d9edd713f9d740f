// studio-outline.js — the course outline editor (/studio/courses/{id}).
//
// The form lists lectures and topics in order (see pages_outline.go): each
// lecture has a hidden "lecture" input with its key, each topic a hidden
// "topic" input "<lecture key>/<topic key>". This script adds lectures and
// topics (new keys n1…, m1…), moves them — drag and drop with SortableJS,
// or the ↑ ↓ buttons, which also carry a topic into the previous or next
// lecture — and deletes them with an undo until the form is saved: a
// deleted row's inputs are disabled, so the save leaves it out. Every change
// is announced to screen readers, and leaving with unsaved changes asks first.
(function () {
  "use strict";
  const form = document.querySelector("form[data-outline]");
  if (!form) return;
  const list = form.querySelector("[data-lectures]");
  const live = form.querySelector("[data-outline-live]");
  const lectureTpl = form.querySelector("template[data-lecture-template]");
  const topicTpl = form.querySelector("template[data-topic-template]");
  const msg = (name) => form.dataset["msg" + name] || "";
  let dirty = false;
  let seq = 0;

  const say = (text) => { if (live) { live.textContent = ""; live.textContent = text; } };
  const changed = () => { dirty = true; renumber(); };
  const lectures = () => Array.from(list.children).filter((el) => el.matches("[data-lecture]"));

  // renumber shows each lecture's number and points every topic's hidden
  // input at the lecture it now sits in.
  function renumber() {
    let n = 0;
    lectures().forEach((lec) => {
      const gone = lec.classList.contains("is-deleted");
      const num = lec.querySelector("[data-lecture-n]");
      if (num) num.textContent = gone ? "" : String(++n);
      lec.querySelectorAll("[data-topic]").forEach((top) => {
        const ref = top.querySelector("[data-topic-ref]");
        if (ref) ref.value = lec.dataset.lecture + "/" + top.dataset.topic;
      });
    });
    const empty = form.querySelector("[data-outline-empty]");
    if (empty) empty.hidden = lectures().length > 0;
  }

  function fromTemplate(tpl, key, lectureKey) {
    const html = tpl.innerHTML.replaceAll("__L__", lectureKey).replaceAll("__T__", key);
    const box = document.createElement("ol");
    box.innerHTML = html.trim();
    return box.firstElementChild;
  }

  function addTopic(lec) {
    const key = "m" + (++seq);
    const el = fromTemplate(topicTpl, key, lec.dataset.lecture);
    lec.querySelector("[data-topics]").appendChild(el);
    wire(el);
    changed();
    el.querySelector("select, input[type=text], input:not([type])")?.focus();
  }

  function addLecture() {
    const key = "n" + (++seq);
    const el = fromTemplate(lectureTpl, "", key);
    list.appendChild(el);
    wire(el);
    sortTopics(el);
    changed();
    el.querySelector(".outline-title")?.focus();
  }

  // move moves a row one place up or down; a topic at either end of its
  // lecture goes on into the neighbouring lecture.
  function move(row, dir) {
    const isTopic = row.matches("[data-topic]");
    const sib = dir === "up" ? row.previousElementSibling : row.nextElementSibling;
    if (sib) {
      dir === "up" ? sib.before(row) : sib.after(row);
    } else if (isTopic) {
      const lec = row.closest("[data-lecture]");
      const next = dir === "up" ? lec.previousElementSibling : lec.nextElementSibling;
      if (!next || !next.matches("[data-lecture]")) return;
      const topics = next.querySelector("[data-topics]");
      dir === "up" ? topics.appendChild(row) : topics.prepend(row);
    } else {
      return;
    }
    changed();
    row.querySelector(`[data-move="${dir}"]`)?.focus();
    say(msg("Moved"));
  }

  function setDeleted(row, deleted) {
    row.classList.toggle("is-deleted", deleted);
    // Disabled inputs are not submitted: the save leaves the row out. A
    // lecture's topics go with it.
    row.querySelectorAll("input, select").forEach((el) => { el.disabled = deleted; });
    row.querySelectorAll(":scope > [data-deleted-note], :scope > .outline-topic-main > [data-deleted-note]").forEach((n) => { n.hidden = !deleted; });
    changed();
    if (deleted) {
      row.querySelector("[data-undo]")?.focus();
      say(msg("Deleted"));
    } else {
      row.querySelector(".outline-title")?.focus();
      say(msg("Restored"));
    }
  }

  function wire(root) {
    root.querySelectorAll("[data-tools]").forEach((t) => { t.hidden = false; });
    root.querySelectorAll("[data-add-topic]").forEach((b) => { b.hidden = false; });
  }

  form.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button");
    if (!btn || !form.contains(btn)) return;
    const row = btn.closest("[data-topic], [data-lecture]");
    if (btn.matches("[data-move]")) move(row, btn.dataset.move);
    else if (btn.matches("[data-delete]")) setDeleted(row, true);
    else if (btn.matches("[data-undo]")) setDeleted(row, false);
    else if (btn.matches("[data-add-topic]")) addTopic(btn.closest("[data-lecture]"));
    else if (btn.matches("[data-add-lecture]")) addLecture();
  });
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (ev) => {
    if (!dirty) return;
    ev.preventDefault();
    ev.returnValue = msg("Unsaved");
  });

  const dragOpts = { handle: "[data-grip]", animation: 150, ghostClass: "is-dragging", onEnd: () => { changed(); say(msg("Moved")); } };
  function sortTopics(lec) {
    if (window.Sortable) window.Sortable.create(lec.querySelector("[data-topics]"), Object.assign({ group: "topics" }, dragOpts));
  }
  if (window.Sortable) {
    window.Sortable.create(list, dragOpts);
    lectures().forEach(sortTopics);
  }
  form.querySelector("[data-add-lecture]").hidden = false;
  wire(form);
  renumber();
})();
