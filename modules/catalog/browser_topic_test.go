package catalog_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// TestTopicEditorInBrowser: a tutor on a phone-sized screen opens a quiz
// topic's editor, adds a question with the keyboard, fills its five
// choices, picks the correct one, moves it first and saves; then previews
// an article's Markdown. Under the real CSP, with nothing wider than the
// screen.
func TestTopicEditorInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	tutor := newUser(t, ta, "tutor", "tutor")
	d := topicCourse(t, ta, tutor, "quiz-in-browser")
	quiz, article := topicPath(d, 2), topicPath(d, 1)
	base := browser.Serve(t, ta.App.Fiber)
	browser.WatchCSP(t, ctx)
	browser.Resize(t, ctx, browser.Desktop)
	shoot := func(name string) {
		if dir := browser.ScreenshotDir(); dir != "" {
			testkit.Must(t, chromedp.Do(ctx, fontsLoaded))
			browser.Screenshot(t, ctx, filepath.Join(dir, name+".png"))
		}
	}
	noOverflow := func(where string) {
		t.Helper()
		if w := browser.Eval[[]int](t, ctx, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
			t.Errorf("%s: the page is %d px wide on a %d px screen", where, w[0], w[1])
		}
	}
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "tutor@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
	))
	browser.Resize(t, ctx, browser.Phone)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+quiz), chromedp.WaitVisible(chromedp.CSS("[data-quiz-add]"))))
	// The script offers "add" instead of the empty question.
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll("[data-quiz-question]").length`); n != 1 {
		t.Fatalf("%d questions shown, want the saved one", n)
	}
	noOverflow("quiz editor")

	// Add a question with the keyboard: the new question's prompt has the focus.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("[data-quiz-add]")), chromedp.KeyEvent(kb.Enter)))
	browser.WaitJS(t, ctx, 5*time.Second, `document.activeElement && document.activeElement.name === "q.1.prompt"`)
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent("CSS 선택자의 우선순위가 가장 높은 것은?")))
	for j, text := range []string{"id 선택자", "class 선택자", "태그 선택자", "인라인 스타일", "전체 선택자"} {
		testkit.Must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`input[name="q.1.choice.%d"]`, j)), text)))
	}
	testkit.Must(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#q-1-correct-3")), chromedp.KeyEvent(" ")))
	if !browser.Eval[bool](t, ctx, `document.getElementById("q-1-correct-3").checked`) {
		t.Fatal("the correct choice was not picked with the keyboard")
	}
	// Move it first: its fields are named as the first question's now.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Focus(chromedp.CSS(`[data-quiz-question]:nth-child(2) [data-quiz-up]`)), chromedp.KeyEvent(kb.Enter)))
	browser.WaitJS(t, ctx, 5*time.Second, `document.querySelector("[data-quiz-question] textarea").name === "q.0.prompt" &&
		document.querySelector("[data-quiz-question] textarea").value.startsWith("CSS")`)
	if got := browser.Eval[string](t, ctx, `document.querySelector("[data-quiz-question] [data-q-number]").textContent`); got != "문제 1" {
		t.Errorf("the moved question is titled %q", got)
	}
	if !browser.Eval[bool](t, ctx, `document.activeElement.matches("[data-quiz-down]")`) {
		t.Error("moved first, the focus is not on a button of the question")
	}
	noOverflow("quiz editor with two questions")
	shoot("topic-quiz-phone")
	testkit.Must(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#save-topic")), chromedp.KeyEvent(kb.Enter)))
	waitJS(t, ctx, `document.querySelector(".flash-area .alert-success") !== null`)
	browser.NoCSPViolations(t, ctx)
	noOverflow("saved quiz")

	qs := courseDetail(t, ta, tutor, d.ID).Lectures[0].Topics[2].Content.Questions
	if len(qs) != 2 || qs[0].Prompt != "CSS 선택자의 우선순위가 가장 높은 것은?" || len(qs[0].Choices) != 5 || correctIndex(qs[0]) != 3 ||
		qs[0].Choices[4].Text != "전체 선택자" || qs[1].Prompt != "HTML의 뜻은?" || qs[1].ID != d.Lectures[0].Topics[2].Content.Questions[0].ID || correctIndex(qs[1]) != 2 {
		t.Fatalf("saved questions: %+v", qs)
	}

	// An article's Markdown, previewed as learners will see it.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+article),
		chromedp.WaitVisible(chromedp.CSS("#f-body-show-tab")),
		chromedp.Focus(chromedp.CSS("#f-body-write-tab")),
		chromedp.KeyEvent(kb.ArrowRight),
	))
	waitJS(t, ctx, `document.querySelector("#f-body-preview strong") !== null && document.getElementById("f-body").hidden`)
	if !browser.Eval[bool](t, ctx, `document.activeElement.id === "f-body-show-tab" && document.querySelector("#f-body-preview h3").textContent === "제목"`) {
		t.Error("the preview tab")
	}
	if browser.Eval[bool](t, ctx, `document.querySelector("#f-body-preview script") !== null`) {
		t.Error("the preview runs script")
	}
	noOverflow("article preview")
	browser.NoCSPViolations(t, ctx)
	shoot("topic-article-preview-phone")

	// An assignment: the grader's fields only; a test added with the
	// keyboard shows the fields of the grader chosen, and goes away again.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+topicPath(d, 3)), chromedp.WaitVisible(chromedp.CSS("[data-test-add]"))))
	visible := func(sel string) bool {
		return browser.Eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).closest("[hidden]") === null`, sel))
	}
	if !visible(`[name="t.0.args"]`) || visible(`[name="t.0.selector"]`) || visible(`[name="schema"]`) {
		t.Error("a JavaScript assignment shows other graders' fields")
	}
	browser.Eval[bool](t, ctx, `(() => { const g = document.querySelector("select[name=grader]"); g.value = "html";
		g.dispatchEvent(new Event("change", { bubbles: true })); return true; })()`)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("[data-test-add]")), chromedp.KeyEvent(kb.Enter)))
	browser.WaitJS(t, ctx, 5*time.Second, `document.activeElement && document.activeElement.name === "t.2.name"`)
	if visible(`[name="t.2.args"]`) || !visible(`[name="t.2.selector"]`) || !visible(`[name="t.0.count"]`) ||
		!visible(`[name="t.2.css_property"]`) || !visible(`#t-2-css_value`) {
		t.Error("an HTML assignment's new test does not show the HTML fields only")
	}
	testkit.Must(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`[data-test-row]:nth-child(3) [data-test-remove]`)), chromedp.KeyEvent(kb.Enter)))
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll("[data-test-row]").length`); n != 2 {
		t.Errorf("%d tests after removing the new one", n)
	}
	noOverflow("assignment editor")
	browser.NoCSPViolations(t, ctx)

	// For design review: every kind's editor, on a desktop and a phone.
	if browser.ScreenshotDir() == "" {
		return
	}
	for _, size := range []struct {
		s   browser.Size
		tag string
	}{{browser.Desktop, "desktop"}, {browser.Phone, "phone"}} {
		browser.Resize(t, ctx, size.s)
		for i, kind := range []string{"video", "article", "quiz", "assignment"} {
			testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+topicPath(d, i)), chromedp.WaitVisible(chromedp.CSS("#save-topic"))))
			noOverflow(kind + " editor, " + size.tag)
			shoot("topic-" + kind + "-" + size.tag)
		}
	}
	browser.NoCSPViolations(t, ctx)
}
