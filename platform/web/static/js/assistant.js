// Weaverse — the AI assistant beside a lecture (learning/topic): asks
// POST /api/assistant/ask/ and shows the answer as its Server-Sent Events
// arrive (fetch + ReadableStream), then its citations: a moment of this
// topic's video seeks the player; another topic opens there (#t=seconds
// seeks its player once loaded). The panel folds away (remembered).
(() => {
  "use strict";
  const root = document.getElementById("assistant");
  const video = document.getElementById("player-video");

  // #t=<seconds> (a citation of another topic): seek there once the video
  // can play, after the player restored the resume position.
  const seekFromHash = () => {
    const m = /^#t=(\d+)$/.exec(location.hash);
    if (!m || !video) return;
    const to = Number(m[1]);
    const seek = () => { video.currentTime = to; };
    seek(); // before the media loads: its default start position
    video.addEventListener("loadedmetadata", () => setTimeout(seek, 0), { once: true });
    video.addEventListener("canplay", () => { if (Math.abs(video.currentTime - to) > 1) seek(); }, { once: true });
  };
  seekFromHash();
  window.addEventListener("hashchange", seekFromHash);
  if (!root) return;

  const d = root.dataset;
  const log = document.getElementById("assistant-log");
  const form = document.getElementById("assistant-form");
  const input = document.getElementById("assistant-q");
  const send = document.getElementById("assistant-send");
  const quota = document.getElementById("assistant-quota");
  const toggle = document.getElementById("assistant-toggle");
  const body = document.getElementById("assistant-body");
  let conversation = Number(d.conversationId) || 0;

  // ---- folding -------------------------------------------------------------
  const key = "weaverse.assistant.folded";
  const fold = (folded) => {
    toggle.setAttribute("aria-expanded", String(!folded));
    body.hidden = folded;
    try { localStorage.setItem(key, folded ? "1" : "0"); } catch (_) { /* private mode */ }
  };
  try { if (localStorage.getItem(key) === "1") fold(true); } catch (_) { /* private mode */ }
  toggle.addEventListener("click", () => fold(toggle.getAttribute("aria-expanded") === "true"));

  // ---- messages ------------------------------------------------------------
  const scroll = () => { log.scrollTop = log.scrollHeight; };
  const message = (role, text) => {
    const li = document.createElement("li");
    li.className = "assistant-msg is-" + role;
    const p = document.createElement("p");
    p.className = "assistant-text";
    p.textContent = text;
    li.append(p);
    log.append(li);
    scroll();
    return { li, p };
  };
  const citations = (li, cites) => {
    if (!cites || !cites.length) return;
    const ul = document.createElement("ul");
    ul.className = "assistant-cites";
    ul.setAttribute("aria-label", d.msgSources);
    for (const c of cites) {
      const a = document.createElement("a");
      a.className = "assistant-cite";
      a.href = c.url;
      const icon = document.createElement("i");
      icon.setAttribute("aria-hidden", "true");
      if (c.video_seconds !== undefined && c.video_seconds !== null) {
        a.dataset.seconds = String(c.video_seconds);
        icon.className = "bi bi-play-circle";
        a.append(icon, " " + d.msgJump.replace("{title}", c.title).replace("{clock}", c.clock || ""));
      } else {
        icon.className = "bi bi-file-earmark-text";
        a.append(icon, " " + d.msgOpen.replace("{title}", c.title));
      }
      if (String(c.topic_id) === d.topicId) a.dataset.here = "";
      const item = document.createElement("li");
      item.append(a);
      ul.append(item);
    }
    li.append(ul);
  };
  const showQuota = (left) => { quota.textContent = d.msgQuota.replace("{messages}", String(left)); };

  // A citation of this topic's video seeks the player instead of leaving.
  log.addEventListener("click", (e) => {
    const a = e.target.closest("a.assistant-cite");
    if (!a || !("here" in a.dataset) || !video || a.dataset.seconds === undefined) return;
    e.preventDefault();
    video.currentTime = Number(a.dataset.seconds);
    video.focus();
  });

  // ---- asking --------------------------------------------------------------
  // events splits a Server-Sent Events buffer into complete events and
  // the rest.
  const events = (buf) => {
    const out = [];
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      out.push({ name, data });
    }
    return { out, rest: buf };
  };

  const ask = async (question) => {
    message("user", question);
    const answer = message("assistant", "");
    answer.p.textContent = d.msgThinking;
    log.setAttribute("aria-busy", "true");
    send.disabled = true;
    let started = false;
    const fail = (text) => {
      answer.li.classList.add("is-error");
      answer.p.textContent = (started ? answer.p.textContent + "\n\n" : "") + text;
    };
    try {
      const payload = { topic_id: Number(d.topicId), question };
      if (conversation) payload.conversation_id = conversation;
      if (video && video.currentTime > 0) payload.video_time = Math.floor(video.currentTime);
      const res = await fetch(d.askUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(payload),
      });
      if (!res.ok || !res.body) {
        let problem = null;
        try { problem = await res.json(); } catch (_) { /* not JSON */ }
        if (res.status === 429) showQuota(0);
        fail((problem && problem.detail) || d.msgError);
        return;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = events(buf + decoder.decode(value, { stream: true }));
        buf = parsed.rest;
        for (const ev of parsed.out) {
          const data = ev.data ? JSON.parse(ev.data) : {};
          if (ev.name === "chunk") {
            if (!started) { answer.p.textContent = ""; started = true; }
            answer.p.textContent += data.text;
            scroll();
          } else if (ev.name === "done") {
            conversation = data.conversation_id;
            citations(answer.li, data.citations);
            showQuota(data.quota.messages_left);
            scroll();
          } else if (ev.name === "error") {
            fail(data.message || d.msgError);
          }
        }
      }
    } catch (_) {
      fail(d.msgError);
    } finally {
      log.setAttribute("aria-busy", "false");
      send.disabled = false;
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q || send.disabled) return;
    input.value = "";
    ask(q);
  });
  // Enter sends, Shift+Enter starts a new line.
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
})();
