package media_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitJS polls js until it is true, across page loads.
func waitJS(t *testing.T, ctx context.Context, timeout time.Duration, js string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	u, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("timed out waiting for %s (at %s)", js, u)
}

// cspWatch records Content-Security-Policy violations of every page in
// window.__csp (installed before the page's own scripts run).
func cspWatch(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation",
			(e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`})
	testkit.Must(t, err)
}

func noCSPViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	if v := evalJS[[]string](t, ctx, `window.__csp || []`); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}

var fontsLoaded = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	_, err := chromedp.Poll[bool]("document.fonts.status === 'loaded'")(ctx, tg)
	return err
})

// mediaCourse puts video on the free topic of a new published course.
func mediaCourse(t *testing.T, ta *apptest.T, tutor user, videoID int64) (topicID int64) {
	t.Helper()
	var course struct {
		Lectures []struct{ Topics []struct{ ID int64 } }
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "video-course", "title": "영상 강좌", "category": "frontend",
		"skill_level": "beginner", "price": 1000, "status": "published", "lectures": []map[string]any{{"slug": "l", "title": "강의",
			"topics": []map[string]any{{"slug": "free", "title": "1강 · 개발 환경 준비", "kind": "video"}}}}},
		bearer(tutor)...).Status(201).JSON(&course)
	ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", videoID), map[string]any{"topic_id": course.Lectures[0].Topics[0].ID},
		bearer(tutor)...).Status(204)
	return course.Lectures[0].Topics[0].ID
}

// TestMediaInBrowser plays a transcoded video in headless Chromium through
// hls.js under the app's real CSP, drives the keyboard shortcuts, then uploads
// through the library's forms (XHR with progress) and watches the new video's
// status turn ready by polling. With WEAVERSE_SCREENSHOT_DIR set it saves
// screenshots of the player and the library (desktop and phone).
func TestMediaInBrowser(t *testing.T) {
	data := clip(t, 12)
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	started(t, ta)
	tutor := newUser(t, ta, "tutor", "tutor")
	var v media.Video
	upload(ta, "/api/videos/upload/", tutor, "clip.mp4", data, "title", "1강 · 개발 환경 준비").Status(202).JSON(&v)
	waitReady(t, ta, tutor, v.ID)
	ta.Request(http.MethodPut, fmt.Sprintf("/api/videos/%d/captions/ko/", v.ID), "WEBVTT\n\n00:00.000 --> 00:30.000\n개발 환경을 준비합니다\n",
		bearer(tutor)...).Status(200)
	topic := mediaCourse(t, ta, tutor, v.ID)
	base := testkit.Listen(t, ta.App.Fiber)
	cspWatch(t, ctx)
	shots := browser.ScreenshotDir()
	shoot := func(size browser.Size, name string) {
		t.Helper()
		if shots == "" {
			return
		}
		browser.Resize(t, ctx, size)
		testkit.Must(t, chromedp.Do(ctx, fontsLoaded, chromedp.Sleep(300*time.Millisecond)))
		browser.Screenshot(t, ctx, filepath.Join(shots, name+".png"))
	}

	// ---- the player, signed out (a free topic) ----
	browser.Resize(t, ctx, browser.Desktop)
	watch := fmt.Sprintf("%s/watch/%d?topic=%d", base, v.ID, topic)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(watch), chromedp.WaitVisible(chromedp.CSS("#player-video"))))
	waitJS(t, ctx, 10*time.Second, `window.__weaverseHls === true && document.getElementById("player-video").dataset.engine === "hls.js"`)
	evalJS[bool](t, ctx, `(() => { const v = document.getElementById("player-video"); v.muted = true; v.play(); return true; })()`)
	waitJS(t, ctx, 30*time.Second, `document.getElementById("player-video").currentTime > 1.2`)
	if !evalJS[bool](t, ctx, `performance.getEntriesByType("resource").some((e) => e.name.includes(".m3u8"))`) {
		t.Error("no HLS playlist was fetched")
	}
	if !evalJS[bool](t, ctx, `performance.getEntriesByType("resource").some((e) => e.name.includes("/static/vendor/hls/hls.worker."))`) {
		t.Error("hls.js did not load its worker from our origin")
	}
	if !evalJS[bool](t, ctx, `document.getElementById("player-video").src.startsWith("blob:")`) {
		t.Error("the video is not fed by Media Source Extensions")
	}

	// Keyboard: → seeks 5 s, m unmutes, ↓ lowers the volume, k pauses.
	before := evalJS[float64](t, ctx, `document.getElementById("player-video").currentTime`)
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)))
	waitJS(t, ctx, 5*time.Second, fmt.Sprintf(`document.getElementById("player-video").currentTime >= %f`, before+4.5))
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent("m"), chromedp.KeyEvent(kb.ArrowDown)))
	waitJS(t, ctx, 2*time.Second, `(() => { const v = document.getElementById("player-video"); return !v.muted && Math.abs(v.volume - 0.9) < 0.01; })()`)
	waitJS(t, ctx, 2*time.Second, `document.getElementById("player-status").textContent === "음량 90%"`)
	// Captions: the video's Korean track shows by default, with its cue on
	// screen; c hides it.
	waitJS(t, ctx, 5*time.Second, `(() => { const t = document.getElementById("player-video").textTracks[0];
		return t && t.language === "ko" && t.mode === "showing" && t.activeCues && t.activeCues.length === 1 &&
			t.activeCues[0].text === "개발 환경을 준비합니다"; })()`)
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent("c")))
	waitJS(t, ctx, 2*time.Second, `document.getElementById("player-status").textContent === "자막 꺼짐" &&
		document.getElementById("player-video").textTracks[0].mode === "hidden"`)
	testkit.Must(t, chromedp.Do(ctx, chromedp.KeyEvent("k")))
	waitJS(t, ctx, 2*time.Second, `document.getElementById("player-video").paused`)
	if !evalJS[bool](t, ctx, `getComputedStyle(document.getElementById("player-error")).display === "none"`) {
		t.Errorf("player error: %s", evalJS[string](t, ctx, `document.getElementById("player-error").textContent`))
	}
	noCSPViolations(t, ctx)
	evalJS[bool](t, ctx, `(() => { const v = document.getElementById("player-video"); v.currentTime = 4; return true; })()`)
	shoot(browser.Desktop, "player-desktop")
	shoot(browser.Phone, "player-phone")

	// ---- the library, as the tutor ----
	browser.Resize(t, ctx, browser.Desktop)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "tutor@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
		chromedp.Navigate(base+"/studio/media"),
		chromedp.WaitVisible(chromedp.CSS("#image-upload")),
	))
	waitJS(t, ctx, 5*time.Second, `document.readyState === "complete"`)
	dir := t.TempDir()
	pngPath, txtPath, clipPath := filepath.Join(dir, "diagram.png"), filepath.Join(dir, "notes.png"), filepath.Join(dir, "lesson2.mp4")
	testkit.Must(t, os.WriteFile(pngPath, pngBytes(960, 540), 0o644))
	testkit.Must(t, os.WriteFile(txtPath, []byte("not an image"), 0o644))
	testkit.Must(t, os.WriteFile(clipPath, clip(t, 4), 0o644))

	// A refused image: the problem's detail under the file field, no reload.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#image-file"), []string{txtPath}),
		chromedp.Click(chromedp.CSS("#image-upload [data-upload-submit]")),
	))
	waitJS(t, ctx, 10*time.Second, `!document.getElementById("image-file-error").hidden`)
	if got := evalJS[string](t, ctx, `document.getElementById("image-file-error").textContent.trim()`); got != "JPEG, PNG, WebP, GIF 이미지만 올릴 수 있습니다." {
		t.Errorf("refused image: %q", got)
	}
	// An image: uploaded by XHR, then the page reloads with the message.
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#image-alt"), "요청과 응답 흐름도"),
		chromedp.SetUploadFiles(chromedp.CSS("#image-file"), []string{pngPath}),
		chromedp.Click(chromedp.CSS("#image-upload [data-upload-submit]")),
	))
	waitJS(t, ctx, 15*time.Second, `document.readyState === "complete" && document.querySelectorAll(".image-item").length === 1 &&
		!!document.querySelector(".flash-area .alert-success")`)
	if got := evalJS[string](t, ctx, `document.querySelector(".image-item img").alt`); got != "요청과 응답 흐름도" {
		t.Errorf("image alt %q", got)
	}
	// A video: after the reload it is processing, and polling turns it ready.
	// (Navigate first: chromedp's view of the document can lag behind a
	// reload the page made itself.)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/studio/media"),
		chromedp.WaitVisible(chromedp.CSS("#video-title")),
		chromedp.SendKeys(chromedp.CSS("#video-title"), "2강 · 첫 번째 API"),
		chromedp.SetUploadFiles(chromedp.CSS("#video-file"), []string{clipPath}),
		chromedp.Click(chromedp.CSS("#video-upload [data-upload-submit]")),
	))
	waitJS(t, ctx, 30*time.Second, `document.readyState === "complete" && document.querySelectorAll(".video-item").length === 2 &&
		!!document.querySelector(".flash-area .alert-success")`)
	waitJS(t, ctx, 60*time.Second, `document.querySelectorAll('.video-item[data-status="ready"]').length === 2 &&
		[...document.querySelectorAll("[data-video-watch]")].every((a) => !a.hidden)`)
	noCSPViolations(t, ctx)

	// For the screenshots: one video still processing, one failed, a few images.
	insertVideo(t, ta, tutor.ID, "3강 · 데이터베이스 연결", "processing", 60, "")
	failed := insertVideo(t, ta, tutor.ID, "녹화 실패본", "failed", 0, "ffprobe: moov atom not found")
	for i, alt := range []string{"강좌 썸네일", "ERD 예시", ""} {
		upload(ta, "/api/images/upload/", tutor, fmt.Sprintf("img%d.png", i), pngBytes(640+i*40, 400), "alt", alt).Status(201)
	}
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/studio/media"), chromedp.WaitVisible(chromedp.CSS(".video-item"))))
	if n := evalJS[int](t, ctx, `document.querySelectorAll("[style]").length`); n != 0 {
		t.Errorf("%d elements with inline styles", n)
	}
	if got := evalJS[string](t, ctx, `document.querySelector('.video-item[data-status="processing"] [data-video-label]').textContent`); !strings.Contains(got, "60%") {
		t.Errorf("processing label %q", got)
	}
	shoot(browser.Desktop, "studio-media-desktop")
	shoot(browser.Phone, "studio-media-phone")
	browser.Resize(t, ctx, browser.Desktop)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/studio/media?lang=en"), chromedp.WaitVisible(chromedp.CSS(".video-item"))))
	shoot(browser.Desktop, "studio-media-en-desktop")

	// ---- managing the library: plain forms, a few enhancements ----
	browser.Resize(t, ctx, browser.Desktop)
	item := fmt.Sprintf("#video-%d", v.ID)
	library := func() {
		t.Helper()
		testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/studio/media"), chromedp.WaitVisible(chromedp.CSS(item))))
	}
	openPanel := func(sel string) {
		t.Helper()
		testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel+" > .media-manage > summary"))))
		waitJS(t, ctx, 2*time.Second, fmt.Sprintf(`document.querySelector(%q).open`, sel+" > .media-manage"))
	}
	flash := func(kind, text string) {
		t.Helper()
		waitJS(t, ctx, 10*time.Second, fmt.Sprintf(`document.readyState === "complete" && [...document.querySelectorAll(".flash-area .alert-%s")].some((a) => a.textContent.includes(%q))`, kind, text))
	}

	// Rename (the page in Korean again).
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/studio/media?lang=ko"), chromedp.WaitVisible(chromedp.CSS(item))))
	openPanel(item)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#v%d-title", v.ID)), "1강 · 개발 환경 준비하기"),
		chromedp.Click(chromedp.CSS(item+` form[action^="/studio/media/videos/"]:not([enctype]) button[type=submit]`)),
	))
	flash("success", "제목을 저장했어요.")
	if got := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, item+" .video-title")); got != "1강 · 개발 환경 준비하기" {
		t.Errorf("renamed title %q", got)
	}

	// Captions: a file too large is stopped before it is sent; an English
	// track is added.
	vttPath, bigPath := filepath.Join(dir, "en.vtt"), filepath.Join(dir, "big.vtt")
	testkit.Must(t, os.WriteFile(vttPath, []byte("WEBVTT\n\n00:00.000 --> 00:30.000\nSetting up\n"), 0o644))
	testkit.Must(t, os.WriteFile(bigPath, append([]byte("WEBVTT\n\n"), make([]byte, media.MaxCaptionBytes)...), 0o644))
	openPanel(item)
	evalJS[bool](t, ctx, `window.__stay = true`)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS(fmt.Sprintf("#v%d-vtt", v.ID)), []string{bigPath}),
		chromedp.Click(chromedp.CSS(item+" .caption-form button[type=submit]")),
	))
	waitJS(t, ctx, 5*time.Second, fmt.Sprintf(`!document.getElementById("v%d-vtt-error").hidden`, v.ID))
	if got := evalJS[string](t, ctx, fmt.Sprintf(`window.__stay === true && document.getElementById("v%d-vtt-error").textContent.trim()`, v.ID)); got != "자막 파일이 너무 큽니다. (최대 512KB)" {
		t.Errorf("too large captions: %q", got)
	}
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#v%d-lang", v.ID)), "en"),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#v%d-label", v.ID)), "English"),
		chromedp.SetUploadFiles(chromedp.CSS(fmt.Sprintf("#v%d-vtt", v.ID)), []string{vttPath}),
	))
	waitJS(t, ctx, 2*time.Second, fmt.Sprintf(`document.getElementById("v%d-vtt-error").hidden`, v.ID))
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(item+" .caption-form button[type=submit]"))))
	flash("success", "자막을 저장했어요: English")
	if got := evalJS[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => e.textContent)`, item+" .caption-name")); strings.Join(got, ",") != "한국어,English" {
		t.Errorf("caption tracks %v", got)
	}

	// For the screenshots: the video's panel, and an image's.
	openPanel(item)
	img := evalJS[string](t, ctx, `"#" + document.querySelector(".image-item").id`)
	openPanel(img)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(item+" .manage-danger > summary"))))
	evalJS[bool](t, ctx, `window.scrollTo({top: 0, behavior: "instant"}), true`) // the sticky header where it belongs in a full-page shot
	if n := evalJS[int](t, ctx, `document.querySelectorAll("[style]").length`); n != 0 {
		t.Errorf("%d elements with inline styles", n)
	}
	shoot(browser.Desktop, "studio-media-manage-desktop")
	shoot(browser.Phone, "studio-media-manage-phone")
	browser.Resize(t, ctx, browser.Desktop)

	// Removing a track asks first (app.js's data-confirm).
	library()
	openPanel(item)
	remove := chromedp.CSS(item + ` form[action*="/captions/en/delete"] button`)
	evalJS[bool](t, ctx, `window.confirm = (m) => { window.__asked = m; return false; }, true`)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(remove)))
	waitJS(t, ctx, 2*time.Second, `window.__asked === "‘English’ 자막을 지울까요?"`)
	time.Sleep(100 * time.Millisecond)
	if !evalJS[bool](t, ctx, fmt.Sprintf(`!document.querySelector(%q).disabled`, item+` form[action*="/captions/en/delete"] button`)) {
		t.Error("a declined removal left its button disabled")
	}
	evalJS[bool](t, ctx, `window.confirm = () => true, true`)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(remove)))
	flash("success", "자막을 지웠어요: English")
	if got := evalJS[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => e.textContent)`, item+" .caption-name")); strings.Join(got, ",") != "한국어" {
		t.Errorf("caption tracks after removal %v", got)
	}

	// Deleting is a second step; a video a course plays is kept, with why.
	openPanel(item)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(item+" .manage-danger > summary")),
		chromedp.Click(chromedp.CSS(item+" .manage-danger form button"), chromedp.NodeVisible),
	))
	flash("danger", "강좌에서 쓰고 있어 지울 수 없습니다: 영상 강좌")
	gone := fmt.Sprintf("#video-%d", failed)
	openPanel(gone)
	if evalJS[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).checkVisibility()`, gone+" .manage-danger form button")) {
		t.Error("the delete button shows before the second step")
	}
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(gone+" .manage-danger > summary")),
		chromedp.Click(chromedp.CSS(gone+" .manage-danger form button"), chromedp.NodeVisible),
	))
	flash("success", "영상을 삭제했어요: 녹화 실패본")
	if evalJS[bool](t, ctx, fmt.Sprintf(`!!document.querySelector(%q)`, gone)) {
		t.Error("the deleted video is still listed")
	}

	// An image's alt text.
	openPanel(img)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(img+" textarea"), "강좌 썸네일 (16:9)"),
		chromedp.Click(chromedp.CSS(img+" .manage-section button[type=submit]")),
	))
	flash("success", "대체 텍스트를 저장했어요.")
	if got := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).alt`, img+" img")); got != "강좌 썸네일 (16:9)" {
		t.Errorf("image alt %q", got)
	}
	noCSPViolations(t, ctx)
}
