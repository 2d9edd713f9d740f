package dashboard_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// TestDashboardsInBrowser: an admin lands on /admin and sees the charts
// drawn (and the numbers still there as tables), picks "last 7 days";
// a tutor's studio home charts their course and lists its learners; a
// learner's "my learning" shows the course progress bars, the missions
// and the weekly chart, at phone width without overflow. Under the real
// CSP.
func TestDashboardsInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	testkit.Must(t, ta.App.Start(context.Background()))
	d := module(t, ta)
	ta.NewUser(t, "admin@example.com", "관리자", "admin")
	tutor := ta.NewUser(t, "tutor@example.com", "튜터", "tutor")
	learner := ta.NewUser(t, "learner@example.com", "김하늘", "student")
	other := ta.NewUser(t, "other@example.com", "이바다", "student")
	c := newCourse(t, ta, tutor, "자바스크립트 입문")
	buy(t, ta, learner, c)
	take(t, ta, learner, c, c.midterm, true)
	buy(t, ta, other, c)
	take(t, ta, other, c, c.midterm, false)
	testkit.Must(t, d.FlushPresence(context.Background()))
	testkit.Must(t, d.Rollup(context.Background()))

	base := browser.Serve(t, ta.App.Fiber)
	browser.WatchCSP(t, ctx)
	// shoot takes a full-page screenshot with a viewport as tall as the
	// page, so the capture does not resize the page (which clears the
	// charts' canvases until they redraw).
	shoot := func(name string, width int64) {
		dir := browser.ScreenshotDir()
		if dir == "" {
			return
		}
		h := browser.Eval[int64](t, ctx, `document.documentElement.scrollHeight`)
		browser.Resize(t, ctx, browser.Size{Width: width, Height: h})
		time.Sleep(2 * time.Second) // the charts redraw (and animate) at the new size
		browser.Screenshot(t, ctx, filepath.Join(dir, name+".png"))
	}
	login := func(email string) {
		_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
		testkit.Must(t, err)
		browser.Resize(t, ctx, browser.Desktop)
		testkit.Must(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/login?lang=ko"),
			chromedp.WaitVisible(chromedp.CSS("#f-email")),
			chromedp.SendKeys(chromedp.CSS("#f-email"), email),
			chromedp.SendKeys(chromedp.CSS("#f-password"), apptest.Password),
			chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".btn-account")),
		))
	}
	// painted reports whether a chart's canvas was drawn on.
	painted := func(id string) bool {
		return browser.Eval[bool](t, ctx, `(() => {
			const c = document.querySelector("#`+id+` canvas");
			if (!c || !c.width || !c.height) return false;
			const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
			for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
			return false;
		})()`)
	}

	// The admin's landing page: every chart drawn, its table kept.
	login("admin@example.com")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#dashboard-title")),
	))
	browser.WaitJS(t, ctx, 10*time.Second, `document.querySelectorAll(".wv-chart canvas").length >= 5`)
	for _, id := range []string{"chart-revenue", "chart-users", "chart-learning", "chart-watch", "chart-completion", "chart-missions"} {
		if !painted(id) {
			t.Errorf("%s: no chart drawn", id)
		}
		if n := browser.Eval[int](t, ctx, `document.querySelectorAll("#`+id+` details.wv-chart-table table").length`); n != 1 {
			t.Errorf("%s: the numbers' table is not kept under the chart", id)
		}
	}
	if got := browser.Eval[string](t, ctx, `document.querySelector("#kpi-revenue .dash-kpi-value").textContent.trim()`); got != "40,000원" {
		t.Errorf("net revenue %q, want 40,000원", got)
	}
	shoot("dashboard-admin", browser.Desktop.Width)
	browser.Resize(t, ctx, browser.Desktop)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#range-7")),
		chromedp.WaitVisible(chromedp.CSS("#range-7[aria-current]")),
	))
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll("#chart-revenue tbody tr").length`); n != 7 {
		t.Errorf("last 7 days: %d rows", n)
	}

	// The tutor's studio home.
	login("tutor@example.com")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/studio"),
		chromedp.WaitVisible(chromedp.CSS("#learners-table")),
	))
	browser.WaitJS(t, ctx, 10*time.Second, `document.querySelectorAll(".wv-chart canvas").length >= 4`)
	if !painted("chart-revenue") || !painted("chart-missions") {
		t.Error("the studio's charts are not drawn")
	}
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll("#learners-table tbody tr").length`); n != 2 {
		t.Errorf("%d learners listed, want 2", n)
	}
	shoot("dashboard-studio", browser.Desktop.Width)

	// The learner's, at phone width.
	login("learner@example.com")
	browser.Resize(t, ctx, browser.Phone)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/me/learning"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#my-course-%d", c.ID))),
	))
	browser.WaitJS(t, ctx, 10*time.Second, `!!document.querySelector("#chart-weeks canvas")`)
	bars := browser.Eval[[]float64](t, ctx, `[...document.querySelectorAll("progress.my-progress")].map(p => p.value)`)
	// The resume card and the course: 2 of 3 topics (the article, the midterm).
	if len(bars) != 2 || bars[0] < 66 || bars[0] > 67 || bars[1] != bars[0] {
		t.Errorf("progress bars %v, want two at 2/3", bars)
	}
	if got := browser.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector("#my-course-%d .my-mission.state-passed").textContent`, c.ID)); got == "" {
		t.Error("the passed midterm is not shown")
	}
	if v := browser.Eval[[]int](t, ctx, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); v[0] > v[1] {
		t.Errorf("my learning is %d px wide on a %d px screen", v[0], v[1])
	}
	shoot("dashboard-learner", browser.Phone.Width)
	browser.NoCSPViolations(t, ctx)
}
