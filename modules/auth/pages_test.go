package auth_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

// browserAgent and phoneAgent are User-Agents of two devices.
const (
	browserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	phoneAgent   = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

// pageBrowser is a browser on one device (its User-Agent).
type pageBrowser struct {
	*testkit.PageBrowser
	t *testing.T
}

func newPageBrowser(t *testing.T, ta *apptest.T, agent string) *pageBrowser {
	return &pageBrowser{PageBrowser: testkit.NewPageBrowser(ta.Client, "User-Agent", agent), t: t}
}

// login signs in through the page and expects the redirect.
func (b *pageBrowser) login(email, password string) {
	b.t.Helper()
	r := b.Post("/login", "email", email, "password", password)
	if r.StatusCode != http.StatusSeeOther || b.Cookie("access_token") == nil {
		b.t.Fatalf("login %s: %d %v", email, r.StatusCode, r.Header.Values("Set-Cookie"))
	}
}

func location(t *testing.T, r *testkit.Response) string {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s: status %d, want 303; body: %.400s", r.Request.URL, r.StatusCode, r.Body)
	}
	return r.Header.Get("Location")
}

func setCookie(r *testkit.Response, name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// realTime moves the test clock to now: the session cookies' lifetime is
// counted from the wall clock, so tokens must be issued in the present.
func realTime(ta *apptest.T) { ta.Clock.Set(time.Now().Truncate(time.Second)) }

func TestLoginPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		realTime(ta)
		register(t, ta, "reader@example.com", "읽는사람")
		b := newPageBrowser(t, ta, browserAgent)

		r := b.Get("/login?next=%2Fme%2Fsessions").Status(200).Contains(
			`<html lang="ko">`, "<title>로그인 · Weaverse</title>",
			`<label class="form-label" for="f-email">이메일</label>`, `autocomplete="username"`,
			`<label class="form-label" for="f-password">비밀번호</label>`, `autocomplete="current-password"`,
			`name="next" value="/me/sessions"`, `href="/signup?next=%2Fme%2Fsessions"`, `href="/password/reset"`, "novalidate")
		r.NotContains("Google로 계속하기", "auth.page.") // no social login configured; every string translated
		newPageBrowser(t, ta, browserAgent).Get("/login?lang=en").Status(200).Contains("<title>Log in · Weaverse</title>", "Forgot your password?").NotContains("auth.page.")
		b.Get("/login?email=reader%40example.com").Contains(`value="reader@example.com"`, `autocomplete="current-password" maxlength="256" spellcheck="false" autocapitalize="none" required autofocus>`, `href="/password/reset?email=reader%40example.com"`)
		// An off-site next is dropped.
		b.Get("/login?next=%2F%2Fevil.example").Status(200).NotContains(`name="next"`)

		// Empty fields: 422, errors next to the fields, focus on the first.
		b.Post("/login").Status(422).Contains(`id="f-email-error"`, "이메일을 입력해 주세요.", "비밀번호를 입력해 주세요.",
			`aria-describedby="f-email-error" aria-invalid="true" autofocus`, "is-invalid")

		// Wrong password: 401, a generic message, no cookies, the password never echoed.
		r = b.Post("/login", "email", "reader@example.com", "password", "wrong-password-123", "next", "/me")
		r.Status(401).Contains("이메일 또는 비밀번호가 올바르지 않습니다.", `value="reader@example.com"`, `name="next" value="/me"`, `role="alert"`)
		r.NotContains("wrong-password-123")
		if setCookie(r, "access_token") != nil || setCookie(r, "refresh_token") != nil {
			t.Fatal("a failed login set session cookies")
		}
		// Unknown e-mail: the same answer.
		b.Post("/login", "email", "nobody@example.com", "password", "wrong-password-123").Status(401).Contains("이메일 또는 비밀번호가 올바르지 않습니다.")

		// Success: HttpOnly cookies and a redirect to the (local) next.
		r = b.Post("/login", "email", "reader@example.com", "password", goodPassword, "next", "/me/sessions")
		if got := location(t, r); got != "/me/sessions" {
			t.Fatalf("redirect to %q", got)
		}
		at, rt := setCookie(r, "access_token"), setCookie(r, "refresh_token")
		if at == nil || at.Value == "" || !at.HttpOnly || at.Path != "/" || at.SameSite != http.SameSiteLaxMode || at.MaxAge <= 0 {
			t.Fatalf("access cookie %+v", at)
		}
		if rt == nil || rt.Value == "" || !rt.HttpOnly || rt.Path != "/api/refresh" || rt.SameSite != http.SameSiteStrictMode {
			t.Fatalf("refresh cookie %+v", rt)
		}
		// Signed in, the login page sends you on.
		if got := location(t, b.Get("/login?next=%2Fme")); got != "/me" {
			t.Fatalf("signed-in /login → %q", got)
		}

		// next is only ever a local path.
		for _, next := range []string{"//evil.example", "https://evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
			c := newPageBrowser(t, ta, browserAgent)
			if got := location(t, c.Post("/login", "email", "reader@example.com", "password", goodPassword, "next", next)); got != "/" {
				t.Errorf("next=%q redirected to %q", next, got)
			}
		}
	})
}

func TestLoginPageThrottle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "target@example.com", "표적")
		b := newPageBrowser(t, ta, browserAgent)
		for range 3 {
			b.Post("/login", "email", "target@example.com", "password", "guess-guess-guess").Status(401)
		}
		r := b.Post("/login", "email", "target@example.com", "password", goodPassword).Status(429)
		r.Contains("로그인 시도가 너무 많습니다.", "분 뒤에 다시 시도해 주세요.")
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	}, func(cfg *config.Config, _ *app.Options) { cfg.Auth.Throttle.AccountFailures = 3 })
}

func TestLoginPageGoogle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		newPageBrowser(t, ta, browserAgent).Get("/login?next=%2Fme").Status(200).
			Contains("Google로 계속하기", `href="/api/social-login/google?next=%2Fme"`)
	}, func(cfg *config.Config, _ *app.Options) {
		cfg.Auth.Google = config.OIDC{Issuer: "https://accounts.example.com", ClientID: "client", ClientSecret: "secret"}
	})
}

func TestLogoutPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		realTime(ta)
		register(t, ta, "leaver@example.com", "떠나는사람")
		b := newPageBrowser(t, ta, browserAgent)
		b.login("leaver@example.com", goodPassword)
		old := b.Cookie("access_token").Value
		b.Get("/").Status(200).Contains(`action="/logout"`)

		r := b.Post("/logout")
		if got := location(t, r); got != "/" {
			t.Fatalf("logout → %q", got)
		}
		if c := setCookie(r, "access_token"); c == nil || c.Value != "" {
			t.Fatalf("access cookie not cleared: %+v", c)
		}
		if c := setCookie(r, "refresh_token"); c == nil || c.Value != "" || c.Path != "/api/refresh" {
			t.Fatalf("refresh cookie not cleared: %+v", c)
		}
		b.Get("/").Status(200).Contains("로그아웃되었습니다.", `href="/login"`).NotContains(`action="/logout"`)
		// The session is over on the server too, not just in this browser.
		ta.Get("/api/sessions/", "Authorization", "Bearer "+old).Status(401)

		// Logging out after the access token expired still ends the session.
		b.login("leaver@example.com", goodPassword)
		rt := b.Cookie("refresh_token").Value
		ta.Clock.Advance(20 * time.Minute)
		location(t, b.Post("/logout"))
		refresh(ta, rt).Status(401)

		// Without a session, logout only clears cookies (no message).
		c := newPageBrowser(t, ta, browserAgent)
		location(t, c.Post("/logout"))
		c.Get("/").NotContains("로그아웃되었습니다.")
	})
}

var sessionIDRE = regexp.MustCompile(`action="/me/sessions/([^/"]+)/revoke"`)

func TestSessionsPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		realTime(ta)
		register(t, ta, "owner@example.com", "주인")
		register(t, ta, "other@example.com", "다른사람")
		if got := location(t, newPageBrowser(t, ta, browserAgent).Get("/me/sessions")); got != "/login?next=%2Fme%2Fsessions" {
			t.Fatalf("anonymous → %q", got)
		}
		pc := newPageBrowser(t, ta, browserAgent)
		pc.login("owner@example.com", goodPassword)
		phone := newPageBrowser(t, ta, phoneAgent)
		phone.login("owner@example.com", goodPassword)

		r := pc.Get("/me/sessions").Status(200)
		r.Contains("<title>로그인한 기기 · Weaverse</title>", "Chrome · Windows", "Safari · iOS", "bi-phone", "bi-laptop",
			"이 기기 로그아웃", "다른 기기 모두 로그아웃", "로그인한 기기 2대")
		if n := strings.Count(string(r.Body), "현재 기기</span>"); n != 1 {
			t.Fatalf("%d current-device badges", n)
		}
		ids := sessionIDRE.FindAllStringSubmatch(string(r.Body), -1)
		if len(ids) != 2 {
			t.Fatalf("%d revoke forms", len(ids))
		}
		// Which one is the phone's? The page lists the current session's form with a confirm.
		phoneSID := ""
		for _, m := range ids {
			if !strings.Contains(string(r.Body), `action="/me/sessions/`+m[1]+`/revoke" data-confirm`) {
				phoneSID = m[1]
			}
		}
		if phoneSID == "" {
			t.Fatal("cannot tell the other session")
		}

		// Someone else cannot end it.
		other := newPageBrowser(t, ta, browserAgent)
		other.login("other@example.com", goodPassword)
		other.Post("/me/sessions/" + phoneSID + "/revoke").Status(404)
		other.Post("/me/sessions/nope/revoke").Status(404)

		// Sign out the phone from the computer.
		if got := location(t, pc.Post("/me/sessions/"+phoneSID+"/revoke")); got != "/me/sessions" {
			t.Fatalf("revoke → %q", got)
		}
		pc.Get("/me/sessions").Status(200).Contains("선택한 기기를 로그아웃했습니다.", "로그인한 기기 1대").NotContains("Safari · iOS")
		if got := location(t, phone.Get("/me/sessions")); !strings.HasPrefix(got, "/login") {
			t.Fatalf("revoked phone → %q", got)
		}

		// "Sign out here" on the current device logs out.
		cur := sessionIDRE.FindStringSubmatch(string(pc.Get("/me/sessions").Body))[1]
		r = pc.Post("/me/sessions/" + cur + "/revoke")
		if got := location(t, r); got != "/" {
			t.Fatalf("revoke current → %q", got)
		}
		if c := setCookie(r, "access_token"); c == nil || c.Value != "" {
			t.Fatal("cookies not cleared")
		}
		pc.Get("/").Contains("로그아웃되었습니다.").NotContains(`action="/logout"`)

		// Sign out every other device.
		a, b2 := newPageBrowser(t, ta, browserAgent), newPageBrowser(t, ta, phoneAgent)
		a.login("owner@example.com", goodPassword)
		b2.login("owner@example.com", goodPassword)
		location(t, a.Post("/me/sessions/revoke-others"))
		a.Get("/me/sessions").Contains("다른 기기 1대를 로그아웃했습니다.", "로그인한 기기 1대")
		if got := location(t, b2.Get("/me/sessions")); !strings.HasPrefix(got, "/login") {
			t.Fatalf("other device still signed in: %q", got)
		}
	})
}

// TestSessionHint: pages tell session.js how long the access token lasts,
// and mark a page whose access token has expired as stale so the script can
// refresh it.
func TestSessionHint(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		realTime(ta)
		register(t, ta, "keeper@example.com", "지킴이")
		b := newPageBrowser(t, ta, browserAgent)
		b.Get("/").NotContains("data-session", "js/session.")
		b.login("keeper@example.com", goodPassword)
		r := b.Get("/")
		r.Contains(`<body data-session="active" data-session-expires-in="900">`, "/static/js/session.")

		ta.Clock.Advance(16 * time.Minute)
		b.Get("/").Contains(`<body data-session="stale">`, "/static/js/session.", `href="/login"`)
		// The login page a stale /me redirects to is marked too: the script
		// refreshes and the reload lands on /me.
		if got := location(t, b.Get("/me/sessions")); got != "/login?next=%2Fme%2Fsessions" {
			t.Fatalf("stale /me/sessions → %q", got)
		}
		b.Get("/login?next=%2Fme%2Fsessions").Status(200).Contains(`<body data-session="stale">`)

		// What session.js does: refresh with the cookie, then reload.
		b.Post("/api/refresh").Status(200)
		b.Get("/login?next=%2Fme%2Fsessions").Status(303)
		b.Get("/me/sessions").Status(200).Contains(`data-session="active"`)

		// API requests and bearer tokens are never marked.
		ta.Clock.Advance(16 * time.Minute)
		b.Get("/").Contains(`data-session="stale"`)
		ta.Get("/", "Accept", "text/html", "Authorization", "Bearer expired.token.value").NotContains("data-session")
	})
}
