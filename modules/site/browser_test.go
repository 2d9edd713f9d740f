package site

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/testkit/browser"
	"github.com/weaverse/weaverse/platform/web"
)

// TestHomeInBrowser opens the home page in headless Chromium (Korean browser),
// then switches to English with the navbar's language switch.
func TestHomeInBrowser(t *testing.T) {
	ctx := browser.New(t)
	app, _ := newApp(t, web.Options{Dev: true})
	base := browser.Serve(t, app)

	browser.Resize(t, ctx, browser.Desktop)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#hero-title")),
	); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#hero-title")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "처음 배우는 웹 개발") {
		t.Fatalf("hero = %q, want Korean", title)
	}
	// The stylesheet and the web font really load (fingerprinted URLs work).
	font, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontFamily`))
	if err != nil || !strings.Contains(font, "Pretendard") {
		t.Errorf("body font = %q (%v)", font, err)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.lang-switch a[data-lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #hero-title`)),
	); err != nil {
		t.Fatal(err)
	}
	title, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#hero-title")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "Learn web development") {
		t.Fatalf("hero after switch = %q, want English", title)
	}
}

// TestScreenshots saves screenshots for design review when
// WEAVERSE_SCREENSHOT_DIR is set: home (ko/en, desktop/phone, phone menu
// open), the roadmap with every status, and the error page.
func TestScreenshots(t *testing.T) {
	dir := browser.ScreenshotDir()
	if dir == "" {
		t.Skip("set WEAVERSE_SCREENSHOT_DIR to save screenshots")
	}
	ctx := browser.New(t)
	app, w := newApp(t, web.Options{Dev: true})
	app.Get("/demo", func(c *fiber.Ctx) error { return w.Render(c, 200, "site/home", demoPage()) })
	app.Get("/missing", func(c *fiber.Ctx) error {
		return w.RenderError(c, 404, "", w.T(c, "problem.route.not_found"), "01JD4Q7ZK3V9")
	})
	base := browser.Serve(t, app)
	shot := func(size browser.Size, path, name string, extra ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browser.Resize(t, ctx, size)
		steps := append([]chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + path),
			chromedp.WaitVisible(chromedp.CSS("main")),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error { // web fonts in
				_, err := chromedp.Poll[bool]("document.fonts.status === 'loaded'")(ctx, tg)
				return err
			}),
		}, extra...)
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
		browser.Screenshot(t, ctx, filepath.Join(dir, name+".png"))
	}
	shot(browser.Desktop, "/?lang=ko", "home-ko-desktop")
	shot(browser.Desktop, "/?lang=en", "home-en-desktop")
	shot(browser.Phone, "/?lang=ko", "home-ko-phone")
	shot(browser.Phone, "/?lang=ko", "home-ko-phone-menu",
		chromedp.Click(chromedp.CSS(".navbar-toggler")),
		chromedp.WaitVisible(chromedp.CSS("#site-nav .nav-tools")),
		chromedp.Sleep(400*time.Millisecond))
	shot(browser.Desktop, "/demo?lang=ko", "roadmap-statuses-desktop")
	shot(browser.Desktop, "/missing?lang=ko", "error-404-desktop")
	shot(browser.Phone, "/missing?lang=en", "error-404-phone")
}

// TestRoadmapProgressInBrowser: the progress of a course in progress shows
// under the site's CSP (style-src 'self' ignores style attributes, so the
// bar is a native <progress>, drawn by the stylesheet).
func TestRoadmapProgressInBrowser(t *testing.T) {
	ctx := browser.New(t)
	app, w := newApp(t, web.Options{Dev: true})
	app.Get("/demo", func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; font-src 'self' data:")
		return w.Render(c, 200, "site/home", demoPage())
	})
	base := browser.Serve(t, app)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/demo"),
		chromedp.WaitVisible(chromedp.CSS("progress.roadmap-progress")),
	); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const p = document.querySelector("progress.roadmap-progress");
		return [p.position, p.getBoundingClientRect().width, document.querySelectorAll("[style]").length];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 0.4 || got[1] < 100 || got[2] != 0 {
		t.Errorf("progress position %v, width %v px, %v inline styles", got[0], got[1], got[2])
	}
}
