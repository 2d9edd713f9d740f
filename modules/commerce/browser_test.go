package commerce_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// TestBuyInBrowser: a new learner buys the default nano-degree with the
// demo provider, from the home page's enroll button through checkout (with
// a billing address) and the demo's approval page, then sees every course
// of the roadmap owned and the receipt. Under the real CSP, on a phone-sized
// screen for the checkout.
func TestBuyInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, _ *app.Options) { cfg.Content.ImportDefault = true })
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	testkit.Must(t, ta.App.Start(context.Background()))
	newUser(t, ta, "buyer", "student")
	base := browser.Serve(t, ta.App.Fiber)
	browser.WatchCSP(t, ctx)
	browser.Resize(t, ctx, browser.Desktop)
	shoot := func(name string) {
		if dir := browser.ScreenshotDir(); dir != "" {
			browser.Screenshot(t, ctx, filepath.Join(dir, name+".png"))
		}
	}
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "buyer@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/checkout?curriculum="]`)),
	))
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll('.roadmap-card[data-status="locked"]').length`); n != 7 {
		t.Fatalf("%d locked courses before the purchase", n)
	}
	browser.Resize(t, ctx, browser.Phone)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href^="/checkout?curriculum="]`)),
		chromedp.WaitVisible(chromedp.CSS("#checkout-form")),
	))
	if got := browser.Eval[string](t, ctx, `document.getElementById("checkout-total").textContent`); got != "50,000원" {
		t.Errorf("checkout total %q", got)
	}
	if v := browser.Eval[[]int](t, ctx, `[document.documentElement.scrollWidth, window.innerWidth]`); v[0] > v[1] {
		t.Errorf("checkout is %d px wide on a %d px screen", v[0], v[1])
	}
	shoot("commerce-checkout-phone")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-country"), "대한민국"),
		chromedp.SendKeys(chromedp.CSS("#f-main_address"), "서울특별시 중구 세종대로 110"),
		chromedp.SendKeys(chromedp.CSS("#f-postal_code"), "04524"),
		chromedp.Click(chromedp.CSS("#pay-button")),
		chromedp.WaitVisible(chromedp.CSS("#demo-approve")),
	))
	if got := browser.Eval[string](t, ctx, `document.getElementById("demo-amount").textContent`); got != "50,000원" {
		t.Errorf("demo page amount %q", got)
	}
	shoot("commerce-demo-phone")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#demo-approve")),
		chromedp.WaitVisible(chromedp.CSS("#result-paid")),
	))
	shoot("commerce-paid-phone")
	browser.NoCSPViolations(t, ctx)
	browser.Resize(t, ctx, browser.Desktop)
	// The grants arrive through the event queue: the roadmap turns owned.
	deadline := time.Now().Add(20 * time.Second)
	for {
		testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".roadmap"))))
		n := browser.Eval[int](t, ctx, `document.querySelectorAll('.roadmap-card[data-status="owned"]').length`)
		if n == 7 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 7 courses owned on the roadmap", n)
		}
		time.Sleep(300 * time.Millisecond)
	}
	shoot("commerce-roadmap-owned")
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/me/orders"),
		chromedp.WaitVisible(chromedp.CSS(".order-card")),
		chromedp.Click(chromedp.CSS(`.payment-row a[href^="/me/receipts/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#receipt")),
	))
	if got := browser.Eval[string](t, ctx, `document.getElementById("receipt-amount").textContent`); !strings.Contains(got, "50,000") {
		t.Errorf("receipt amount %q", got)
	}
	shoot("commerce-receipt")
	if dir := browser.ScreenshotDir(); dir != "" {
		for _, p := range []string{"/me/orders", "/me/payments/1/refund", "/cart", "/payments/1"} {
			testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("body"))))
			shoot("commerce-desktop-" + strings.NewReplacer("/", "-").Replace(strings.Trim(p, "/")))
		}
	}
	browser.NoCSPViolations(t, ctx)
}
