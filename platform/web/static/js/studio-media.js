// Weaverse — the media library (media/studio). Without this file the upload
// forms post to the page and the list shows the state at load time.
//
//  - <form data-upload="/api/…/upload">: uploads with XMLHttpRequest to the
//    JSON API (same origin, cookie auth) with a progress bar and a cancel
//    button; a refused file shows the problem document's detail on the field.
//  - [data-video-id][data-status=processing]: polls GET /api/videos/{id}
//    every 2 s and updates the badge, the progress bar and the watch link.
//  - [data-copy]: copies a media reference to the clipboard.
//  - form[data-manage-form] (rename, captions, alt text, delete): plain form
//    posts; this only checks a captions file's size before sending it and
//    keeps a second click from posting twice.
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

  document.querySelectorAll("form[data-upload]").forEach((form) => {
    const input = form.querySelector("[data-upload-file]");
    const errBox = form.querySelector("[data-upload-error]");
    const errText = form.querySelector("[data-upload-error-text]");
    const progress = form.querySelector("[data-upload-progress]");
    const bar = form.querySelector("[data-upload-bar]");
    const pct = form.querySelector("[data-upload-pct]");
    const label = form.querySelector("[data-upload-label]");
    const done = form.querySelector("[data-upload-done]");
    const submit = form.querySelector("[data-upload-submit]");
    const cancel = form.querySelector("[data-upload-cancel]");
    const m = (k) => form.dataset["msg" + k] || "";
    let xhr = null;

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
    const busy = (on) => {
      progress.hidden = !on;
      submit.disabled = on;
      cancel.hidden = !on;
      input.disabled = on;
      form.setAttribute("aria-busy", String(on));
    };
    const setProgress = (sent, total) => {
      const p = total > 0 ? Math.floor((sent / total) * 100) : 0;
      bar.value = p;
      pct.textContent = p + "%";
      label.textContent = fill(m("Progress"), { sent: size(sent), total: size(total) });
    };

    input.addEventListener("change", () => {
      setError("");
      done.hidden = true;
    });
    cancel.addEventListener("click", () => {
      if (xhr) xhr.abort();
    });

    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (xhr) return;
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
      const data = new FormData(form); // fields in page order: the file last
      xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.upload);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.responseType = "json";
      xhr.upload.addEventListener("progress", (e) => {
        if (!e.lengthComputable) return;
        setProgress(e.loaded, e.total);
        if (e.loaded >= e.total) label.textContent = m("Processing");
      });
      const finish = () => {
        xhr = null;
        uploading--;
        busy(false);
        if (reloadWhenIdle && uploading === 0) window.location.reload();
      };
      xhr.addEventListener("load", () => {
        const status = xhr.status;
        const body = xhr.response;
        finish();
        if (status >= 200 && status < 300) {
          form.reset();
          try {
            window.sessionStorage.setItem(FLASH_KEY, m("Done"));
          } catch (e) {
            /* storage disabled: the list still shows the new file */
          }
          if (uploading === 0) window.location.reload();
          else reloadWhenIdle = true;
          return;
        }
        // A problem document: the first field error, else its detail.
        let text = "", field = "";
        if (body && typeof body === "object") {
          const first = Array.isArray(body.errors) && body.errors[0];
          if (first && first.message) {
            text = first.message;
            const loc = String(first.location || "").replace(/^body\./, "");
            if (loc && loc !== "file") field = loc;
          }
          text = text || body.detail || "";
        }
        if (!text) text = status === 413 ? m("TooLarge") : m("Network");
        setError(text, field);
      });
      xhr.addEventListener("error", () => {
        finish();
        setError(m("Network"));
      });
      xhr.addEventListener("abort", () => {
        finish();
        done.textContent = m("Canceled");
        done.hidden = false;
      });
      uploading++;
      busy(true);
      setProgress(0, file.size);
      xhr.send(data);
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
      } else {
        badge.className = "media-badge badge-failed";
        icon.className = "bi bi-x-octagon-fill";
        badge.append(icon, " " + list.dataset.msgFailed);
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

  // ---- copy buttons --------------------------------------------------------------
  if (navigator.clipboard) {
    document.querySelectorAll("[data-copy]").forEach((btn) => {
      btn.hidden = false;
      btn.addEventListener("click", () => {
        navigator.clipboard.writeText(btn.dataset.copy).then(() => {
          const icon = btn.querySelector(".bi");
          if (icon) icon.className = "bi bi-clipboard-check";
          say((live && live.dataset.msgCopied) || "");
          window.setTimeout(() => { if (icon) icon.className = "bi bi-clipboard"; }, 1500);
        }).catch(() => {});
      });
    });
  }
})();
