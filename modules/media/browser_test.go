package media_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	return browser.Eval[T](t, ctx, js)
}

func waitJS(t *testing.T, ctx context.Context, timeout time.Duration, js string) {
	t.Helper()
	browser.WaitJS(t, ctx, timeout, js)
}

// cspWatch records Content-Security-Policy violations of every page.
func cspWatch(t *testing.T, ctx context.Context) { browser.WatchCSP(t, ctx) }

func noCSPViolations(t *testing.T, ctx context.Context) { browser.NoCSPViolations(t, ctx) }

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

// signIn signs the tutor in through the login page.
func signIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "tutor@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
	))
}

// uploadProxy stands between the browser and the app: it records the
// requests (method, path with upload ids as {id}, status), counts the PATCH
// bytes it passes on, and can answer a PATCH with 502 or hold it, as a
// flaky connection would.
type uploadProxy struct {
	URL string
	rp  *httputil.ReverseProxy

	mu       sync.Mutex
	log      []string
	patched  int64         // PATCH body bytes passed on to the app
	failAt   int64         // the next PATCH at this offset gets 502; -1: none
	loseAt   int64         // the next PATCH at this offset is served, then answered 502; -1: none
	holdFrom int64         // PATCHes from this offset wait for release; -1: none
	release  chan struct{} // closed by Release
	held     chan int64    // the offset of a PATCH being held
}

func newUploadProxy(t *testing.T, target string) *uploadProxy {
	t.Helper()
	u, err := url.Parse(target)
	testkit.Must(t, err)
	p := &uploadProxy{rp: httputil.NewSingleHostReverseProxy(u), failAt: -1, loseAt: -1, holdFrom: -1,
		release: make(chan struct{}), held: make(chan int64, 1)}
	// The browser gave up on a request (a reload, a cancel): nothing to say.
	p.rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	t.Cleanup(p.Release) // before the server waits for its handlers
	p.URL = srv.URL
	return p
}

// tusPath names an upload's URL without its id (other paths without a
// trailing slash).
func tusPath(path string) string {
	rest, ok := strings.CutPrefix(path, media.TusPath)
	if !ok || rest == "" {
		return strings.TrimSuffix(path, "/")
	}
	if _, sub, ok := strings.Cut(rest, "/"); ok {
		return media.TusPath + "{id}/" + sub
	}
	return media.TusPath + "{id}"
}

func (p *uploadProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := tusPath(r.URL.Path)
	if r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, media.TusPath) {
		off, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
		p.mu.Lock()
		fail, lose := off == p.failAt, off == p.loseAt
		if fail {
			p.failAt = -1
		}
		if lose {
			p.loseAt = -1
		}
		hold, release := p.holdFrom >= 0 && off >= p.holdFrom, p.release
		p.mu.Unlock()
		if hold {
			select {
			case p.held <- off:
			default:
			}
			<-release
			fail = true
		}
		if fail {
			p.record(r.Method, path, http.StatusBadGateway)
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		r.Body = &countingBody{r.Body, p}
		if lose {
			rec := httptest.NewRecorder()
			p.rp.ServeHTTP(rec, r)
			p.record(r.Method, path, rec.Code)
			w.WriteHeader(http.StatusBadGateway)
			return
		}
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	p.rp.ServeHTTP(sw, r)
	p.record(r.Method, path, sw.status)
}

func (p *uploadProxy) record(method, path string, status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, fmt.Sprintf("%s %s %d", method, path, status))
}

// count counts the requests to path answered with status (0: any).
func (p *uploadProxy) count(method, path string, status int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.log {
		if l == fmt.Sprintf("%s %s %d", method, path, status) || (status == 0 && strings.HasPrefix(l, method+" "+path+" ")) {
			n++
		}
	}
	return n
}

// seen waits for a request the browser has had its answer to (the proxy
// records it after answering) to have been seen want times.
func (p *uploadProxy) seen(method, path string, status, want int) bool {
	for deadline := time.Now().Add(browser.PollFloor); ; time.Sleep(20 * time.Millisecond) {
		if p.count(method, path, status) == want {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// requests returns the tus requests recorded.
func (p *uploadProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.log {
		if strings.Contains(l, "/api/videos/") {
			out = append(out, l)
		}
	}
	return out
}

// reset forgets the requests and bytes recorded so far.
func (p *uploadProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log, p.patched = nil, 0
}

// Hold holds PATCHes from offset on; Fail answers the next PATCH at offset
// with 502 Bad Gateway; Lose too, after the app has served it (its answer
// is lost).
func (p *uploadProxy) Hold(offset int64) { p.mu.Lock(); p.holdFrom = offset; p.mu.Unlock() }
func (p *uploadProxy) Fail(offset int64) { p.mu.Lock(); p.failAt = offset; p.mu.Unlock() }
func (p *uploadProxy) Lose(offset int64) { p.mu.Lock(); p.loseAt = offset; p.mu.Unlock() }

// Release ends holding: held PATCHes get 502 (their browser is gone by then).
func (p *uploadProxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.release)
	p.release, p.holdFrom = make(chan struct{}), -1
}

// waitHeld waits for a PATCH to be held and returns its offset.
func (p *uploadProxy) waitHeld(t *testing.T) int64 {
	t.Helper()
	select {
	case off := <-p.held:
		return off
	case <-time.After(2 * browser.PollFloor):
		t.Fatalf("no upload request was held (requests: %v)", p.requests())
		return 0
	}
}

type countingBody struct {
	io.ReadCloser
	p *uploadProxy
}

func (b *countingBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	b.p.mu.Lock()
	b.p.patched += int64(n)
	b.p.mu.Unlock()
	return n, err
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestMediaInBrowser plays a transcoded video in headless Chromium through
// hls.js under the app's real CSP, drives the keyboard shortcuts, then uploads
// through the library's forms (an image by XHR with progress, a video as a
// resumable tus upload, seen by a proxy in front of the app) and watches the
// new video's status turn ready by polling. With WEAVERSE_SCREENSHOT_DIR set it saves
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
	px := newUploadProxy(t, testkit.Listen(t, ta.App.Fiber))
	base := px.URL
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
	signIn(t, ctx, base)
	testkit.Must(t, chromedp.Do(ctx,
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
	// A video: a resumable upload (tus), then after the reload it is
	// processing, and polling turns it ready. (Navigate first: chromedp's
	// view of the document can lag behind a reload the page made itself.)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/studio/media"),
		chromedp.WaitVisible(chromedp.CSS("#video-title")),
	))
	waitJS(t, ctx, 5*time.Second, `document.readyState === "complete" && !!window.tus && window.tus.isSupported`)
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#video-title"), "2강 · 첫 번째 API"),
		chromedp.SetUploadFiles(chromedp.CSS("#video-file"), []string{clipPath}),
		chromedp.Click(chromedp.CSS("#video-upload [data-upload-submit]")),
	))
	waitJS(t, ctx, 30*time.Second, `document.readyState === "complete" && document.querySelectorAll(".video-item").length === 2 &&
		!!document.querySelector(".flash-area .alert-success")`)
	if got := px.count("POST", "/api/videos/tus", 201); got != 1 {
		t.Errorf("%d tus uploads created, want 1 (requests: %v)", got, px.requests())
	}
	if got := px.count("PATCH", "/api/videos/tus/{id}", 204); got != 1 { // one 8 MiB chunk holds the clip
		t.Errorf("%d tus chunks, want 1 (requests: %v)", got, px.requests())
	}
	if got := px.count("POST", "/api/videos/upload", 0); got != 0 {
		t.Errorf("the video went by multipart too (requests: %v)", px.requests())
	}
	if got := evalJS[string](t, ctx, `document.querySelector(".video-item .video-title").textContent.trim()`); got != "2강 · 첫 번째 API" {
		t.Errorf("the new video is listed first as %q", got)
	}
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
		chromedp.Click(chromedp.CSS(item+` .media-manage form[action^="/studio/media/videos/"]:not([enctype]) button[type=submit]`)),
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
	// Whatever the click queued has run once a task queued after it has.
	evalJS[bool](t, ctx, `window.__tick = false, setTimeout(() => { window.__tick = true }, 0), true`)
	waitJS(t, ctx, 2*time.Second, `window.__tick === true`)
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

	// ---- the library and the courses ----
	// Where the video is used, with a link to the topic's editor; "use in
	// a course" makes it the course's intro too.
	library()
	if got := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, item+" .media-use-list a")); got != "영상 강좌 › 강의 › 1강 · 개발 환경 준비" {
		t.Errorf("where used: %q", got)
	}
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(item+" > .media-use > summary"))))
	waitJS(t, ctx, 2*time.Second, fmt.Sprintf(`document.querySelector(%q).open`, item+" > .media-use"))
	intro := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).value`, item+` select[name="target"] option[value^="course:"]`))
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(item+` select[name="target"]`), intro),
		chromedp.Click(chromedp.CSS(item+" .use-form button[type=submit]")),
	))
	flash("success", "‘영상 강좌’ 강좌의 소개 영상으로 정했어요.")
	if got := evalJS[string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((a) => a.textContent.trim()).join(" | ")`, item+" .media-use-list a")); got != "영상 강좌 › 강좌 소개 영상 | 영상 강좌 › 강의 › 1강 · 개발 환경 준비" {
		t.Errorf("where used: %q", got)
	}
	noCSPViolations(t, ctx)
	// Opened for the topic: the banner, and a button on each other ready
	// video that puts it there and goes back to the topic's editor.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+media.LibraryURL(0, topic)), chromedp.WaitVisible(chromedp.CSS(".use-banner"))))
	if got := evalJS[string](t, ctx, `document.querySelector(".use-banner-title").textContent.trim()`); got != "‘1강 · 개발 환경 준비’ 토픽에 쓸 영상을 고르세요" {
		t.Errorf("banner %q", got)
	}
	shoot(browser.Desktop, "studio-media-for-topic-desktop")
	shoot(browser.Phone, "studio-media-for-topic-phone")
	browser.Resize(t, ctx, browser.Desktop)
	pick := `.video-item[data-status="ready"]:not(` + item + `) .use-pick button`
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(pick), chromedp.NodeVisible)))
	waitJS(t, ctx, 10*time.Second, fmt.Sprintf(`document.readyState === "complete" && /^\/studio\/courses\/\d+\/topics\/%d$/.test(location.pathname)`, topic))
}

// TestMediaResumableUploadInBrowser drives the video form's tus uploads in
// small chunks (data-tus-chunk) through a proxy that fails one chunk (the
// retry message shows, the chunk is sent again) and then holds the next
// ones: the page is left midway, and choosing the same file on the reloaded
// page resumes where the server stopped (the message shows; every byte is
// sent once). Also: a refused file's problem under the field, and cancel,
// which removes the upload on the server.
func TestMediaResumableUploadInBrowser(t *testing.T) {
	data := clip(t, 4)
	const chunk = 64 << 10
	if len(data) < 4*chunk {
		t.Fatalf("the clip is %d bytes: too small for this test", len(data))
	}
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	started(t, ta)
	tutor := newUser(t, ta, "tutor", "tutor")
	px := newUploadProxy(t, testkit.Listen(t, ta.App.Fiber))
	base := px.URL
	cspWatch(t, ctx)
	signIn(t, ctx, base)

	dir := t.TempDir()
	clipPath, copyPath, textPath := filepath.Join(dir, "lesson3.mp4"), filepath.Join(dir, "lesson4.mp4"), filepath.Join(dir, "notes.mp4")
	testkit.Must(t, os.WriteFile(clipPath, data, 0o644))
	testkit.Must(t, os.WriteFile(copyPath, data, 0o644))
	testkit.Must(t, os.WriteFile(textPath, []byte("this is a text file renamed to .mp4"), 0o644))

	// library opens the page with small chunks, and records the notes
	// under the progress bar in sessionStorage (they outlive the reload
	// that follows an upload).
	library := func() {
		t.Helper()
		testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/studio/media"), chromedp.WaitVisible(chromedp.CSS("#video-file"))))
		waitJS(t, ctx, 5*time.Second, `document.readyState === "complete" && !!window.tus`)
		evalJS[bool](t, ctx, fmt.Sprintf(`(() => {
			const form = document.getElementById("video-upload");
			form.dataset.tusChunk = "%d";
			const note = form.querySelector("[data-upload-note]");
			new MutationObserver(() => {
				if (note.hidden || !note.textContent) return;
				const seen = JSON.parse(sessionStorage.getItem("notes") || "[]");
				seen.push(note.textContent);
				sessionStorage.setItem("notes", JSON.stringify(seen));
			}).observe(note, { childList: true, characterData: true, subtree: true, attributes: true });
			return true;
		})()`, chunk))
	}
	send := func(path, title string) {
		t.Helper()
		evalJS[bool](t, ctx, fmt.Sprintf(`document.getElementById("video-title").value = %q, true`, title))
		testkit.Must(t, chromedp.Do(ctx,
			chromedp.SetUploadFiles(chromedp.CSS("#video-file"), []string{path}),
			chromedp.Click(chromedp.CSS("#video-upload [data-upload-submit]")),
		))
	}
	notes := func() []string {
		return evalJS[[]string](t, ctx, `JSON.parse(sessionStorage.getItem("notes") || "[]")`)
	}
	stored := func() int {
		return evalJS[int](t, ctx, `Object.keys(localStorage).filter((k) => k.startsWith("tus::")).length`)
	}
	videos := func() []media.Video {
		var page struct{ Results []media.Video }
		ta.Get("/api/videos/", bearer(tutor)...).Status(200).JSON(&page)
		return page.Results
	}

	// Not a video: refused when its last chunk arrives, with the problem's
	// detail under the file field; its stored URL is dropped.
	library()
	send(textPath, "")
	waitJS(t, ctx, 15*time.Second, `!document.getElementById("video-file-error").hidden`)
	if got := evalJS[string](t, ctx, `document.getElementById("video-file-error").textContent.trim()`); got != "영상 파일이 아닙니다. MP4, MOV, MKV, WebM, AVI 영상을 올려 주세요." {
		t.Errorf("refused video: %q", got)
	}
	if px.count("POST", "/api/videos/tus", 201) != 1 || !px.seen("PATCH", "/api/videos/tus/{id}", 415, 1) {
		t.Errorf("refused video requests: %v", px.requests())
	}
	waitJS(t, ctx, 5*time.Second, `Object.keys(localStorage).filter((k) => k.startsWith("tus::")).length === 0`)
	// The same when the last chunk's answer is lost: the retry finds the
	// upload gone (HEAD 404) and asks what became of it, instead of sending
	// the file again.
	px.reset()
	px.Lose(0)
	library()
	send(textPath, "")
	waitJS(t, ctx, 15*time.Second, `!document.getElementById("video-file-error").hidden`)
	if got := evalJS[string](t, ctx, `document.getElementById("video-file-error").textContent.trim()`); got != "영상 파일이 아닙니다. MP4, MOV, MKV, WebM, AVI 영상을 올려 주세요." {
		t.Errorf("refused video, answer lost: %q", got)
	}
	if got, want := strings.Join(px.requests(), ", "), "POST /api/videos/tus 201, PATCH /api/videos/tus/{id} 415, HEAD /api/videos/tus/{id} 404, GET /api/videos/tus/{id}/video 415"; got != want {
		t.Errorf("refused video, answer lost: requests %s, want %s", got, want)
	}
	waitJS(t, ctx, 5*time.Second, `Object.keys(localStorage).filter((k) => k.startsWith("tus::")).length === 0`)

	// An upload interrupted twice: a chunk answered 502 is retried (with
	// the message); from the fourth chunk on nothing passes, and the page
	// is left.
	px.reset()
	px.Fail(chunk)
	px.Hold(3 * chunk)
	library()
	send(clipPath, "3강 · 이어 올리기")
	waitJS(t, ctx, 5*time.Second, `document.getElementById("video-upload").getAttribute("aria-busy") === "true"`)
	if off := px.waitHeld(t); off != 3*chunk {
		t.Errorf("held at %d, want %d", off, 3*chunk)
	}
	if got := notes(); len(got) == 0 || got[0] != "연결이 끊겨 다시 시도하고 있어요… (1/5)" {
		t.Errorf("notes while retrying: %q", got)
	}
	// (The held chunk may count as sent already: the proxy's socket takes it.)
	if got := evalJS[int](t, ctx, `document.querySelector("#video-upload [data-upload-bar]").value`); got < 3*chunk*100/len(data) || got > 4*chunk*100/len(data) {
		t.Errorf("progress %d%% when held at %d of %d bytes", got, 3*chunk, len(data))
	}
	if n := stored(); n != 1 {
		t.Errorf("%d uploads stored for resuming, want 1", n)
	}
	if got := px.count("PATCH", "/api/videos/tus/{id}", 502); got != 1 {
		t.Errorf("%d chunks failed, want 1 (requests: %v)", got, px.requests())
	}
	if len(videos()) != 0 {
		t.Error("a video exists before its upload finished")
	}

	// Back on the page, the same file resumes from the server's offset: one
	// upload created in all, each byte sent once; the title typed this time
	// is set once it is a video. (Held once more to see the message, then
	// retried.)
	evalJS[bool](t, ctx, `sessionStorage.removeItem("notes"), true`)
	library()
	px.Release() // the held request's page is gone
	px.Hold(5 * chunk)
	send(clipPath, "3강 · 이어서 올리기")
	px.waitHeld(t)
	waitJS(t, ctx, 5*time.Second, `(() => { const n = document.querySelector("#video-upload [data-upload-note]");
		return !n.hidden && n.textContent === "이전에 올리던 파일을 이어서 올립니다."; })()`)
	if dir := browser.ScreenshotDir(); dir != "" {
		browser.Screenshot(t, ctx, filepath.Join(dir, "studio-media-upload-resumed.png"))
	}
	px.Release()
	waitJS(t, ctx, 30*time.Second, `document.readyState === "complete" && document.querySelectorAll(".video-item").length === 1 &&
		!!document.querySelector(".flash-area .alert-success")`)
	if got := notes(); len(got) != 2 || got[0] != "이전에 올리던 파일을 이어서 올립니다." || got[1] != "연결이 끊겨 다시 시도하고 있어요… (1/5)" {
		t.Errorf("notes when resuming: %q", got)
	}
	if got := px.count("POST", "/api/videos/tus", 0); got != 1 {
		t.Errorf("%d uploads created, want 1 (requests: %v)", got, px.requests())
	}
	px.mu.Lock()
	patched := px.patched
	px.mu.Unlock()
	if patched != int64(len(data)) {
		t.Errorf("%d bytes sent for a %d byte file (requests: %v)", patched, len(data), px.requests())
	}
	if vs := videos(); len(vs) != 1 || vs[0].Title != "3강 · 이어서 올리기" || vs[0].Size != int64(len(data)) {
		t.Errorf("videos after resuming: %+v", vs)
	} else if px.count("PUT", fmt.Sprintf("/api/videos/%d", vs[0].ID), 200) != 1 {
		t.Errorf("the new title was not set (requests: %v)", px.requests())
	}
	if n := stored(); n != 0 {
		t.Errorf("%d uploads still stored after success", n)
	}

	// Cancel midway: the upload is removed on the server, and forgotten.
	px.reset()
	px.Hold(chunk)
	library()
	send(copyPath, "")
	px.waitHeld(t)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#video-upload [data-upload-cancel]"))))
	waitJS(t, ctx, 5*time.Second, `(() => { const d = document.querySelector("#video-upload [data-upload-done]");
		return !d.hidden && d.textContent === "업로드를 취소했어요."; })()`)
	waitJS(t, ctx, 5*time.Second, `Object.keys(localStorage).filter((k) => k.startsWith("tus::")).length === 0`)
	px.Release()
	if !px.seen("DELETE", "/api/videos/tus/{id}", 204, 1) {
		t.Errorf("cancel: the upload was not removed (requests: %v)", px.requests())
	}
	if !evalJS[bool](t, ctx, `document.querySelector("#video-upload [data-upload-progress]").hidden &&
		!document.querySelector("#video-upload [data-upload-submit]").disabled`) {
		t.Error("the form is still busy after cancel")
	}
	if len(videos()) != 1 {
		t.Error("a canceled upload became a video")
	}

	// Without tus-js-client (its script did not load), one multipart request.
	px.reset()
	library()
	evalJS[bool](t, ctx, `delete window.tus, true`)
	send(copyPath, "4강 · 한 번에 올리기")
	waitJS(t, ctx, 30*time.Second, `document.readyState === "complete" && document.querySelectorAll(".video-item").length === 2 &&
		!!document.querySelector(".flash-area .alert-success")`)
	if px.count("POST", "/api/videos/upload", 202) != 1 || px.count("POST", "/api/videos/tus", 0) != 0 {
		t.Errorf("without tus-js-client: %v", px.requests())
	}
	if vs := videos(); len(vs) != 2 || vs[0].Title != "4강 · 한 번에 올리기" {
		t.Errorf("videos after the multipart upload: %+v", vs)
	}
	noCSPViolations(t, ctx)
}
