package assessment_test

import (
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

// TestMissionsInBrowser: a learner opens the quiz from the classroom,
// answers it with the keyboard on a phone-sized screen, reads the graded
// result with its explanations, then writes the assignment's code, submits
// it and sees every test pass; the classroom ticks both topics. Under the
// real CSP, with nothing wider than the screen.
func TestMissionsInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	w := newWorld(t, ta)
	base := browser.Serve(t, ta.App.Fiber)
	browser.WatchCSP(t, ctx)
	browser.Resize(t, ctx, browser.Desktop)
	shoot := func(name string) {
		if dir := browser.ScreenshotDir(); dir != "" {
			browser.Screenshot(t, ctx, filepath.Join(dir, name+".png"))
		}
	}
	noOverflow := func(where string) {
		t.Helper()
		if v := browser.Eval[[]int](t, ctx, `[document.documentElement.scrollWidth, window.innerWidth]`); v[0] > v[1] {
			t.Errorf("%s: the page is %d px wide on a %d px screen", where, v[0], v[1])
		}
	}
	wait := func(js string) { t.Helper(); browser.WaitJS(t, ctx, 30*time.Second, js) }
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "learner@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
	))
	browser.Resize(t, ctx, browser.Phone)

	// From the classroom to the quiz.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/learn/%d/%d", base, w.course, w.quiz)),
		chromedp.WaitVisible(chromedp.CSS("#mission-link")),
		chromedp.Click(chromedp.CSS("#mission-link")),
		chromedp.WaitVisible(chromedp.CSS("#quiz-form")),
	))
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll(".quiz-question input[type=radio]").length`); n != 10 {
		t.Fatalf("%d choices shown", n)
	}
	noOverflow("quiz")
	shoot("mission-quiz-phone")
	// Answer the first question with the keyboard (the correct choice),
	// leave the second; the page asks before grading an unanswered one.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Focus(chromedp.CSS(fmt.Sprintf("#c-%d", w.correct[0]))),
		chromedp.KeyEvent(" "),
		chromedp.Focus(chromedp.CSS("#quiz-submit")),
		chromedp.KeyEvent(kb.Enter),
	))
	wait(`document.getElementById("quiz-error") !== null`)
	if !browser.Eval[bool](t, ctx, fmt.Sprintf(`document.getElementById("c-%d").checked`, w.correct[0])) {
		t.Fatal("the answer was lost when the page asked about the unanswered question")
	}
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#quiz-submit"))))
	wait(`document.getElementById("attempt-result") !== null`)
	if got := browser.Eval[string](t, ctx, `document.getElementById("attempt-score").textContent`); !strings.HasPrefix(got, "50") {
		t.Errorf("score %q", got)
	}
	if !browser.Eval[bool](t, ctx, `document.querySelector(".result-passed") !== null && document.body.textContent.includes("HyperText Markup Language")`) {
		t.Error("the result does not show the pass and the explanation")
	}
	noOverflow("quiz result")
	shoot("mission-quiz-result-phone")
	browser.NoCSPViolations(t, ctx)

	// The next topic is the assignment: wrong code first, then right.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#next-topic")),
		chromedp.WaitVisible(chromedp.CSS("#assignment-form")),
	))
	noOverflow("assignment")
	code := func(src string) {
		t.Helper()
		browser.Eval[bool](t, ctx, `(document.getElementById("code").value = "") === ""`)
		testkit.Must(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#code"))))
		// Tab indents inside the editor instead of leaving it.
		testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent("function sum(a, b) {\n"), chromedp.KeyEvent(kb.Tab),
			chromedp.KeyEvent(src+"\n}")))
		if got := browser.Eval[string](t, ctx, `document.getElementById("code").value`); !strings.Contains(got, "\n  "+src) {
			t.Fatalf("the editor holds %q", got)
		}
		testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#submit-code"))))
		wait(`document.getElementById("submission-result") !== null`)
	}
	code("return a * b;")
	if browser.Eval[bool](t, ctx, `document.querySelector(".result-failed") === null`) {
		t.Error("wrong code is not shown as failed")
	}
	if browser.Eval[bool](t, ctx, `document.body.textContent.includes("비밀테스트-이름")`) {
		t.Error("the hidden test's name is shown")
	}
	shoot("mission-submission-failed-phone")
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#edit-again")), chromedp.WaitVisible(chromedp.CSS("#code"))))
	code("return a + b;")
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll(".test-result.is-pass").length`); n != 2 {
		t.Errorf("%d tests passed", n)
	}
	noOverflow("submission result")
	shoot("mission-submission-passed-phone")
	browser.NoCSPViolations(t, ctx)

	// The classroom ticks both.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/learn/%d/%d", base, w.course, w.assignment)),
		chromedp.WaitVisible(chromedp.CSS("#mission-state"))))
	if got := browser.Eval[string](t, ctx, `document.getElementById("mission-state").textContent`); !strings.Contains(got, "통과") {
		t.Errorf("the classroom says %q", got)
	}
	for _, id := range []int64{w.quiz, w.assignment} {
		if !browser.Eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('.learn-topic[data-topic="%d"]').classList.contains("is-done")`, id)) {
			t.Errorf("topic %d is not ticked in the outline", id)
		}
	}
	if dir := browser.ScreenshotDir(); dir != "" {
		browser.Resize(t, ctx, browser.Desktop)
		for _, p := range []string{fmt.Sprintf("/missions/%d", w.quiz), fmt.Sprintf("/missions/%d", w.assignment), "/me/missions"} {
			testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("body"))))
			noOverflow(p)
			shoot("mission-desktop-" + strings.NewReplacer("/", "-").Replace(strings.Trim(p, "/")))
		}
	}
}
