// Weaverse — keeps the sign-in session alive without a visible sign-out.
// The server marks <body> (see platform/web/session.go):
//   data-session="active" data-session-expires-in="840"  signed in; the access
//     token expires in 840 s: refresh it a minute before.
//   data-session="stale"  the access token had expired, so this page was
//     rendered for a visitor; refresh once and reload the page signed in.
// Refresh rotates the refresh token (HttpOnly cookie, never readable here).
// Two tabs presenting the same refresh token would look like a stolen token
// and end the session, so tabs take turns (Web Locks) and share the new
// expiry through localStorage.
(() => {
  "use strict";
  const body = document.body;
  const state = body && body.dataset.session;
  if (!state || !window.fetch) return;

  const LOCK = "weaverse-session-refresh";
  // localStorage: {exp, at}: when the access token expires and when a tab
  // last refreshed it (ms, client clock; at is 0 when only a page told exp).
  const SHARED = "weaverse:session";
  const TRIED = "weaverse:session-stale-tried"; // sessionStorage: ms of the last stale attempt
  const EARLY = 60 * 1000; // refresh this long before expiry (less for short-lived tokens)
  const JUST_NOW = 10 * 1000; // a refresh by another tab this recent is ours too
  const RETRY_GUARD = 30 * 1000; // at most one stale reload per tab in this window

  const storage = (name) => {
    try {
      const s = window[name];
      s.getItem("x");
      return s;
    } catch (e) {
      return null; // disabled storage (privacy mode): work without sharing
    }
  };
  const local = storage("localStorage");
  const tab = storage("sessionStorage");
  const shared = () => {
    try {
      const v = JSON.parse((local && local.getItem(SHARED)) || "{}");
      return { exp: Number(v.exp) || 0, at: Number(v.at) || 0 };
    } catch (e) {
      return { exp: 0, at: 0 };
    }
  };
  const setShared = (exp, at) => local && local.setItem(SHARED, JSON.stringify({ exp, at }));

  const withLock = (fn) =>
    navigator.locks && navigator.locks.request ? navigator.locks.request(LOCK, fn) : fn();

  // refresh returns true when this browser now holds a fresh token pair,
  // whether this tab refreshed or another one did (done() says so).
  const refresh = (done) =>
    withLock(async () => {
      if (done(shared())) return true;
      let res;
      try {
        res = await fetch("/api/refresh", {
          method: "POST",
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
      } catch (e) {
        return false; // offline: try again later
      }
      if (res.status === 401) {
        // The session is over (signed out elsewhere, expired, revoked):
        // drop the dead cookies so pages stop asking.
        fetch("/logout", { method: "POST", credentials: "same-origin", redirect: "manual" }).catch(() => {});
        return false;
      }
      if (!res.ok) return false;
      let expiresIn = 0;
      try {
        expiresIn = Number((await res.json()).expires_in) || 0;
      } catch (e) {
        /* no body: keep going without a schedule */
      }
      const now = Date.now();
      if (expiresIn > 0) lead = Math.min(EARLY, (expiresIn * 1000) / 4);
      setShared(expiresIn > 0 ? now + expiresIn * 1000 : 0, now);
      return true;
    });
  // How long before expiry to refresh: a minute, or a quarter of the token's
  // lifetime once a refresh has told it (so short lifetimes do not loop).
  let lead = EARLY;

  if (state === "stale") {
    const last = Number((tab && tab.getItem(TRIED)) || 0);
    if (Date.now() - last < RETRY_GUARD) return; // reloaded and still stale: stop
    if (tab) tab.setItem(TRIED, String(Date.now()));
    refresh((s) => Date.now() - s.at < JUST_NOW).then((ok) => {
      if (ok) window.location.replace(window.location.href); // a GET, never a form resubmission
    });
    return;
  }

  // Signed in: schedule the refresh a minute before the access token expires.
  const seconds = Number(body.dataset.sessionExpiresIn) || 0;
  if (seconds <= 0) return;
  const pageExpiry = Date.now() + seconds * 1000;
  // The page's figure describes the cookie it was rendered with; a shared one
  // wins only if another tab refreshed after this page was requested.
  const requested = (window.performance && performance.timeOrigin) || 0;
  const known = shared();
  if (known.at < requested || known.exp < pageExpiry) setShared(pageExpiry, known.at);

  let timer = 0;
  let failures = 0;
  const schedule = () => {
    window.clearTimeout(timer);
    const wait = Math.max(shared().exp - lead - Date.now(), 0);
    timer = window.setTimeout(run, Math.min(wait, 2 ** 31 - 1));
  };
  const run = () =>
    refresh((s) => s.exp - Date.now() > 2 * lead).then((ok) => {
      if (ok) {
        failures = 0;
        schedule();
      } else if (++failures < 3 && shared().exp > Date.now()) {
        timer = window.setTimeout(run, 15 * 1000); // transient failure: retry while the token lasts
      }
    });
  // Timers are throttled in background tabs and stop while the device sleeps:
  // check again whenever the page becomes visible.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && shared().exp - Date.now() < lead) run();
  });
  schedule();
})();
