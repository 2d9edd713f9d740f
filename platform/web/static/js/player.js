// Weaverse — the video player (media/watch). Progressive enhancement of a
// plain <video controls>: without this file the MP4 fallback plays.
//
// Source choice: hls.js where Media Source Extensions exist (adaptive HLS),
// else native HLS (Safari), else the MP4 fallback. Keyboard shortcuts, resume
// from data-resume, and an error message with a reload button.
(() => {
  "use strict";
  const video = document.getElementById("player-video");
  const root = document.getElementById("player");
  if (!video || !root) return;

  const msg = (key, vars) => {
    let s = root.dataset["msg" + key] || "";
    for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
    return s;
  };
  const live = document.getElementById("player-status");
  const say = (text) => {
    if (!live || !text) return;
    // A changed text is announced: repeat the same one with a trailing space.
    live.textContent = live.textContent === text ? text + "\u00a0" : text;
  };
  const errorBox = document.getElementById("player-error");
  const errorText = document.getElementById("player-error-text");
  const showError = (key) => {
    if (!errorBox) return;
    errorText.textContent = msg(key);
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

  // ---- sources -------------------------------------------------------------
  const hlsURL = video.dataset.hls;
  const mp4URL = video.dataset.mp4;
  let resume = parseFloat(video.dataset.resume || "0") || 0;
  let hls = null;
  let engine = "mp4";
  let fellBack = false;

  const useMP4 = (at) => {
    if (hls) {
      hls.destroy();
      hls = null;
    }
    if (!mp4URL || fellBack) {
      showError("ErrorMedia");
      return;
    }
    fellBack = true;
    engine = "mp4";
    video.dataset.engine = engine;
    video.src = mp4URL;
    if (at > 0) video.addEventListener("loadedmetadata", () => { video.currentTime = at; }, { once: true });
    video.load();
  };

  if (hlsURL && window.Hls && window.Hls.isSupported()) {
    // The HLS sources and segments are signed, same-origin URLs. The worker
    // comes from our origin too: the CSP forbids blob: workers.
    video.querySelectorAll("source").forEach((s) => s.remove());
    const Hls = window.Hls;
    const worker = root.dataset.hlsWorker;
    hls = new Hls({
      enableWorker: !!worker,
      workerPath: worker || null,
      capLevelToPlayerSize: true,
      // Captions come as <track> files; ignore CEA-608/708 data in the
      // stream, which would add an empty "CC1" track to every video.
      enableCEA708Captions: false,
      startPosition: resume > 0 ? resume : -1,
    });
    let networkRetries = 0;
    let mediaRecovered = false;
    hls.on(Hls.Events.ERROR, (_ev, data) => {
      if (!data.fatal) return;
      const status = data.response && data.response.code;
      if (status === 403 || status === 410) {
        // Signed URLs expire: only a fresh page has new ones.
        hls.destroy();
        hls = null;
        showError("ErrorExpired");
        return;
      }
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && networkRetries < 2) {
        networkRetries++;
        hls.startLoad();
        return;
      }
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !mediaRecovered) {
        mediaRecovered = true;
        hls.recoverMediaError();
        return;
      }
      useMP4(video.currentTime || resume);
    });
    hls.loadSource(hlsURL);
    hls.attachMedia(video);
    engine = "hls.js";
    window.__weaverseHls = true;
  } else if (hlsURL && video.canPlayType("application/vnd.apple.mpegurl")) {
    video.querySelectorAll("source").forEach((s) => s.remove());
    video.src = hlsURL; // Safari plays HLS natively
    engine = "native";
    video.load();
  }
  video.dataset.engine = engine;

  video.addEventListener("error", () => {
    if (engine === "hls.js") return; // hls.js reports its own errors
    const code = video.error && video.error.code;
    if (engine === "native" && mp4URL) {
      useMP4(video.currentTime || resume);
      return;
    }
    showError(code === 2 ? "ErrorNetwork" : "ErrorMedia");
  });

  // ---- resume --------------------------------------------------------------
  const resumeBox = document.getElementById("player-resume");
  if (resume > 0) {
    video.addEventListener("loadedmetadata", () => {
      const d = video.duration;
      if (isFinite(d) && resume >= d - 5) { // finished last time: from the start
        resume = 0;
        video.currentTime = 0;
        return;
      }
      if (engine !== "hls.js" && Math.abs(video.currentTime - resume) > 1) video.currentTime = resume;
      if (resumeBox) {
        document.getElementById("player-resume-text").textContent = msg("Resumed", { t: clock(resume) });
        resumeBox.hidden = false;
      }
    }, { once: true });
    const restart = resumeBox && resumeBox.querySelector("[data-player-restart]");
    if (restart) {
      restart.addEventListener("click", () => {
        video.currentTime = 0;
        resumeBox.hidden = true;
        video.focus();
        video.play().catch(() => {});
      });
    }
  }

  // ---- keyboard ------------------------------------------------------------
  const frame = video.closest(".player-frame") || video;
  const toggleFullscreen = () => {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    } else if (frame.requestFullscreen) {
      frame.requestFullscreen().catch(() => {});
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen(); // iOS
    }
  };
  const seek = (delta) => {
    const d = isFinite(video.duration) ? video.duration : Infinity;
    video.currentTime = Math.min(Math.max(0, video.currentTime + delta), d);
    say(msg(delta > 0 ? "Forward" : "Backward", { n: Math.abs(delta) }));
  };
  const volume = (delta) => {
    video.muted = false;
    video.volume = Math.round(Math.min(1, Math.max(0, video.volume + delta)) * 10) / 10;
    say(msg("Volume", { n: Math.round(video.volume * 100) }));
  };
  const captions = () => {
    // Our own <track> (captions from the course bundle) first.
    const el = video.querySelector("track");
    const track = (el && el.track) || Array.from(video.textTracks).find((t) => t.kind === "captions" || t.kind === "subtitles");
    if (!track) {
      say(msg("NoCaptions"));
      return;
    }
    const on = track.mode !== "showing";
    track.mode = on ? "showing" : "hidden";
    say(msg(on ? "CaptionsOn" : "CaptionsOff"));
  };
  const playPause = () => {
    if (video.paused || video.ended) {
      video.play().catch(() => {});
    } else {
      video.pause();
    }
  };
  video.addEventListener("play", () => say(msg("Play")));
  video.addEventListener("pause", () => { if (!video.seeking) say(msg("Pause")); });

  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const el = ev.target;
    if (el instanceof HTMLElement && el !== video &&
        (el.isContentEditable || el.closest("input, textarea, select, [contenteditable], .dropdown-menu"))) return;
    // Space and Enter keep their meaning on links and buttons.
    const onControl = el instanceof HTMLElement && el !== video && el.closest("a, button, summary");
    let handled = true;
    switch (ev.key) {
      case " ":
        if (onControl) return;
        playPause();
        break;
      case "k": case "K":
        playPause();
        break;
      case "ArrowLeft":
        seek(-5);
        break;
      case "ArrowRight":
        seek(5);
        break;
      case "ArrowUp":
        volume(0.1);
        break;
      case "ArrowDown":
        volume(-0.1);
        break;
      case "f": case "F":
        toggleFullscreen();
        break;
      case "m": case "M":
        video.muted = !video.muted;
        say(msg(video.muted ? "Muted" : "Unmuted"));
        break;
      case "c": case "C":
        captions();
        break;
      default:
        handled = false;
    }
    if (handled) ev.preventDefault();
  });
})();
