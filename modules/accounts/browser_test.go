package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// fontsLoaded waits for the web fonts, so screenshots show Pretendard.
var fontsLoaded = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	_, err := chromedp.Poll[bool]("document.fonts.status === 'loaded'")(ctx, tg)
	return err
})

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor waits until js is true, across page loads: Chromium checks it on
// every animation frame (chromedp.Poll), and a navigation in the middle of
// the wait starts it again on the next page. It returns as soon as js
// holds: the timeout only bounds a failure, and is generous for a slow,
// loaded machine.
func waitFor(ctx context.Context, js string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		ok, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(left)))
		if err == nil && ok {
			return true
		}
		if errors.Is(err, chromedp.ErrPollingTimeout) || ctx.Err() != nil {
			return false
		}
		// The page went away under the wait: on to the next one.
		_ = chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("body")))
	}
}

func locationOf(t *testing.T, ctx context.Context) string {
	t.Helper()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAccountInBrowser walks the sign-up → log in → profile → log out path
// in headless Chromium against the whole app on a real listener, so the real
// security headers (CSP: no inline script or style) apply.
func TestAccountInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	pageTime(ta)
	base := testkit.Listen(t, ta.App.Fiber)
	browser.Resize(t, ctx, browser.Desktop)

	// Sign up.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/signup"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "browser@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-nickname"), "브라우저"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), pagePassword+"x"),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#f-password_confirm-error")),
	); err != nil {
		t.Fatal(err)
	}
	// The mismatch is shown next to its field, which has the focus.
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "f-password_confirm" {
		t.Errorf("focus on %q after an error", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), pagePassword),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-area .alert-success")),
	); err != nil {
		t.Fatal(err)
	}
	if u := locationOf(t, ctx); !strings.HasSuffix(u, "/login?email=browser%40example.com") {
		t.Fatalf("after sign-up at %s", u)
	}
	if got := text(t, ctx, ".flash-area .alert-success"); !strings.Contains(got, "가입이 완료되었습니다") {
		t.Errorf("flash = %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('f-email').value`); got != "browser@example.com" {
		t.Errorf("login e-mail prefilled with %q", got)
	}

	// The show-password button works (app.js runs under the CSP).
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword),
		chromedp.Click(chromedp.CSS(`[data-password-toggle="f-password"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `document.getElementById('f-password').type`); got != "text" {
		t.Errorf("password toggle: type %q", got)
	}

	// Log in and see the profile.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
		chromedp.Navigate(base+"/me"),
		chromedp.WaitVisible(chromedp.CSS("#profile-name")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#profile-name"); got != "브라우저" {
		t.Fatalf("profile name %q", got)
	}
	if got := eval[string](t, ctx, `document.body.dataset.session`); got != "active" {
		t.Errorf("body data-session = %q", got)
	}
	if ck := eval[string](t, ctx, `document.cookie`); strings.Contains(ck, "access_token") {
		t.Error("the session cookie is readable from JavaScript")
	}

	// A stale access token: session.js refreshes it and the page comes back signed in.
	// The page knows when its session expires (auth marks it): without that,
	// session.js cannot refresh, and this check must fail, not be skipped.
	if eval[string](t, ctx, `document.body.dataset.sessionExpiresIn || ""`) == "" {
		t.Fatal("the page has no data-session-expires-in: session.js cannot refresh a stale session")
	}
	ta.Clock.Advance(16 * time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/me")); err != nil {
		t.Fatal(err)
	}
	// /me → 303 /login?next=/me (stale) → refresh → reload → 303 /me.
	if !waitFor(ctx, `location.pathname === '/me' && !!document.getElementById('profile-name')`, 30*time.Second) {
		t.Fatalf("stale session not refreshed: at %s", locationOf(t, ctx))
	}

	// A signed-in page refreshes ahead of expiry: 30 s left → at once.
	const at = `(JSON.parse(localStorage.getItem('weaverse:session') || '{}').at || 0)`
	before := eval[float64](t, ctx, at)
	ta.Clock.Advance(14*time.Minute + 30*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/me"), chromedp.WaitVisible(chromedp.CSS("#profile-name"))); err != nil {
		t.Fatal(err)
	}
	if !waitFor(ctx, fmt.Sprintf("%s > %f", at, before), 30*time.Second) {
		t.Fatal("no refresh before expiry")
	}
	// The old token would have expired by now; the new one has not.
	ta.Clock.Advance(5 * time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/me")); err != nil {
		t.Fatal(err)
	}
	if u := locationOf(t, ctx); !strings.HasSuffix(u, "/me") {
		t.Fatalf("after the scheduled refresh, /me went to %s", u)
	}

	// Log out with the navbar button.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".btn-account")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-login")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, ".flash-area"); !strings.Contains(got, "로그아웃되었습니다") {
		t.Errorf("logout flash = %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/me"), chromedp.WaitVisible(chromedp.CSS("#f-email"))); err != nil {
		t.Fatal(err)
	}
	if u := locationOf(t, ctx); !strings.HasSuffix(u, "/login?next=%2Fme") {
		t.Fatalf("anonymous /me at %s", u)
	}
}

// shooter returns a function that opens path at a viewport size in a fresh
// headless Chromium (one per group: a browser session has a time limit),
// runs extra steps and saves a full-page screenshot as name.png in dir.
type shooter func(size browser.Size, path, name string, extra ...chromedp.Action[chromedp.Void])

func newShooter(t *testing.T, ctx context.Context, base, dir string) shooter {
	return func(size browser.Size, path, name string, extra ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browser.Resize(t, ctx, size)
		steps := append([]chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + path),
			chromedp.WaitVisible(chromedp.CSS("main")),
			fontsLoaded,
		}, extra...)
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		browser.Screenshot(t, ctx, filepath.Join(dir, name+".png"))
	}
}

var sizes = []struct {
	size browser.Size
	tag  string
}{{browser.Desktop, "desktop"}, {browser.Phone, "phone"}}

// TestAccountScreenshots saves screenshots of the sign-in and account pages
// for design review when WEAVERSE_SCREENSHOT_DIR is set.
func TestAccountScreenshots(t *testing.T) {
	dir := browser.ScreenshotDir()
	if dir == "" {
		t.Skip("set WEAVERSE_SCREENSHOT_DIR to save screenshots")
	}
	ta := apptest.New(t, "sqlite")
	pageTime(ta)
	base := testkit.Listen(t, ta.App.Fiber)

	// Data: an admin with a profile and other devices, students and a tutor.
	b := newPageBrowser(t, ta)
	b.signup("admin@weaverse.dev", "위버스관리자")
	for i, n := range []string{"김하늘", "이도윤", "박서연", "최민준", "정지우", "강하은", "윤시우", "장서아"} {
		newPageBrowser(t, ta).signup(fmt.Sprintf("learner%d@example.com", i+1), n)
	}
	newPageBrowser(t, ta).signup("tutor@weaverse.dev", "한강사")
	db := ta.App.DB.W
	_, err := db.NewUpdate().Table("accounts_users").Set("role = 'admin'").Where("email = ?", "admin@weaverse.dev").Exec(context.Background())
	testkit.Must(t, err)
	_, err = db.NewUpdate().Table("accounts_users").Set("role = 'tutor'").Where("email = ?", "tutor@weaverse.dev").Exec(context.Background())
	testkit.Must(t, err)
	for _, ua := range []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
	} {
		ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "admin@weaverse.dev", "password": pagePassword}, "User-Agent", ua).Status(200)
	}
	b.login("admin@weaverse.dev", pagePassword)
	redirect(t, b.Post("/me", "nickname", "위버스관리자", "phone_number", "010-2024-1126",
		"introduction", "Weaverse를 운영하고 있습니다. 궁금한 점은 언제든 물어보세요."))
	submit := chromedp.Click(chromedp.CSS(".auth-form button[type=submit]"))

	t.Run("anonymous", func(t *testing.T) {
		shot := newShooter(t, browser.New(t), base, dir)
		for _, s := range sizes {
			shot(s.size, "/login?lang=ko", "login-"+s.tag)
			shot(s.size, "/signup?lang=ko", "signup-"+s.tag)
			shot(s.size, "/signup?lang=ko", "signup-errors-"+s.tag,
				chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@weaverse.dev"),
				chromedp.SendKeys(chromedp.CSS("#f-nickname"), "x"),
				chromedp.SendKeys(chromedp.CSS("#f-password"), "short"),
				submit, chromedp.WaitVisible(chromedp.CSS(".form-alert")), fontsLoaded)
			shot(s.size, "/password/reset?lang=ko", "reset-"+s.tag)
			shot(s.size, "/password/reset/confirm?token=bogus&lang=ko", "reset-confirm-"+s.tag)
		}
		shot(browser.Desktop, "/login?lang=ko", "login-error-desktop",
			chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@weaverse.dev"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), "wrong-password!"),
			submit, chromedp.WaitVisible(chromedp.CSS(".form-alert")), fontsLoaded)
		shot(browser.Desktop, "/password/reset?lang=ko", "reset-sent-desktop",
			chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@weaverse.dev"),
			submit, chromedp.WaitVisible(chromedp.CSS(".auth-icon-success")), fontsLoaded)
		shot(browser.Desktop, "/login?lang=en", "login-en-desktop")
	})

	t.Run("admin", func(t *testing.T) {
		ctx := browser.New(t)
		shot := newShooter(t, ctx, base, dir)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login?lang=ko"),
			chromedp.WaitVisible(chromedp.CSS("#f-email")),
			chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@weaverse.dev"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword),
			submit,
			chromedp.WaitVisible(chromedp.CSS(".btn-account")),
		); err != nil {
			t.Fatal(err)
		}
		for _, s := range sizes {
			shot(s.size, "/me?lang=ko", "profile-"+s.tag)
			shot(s.size, "/me/sessions?lang=ko", "sessions-"+s.tag)
			shot(s.size, "/admin/users?page_size=5&lang=ko", "admin-users-"+s.tag)
		}
		shot(browser.Desktop, "/admin/users?role=tutor&lang=ko", "admin-tutors-desktop")
		shot(browser.Desktop, "/me?lang=ko", "profile-password-errors-desktop",
			chromedp.SendKeys(chromedp.CSS("#f-old_password"), "nope"),
			chromedp.SendKeys(chromedp.CSS("#f-new_password"), "short"),
			chromedp.Click(chromedp.CSS(`form[action="/me/password"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS("#f-old_password-error")), fontsLoaded)
		shot(browser.Desktop, "/me?lang=en", "profile-en-desktop")
	})
}
