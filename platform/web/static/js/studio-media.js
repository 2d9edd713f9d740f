// Weaverse — the media library (media/studio). Without this file the upload
// forms post to the page and the list shows the state at load time.
//
//  - <form data-upload="/api/…/upload">: uploads with XMLHttpRequest to the
//    JSON API (same origin, cookie auth) with a progress bar and a cancel
//    button; a refused file shows the problem document's detail on the field.
//    With data-tus (videos) and tus-js-client loaded, the upload is resumable
//    instead: tus 1.0 at /api/videos/tus/ in chunks of data-tus-chunk bytes,
//    retried when the connection drops, resumed when the same file is chosen
//    again after a reload; the final chunk's answer names the new video
//    (Weaverse-Video-Id). Without tus-js-client, the multipart request.
//  - [data-video-id][data-status=processing]: polls GET /api/videos/{id}
//    every 2 s and updates the badge, the progress bar and the watch link,
//    and shows the video's [data-video-ready-only] forms once it is ready
//    ("use in a course", the library's "use in this topic").
//  - After an upload the page is loaded again, on the lists' first pages,
//    keeping ?for=… (the library opened to pick for a topic or a course
//    keeps its banner).
//  - form[data-manage-form] (rename, captions, alt text, delete, use in a
//    course): plain form posts; this only checks a captions file's size
//    before sending it and keeps a second click from posting twice.
(() => {
  "use strict";
  const FLASH_KEY = "weaverse:media-flash";
  const live = document.getElementById("media-live");
  const say = (text) => {
    if (live) live.textContent = text;
  };
  const fill = (s, vars) => {
    for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
    return s;
  };
  const size = (n) => {
    if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + " GB";
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + " MB";
    if (n >= 1 << 10) return Math.round(n / (1 << 10)) + " KB";
    return n + " B";
  };

  // A message saved before the reload that follows an upload.
  try {
    const saved = window.sessionStorage.getItem(FLASH_KEY);
    if (saved) {
      window.sessionStorage.removeItem(FLASH_KEY);
      const area = document.createElement("div");
      area.className = "container flash-area";
      const box = document.createElement("div");
      box.className = "alert alert-success alert-dismissible fade show d-flex align-items-start gap-2";
      box.setAttribute("role", "status");
      const icon = document.createElement("i");
      icon.className = "bi bi-check-circle-fill flex-shrink-0";
      icon.setAttribute("aria-hidden", "true");
      const text = document.createElement("div");
      text.textContent = saved;
      const close = document.createElement("button");
      close.type = "button";
      close.className = "btn-close";
      close.dataset.bsDismiss = "alert";
      close.setAttribute("aria-label", "×");
      box.append(icon, text, close);
      area.append(box);
      const main = document.getElementById("main");
      if (main) main.prepend(area);
    }
  } catch (e) {
    /* storage disabled */
  }

  // ---- uploads ---------------------------------------------------------------
  let uploading = 0;
  let reloadWhenIdle = false;

  // The page again after an upload, on the first pages of the lists (where
  // the new file is), keeping the rest of the query: ?for=… keeps the
  // banner of the library opened for a topic or a course.
  const reloadPage = () => {
    const u = new URL(window.location.href);
    u.searchParams.delete("vpage");
    u.searchParams.delete("ipage");
    if (u.search === window.location.search) window.location.reload();
    else window.location.assign(u.pathname + u.search + u.hash);
  };

  // tus-js-client (vendor/tus/tus.min.js, loaded before this file): absent
  // when its script did not load, unsupported in very old browsers.
  const tusReady = () => !!(window.tus && window.tus.isSupported && typeof window.tus.Upload === "function");

  // The message of a problem document (RFC 9457): its first field error,
  // else its detail; field is the form field the error names, if any.
  const problemOf = (body) => {
    let text = "", field = "";
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch (e) {
        body = null;
      }
    }
    if (body && typeof body === "object") {
      const first = Array.isArray(body.errors) && body.errors[0];
      if (first && first.message) {
        text = first.message;
        const loc = String(first.location || "").replace(/^body\./, "");
        if (loc && loc !== "file") field = loc;
      }
      text = text || body.detail || "";
    }
    return { text, field, code: (body && body.code) || "" };
  };

  document.querySelectorAll("form[data-upload]").forEach((form) => {
    const input = form.querySelector("[data-upload-file]");
    const errBox = form.querySelector("[data-upload-error]");
    const errText = form.querySelector("[data-upload-error-text]");
    const progress = form.querySelector("[data-upload-progress]");
    const bar = form.querySelector("[data-upload-bar]");
    const pct = form.querySelector("[data-upload-pct]");
    const label = form.querySelector("[data-upload-label]");
    const note = form.querySelector("[data-upload-note]");
    const done = form.querySelector("[data-upload-done]");
    const submit = form.querySelector("[data-upload-submit]");
    const cancel = form.querySelector("[data-upload-cancel]");
    const m = (k) => form.dataset["msg" + k] || "";
    // The upload under way: { cancel() }.
    let current = null;

    const setError = (text, field) => {
      const target = (field && form.querySelector(`[name="${field}"]`)) || input;
      form.querySelectorAll(".is-invalid").forEach((el) => {
        el.classList.remove("is-invalid");
        el.removeAttribute("aria-invalid");
      });
      if (!text) {
        errBox.hidden = true;
        errText.textContent = "";
        return;
      }
      target.classList.add("is-invalid");
      target.setAttribute("aria-invalid", "true");
      if (target === input) {
        errText.textContent = text;
        errBox.hidden = false;
      } else {
        // A field of the "field" partial: put the message under it.
        let fb = document.getElementById(target.id + "-error");
        if (!fb) {
          fb = document.createElement("div");
          fb.className = "invalid-feedback";
          fb.id = target.id + "-error";
          target.insertAdjacentElement("afterend", fb);
          target.setAttribute("aria-describedby", ((target.getAttribute("aria-describedby") || "") + " " + fb.id).trim());
        }
        fb.textContent = text;
      }
      target.focus();
    };
    // A line under the progress bar: resuming an earlier upload, or
    // retrying after the connection dropped ("" hides it).
    const setNote = (text, kind) => {
      if (!note) return;
      note.textContent = text;
      note.hidden = !text;
      note.classList.toggle("is-retrying", kind === "retrying");
      note.dataset.kind = text ? kind : "";
      if (text) say(text);
    };
    const busy = (on) => {
      progress.hidden = !on;
      submit.disabled = on;
      cancel.hidden = !on;
      input.disabled = on;
      form.setAttribute("aria-busy", String(on));
      if (!on) setNote("");
    };
    const setProgress = (sent, total) => {
      const p = total > 0 ? Math.floor((sent / total) * 100) : 0;
      bar.value = p;
      pct.textContent = p + "%";
      label.textContent = fill(m("Progress"), { sent: size(sent), total: size(total) });
      if (total > 0 && sent >= total) label.textContent = m("Processing");
    };
    const finish = () => {
      current = null;
      uploading--;
      busy(false);
      if (reloadWhenIdle && uploading === 0) reloadPage();
    };
    // The file is in: reload the page (the list shows it) with a message.
    const succeeded = () => {
      finish();
      form.reset();
      try {
        window.sessionStorage.setItem(FLASH_KEY, m("Done"));
      } catch (e) {
        /* storage disabled: the list still shows the new file */
      }
      if (uploading === 0) reloadPage();
      else reloadWhenIdle = true;
    };
    // Refused: the problem's message on its field.
    const refused = (status, body) => {
      finish();
      const p = problemOf(body);
      setError(p.text || (status === 413 ? m("TooLarge") : m("Network")), p.field);
    };
    const canceled = () => {
      finish();
      done.textContent = m("Canceled");
      done.hidden = false;
    };

    input.addEventListener("change", () => {
      setError("");
      done.hidden = true;
    });
    cancel.addEventListener("click", () => {
      if (current) current.cancel();
    });

    // One multipart request to the JSON API (images; videos without tus).
    const sendXHR = (file) => {
      // The other fields in page order, then the file (its input is
      // disabled while busy, so FormData leaves it out).
      const data = new FormData(form);
      data.delete("file");
      data.append("file", file);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.upload);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.responseType = "json";
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) setProgress(e.loaded, e.total);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) succeeded();
        else refused(xhr.status, xhr.response);
      });
      xhr.addEventListener("error", () => {
        finish();
        setError(m("Network"));
      });
      xhr.addEventListener("abort", canceled);
      current = { cancel: () => xhr.abort() };
      xhr.send(data);
    };

    // A resumable upload (tus 1.0, /api/videos/tus/) in chunks. Its URL is
    // kept in localStorage under the file's fingerprint (name, type, size,
    // modification time) until it succeeds, so choosing the same file again
    // after a reload or a crash resumes it; a dropped connection is retried.
    const sendTus = (file) => {
      const tus = window.tus;
      const retryDelays = [0, 1000, 3000, 5000, 10000];
      const titleField = form.querySelector('[name="title"]');
      const title = titleField ? titleField.value.trim() : "";
      let stopped = false; // canceled or over: no more updates
      let previous = null; // the stored upload being resumed
      let announced = false; // the resume was told
      const stop = () => {
        const was = stopped;
        stopped = true;
        return !was;
      };
      const upload = new tus.Upload(file, {
        endpoint: form.dataset.tus,
        chunkSize: parseInt(form.dataset.tusChunk || "0", 10) || 8 << 20,
        retryDelays,
        metadata: { filename: file.name, title },
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onProgress: (sent, total) => {
          if (!stopped) setProgress(sent, total);
        },
        onChunkComplete: () => {
          if (!stopped && note && note.dataset.kind === "retrying") setNote("");
        },
        onAfterResponse: async (req, res) => {
          if (stopped || req.getMethod() !== "HEAD") return;
          const status = res.getStatus();
          if (status >= 200 && status < 300) {
            if (previous && !announced && res.getHeader("Upload-Offset") !== "0") {
              announced = true;
              setNote(m("Resumed"), "resumed");
            }
            return;
          }
          if (status !== 404) return;
          // A finished upload that was refused answers HEAD with 404 (and
          // tus-js-client would send the whole file again): ask the server
          // what became of it. 404 here too: unknown or expired, start over.
          const r = await fetch(req.getURL() + "/video", { credentials: "same-origin", headers: { Accept: "application/json" } });
          if (r.status === 404) return;
          const body = await r.json().catch(() => null);
          const e = new Error("tus: the upload is over");
          e.outcome = { status: r.status, body };
          throw e;
        },
        onShouldRetry: (err, attempt) => {
          let retry;
          const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
          if (err.causingError && err.causingError.outcome) {
            retry = false;
          } else if (status === 0) {
            retry = navigator.onLine !== false; // the connection dropped
          } else if (status === 409 || status === 423) {
            retry = true; // an offset to look up again, a lock held a moment
          } else if (status < 500 || status === 501) {
            retry = false;
          } else {
            // 5xx: retried unless the server says it cannot take videos.
            const code = problemOf(err.originalResponse.getBody()).code;
            retry = code !== "media.transcoding_unavailable" && code !== "media.tus_unavailable";
          }
          if (retry && !stopped) setNote(fill(m("Retrying"), { n: attempt + 1, max: retryDelays.length }), "retrying");
          return retry;
        },
        onSuccess: ({ lastResponse }) => {
          if (!stop()) return;
          const header = lastResponse && lastResponse.getHeader("Weaverse-Video-Id");
          const id = header
            ? Promise.resolve(header)
            : fetch(upload.url + "/video", { credentials: "same-origin", headers: { Accept: "application/json" } })
              .then((r) => (r.ok ? r.json() : null))
              .then((v) => (v && v.video_id ? String(v.video_id) : ""));
          id.then((videoId) => {
            if (!videoId) throw new Error("no video id");
            // Resumed under a new title: the upload kept the one it was
            // created with.
            const before = previous && previous.metadata ? previous.metadata.title || "" : title;
            if (title === "" || title === before) return;
            return fetch(`/api/videos/${videoId}/`, {
              method: "PUT", credentials: "same-origin",
              headers: { Accept: "application/json", "Content-Type": "application/json" },
              body: JSON.stringify({ title }),
            }).catch(() => {});
          }).then(succeeded, () => {
            finish();
            setError(m("Network"));
          });
        },
        onError: (err) => {
          if (!stop()) return;
          const outcome = err.causingError && err.causingError.outcome;
          const req = err.originalRequest, res = err.originalResponse;
          if (outcome) {
            forgetAll();
            if (outcome.status >= 200 && outcome.status < 300) succeeded();
            else refused(outcome.status, outcome.body);
            return;
          }
          if (res) {
            const status = res.getStatus();
            const code = problemOf(res.getBody()).code;
            // No resumable uploads on this server: one multipart request.
            if (req && req.getMethod() === "POST" && (status === 404 || status === 405 || code === "media.tus_unavailable")) {
              setNote("");
              sendXHR(file);
              return;
            }
            refused(status, res.getBody());
            // Refused when it was complete, the upload is over on the server
            // too (GET …/video names the problem): forget its URL. Refused
            // midway (signed out…), it can still be resumed.
            if (upload.url) {
              fetch(upload.url + "/video", { credentials: "same-origin", headers: { Accept: "application/json" } }).then((r) => {
                if (r.status !== 409 && r.status !== 401 && r.status !== 403) forgetAll();
              }).catch(() => {});
            }
            return;
          }
          finish();
          setError(m("Network"));
        },
      });
      // The upload is over (refused, finished elsewhere, canceled): drop
      // the URLs stored for the file.
      const forgetAll = () => {
        const storage = tus.defaultOptions && tus.defaultOptions.urlStorage;
        if (!storage) return;
        upload.findPreviousUploads().then((found) => {
          found.forEach((prev) => storage.removeUpload(prev.urlStorageKey).catch(() => {}));
        }, () => {});
      };
      current = {
        cancel: () => {
          if (!stop()) return;
          // Stop sending and remove the upload on the server (and its
          // stored URL). Before its creation is answered there is nothing
          // to remove yet.
          upload.abort(true).catch(forgetAll);
          canceled();
        },
      };
      upload.findPreviousUploads().then((found) => {
        if (stopped) return;
        if (found.length > 0) {
          // The most recent first.
          found.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime));
          previous = found[0];
          upload.resumeFromPreviousUpload(previous);
        }
        upload.start();
      }, () => {
        if (!stopped) upload.start();
      });
    };

    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (current) return;
      done.hidden = true;
      setError("");
      const file = input.files && input.files[0];
      if (!file) {
        setError(m("Required"));
        return;
      }
      const max = parseInt(form.dataset.maxBytes || "0", 10);
      if (max > 0 && file.size > max) {
        setError(m("TooLarge"));
        return;
      }
      uploading++;
      busy(true);
      setProgress(0, file.size);
      if (form.dataset.tus && tusReady()) sendTus(file);
      else sendXHR(file);
    });
  });

  // ---- processing videos -------------------------------------------------------
  const list = document.querySelector("[data-video-list]");
  if (list) {
    const pending = () => Array.from(list.querySelectorAll('[data-video-id][data-status="processing"], [data-video-id][data-status="uploaded"]'));
    const update = (item, v) => {
      const status = item.querySelector("[data-video-status]");
      const bar = item.querySelector("[data-video-progress]");
      if (v.status === "processing" || v.status === "uploaded") {
        const label = item.querySelector("[data-video-label]");
        if (label) label.textContent = fill(list.dataset.msgProcessing, { n: v.progress });
        if (bar) {
          bar.value = v.progress;
          bar.textContent = v.progress + "%";
        }
        return;
      }
      item.dataset.status = v.status;
      if (bar) bar.remove();
      const badge = document.createElement("span");
      const icon = document.createElement("i");
      icon.setAttribute("aria-hidden", "true");
      if (v.status === "ready") {
        badge.className = "media-badge badge-ready";
        icon.className = "bi bi-check-circle-fill";
        badge.append(icon, " " + list.dataset.msgReady);
        const watch = item.querySelector("[data-video-watch]");
        if (watch) watch.hidden = false;
        // "Use in a course" and the library's "use in this topic".
        item.querySelectorAll("[data-video-ready-only]").forEach((el) => { el.hidden = false; });
      } else {
        badge.className = "media-badge badge-failed";
        icon.className = "bi bi-x-octagon-fill";
        badge.append(icon, " " + list.dataset.msgFailed);
        item.querySelectorAll("[data-video-ready-only]").forEach((el) => el.remove());
        const why = item.querySelector("[data-video-failure]");
        if (why && v.failure) {
          why.textContent = v.failure;
          why.hidden = false;
        }
      }
      status.replaceChildren(badge);
      const title = item.querySelector(".video-title");
      say((title ? title.textContent.trim() + ": " : "") + badge.textContent.trim());
    };
    const poll = () => {
      const items = pending();
      if (items.length === 0) return;
      if (document.hidden) { // a background tab: look again later
        window.setTimeout(poll, 2000);
        return;
      }
      Promise.all(items.map((item) =>
        fetch(`/api/videos/${item.dataset.videoId}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((r) => (r.ok ? r.json() : null))
          .then((v) => { if (v) update(item, v); })
          .catch(() => {})
      )).finally(() => {
        if (pending().length > 0) window.setTimeout(poll, 2000);
      });
    };
    if (pending().length > 0) window.setTimeout(poll, 2000);
  }

  // ---- managing videos and images ------------------------------------------------
  // A captions file larger than the server takes is refused here, on its
  // field, instead of after sending it.
  document.querySelectorAll("form[data-manage-form][data-max-bytes]").forEach((form) => {
    const input = form.querySelector('input[type="file"]');
    const box = form.querySelector("[data-upload-error]");
    const text = form.querySelector("[data-upload-error-text]");
    if (!input || !box || !text) return;
    const show = (msg) => {
      input.classList.toggle("is-invalid", !!msg);
      if (msg) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      text.textContent = msg;
      box.hidden = !msg;
    };
    input.addEventListener("change", () => show(""));
    form.addEventListener("submit", (ev) => {
      const file = input.files && input.files[0];
      if (file && file.size > Number(form.dataset.maxBytes)) {
        ev.preventDefault();
        show(form.dataset.msgTooLarge || "");
        input.focus();
      }
    });
  });
  // Once a form is on its way (and not held back by a check or a declined
  // confirm()), its buttons wait for the next page.
  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-manage-form]")) return;
    window.setTimeout(() => {
      if (ev.defaultPrevented) return;
      form.setAttribute("aria-busy", "true");
      form.querySelectorAll('button[type="submit"]').forEach((b) => { b.disabled = true; });
    }, 0);
  });
  // Back to this page from the history: the buttons work again.
  window.addEventListener("pageshow", (ev) => {
    if (!ev.persisted) return;
    document.querySelectorAll("form[data-manage-form][aria-busy]").forEach((form) => {
      form.removeAttribute("aria-busy");
      form.querySelectorAll('button[type="submit"]').forEach((b) => { b.disabled = false; });
    });
  });

})();
