package accounts_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// consoleErrors collects what a tab writes to its console as an error
// (console.error, an uncaught exception, a resource that failed to load,
// a refused script or style) from the moment it is made.
type consoleErrors struct {
	mu   sync.Mutex
	list []string
}

func watchConsole(ctx context.Context) *consoleErrors {
	ce := &consoleErrors{}
	msgs := chromedp.Console(ctx) // subscribed now; read as they come
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				ce.mu.Lock()
				ce.list = append(ce.list, fmt.Sprintf("%s (%s)", m, m.URL))
				ce.mu.Unlock()
			}
		}
	}()
	return ce
}

// take returns the errors since the last take.
func (ce *consoleErrors) take() []string {
	ce.mu.Lock()
	defer ce.mu.Unlock()
	out := ce.list
	ce.list = nil
	return out
}

// overflowJS lists what sticks out of the viewport on the right: the page
// scrolling sideways, or an element cut off by a box that hides overflow.
// Content inside a box that scrolls sideways (a wide table) is allowed.
const overflowJS = `(() => {
	const w = window.innerWidth, out = [];
	if (document.documentElement.scrollWidth > w) out.push("document scrollWidth " + document.documentElement.scrollWidth);
	const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
		const ox = getComputedStyle(p).overflowX; if (ox === "auto" || ox === "scroll") return true; } return false; };
	for (const el of document.querySelectorAll("body *")) {
		const r = el.getBoundingClientRect();
		if (r.width <= 1 || r.height <= 1 || r.right <= w + 0.5) continue;
		if (getComputedStyle(el).visibility === "hidden" || scrolls(el)) continue;
		out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && el.className.baseVal === undefined ? "." + el.className.trim().split(/\s+/).join(".") : "") + " right " + Math.round(r.right));
		if (out.length > 10) break;
	}
	return out;
})()`

// checkAdminPage checks the page the admin is on: no CSP violation and no
// console error since the last check, and at 390 px wide nothing sticks
// out sideways.
func checkAdminPage(t *testing.T, ctx context.Context, ce *consoleErrors, name string) {
	t.Helper()
	browser.NoCSPViolations(t, ctx)
	if errs := ce.take(); len(errs) > 0 {
		t.Errorf("%s: console errors: %q", name, errs)
	}
	// Charts size their canvases through the CSSOM (which the CSP allows);
	// a style attribute written in the HTML is dropped.
	if n := eval[int](t, ctx, `[...document.querySelectorAll("[style]")].filter(e => !e.closest(".wv-chart")).length`); n != 0 {
		t.Errorf("%s: %d elements with inline styles (the CSP drops them)", name, n)
	}
	browser.Resize(t, ctx, browser.Phone)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)))
	if out := eval[[]string](t, ctx, overflowJS); len(out) > 0 {
		t.Errorf("%s at 390 px: overflows %q", name, out)
	}
	// On a phone a table row is a card: each cell's label (data-label)
	// on the left, its value, in one piece, on the right.
	if split := eval[[]string](t, ctx, `[...document.querySelectorAll(".users-table td")].filter(td => [...td.childNodes].filter(n =>
		n.nodeType === 1 || (n.nodeType === 3 && n.textContent.trim())).length > 1).map(td => td.dataset.label)`); len(split) > 0 {
		t.Errorf("%s at 390 px: cells whose value falls apart: %q", name, split)
	}
	// A form's buttons stand clear of its last field.
	if gap := eval[float64](t, ctx, `(() => { const b = document.querySelector("main form button[type=submit]"), f = b && b.closest("form");
		const fields = f ? f.querySelectorAll(".wv-field") : []; if (!fields.length) return 99;
		return b.getBoundingClientRect().top - fields[fields.length - 1].getBoundingClientRect().bottom; })()`); gap < 12 {
		t.Errorf("%s at 390 px: the submit button is %.0f px below the last field", name, gap)
	}
	browser.Resize(t, ctx, browser.Desktop)
}

// tabTo presses Tab until the focused element matches sel, and fails the
// test when it never does.
func tabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	js := fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel)
	for range 80 {
		if eval[bool](t, ctx, js) {
			return
		}
		testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)))
	}
	t.Fatalf("Tab never reached %s (focus on %s)", sel, eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 120)`))
}

// signInPage signs a user in through the login page.
func signInPage(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
	))
}

// TestAdminConsoleInBrowser: in headless Chromium, against the whole app
// on a real listener (so the real CSP applies), an admin creates a tutor
// with the keyboard alone, changes a student's role, suspends a user
// (whose next request, in their own browser and through the API, is
// refused) and finds all three in the audit log. Every console page is
// checked for CSP violations, console errors and sideways overflow at
// 390 px.
func TestAdminConsoleInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	pageTime(ta)
	bg := context.Background()
	newPageBrowser(t, ta).signup("boss@example.com", "관리자님")
	_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = 'admin'").Where("email = ?", "boss@example.com").Exec(bg)
	testkit.Must(t, err)
	newPageBrowser(t, ta).signup("learner@example.com", "배우는사람")
	newPageBrowser(t, ta).signup("leaver@example.com", "떠날사람")
	// A long address: the phone layout must wrap it, not overflow.
	newPageBrowser(t, ta).signup("a.rather.long.address.for.testing.layout@subdomain.example.com", "긴주소의학생")
	idOf := func(email string) int64 {
		var id int64
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("accounts_users").Column("id").Where("email = ?", email).Scan(bg, &id))
		return id
	}
	roleOf := func(email string) string {
		var role string
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("accounts_users").Column("role").Where("email = ?", email).Scan(bg, &role))
		return role
	}
	base := testkit.Listen(t, ta.App.Fiber)

	// The user to be suspended is signed in: in a browser context of their
	// own, and through the API.
	uctx, cancelU := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancelU()
	signInPage(t, uctx, base, "leaver@example.com")
	testkit.Must(t, chromedp.Do(uctx, chromedp.Navigate(base+"/me"), chromedp.WaitVisible(chromedp.CSS("#profile-name"))))
	token := login(t, ta, "leaver@example.com", pagePassword)
	ta.Get("/api/me", "Authorization", "Bearer "+token).Status(200)

	browser.Resize(t, ctx, browser.Desktop)
	browser.WatchCSP(t, ctx)
	ce := watchConsole(ctx)
	signInPage(t, ctx, base, "boss@example.com")
	ce.take() // the sign-in pages are another test's

	// The console's landing page (the dashboard), then the user list
	// through its link.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.CSS(".dash-consoles a"))))
	checkAdminPage(t, ctx, ce, "/admin")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.dash-consoles a[href="/admin/users"]`)),
		chromedp.WaitVisible(chromedp.CSS(".users-table")),
	))
	if got := eval[int](t, ctx, `document.querySelectorAll(".users-table tbody tr").length`); got != 3 {
		t.Errorf("%d students listed, want 3", got)
	}
	checkAdminPage(t, ctx, ce, "/admin/users")
	long := idOf("a.rather.long.address.for.testing.layout@subdomain.example.com")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`.users-table a[href="/admin/users/%d"]`, long))),
		chromedp.WaitVisible(chromedp.CSS("#role")),
	))
	checkAdminPage(t, ctx, ce, "/admin/users/{long address}")

	// ---- create a tutor, with the keyboard alone ----
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(".users-table")),
		chromedp.Click(chromedp.CSS(`a[href="/admin/users/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
	))
	checkAdminPage(t, ctx, ce, "/admin/users/new")
	// A form with a mistake comes back with the error beside its field,
	// which has the focus.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-email"), "not-an-email"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), pagePassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users/new"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-email-error")),
	))
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "f-email" {
		t.Errorf("focus on %q after an error, want f-email", got)
	}
	ce.take() // the 422 answer itself
	checkAdminPage(t, ctx, ce, "/admin/users/new (errors)")

	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/admin/users/new"), chromedp.WaitVisible(chromedp.CSS("#f-email"))))
	tabTo(t, ctx, "#f-email")
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent("newtutor@example.com")))
	tabTo(t, ctx, "#f-nickname")
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent("새강사")))
	tabTo(t, ctx, "#f-role")
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown))) // 학생 → 강사
	if got := eval[string](t, ctx, `document.getElementById("f-role").value`); got != "tutor" {
		t.Fatalf("role %q after ArrowDown, want tutor", got)
	}
	tabTo(t, ctx, "#f-password")
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent(pagePassword)))
	tabTo(t, ctx, "#f-password_confirm")
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent(pagePassword)))
	tabTo(t, ctx, `form[action="/admin/users/new"] button[type=submit]`)
	// Where the focus is shows.
	if ring := eval[string](t, ctx, `(() => { const s = getComputedStyle(document.activeElement);
		return s.outlineStyle === "none" || s.outlineWidth === "0px" ? "" : s.outlineStyle + " " + s.outlineWidth; })()`); ring == "" {
		t.Error("the focused submit button shows no focus ring")
	}
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)))
	if !waitFor(ctx, `/^\/admin\/users\/\d+$/.test(location.pathname) && !!document.querySelector(".flash-area .alert-success")`, 30*time.Second) {
		t.Fatalf("after creating the tutor at %s", locationOf(t, ctx))
	}
	if tid := idOf("newtutor@example.com"); !strings.HasSuffix(locationOf(t, ctx), fmt.Sprintf("/admin/users/%d", tid)) {
		t.Errorf("after creating the tutor at %s, want its page", locationOf(t, ctx))
	}
	if got := text(t, ctx, ".flash-area .alert-success"); !strings.Contains(got, "새강사 님의 계정을 만들었어요") {
		t.Errorf("flash %q", got)
	}
	if got := text(t, ctx, ".page-lead .role-badge"); got != "강사" {
		t.Errorf("role badge %q", got)
	}
	if got := roleOf("newtutor@example.com"); got != "tutor" {
		t.Errorf("created with role %q", got)
	}
	checkAdminPage(t, ctx, ce, "/admin/users/{tutor}")

	// ---- a student becomes a tutor ----
	lid := idOf("learner@example.com")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(".users-table")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`.users-table a[href="/admin/users/%d"]`, lid))),
		chromedp.WaitVisible(chromedp.CSS("#role")),
	))
	checkAdminPage(t, ctx, ce, "/admin/users/{student}")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#role"), "tutor"),
		chromedp.Click(chromedp.CSS(`form[action$="/role"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-area .alert-success")),
	))
	if got := text(t, ctx, ".flash-area .alert-success"); !strings.Contains(got, "배우는사람 님의 역할을 강사(으)로 바꿨어요") {
		t.Errorf("flash %q", got)
	}
	if got := roleOf("learner@example.com"); got != "tutor" {
		t.Errorf("role %q after the change, want tutor", got)
	}

	// ---- suspend a user: their next request is refused ----
	vid := idOf("leaver@example.com")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/users?q=leaver"),
		chromedp.WaitVisible(chromedp.CSS(".users-table")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`.users-table a[href="/admin/users/%d"]`, vid))),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/active"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/active"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-area .alert-success")),
	))
	if got := text(t, ctx, ".flash-area .alert-success"); !strings.Contains(got, "떠날사람 님의 계정을 정지했어요") {
		t.Errorf("flash %q", got)
	}
	if got := text(t, ctx, `form[action$="/active"] button`); !strings.Contains(got, "정지 해제") {
		t.Errorf("after suspending, the button says %q", got)
	}
	checkAdminPage(t, ctx, ce, "/admin/users/{suspended}")
	// In their browser, the next page sends them to sign in.
	testkit.Must(t, chromedp.Do(uctx, chromedp.Navigate(base+"/me")))
	if !waitFor(uctx, `location.pathname === "/login" && !!document.getElementById("f-email")`, 30*time.Second) {
		t.Errorf("the suspended user's next page is %s", locationOf(t, uctx))
	}
	if eval[bool](t, uctx, `!!document.querySelector(".btn-account")`) {
		t.Error("the suspended user's browser still shows them signed in")
	}
	// Through the API, their token no longer works.
	ta.Get("/api/me", "Authorization", "Bearer "+token).Problem(401, "")
	// Nor can they sign in again.
	testkit.Must(t, chromedp.Do(uctx,
		chromedp.SendKeys(chromedp.CSS("#f-email"), "leaver@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".form-alert")),
	))

	// ---- the audit log shows all three, newest first ----
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/audit"),
		chromedp.WaitVisible(chromedp.CSS(".audit-table")),
	))
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll(".audit-table tbody tr")].map(r => r.innerText.replace(/\s+/g, " "))`)
	want := []*regexp.Regexp{
		regexp.MustCompile(`관리자님 계정 정지 떠날사람`),
		regexp.MustCompile(`관리자님 역할 변경 \(학생 → 강사\) 배우는사람`),
		regexp.MustCompile(`관리자님 계정 만들기 \(강사\) 새강사`),
	}
	if len(rows) != len(want) {
		t.Fatalf("audit rows %q", rows)
	}
	for i, re := range want {
		if !re.MatchString(rows[i]) || !strings.Contains(rows[i], "127.0.0.1") {
			t.Errorf("audit row %d = %q, want %s from 127.0.0.1", i, rows[i], re)
		}
	}
	checkAdminPage(t, ctx, ce, "/admin/audit")
}
