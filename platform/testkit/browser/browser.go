// Package browser is a small chromedp harness for end-to-end tests of the
// server-rendered pages in a real headless Chromium.
//
// Chromium is found at $WEAVERSE_CHROMIUM, /usr/bin/chromium, or as chromium,
// chromium-browser, google-chrome or google-chrome-stable on PATH. Without it a
// test is skipped with a message, unless $CI is set: CI must install it
// (apt-get install -y chromium fonts-nanum), so there the test fails. Browser
// tests are also skipped with -short.
package browser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"
)

// Timeout bounds the browser work of one session: from its first
// navigation, so building the app, seeding data or transcoding a clip
// between New and the first page does not count against it. The longest
// walk-through (the media library, ~40 s on a quiet machine) took over 90 s
// with two whole test suites running beside it on 2 cores; the limit only
// has to catch a hang.
const Timeout = 4 * time.Minute

// SetupTimeout bounds what comes before the first navigation: starting
// Chromium, and whatever the test prepares before it opens a page. It is
// generous, for a busy 2-core machine; it only catches a test that never
// gets to its browser work.
const SetupTimeout = 10 * time.Minute

// Desktop and Phone are common viewport sizes for Resize.
var (
	Desktop = Size{1280, 900}
	Phone   = Size{390, 844} // iPhone 12-15 CSS pixels
)

// Size is a viewport size in CSS pixels.
type Size struct{ Width, Height int64 }

// Find returns the path of a Chromium/Chrome executable.
func Find() (string, error) {
	if p := os.Getenv("WEAVERSE_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", err
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser or google-chrome found")
}

// Option adjusts the browser started by New.
type Option func(*config)

type config struct{ lang string }

// Lang sets the browser UI language and Accept-Language (default "ko-KR").
func Lang(tag string) Option { return func(c *config) { c.lang = tag } }

// New starts a headless Chromium with a fresh profile for t and returns a
// chromedp context for chromedp.Run. Everything is torn down at t's cleanup.
func New(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	exe, err := Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser: %v (CI must install Chromium: apt-get install -y chromium)", err)
		}
		t.Skipf("browser: %v; install it (apt-get install -y chromium) or set WEAVERSE_CHROMIUM to run this test", err)
	}
	cfg := config{lang: "ko-KR"}
	for _, o := range opts {
		o(&cfg)
	}
	bctx, _ := start(t, exe, flagsFor(t, exe, cfg.lang), SetupTimeout, Timeout)
	return bctx
}

// flagsFor are Chromium's options: a fresh profile in t's temporary
// directory, headless, quiet, in language lang.
func flagsFor(t testing.TB, exe, lang string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // tests may run as root in containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		chromedp.WindowSize(int(Desktop.Width), int(Desktop.Height)),
	}
}

// sessionClock ends a browser session: after setup when no page was opened
// by then, else work after the first navigation.
type sessionClock struct {
	mu      sync.Mutex
	started time.Time // of the first navigation; zero before
	timer   *time.Timer
}

// start starts Chromium; see New.
func start(t testing.TB, exe string, flags []chromedp.ExecAllocatorOption, setup, work time.Duration) (context.Context, *sessionClock) {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &sessionClock{}
	c.timer = time.AfterFunc(setup, func() {
		cancel(fmt.Errorf("browser: no page opened within the %v setup bound", setup))
	})
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, flags...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		c.mu.Lock()
		c.timer.Stop()
		c.mu.Unlock()
		cancelBrowser()
		cancelAlloc()
		cancel(nil)
	})
	if err := chromedp.Do(bctx); err != nil { // start the browser now, fail early
		t.Fatalf("browser: start %s: %v", exe, err)
	}
	err := chromedp.Listen(bctx, func(ev any) {
		var url string
		switch ev := ev.(type) {
		case *page.EventFrameStartedNavigating:
			url = ev.URL
		case *page.EventFrameNavigated:
			url = ev.Frame.URL
		default:
			return
		}
		if url == "" || url == "about:blank" {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.started.IsZero() {
			return
		}
		c.started = time.Now()
		if c.timer.Stop() { // setup had not run out: the work clock starts now
			c.timer = time.AfterFunc(work, func() {
				cancel(fmt.Errorf("browser: the %v browser limit passed (since the first page)", work))
			})
		}
	})
	if err != nil {
		t.Fatalf("browser: listen: %v", err)
	}
	return bctx, c
}

// Cause says why a browser context ended (the setup or browser limit, or
// the test's end), for error messages: chromedp only reports "context
// canceled".
func Cause(ctx context.Context) error { return context.Cause(ctx) }

// Resize sets the viewport (CSS pixels; a phone size also emulates mobile).
func Resize(t testing.TB, ctx context.Context, s Size) {
	t.Helper()
	mobile := s.Width < 600
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(s.Width, s.Height, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
		p.Mobile = mobile
		p.DeviceScaleFactor = 1
	})); err != nil {
		t.Fatalf("browser: resize: %v", err)
	}
}

// Screenshot writes a full-page PNG of the current page to path (directories
// are created).
func Screenshot(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 = PNG
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("browser: screenshot %s", path)
}

// ScreenshotDir returns $WEAVERSE_SCREENSHOT_DIR, where tests that take
// screenshots for review save them, or "" to skip them.
func ScreenshotDir() string { return os.Getenv("WEAVERSE_SCREENSHOT_DIR") }

// Serve runs app on a real listener at 127.0.0.1:<random> and returns its
// base URL ("http://127.0.0.1:43127"). The app is shut down at cleanup.
func Serve(t testing.TB, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	t.Cleanup(func() {
		_ = app.ShutdownWithTimeout(5 * time.Second)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// PollFloor is the least WaitJS waits: the timeouts tests give are what a
// step takes on an idle machine, and a busy 2-core one (the app, a
// transcode and Chromium share it) takes many times that. WaitJS returns as
// soon as the condition holds, so a generous bound costs nothing.
const PollFloor = 30 * time.Second

// WaitJS polls the expression js until it is true, across page loads, for
// timeout (at least PollFloor), and fails the test with the page's address
// otherwise.
func WaitJS(t testing.TB, ctx context.Context, timeout time.Duration, js string) {
	t.Helper()
	deadline := time.Now().Add(max(timeout, PollFloor))
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	u, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("timed out waiting for %s (at %s)", js, u)
}

// Eval evaluates js in the page and returns its value (failing the test
// when it throws or does not convert to T).
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// WatchCSP records the Content-Security-Policy violations of every page
// opened from now on in window.__csp (installed before the page's own
// scripts run); NoCSPViolations checks the current page's.
func WatchCSP(t testing.TB, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation",
			(e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`})
	if err != nil {
		t.Fatal(err)
	}
}

// NoCSPViolations fails the test if the current page broke its
// Content-Security-Policy since WatchCSP.
func NoCSPViolations(t testing.TB, ctx context.Context) {
	t.Helper()
	if v := Eval[[]string](t, ctx, `window.__csp || []`); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
