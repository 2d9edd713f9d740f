package browser

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	exe, err := Find()
	if err != nil {
		t.Skipf("browser: %v", err)
	}
	return exe
}

// The browser limit counts from the first page, not from New: a test that
// builds its app or transcodes a clip for longer than the limit before it
// opens a page still gets the whole limit for its browser work. And the
// limit does end the session, saying which limit it was.
func TestBrowserClockStartsAtFirstNavigation(t *testing.T) {
	exe := chromium(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<title>ok</title><p>ok</p>"))
	}))
	defer srv.Close()
	const work = 3 * time.Second
	ctx, clock := start(t, exe, flagsFor(t, exe, "ko-KR"), time.Minute, work)
	// Slow setup (longer than the browser limit) before the first page.
	time.Sleep(work + time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatalf("first page after a slow setup: %v (%v)", err, Cause(ctx))
	}
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || title != "ok" {
		t.Fatalf("first page after a slow setup: %q, %v (%v)", title, err, Cause(ctx))
	}
	clock.mu.Lock()
	started := clock.started
	clock.mu.Unlock()
	if started.IsZero() {
		t.Fatal("the first navigation did not start the browser clock")
	}
	select {
	case <-ctx.Done():
		if c := Cause(ctx); c == nil || !strings.Contains(c.Error(), "browser limit") {
			t.Fatalf("session ended by %v", c)
		}
		if d := time.Since(started); d < work {
			t.Fatalf("session ended %v after the first page, before the %v limit", d, work)
		}
	case <-time.After(time.Minute):
		t.Fatal("the browser limit never ended the session")
	}
}

// Without any page, the setup bound ends the session.
func TestBrowserSetupBound(t *testing.T) {
	exe := chromium(t)
	ctx, clock := start(t, exe, flagsFor(t, exe, "ko-KR"), time.Minute, time.Minute)
	// Chromium is up (its start counts against the bound too, which a
	// loaded machine makes slow); now let the bound run out.
	clock.mu.Lock()
	clock.timer.Reset(time.Second)
	clock.mu.Unlock()
	select {
	case <-ctx.Done():
		if c := Cause(ctx); c == nil || !strings.Contains(c.Error(), "setup bound") {
			t.Fatalf("session ended by %v", c)
		}
	case <-time.After(time.Minute):
		t.Fatal("the setup bound never ended the session")
	}
}
