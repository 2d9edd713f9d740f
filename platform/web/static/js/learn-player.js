// Weaverse — the classroom (learning/topic): plays a video topic and reports
// what the learner watched, and counts an article read at its end.
//
// Video: the signed sources come from GET /api/videos/{id}/playback/ (with
// the server's resume position); hls.js where Media Source Extensions exist,
// else native HLS, else MP4. Events go to POST …/event-occur/ (play, pause,
// seek — preceded by a timeupdate at the position left —, ratechange, ended,
// a timeupdate every 10 s while playing) and, when the page is left, a
// "leave" by sendBeacon. When an answer says the video is completed, the
// topic is ticked in the outline without a reload; after the end a "next
// topic" button shows, and "autoplay next" (remembered) goes there.
(() => {
  "use strict";
  const learn = document.getElementById("learn");
  if (!learn) return;

  // ---- the outline ---------------------------------------------------------
  const topicID = learn.dataset.topicId;
  const nextURL = learn.dataset.nextUrl || "";
  // "Next topic" stands out once the topic is done, or its video ended.
  const showNext = () => {
    const cta = document.getElementById("next-cta");
    if (cta) cta.hidden = false;
    const next = document.getElementById("next-topic");
    if (next) {
      next.classList.remove("btn-light");
      next.classList.add("btn-primary");
    }
  };
  const doneBadge = document.getElementById("topic-done");
  let completed = !!doneBadge && !doneBadge.hidden;
  const markCompleted = () => {
    if (completed) return;
    completed = true;
    const prog = document.getElementById("learn-progress");
    if (prog) {
      const done = Math.min(Number(prog.dataset.done) + 1, Number(prog.dataset.total));
      const total = Number(prog.dataset.total) || 1;
      const percent = Math.floor((done * 100) / total);
      prog.dataset.done = String(done);
      const bar = prog.querySelector("progress");
      if (bar) {
        bar.value = percent;
        bar.textContent = percent + "%";
      }
      const text = document.getElementById("learn-progress-text");
      if (text) text.textContent = prog.dataset.msg.replace("{done}", done).replace("{total}", total).replace("{percent}", percent);
    }
    const link = document.querySelector(`.learn-topic[data-topic="${topicID}"]`);
    if (link) {
      link.classList.add("is-done");
      const state = link.querySelector(".learn-topic-state");
      if (state) state.innerHTML = '<i class="bi bi-check-circle-fill"></i>';
      const sr = link.querySelector(".learn-topic-sr");
      if (sr) sr.textContent = learn.dataset.msgCompleted ? `(${learn.dataset.msgCompleted})` : "";
    }
    if (doneBadge) doneBadge.hidden = false;
    showNext();
    const form = document.getElementById("read-form");
    if (form) form.hidden = true;
  };

  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });

  // ---- an article: read at its end -----------------------------------------
  const article = document.getElementById("article-body");
  const end = document.getElementById("article-end");
  if (article && end && article.dataset.readUrl && "IntersectionObserver" in window) {
    const io = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      post(article.dataset.readUrl).then((res) => {
        if (res.ok) markCompleted();
      }).catch(() => {});
    });
    io.observe(end);
  }

  // ---- a video -------------------------------------------------------------
  const root = document.getElementById("player");
  const video = document.getElementById("player-video");
  if (!root || !video) return;

  const msg = (key, vars) => {
    let s = root.dataset["msg" + key] || "";
    for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
    return s;
  };
  const errorBox = document.getElementById("player-error");
  const showError = (key) => {
    if (!errorBox) return;
    document.getElementById("player-error-text").textContent = msg(key);
    errorBox.hidden = false;
    root.classList.add("has-error");
  };
  const reload = errorBox && errorBox.querySelector("[data-player-reload]");
  if (reload) reload.addEventListener("click", () => window.location.reload());
  const clock = (secs) => {
    secs = Math.max(0, Math.floor(secs));
    const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  };

  // Autoplay next, remembered in this browser.
  const autoKey = "weaverse:autoplay-next";
  const auto = document.getElementById("autoplay-next");
  if (auto) {
    try {
      auto.checked = window.localStorage.getItem(autoKey) === "1";
    } catch (e) { /* storage disabled */ }
    auto.addEventListener("change", () => {
      try {
        window.localStorage.setItem(autoKey, auto.checked ? "1" : "0");
      } catch (e) { /* storage disabled */ }
    });
  }

  // ---- events --------------------------------------------------------------
  const eventURL = root.dataset.eventUrl || ""; // "" when signed out
  let ready = false; // no events until the learner starts playing
  let last = 0; // the last position played, before a seek
  const payload = (type, at) => ({
    event_type: type,
    current_time: Math.max(0, Math.round((at === undefined ? video.currentTime : at) * 1000) / 1000),
    duration: isFinite(video.duration) ? video.duration : Number(root.dataset.duration) || undefined,
    playback_rate: video.playbackRate || 1,
    client_time: new Date().toISOString(),
  });
  // Events go one after another, in order.
  let queue = Promise.resolve();
  const send = (type, at) => {
    if (!eventURL) return;
    const body = payload(type, at);
    queue = queue.then(() => post(eventURL, body).then((res) => (res.ok ? res.json() : null)).then((data) => {
      if (data && data.progress && data.progress.completed) markCompleted();
    }).catch(() => {}));
  };
  let left = false; // one "leave" per time the page is hidden
  const leave = () => {
    if (!eventURL || !ready || left) return;
    left = true;
    const blob = new Blob([JSON.stringify(payload("leave"))], { type: "application/json" });
    if (navigator.sendBeacon) {
      navigator.sendBeacon(eventURL, blob);
    } else {
      fetch(eventURL, { method: "POST", credentials: "same-origin", keepalive: true, body: blob }).catch(() => {});
    }
  };

  video.addEventListener("play", () => {
    ready = true;
    send("play");
  });
  video.addEventListener("pause", () => {
    if (ready && !video.seeking && !video.ended) send("pause");
  });
  video.addEventListener("timeupdate", () => {
    if (!video.seeking) last = video.currentTime;
  });
  video.addEventListener("seeking", () => {
    if (!ready) return;
    const to = video.currentTime;
    if (Math.abs(to - last) < 0.5) return;
    send("timeupdate", last);
    send("seek", to);
    last = to;
  });
  video.addEventListener("ratechange", () => {
    if (ready) send("ratechange");
  });
  video.addEventListener("ended", () => {
    // The server says whether the video is now completed (enough of it
    // watched, not skipped to the end): its answer ticks the topic.
    send("ended");
    showNext();
    if (auto && auto.checked && nextURL) {
      queue.finally(() => { window.location.href = nextURL; });
    }
  });
  setInterval(() => {
    if (ready && !video.paused && !video.ended) send("timeupdate");
  }, 10000);
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leave();
    else left = false;
  });

  // ---- sources -------------------------------------------------------------
  const start = (pb) => {
    const resume = pb.resume_position > 0 ? pb.resume_position : 0;
    if (pb.poster_url) video.poster = pb.poster_url;
    const caps = pb.captions || [];
    const page = document.documentElement.lang;
    const def = Math.max(0, caps.findIndex((c) => (c.lang || "").split("-")[0] === page));
    caps.forEach((c, i) => {
      const tr = document.createElement("track");
      tr.kind = "captions";
      tr.srclang = c.lang;
      tr.label = c.label || c.lang;
      tr.src = c.url;
      if (i === def) tr.default = true;
      video.appendChild(tr);
    });
    let engine = "mp4";
    let hls = null;
    const useMP4 = (at) => {
      if (hls) {
        hls.destroy();
        hls = null;
      }
      if (!pb.mp4_url || engine === "mp4-fallback") {
        showError("ErrorMedia");
        return;
      }
      engine = "mp4-fallback";
      video.src = pb.mp4_url;
      if (at > 0) video.addEventListener("loadedmetadata", () => { video.currentTime = at; }, { once: true });
    };
    if (pb.hls_url && window.Hls && window.Hls.isSupported()) {
      const Hls = window.Hls;
      const worker = root.dataset.hlsWorker;
      hls = new Hls({ enableWorker: !!worker, workerPath: worker || null, capLevelToPlayerSize: true,
        enableCEA708Captions: false, startPosition: resume > 0 ? resume : -1 });
      let retries = 0;
      hls.on(Hls.Events.ERROR, (_ev, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR && retries < 2) {
          retries++;
          hls.startLoad();
          return;
        }
        useMP4(video.currentTime || resume);
      });
      hls.loadSource(pb.hls_url);
      hls.attachMedia(video);
      engine = "hls.js";
    } else if (pb.hls_url && video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = pb.hls_url;
      engine = "native";
    } else if (pb.mp4_url) {
      video.src = pb.mp4_url;
    } else {
      showError("ErrorMedia");
      return;
    }
    video.dataset.engine = engine;
    video.addEventListener("error", () => {
      if (engine === "hls.js") return;
      if (engine === "native") {
        useMP4(video.currentTime || resume);
        return;
      }
      showError(video.error && video.error.code === 2 ? "ErrorNetwork" : "ErrorMedia");
    });
    if (resume > 0) {
      video.addEventListener("loadedmetadata", () => {
        if (engine !== "hls.js" && Math.abs(video.currentTime - resume) > 1) video.currentTime = resume;
        last = resume;
        const box = document.getElementById("player-resume");
        if (box) {
          document.getElementById("player-resume-text").textContent = msg("Resumed", { t: clock(resume) });
          box.hidden = false;
        }
      }, { once: true });
    }
    last = resume;
    video.dataset.resume = String(resume);
    root.dataset.state = "ready";
  };

  fetch(root.dataset.playbackUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((res) => {
      if (res.status === 409) {
        showError("NotReady");
        return null;
      }
      if (!res.ok) {
        showError("ErrorNetwork");
        return null;
      }
      return res.json();
    })
    .then((pb) => { if (pb) start(pb); })
    .catch(() => showError("ErrorNetwork"));
})();
