package certificates_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// TestCertificatesInBrowser: a learner who completed a course finds the
// certificate on "my certificates" (PDF, badge, verification link,
// LinkedIn), opens its verification page; a visitor finds it from the
// footer's look-up by typing the serial; an admin revokes it from the
// console, and the verification page then says revoked. Under the real
// CSP, and at phone width for the learner's page.
func TestCertificatesInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	testkit.Must(t, ta.App.Start(context.Background()))
	tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
	newUser(t, ta, "admin@example.com", "관리자", "admin")
	learner := newUser(t, ta, "learner@example.com", "김하늘", "student")
	c := newCourse(t, ta, tutor, "자바스크립트 입문", 3, nil)
	other := newCourse(t, ta, tutor, "리액트 기초", 2, nil)
	for _, id := range []int64{c.ID, other.ID} {
		ta.Request("POST", fmt.Sprintf("/api/courses/%d/enrollments/", id),
			map[string]any{"email": learner.email, "reason": "테스트"}, as(tutor)...).Status(201)
	}
	complete(t, ta, learner, c)
	read(t, ta, learner, other)
	cert := waitCerts(t, ta, learner, 1)[0]

	base := browser.Serve(t, ta.App.Fiber)
	browser.WatchCSP(t, ctx)
	shoot := func(name string) {
		if dir := browser.ScreenshotDir(); dir != "" {
			browser.Screenshot(t, ctx, filepath.Join(dir, name+".png"))
		}
	}
	login := func(email string) {
		testkit.Must(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/login?lang=ko"),
			chromedp.WaitVisible(chromedp.CSS("#f-email")),
			chromedp.SendKeys(chromedp.CSS("#f-email"), email),
			chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
			chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".btn-account")),
		))
	}

	// The learner's page, at phone width: the certificate, and the other
	// course on its way with what is missing.
	browser.Resize(t, ctx, browser.Desktop)
	login("learner@example.com")
	browser.Resize(t, ctx, browser.Phone)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/me/certificates"),
		chromedp.WaitVisible(chromedp.CSS(".cert-card")),
		chromedp.WaitVisible(chromedp.CSS(".cert-copy")), // shown where the clipboard works
	))
	if got := browser.Eval[string](t, ctx, `document.querySelector(".cert-card .cert-serial").textContent`); got != cert.Serial {
		t.Errorf("serial on the page %q, want %q", got, cert.Serial)
	}
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll("#course-`+fmt.Sprint(other.ID)+` .cert-missing li").length`); n != 2 {
		t.Errorf("%d missing items for the other course, want 2 (its midterm and final)", n)
	}
	if v := browser.Eval[[]int](t, ctx, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); v[0] > v[1] {
		t.Errorf("my certificates is %d px wide on a %d px screen", v[0], v[1])
	}
	// The PDF and the badge download (fetched as the page's links would).
	for sel, mime := range map[string]string{".cert-pdf": "application/pdf", ".cert-credential": "application/vc+jwt"} {
		js := `(() => { const x = new XMLHttpRequest(); x.open("GET", document.querySelector("` + sel + `").href, false);
			x.send(); return x.status + " " + x.getResponseHeader("content-type"); })()`
		got := browser.Eval[string](t, ctx, js)
		if !strings.HasPrefix(got, "200 "+mime) {
			t.Errorf("%s: %s", sel, got)
		}
	}
	if href := browser.Eval[string](t, ctx, `document.querySelector(".cert-linkedin").href`); !strings.HasPrefix(href,
		"https://www.linkedin.com/profile/add?") || !strings.Contains(href, cert.Serial) {
		t.Errorf("LinkedIn link %q", href)
	}
	shoot("certificates-mine-phone")
	browser.Resize(t, ctx, browser.Desktop)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".cert-verify")),
		chromedp.WaitVisible(chromedp.CSS("#verify-valid")),
	))
	if got := browser.Eval[string](t, ctx, `document.getElementById("verify-holder").textContent`); got != "김하늘" {
		t.Errorf("holder %q", got)
	}
	shoot("certificates-verify-valid")

	// A visitor: the footer's look-up, the serial typed in lower case.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`footer a[href="/certificates/verify"]`)),
		chromedp.Click(chromedp.CSS(`footer a[href="/certificates/verify"]`)),
		chromedp.WaitVisible(chromedp.CSS("#serial")),
		chromedp.SendKeys(chromedp.CSS("#serial"), strings.ToLower(cert.Serial)),
		chromedp.Submit(chromedp.CSS("#serial")),
		chromedp.WaitVisible(chromedp.CSS("#verify-valid")),
	))
	shoot("certificates-lookup")

	// An admin revokes it from the console.
	_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
	testkit.Must(t, err)
	login("admin@example.com")
	row := fmt.Sprintf("#admin-certificate-%d", cert.ID)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/certificates"),
		chromedp.WaitVisible(chromedp.CSS(row)),
	))
	browser.Eval[bool](t, ctx, `window.confirm = () => true, true`) // app.js's data-confirm asks first
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(row+" input[name=reason]"), "시험 부정"),
		chromedp.Click(chromedp.CSS(row+" button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-status="revoked"]`)),
	))
	shoot("certificates-admin-revoked")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/verify/"+cert.Serial),
		chromedp.WaitVisible(chromedp.CSS("#verify-revoked")),
	))
	shoot("certificates-verify-revoked")
	browser.NoCSPViolations(t, ctx)
}
