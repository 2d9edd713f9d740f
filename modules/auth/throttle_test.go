package auth_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

// result is one answer of a burst.
type result struct {
	status     int
	code       string
	retryAfter string
	body       []byte
}

// burst sends the n requests made by req all at once (released together,
// each from its own goroutine) through the in-process app, and returns the
// answers in order.
func burst(t testing.TB, ta *apptest.T, n int, req func(i int) *http.Request) []result {
	t.Helper()
	out := make([]result, n)
	ta.Together(t, n, req, func(i int, resp *http.Response) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		var p struct{ Code string }
		_ = json.Unmarshal(body.Bytes(), &p)
		out[i] = result{status: resp.StatusCode, code: p.Code, retryAfter: resp.Header.Get("Retry-After"), body: body.Bytes()}
	})
	return out
}

// loginRequest is a POST /api/login/ with optional extra headers.
func loginRequest(email, password string, headers ...string) *http.Request {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	r := httptest.NewRequest(http.MethodPost, "/api/login/", bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

// tally counts the answers by status, and checks every 429 is the throttle's
// problem with a Retry-After.
func tally(t *testing.T, rs []result) map[int]int {
	t.Helper()
	n := map[int]int{}
	for _, r := range rs {
		n[r.status]++
		if r.status == http.StatusTooManyRequests && (r.code != "auth.too_many_attempts" || r.retryAfter == "") {
			t.Errorf("429 with code %q, Retry-After %q", r.code, r.retryAfter)
		}
		if r.status == http.StatusServiceUnavailable && (r.code != "password.busy" || r.retryAfter == "") {
			t.Errorf("503 with code %q, Retry-After %q", r.code, r.retryAfter)
		}
	}
	return n
}

// Concurrent wrong passwords for one account: at most the limit are
// checked (401), the rest are refused — before, all 40 got 401. A refusal
// while attempts are still being checked is "busy, retry" (503); once the
// failures are settled, it is the rest of the window (429).
func TestConcurrentGuessesOneAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "target@example.com", "타깃")
		got := tally(t, burst(t, ta, 40, func(i int) *http.Request {
			return loginRequest("Target@example.com", fmt.Sprintf("wrong-password-%d", i))
		}))
		if got[401] != 10 || got[429]+got[503] != 30 {
			t.Fatalf("40 concurrent wrong passwords: %v, want 10×401 and 30 refused (429/503)", got)
		}
		// The account stays locked for the window, the right password too…
		_, resp := login(t, ta, "target@example.com", goodPassword)
		resp.Problem(429, "auth.too_many_attempts")
		// …and the limit spent by the burst was counted once per attempt:
		// after the window, the owner signs in.
		ta.Clock.Advance(15*time.Minute + time.Second)
		_, resp = login(t, ta, "target@example.com", goodPassword)
		resp.Status(200)
	})
}

// Concurrent attempts from one address on many accounts: at most the
// address's limit are checked — before, all 150 got 401.
func TestConcurrentGuessesOneAddress(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "victim@example.com", "피해자")
		got := tally(t, burst(t, ta, 150, func(i int) *http.Request {
			email := fmt.Sprintf("nobody-%d@example.com", i)
			if i%10 == 0 {
				email = "victim@example.com" // some on a real account: the same count
			}
			return loginRequest(email, "wrong-password")
		}))
		if got[401] != 50 || got[429]+got[503] != 100 {
			t.Fatalf("150 concurrent attempts from one address: %v, want 50×401 and 100 refused (429/503)", got)
		}
		// Another address is not affected.
		ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "victim@example.com", "password": goodPassword},
			"X-Forwarded-For", "198.51.100.7").Status(200)
		// The address stays refused, for a right password too.
		_, resp := login(t, ta, "victim@example.com", goodPassword)
		resp.Problem(429, "auth.too_many_attempts")
	}, trustLocalProxy)
}

// A class signing in at once behind one address: more right passwords
// than the address's failure limit, all in flight together. None is locked
// out for the window (they used to get 429 with Retry-After 900): those
// that find the limit reached by attempts still being checked are told to
// retry in a moment (503 password.busy), and their retry signs in.
func TestConcurrentRightPasswordsOneAddress(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		const n = 12
		for i := range n {
			register(t, ta, fmt.Sprintf("pupil-%d@example.com", i), fmt.Sprintf("학생%d", i))
		}
		rs := burst(t, ta, n, func(i int) *http.Request {
			return loginRequest(fmt.Sprintf("pupil-%d@example.com", i), goodPassword)
		})
		got := tally(t, rs)
		if got[200]+got[503] != n {
			t.Fatalf("%d concurrent right passwords from one address (limit 3): %v, want only 200 and 503", n, got)
		}
		for i, r := range rs {
			if r.status == http.StatusServiceUnavailable {
				_, resp := login(t, ta, fmt.Sprintf("pupil-%d@example.com", i), goodPassword)
				resp.Status(200)
			}
		}
		// Failures still count: three wrong passwords spend the address's
		// limit, and the fourth attempt waits for the window.
		for range 3 {
			_, resp := login(t, ta, "pupil-0@example.com", "wrong-password")
			resp.Status(401)
		}
		_, resp := login(t, ta, "pupil-1@example.com", goodPassword)
		resp.Problem(429, "auth.too_many_attempts")
	}, trustLocalProxy, func(cfg *config.Config, _ *app.Options) { cfg.Auth.Throttle.IPFailures = 3 })
}

// trustLocalProxy makes the in-process client (whose peer address is
// 0.0.0.0) a trusted proxy, so X-Forwarded-For names the client address.
func trustLocalProxy(cfg *config.Config, _ *app.Options) {
	cfg.HTTP.TrustedProxies = []string{"0.0.0.0"}
}

// A successful sign-in before, the owner still signs in on that device
// while an attacker has spent the account's limit; the attacker stays
// throttled, and what the owner does there does not reset the attacker's
// counter.
func TestKnownDeviceNotLockedOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "owner@example.com", "주인")
		register(t, ta, "other@example.com", "다른이")
		realTime(ta)
		_, resp := login(t, ta, "owner@example.com", goodPassword)
		device := setCookie(resp, "known_device")
		if device == nil || device.Value == "" || !device.HttpOnly || device.Path != "/" ||
			device.SameSite != http.SameSiteLaxMode || device.MaxAge < 300*24*3600 {
			t.Fatalf("known-device cookie %+v: want HttpOnly, Path=/, SameSite=Lax, long-lived", device)
		}
		_, resp = login(t, ta, "other@example.com", goodPassword)
		otherDevice := setCookie(resp, "known_device")

		// The attacker (elsewhere, no cookie) spends the account's limit.
		attacker := func(password string) *testkit.Response {
			return ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "owner@example.com", "password": password},
				"X-Forwarded-For", "203.0.113.66")
		}
		for i := range 10 {
			attacker(fmt.Sprintf("guess-%d-password", i)).Status(401)
		}
		attacker("guess-x-password").Problem(429, "auth.too_many_attempts")

		owner := func(cookie, password string) *testkit.Response {
			return ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "owner@example.com", "password": password},
				"Cookie", "known_device="+cookie, "X-Forwarded-For", "192.0.2.10")
		}
		// The owner's device is not locked out; a typo there is its own failure.
		owner(device.Value, "owner-typo-password").Problem(401, "auth.invalid_credentials")
		owner(device.Value, goodPassword).Status(200)
		// Without the cookie, with a forged one or with another account's,
		// the owner is a stranger: locked out like the attacker.
		for _, c := range []string{"", "forged", device.Value[:len(device.Value)-4] + "AAAA", otherDevice.Value} {
			owner(c, goodPassword).Problem(429, "auth.too_many_attempts")
		}
		// The attacker stays throttled, the owner's sign-in did not reset it.
		attacker("guess-y-password").Problem(429, "auth.too_many_attempts")

		// The device has its own limit (cleared by the owner's sign-in): a
		// thief of the cookie gets no more than ten guesses either.
		for i := range 10 {
			owner(device.Value, fmt.Sprintf("thief-%d-password", i)).Status(401)
		}
		owner(device.Value, goodPassword).Problem(429, "auth.too_many_attempts")
	}, trustLocalProxy)
}

// A device is known with the password it signed in with: after a password
// change, a cookie from before (collected by a thief who had the old
// password, say) is a stranger's, its guesses count against the account,
// and a sign-in with the new password makes it known again.
func TestKnownDeviceForgottenByPasswordChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "changer@example.com", "바꾸미")
		realTime(ta)
		tok, resp := login(t, ta, "changer@example.com", goodPassword)
		stolen := setCookie(resp, "known_device")
		const newPassword = "brand-new-horse-42"
		ta.Request(http.MethodPost, "/api/password/change/", map[string]string{"old_password": goodPassword,
			"new_password": newPassword, "new_password_confirm": newPassword}, bearer(tok.AccessToken)...).Status(204)

		thief := func(password string) *testkit.Response {
			return ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "changer@example.com", "password": password},
				"Cookie", "known_device="+stolen.Value, "X-Forwarded-For", "203.0.113.9")
		}
		for i := range 10 {
			thief(fmt.Sprintf("guess-%d-password", i)).Status(401)
		}
		// The thief's guesses were the account's: it is locked for everyone
		// (before, they were the old device's own, and the account was free).
		ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "changer@example.com", "password": newPassword},
			"X-Forwarded-For", "192.0.2.20").Problem(429, "auth.too_many_attempts")
		thief("guess-x-password").Problem(429, "auth.too_many_attempts")
	}, trustLocalProxy)
}

// The known device works through the sign-in page too.
func TestKnownDeviceLoginPage(t *testing.T) {
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, _ *app.Options) { cfg.Auth.Throttle.AccountFailures = 3 })
	register(t, ta, "page-owner@example.com", "페이지주인")
	realTime(ta)
	owner := newPageBrowser(t, ta, browserAgent)
	owner.login("page-owner@example.com", goodPassword)
	if c := owner.Cookie("known_device"); c == nil || c.Value == "" {
		t.Fatal("the sign-in page set no known-device cookie")
	}
	owner.Post("/logout").Status(http.StatusSeeOther)
	if owner.Cookie("known_device") == nil {
		t.Fatal("signing out dropped the known-device cookie")
	}
	attacker := newPageBrowser(t, ta, phoneAgent)
	for range 3 {
		attacker.Post("/login", "email", "page-owner@example.com", "password", "guess-guess-guess").Status(401)
	}
	attacker.Post("/login", "email", "page-owner@example.com", "password", goodPassword).Status(429)
	owner.login("page-owner@example.com", goodPassword)
}
