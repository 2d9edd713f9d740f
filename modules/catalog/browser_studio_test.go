package catalog_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// studioWalk drives one browser tab through the studio: every page it
// opens is checked for CSP violations and, when asked, photographed.
type studioWalk struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (w studioWalk) do(actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, actions...); err != nil {
		u, _ := chromedp.Run(w.ctx, chromedp.Location())
		w.t.Fatalf("at %s: %v (%v)", u, err, browser.Cause(w.ctx))
	}
}

func (w studioWalk) open(path, ready string) {
	w.t.Helper()
	w.do(chromedp.Navigate(w.base+path), chromedp.WaitVisible(chromedp.CSS(ready)))
	w.wait(`document.readyState === "complete"`)
}

func (w studioWalk) wait(js string) { w.t.Helper(); waitJS(w.t, w.ctx, js) }

func (w studioWalk) js(js string) { w.t.Helper(); evalJS[bool](w.t, w.ctx, "("+js+", true)") }

func (w studioWalk) str(js string) string { w.t.Helper(); return evalJS[string](w.t, w.ctx, js) }

// submit presses the button sel with the keyboard and waits for the page
// the form went to, with its success message.
func (w studioWalk) submit(sel string) {
	w.t.Helper()
	w.js(`window.__left = false`) // gone with the page
	w.press(sel)
	w.flash()
}

// flash waits for a new page (see submit) with a success message.
func (w studioWalk) flash() {
	w.t.Helper()
	w.wait(`window.__left === undefined && document.readyState === "complete" && document.querySelector(".flash-area .alert-success") !== null`)
}

// leave marks the page, for flash to wait for the next one.
func (w studioWalk) leave() { w.t.Helper(); w.js(`window.__left = false`) }

// press focuses sel and presses Enter: the keyboard, not the mouse.
func (w studioWalk) press(sel string) {
	w.t.Helper()
	w.do(chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(kb.Enter))
}

// fill replaces the value of the field sel by typing text.
func (w studioWalk) fill(sel, text string) {
	w.t.Helper()
	w.js(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel))
	w.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// check fails on CSP violations and on a page wider than the screen.
func (w studioWalk) check(where string) {
	w.t.Helper()
	browser.NoCSPViolations(w.t, w.ctx)
	// The layout viewport (clientWidth), not innerWidth: on an emulated
	// phone a page too wide is zoomed out, and innerWidth grows with it.
	if s := evalJS[[]int](w.t, w.ctx, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); s[0] > s[1] {
		w.t.Errorf("%s: the page is %d px wide on a %d px screen", where, s[0], s[1])
	}
}

func (w studioWalk) shoot(name string) {
	w.t.Helper()
	if dir := browser.ScreenshotDir(); dir != "" {
		w.do(fontsLoaded)
		w.js(`window.scrollTo({top: 0, behavior: "instant"})`)
		browser.Screenshot(w.t, w.ctx, filepath.Join(dir, name+".png"))
	}
}

// shootBoth photographs the current page on a desktop and on a phone.
func (w studioWalk) shootBoth(name string) {
	w.t.Helper()
	if browser.ScreenshotDir() == "" {
		return
	}
	w.shoot(name + "-desktop")
	browser.Resize(w.t, w.ctx, browser.Phone)
	w.check(name + " on a phone")
	w.shoot(name + "-phone")
	browser.Resize(w.t, w.ctx, browser.Desktop)
}

// drag drags the row of the grip from by its grip onto the upper half of
// the row to. The mouse is pressed on the grip for real; the drag events
// that follow are dispatched in the page, because headless Chromium starts
// no native drag from synthesized mouse input. SortableJS handles them as
// it handles a user's.
func (w studioWalk) drag(from, to string) {
	w.t.Helper()
	r := evalJS[[]float64](w.t, w.ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.scrollIntoView({block: "center"});
		const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, from))
	left := func(p *input.DispatchMouseEventParams) {
		p.Button, p.Buttons, p.ClickCount = input.MouseButtonLeft, 1, 1
	}
	w.do(chromedp.MouseEvent(chromedp.MouseMoved, r[0], r[1]), chromedp.MouseEvent(chromedp.MousePressed, r[0], r[1], left))
	w.js(fmt.Sprintf(`(() => {
		const src = document.querySelector(%q).closest("[draggable]"), dst = document.querySelector(%q);
		const dt = new DataTransfer();
		window.__drag = (el, type, at) => { const r = el.getBoundingClientRect();
			el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt, clientX: r.x + 10, clientY: r.y + r.height * at})); };
		window.__src = src, window.__dst = dst;
		window.__drag(src, "dragstart", 0.5);
	})()`, from, to))
	// SortableJS starts the drag on the next tick; then the pointer moves
	// over the upper part of the target, and drops.
	w.js(`new Promise((ok) => setTimeout(ok, 0))`)
	w.wait(`(window.__drag(window.__dst, "dragover", 0.25), window.__src.nextElementSibling === window.__dst)`)
	w.js(`window.__drag(window.__dst, "drop", 0.25), window.__drag(window.__src, "dragend", 0.25)`)
	w.do(chromedp.MouseEvent(chromedp.MouseReleased, r[0], r[1], left))
}

var studioCourseRE = regexp.MustCompile(`^/studio/courses/(\d+)$`)

// TestStudioInBrowser is issue 12's acceptance path, with nothing typed as
// JSON: a new tutor creates a course from the form, builds its outline
// (two lectures, a video, an article and a quiz topic; renames, reorders
// with the buttons and by drag, moves a topic to the other lecture,
// deletes one and undoes), uploads a video in the library and puts it in
// the video topic, writes the article and a five-choice quiz, sets the
// course's picture, sees the checklist and publishes; a learner finds the
// course in the catalog. Then two tabs save the same settings: the second
// is told, keeps what was typed and loses nothing. The outline editor
// works at 390 px with the keyboard. No page breaks the CSP.
func TestStudioInBrowser(t *testing.T) {
	video := testkit.VideoClip(t, 2)
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second))      // browser cookies expire by the real clock
	testkit.Must(t, ta.App.Start(context.Background())) // the transcoding jobs
	tutor := newUser(t, ta, "tutor", "tutor")
	dir := t.TempDir()
	clipPath, picPath := filepath.Join(dir, "lesson.mp4"), filepath.Join(dir, "cover.png")
	testkit.Must(t, os.WriteFile(clipPath, video, 0o644))
	testkit.Must(t, os.WriteFile(picPath, pngImage(640, 360), 0o644))
	base := browser.Serve(t, ta.App.Fiber)
	browser.WatchCSP(t, ctx)
	browser.Resize(t, ctx, browser.Desktop)
	w := studioWalk{t: t, ctx: ctx, base: base}

	// ---- 1. sign in, the studio, a new course ----
	w.do(signIn(base, "tutor")...)
	w.open("/studio/courses", "#new-course")
	w.check("studio")
	w.do(chromedp.Click(chromedp.CSS("#new-course")), chromedp.WaitVisible(chromedp.CSS("#f-title")))
	w.check("new course form")
	w.fill("#f-title", "처음 만드는 웹 강좌")
	w.fill("#f-summary", "HTML부터 배포까지 한 번에")
	w.do(chromedp.Click(chromedp.CSS("#save-course")))
	w.wait(`/^\/studio\/courses\/\d+$/.test(location.pathname) && document.querySelector("[data-add-lecture]") && !document.querySelector("[data-add-lecture]").hidden`)
	m := studioCourseRE.FindStringSubmatch(w.str(`location.pathname`))
	id, _ := strconv.ParseInt(m[1], 10, 64)
	coursePath := fmt.Sprintf("/studio/courses/%d", id)
	w.check("new course's outline")

	// ---- 2. the outline ----
	// Two lectures; three topics in the first: a video, an article, a quiz.
	w.press("[data-add-lecture]")
	w.wait(`document.activeElement && document.activeElement.name === "lecture_title.n1"`)
	w.do(chromedp.KeyEvent("HTML 기초"))
	w.press("[data-add-lecture]")
	w.wait(`document.activeElement && document.activeElement.name === "lecture_title.n2"`)
	w.do(chromedp.KeyEvent("배포하기"))
	for i, topic := range []struct{ kind, title string }{{"video", "개발 환경"}, {"article", "태그와 요소"}, {"quiz", "확인 문제"}} {
		w.press("#lecture-n1 [data-add-topic]")
		key := fmt.Sprintf("m%d", i+3)
		w.wait(fmt.Sprintf(`document.activeElement && document.activeElement.id === "tk-%s"`, key))
		w.do(chromedp.SetValue(chromedp.CSS("#tk-"+key), topic.kind), chromedp.SendKeys(chromedp.CSS("#tt-"+key), topic.title))
	}
	w.shootBoth("studio-outline-new")
	w.submit("#save-outline")
	d := courseDetail(t, ta, tutor, id)
	if len(d.Lectures) != 2 || len(d.Lectures[0].Topics) != 3 || d.Lectures[0].Title != "HTML 기초" || len(d.Lectures[1].Topics) != 0 {
		t.Fatalf("saved outline: %+v", d.Lectures)
	}
	l1, l2 := d.Lectures[0], d.Lectures[1]
	vid, art, quiz := l1.Topics[0], l1.Topics[1], l1.Topics[2]
	if vid.Kind != "video" || art.Kind != "article" || quiz.Kind != "quiz" {
		t.Fatalf("kinds: %s %s %s", vid.Kind, art.Kind, quiz.Kind)
	}
	// The checklist says what is missing, each with a link to fix it.
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#checklist li a").length`); n < 3 {
		t.Errorf("%d checklist items for a course without content", n)
	}
	if !evalJS[bool](t, ctx, `document.getElementById("to-published").disabled`) {
		t.Error("publishing is offered before the checklist is done")
	}
	w.check("outline with its checklist")
	w.shootBoth("studio-outline-checklist")

	// Rename; the quiz up with the keyboard (above the article); the
	// article to the second lecture (down past the end of the first);
	// delete the video and undo.
	row := func(id int64) string { return fmt.Sprintf("#topic-t%d", id) }
	w.fill(fmt.Sprintf("#tt-t%d", art.ID), "태그와 요소 알아보기")
	w.press(row(quiz.ID) + ` [data-move="up"]`)
	w.wait(fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, row(quiz.ID)+` [data-move="up"]`))
	order := func() string {
		return w.str(`[...document.querySelectorAll("[data-topic-ref]")].filter((i) => !i.disabled).map((i) => i.value).join(" ")`)
	}
	want := fmt.Sprintf("l%[1]d/t%[2]d l%[1]d/t%[3]d l%[1]d/t%[4]d", l1.ID, vid.ID, quiz.ID, art.ID)
	if got := order(); got != want {
		t.Errorf("after ↑: %s, want %s", got, want)
	}
	w.press(row(art.ID) + ` [data-move="down"]`)
	want = fmt.Sprintf("l%[1]d/t%[2]d l%[1]d/t%[3]d l%[4]d/t%[5]d", l1.ID, vid.ID, quiz.ID, l2.ID, art.ID)
	if got := order(); got != want {
		t.Errorf("after ↓ into the next lecture: %s, want %s", got, want)
	}
	w.press(row(vid.ID) + " [data-delete]")
	w.wait(fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, row(vid.ID)+" [data-undo]"))
	if !evalJS[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).disabled`, row(vid.ID)+" [data-topic-ref]")) {
		t.Error("a deleted topic would be saved")
	}
	w.do(chromedp.KeyEvent(kb.Enter))
	w.wait(fmt.Sprintf(`!document.querySelector(%q).disabled && document.activeElement.id === "tt-t%d"`, row(vid.ID)+" [data-topic-ref]", vid.ID))
	w.submit("#save-outline")
	d = courseDetail(t, ta, tutor, id)
	if got := fmt.Sprint(len(d.Lectures[0].Topics), len(d.Lectures[1].Topics)); got != "2 1" ||
		d.Lectures[0].Topics[1].ID != quiz.ID || d.Lectures[1].Topics[0].ID != art.ID || d.Lectures[1].Topics[0].Title != "태그와 요소 알아보기" {
		t.Fatalf("saved outline after moves: %+v", d.Lectures)
	}
	// By drag and drop: the quiz above the video, by its grip.
	w.drag(row(quiz.ID)+" [data-grip]", row(vid.ID))
	want = fmt.Sprintf("l%[1]d/t%[2]d l%[1]d/t%[3]d l%[4]d/t%[5]d", l1.ID, quiz.ID, vid.ID, l2.ID, art.ID)
	w.wait(fmt.Sprintf(`[...document.querySelectorAll("[data-topic-ref]")].map((i) => i.value).join(" ") === %q`, want))
	w.submit("#save-outline")
	if d = courseDetail(t, ta, tutor, id); d.Lectures[0].Topics[0].ID != quiz.ID || d.Lectures[0].Topics[1].ID != vid.ID {
		t.Fatalf("saved outline after the drag: %+v", d.Lectures[0].Topics)
	}

	// ---- 3. a video: chosen from the topic's editor, uploaded in the library ----
	w.open(fmt.Sprintf("%s/topics/%d", coursePath, vid.ID), "#video-upload")
	w.check("video topic editor")
	w.do(chromedp.Click(chromedp.CSS("#video-upload")), chromedp.WaitVisible(chromedp.CSS(".use-banner")))
	w.wait(`document.readyState === "complete" && !!window.tus && window.tus.isSupported`)
	w.check("library for a topic")
	w.do(
		chromedp.SendKeys(chromedp.CSS("#video-title"), "1강 · 개발 환경"),
		chromedp.SetUploadFiles(chromedp.CSS("#video-file"), []string{clipPath}),
		chromedp.Click(chromedp.CSS("#video-upload [data-upload-submit]")),
	)
	w.wait(`document.querySelectorAll(".video-item").length === 1 && document.querySelector(".use-banner") !== null`)
	w.wait(`document.querySelector('.video-item[data-status="ready"] .use-pick button') !== null &&
		!document.querySelector('.video-item .use-pick').hidden`)
	w.check("library with the new video")
	w.shootBoth("studio-media-for-topic")
	w.do(chromedp.Click(chromedp.CSS(".video-item .use-pick button")))
	w.wait(fmt.Sprintf(`location.pathname === %q && document.querySelector("input[name=video]:checked") !== null &&
		document.querySelector("input[name=video]:checked").value !== ""`, fmt.Sprintf("%s/topics/%d", coursePath, vid.ID)))
	w.check("video topic with its video")

	// ---- 4. the article and the quiz ----
	w.open(fmt.Sprintf("%s/topics/%d", coursePath, art.ID), "#f-body")
	w.do(chromedp.SendKeys(chromedp.CSS("#f-body"), "## 태그\n\n**요소**는 여는 태그와 닫는 태그로 이루어집니다.\n"))
	w.submit("#save-topic")
	w.check("article editor")

	w.open(fmt.Sprintf("%s/topics/%d", coursePath, quiz.ID), "#save-topic")
	if evalJS[int](t, ctx, `document.querySelectorAll("[data-quiz-question]").length`) == 0 {
		w.press("[data-quiz-add]")
		w.wait(`document.activeElement && document.activeElement.name === "q.0.prompt"`)
	}
	w.do(chromedp.SendKeys(chromedp.CSS(`[name="q.0.prompt"]`), "문단을 나타내는 태그는?"))
	for j, text := range []string{"<div>", "<p>", "<span>", "<a>", "<h1>"} {
		w.do(chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`input[name="q.0.choice.%d"]`, j)), text))
	}
	w.do(chromedp.Focus(chromedp.CSS("#q-0-correct-1")), chromedp.KeyEvent(" "))
	w.fill("#f-pass_score", "80")
	w.submit("#save-topic")
	w.check("quiz editor")
	qd := courseDetail(t, ta, tutor, id).Lectures[0].Topics[0]
	if qs := qd.Content.Questions; len(qs) != 1 || len(qs[0].Choices) != 5 || correctIndex(qs[0]) != 1 || qd.PassScore != 80 {
		t.Fatalf("saved quiz: %+v pass %d", qs, qd.PassScore)
	}

	// ---- 5. the picture: uploaded from the settings, through the library ----
	w.open(coursePath+"/settings", "#upload-picture")
	w.check("settings")
	w.do(chromedp.Click(chromedp.CSS("#upload-picture")), chromedp.WaitVisible(chromedp.CSS(".use-banner")))
	w.wait(`document.readyState === "complete"`)
	w.do(
		chromedp.SendKeys(chromedp.CSS("#image-alt"), "웹 강좌 표지"),
		chromedp.SetUploadFiles(chromedp.CSS("#image-file"), []string{picPath}),
		chromedp.Click(chromedp.CSS("#image-upload [data-upload-submit]")),
	)
	w.wait(`document.readyState === "complete" && document.querySelectorAll(".image-item").length === 1 &&
		document.querySelector(".image-item .use-pick button") !== null`)
	w.shootBoth("studio-media-for-course")
	// The library reloads itself after an upload: a click that lands on
	// the page being replaced is lost, so it is clicked again while the
	// library is still shown (the button posts a form: once it leaves, the
	// page does not come back).
	evalOK := func(js string) bool { // false while a navigation replaces the page
		ok, err := chromedp.Run(w.ctx, chromedp.Evaluate[bool](js))
		return err == nil && ok
	}
	inLibrary := `location.pathname.startsWith("/studio/media")`
	for try := 0; try < 5; try++ {
		if !evalOK(`(() => { const b = document.querySelector(".image-item .use-pick button");
			if (!location.pathname.startsWith("/studio/media") || !b) return false; b.click(); return true; })()`) {
			break
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && evalOK(inLibrary) {
			time.Sleep(100 * time.Millisecond)
		}
		if !evalOK(inLibrary) {
			break
		}
	}
	w.wait(`document.readyState === "complete" && location.pathname.endsWith("/settings") &&
		document.querySelector("input[name=thumbnail]:checked") && document.querySelector("input[name=thumbnail]:checked").value !== ""`)
	w.check("settings with a picture")
	w.shootBoth("studio-settings")
	if d := courseDetail(t, ta, tutor, id); d.Thumbnail == "" {
		t.Error("no picture saved")
	}

	// ---- the outline on a phone, with the keyboard only ----
	browser.Resize(t, ctx, browser.Phone)
	w.open(coursePath, "#save-outline")
	w.check("outline on a phone")
	w.press(row(art.ID) + ` [data-move="up"]`) // into the first lecture, last
	want = fmt.Sprintf("l%[1]d/t%[2]d l%[1]d/t%[3]d l%[1]d/t%[4]d", l1.ID, quiz.ID, vid.ID, art.ID)
	if got := order(); got != want {
		t.Errorf("on a phone, after ↑ into the previous lecture: %s, want %s", got, want)
	}
	w.do(chromedp.KeyEvent(kb.Enter)) // the focus stayed on ↑: up again
	w.press(row(art.ID) + ` [data-move="down"]`)
	w.press(row(art.ID) + ` [data-move="down"]`) // back to the second lecture
	w.press(fmt.Sprintf("#lecture-l%d [data-add-topic]", l2.ID))
	w.wait(`document.activeElement && document.activeElement.matches("select.outline-kind")`)
	w.do(chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("지울 토픽"))
	w.check("outline on a phone with a new topic")
	w.shoot("studio-outline-keyboard-phone")
	w.press(`.outline-topic.is-new [data-delete]`)
	w.wait(`document.activeElement && document.activeElement.matches(".outline-topic.is-new [data-undo]")`)
	w.fill(fmt.Sprintf("#lt-l%d", l2.ID), "배포와 운영")
	w.submit("#save-outline")
	w.check("outline on a phone, saved")
	browser.Resize(t, ctx, browser.Desktop)
	if d := courseDetail(t, ta, tutor, id); d.Lectures[1].Title != "배포와 운영" || len(d.Lectures[1].Topics) != 1 || len(d.Lectures[0].Topics) != 2 {
		t.Fatalf("saved on a phone: %+v", d.Lectures)
	}

	// ---- 6. the checklist is done; publish ----
	w.open(coursePath, "#publish-card")
	w.wait(`document.getElementById("checklist-ok") !== null`)
	w.shootBoth("studio-outline-ready")
	w.submit("#to-published")
	if got := w.str(`document.getElementById("course-status").textContent.trim()`); got != "공개" {
		t.Errorf("status after publishing: %q", got)
	}
	w.check("published")

	// ---- two tabs, one course's settings ----
	bctx, closeB := chromedp.NewContext(ctx) // a second tab of the same browser: the same session
	defer closeB()
	tb := studioWalk{t: t, ctx: bctx, base: base}
	browser.Resize(t, bctx, browser.Desktop)
	w.open(coursePath+"/settings", "#save-course")
	tb.open(coursePath+"/settings", "#save-course")
	w.fill("#f-summary", "첫 번째 탭에서 고친 소개")
	w.submit("#save-course")
	tb.fill("#f-price", "15000")
	tb.fill("#f-tags", "html, 웹")
	tb.leave()
	tb.press("#save-course")
	tb.wait(`window.__left === undefined && document.getElementById("stale-alert") !== null`)
	if got := evalJS[[]string](t, bctx, `["f-summary", "f-price", "f-tags"].map((id) => document.getElementById(id).value)`); fmt.Sprint(got) != "[첫 번째 탭에서 고친 소개 15000 html, 웹]" {
		t.Errorf("the refused tab's form: %q", got)
	}
	if got := tb.str(`document.getElementById("stale-taken").textContent`); !regexp.MustCompile(`한 줄 소개`).MatchString(got) {
		t.Errorf("the fields taken from the other tab: %q", got)
	}
	tb.check("settings after a conflict")
	tb.shoot("studio-settings-conflict-desktop")
	browser.Resize(t, bctx, browser.Phone)
	tb.check("settings after a conflict, on a phone")
	tb.shoot("studio-settings-conflict-phone")
	tb.submit("#save-course")
	if d := courseDetail(t, ta, tutor, id); d.Summary != "첫 번째 탭에서 고친 소개" || d.Price != 15000 || fmt.Sprint(d.Tags) != "[html 웹]" {
		t.Errorf("after both tabs saved: %q %d %v", d.Summary, d.Price, d.Tags)
	}

	// ---- 7. a learner finds it in the catalog ----
	lctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	browser.WatchCSP(t, lctx)
	lw := studioWalk{t: t, ctx: lctx, base: base}
	lw.open("/courses?lang=ko", ".course-card")
	lw.do(chromedp.SendKeys(chromedp.CSS("#course-search"), "처음 만드는"), chromedp.Click(chromedp.CSS(".catalog-search button[type=submit]")))
	lw.wait(`location.search.includes("q=") && document.querySelectorAll(".course-card").length === 1`)
	lw.do(chromedp.Click(chromedp.CSS(".course-card")), chromedp.WaitVisible(chromedp.CSS("#course-title")))
	if got := lw.str(`document.getElementById("course-title").textContent.trim()`); got != "처음 만드는 웹 강좌" {
		t.Errorf("the learner sees %q", got)
	}
	if n := evalJS[int](t, lctx, `document.querySelectorAll("details.lecture").length`); n != 2 {
		t.Errorf("the learner sees %d lectures", n)
	}
	lw.check("the course page")
}

// pngImage is a w×h gradient.
func pngImage(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / w), 90, uint8(y * 255 / h), 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
