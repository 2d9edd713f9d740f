package assistant_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// TestAssistantInBrowser: on the lecture page a learner asks the panel
// beside the player a question with the keyboard; the answer streams in
// (from the fake model), its citations include "jump to 00:35", and that
// link seeks the page's video there. The panel folds away and back. Under
// the real CSP, on a phone-sized screen without overflow.
func TestAssistantInBrowser(t *testing.T) {
	fake := newFakeLLM(t, "클로저는 ", "함수가 만들어질 때의 ", "환경을 기억해요.")
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite", withLLM(fake))
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	w := newWorld(t, ta)
	// The video has no renditions (no transcoding here): marked as still
	// processing, the player says so and never loads it, so nothing but
	// the assistant moves its position.
	_, err := ta.App.DB.W.NewUpdate().Table("media_videos").Set("status = 'processing'").Where("owner_id = ?", w.tutor.ID).
		Exec(context.Background())
	testkit.Must(t, err)
	base := browser.Serve(t, ta.App.Fiber)
	browser.WatchCSP(t, ctx)
	browser.Resize(t, ctx, browser.Desktop)
	wait := func(js string) { t.Helper(); browser.WaitJS(t, ctx, 30*time.Second, js) }
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "learner@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
		chromedp.Navigate(fmt.Sprintf("%s/learn/%d/%d", base, w.course, w.video)),
		chromedp.WaitVisible(chromedp.CSS("#assistant-q")),
	))
	wait(`!document.getElementById("player-error").hidden`)
	if v := browser.Eval[string](t, ctx, `document.getElementById("assistant-quota").textContent`); !strings.Contains(v, "50") {
		t.Errorf("quota %q", v)
	}
	// Fold and unfold with the keyboard.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#assistant-toggle")), chromedp.KeyEvent(kb.Enter)))
	wait(`document.getElementById("assistant-body").hidden && document.getElementById("assistant-toggle").getAttribute("aria-expanded") === "false"`)
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent(" ")))
	wait(`!document.getElementById("assistant-body").hidden`)

	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#assistant-q"), "클로저가 뭐예요?"),
		chromedp.KeyEvent(kb.Enter),
	))
	wait(`document.querySelector(".assistant-msg.is-assistant .assistant-cite[data-seconds='35']") !== null`)
	if got := browser.Eval[string](t, ctx, `document.querySelector(".assistant-msg.is-assistant .assistant-text").textContent`); got != "클로저는 함수가 만들어질 때의 환경을 기억해요." {
		t.Errorf("answer %q", got)
	}
	if got := browser.Eval[string](t, ctx, `document.querySelector(".assistant-msg.is-user .assistant-text").textContent`); got != "클로저가 뭐예요?" {
		t.Errorf("question %q", got)
	}
	if v := browser.Eval[string](t, ctx, `document.getElementById("assistant-quota").textContent`); !strings.Contains(v, "49") {
		t.Errorf("quota after asking %q", v)
	}
	if v := browser.Eval[string](t, ctx, `document.getElementById("assistant-log").getAttribute("aria-live")`); v != "polite" {
		t.Errorf("aria-live %q", v)
	}
	jump := `.assistant-msg.is-assistant .assistant-cite[data-seconds='35']`
	if v := browser.Eval[string](t, ctx, `document.querySelector("`+jump+`").textContent`); !strings.Contains(v, "00:35") {
		t.Errorf("jump link %q", v)
	}
	// On a loaded machine the panel's last render can still move the link
	// when the pointer lands: a click that missed is clicked again.
	seeked := `Math.abs(document.getElementById("player-video").currentTime - 35) < 0.5`
	for attempt := 1; ; attempt++ {
		testkit.Must(t, chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(jump)), chromedp.Click(chromedp.CSS(jump))))
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && !browser.Eval[bool](t, ctx, seeked) {
			time.Sleep(100 * time.Millisecond)
		}
		if browser.Eval[bool](t, ctx, seeked) {
			break
		}
		if attempt == 3 {
			t.Fatalf("the jump link did not seek the player (currentTime %v)",
				browser.Eval[float64](t, ctx, `document.getElementById("player-video").currentTime`))
		}
	}
	if !strings.HasSuffix(browser.Eval[string](t, ctx, `location.pathname`), fmt.Sprintf("/learn/%d/%d", w.course, w.video)) {
		t.Error("the jump link left the page")
	}
	if dir := browser.ScreenshotDir(); dir != "" {
		browser.Screenshot(t, ctx, filepath.Join(dir, "assistant-desktop.png"))
	}
	// A citation of another topic opens it at #t=<seconds>: the player
	// starts there.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/learn/%d/%d", base, w.course, w.article)),
		chromedp.WaitVisible(chromedp.CSS("#assistant-q")),
		chromedp.Navigate(fmt.Sprintf("%s/learn/%d/%d#t=70", base, w.course, w.video)),
		chromedp.WaitVisible(chromedp.CSS("#assistant-q"))))
	wait(`Math.abs(document.getElementById("player-video").currentTime - 70) < 0.5`)

	// The conversation is there after a reload, on a phone, without overflow.
	browser.Resize(t, ctx, browser.Phone)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#assistant-q"))))
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll("#assistant-log .assistant-msg").length`); n != 2 {
		t.Errorf("%d messages after a reload", n)
	}
	if v := browser.Eval[[]int](t, ctx, `[document.documentElement.scrollWidth, window.innerWidth]`); v[0] > v[1] {
		t.Errorf("the page is %d px wide on a %d px screen", v[0], v[1])
	}
	if dir := browser.ScreenshotDir(); dir != "" {
		browser.Screenshot(t, ctx, filepath.Join(dir, "assistant-phone.png"))
	}
	browser.NoCSPViolations(t, ctx)
}
