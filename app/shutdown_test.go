package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
)

// A shutdown signal during a slow request lets the request finish; then Run
// returns nil (the CLI exits 0) and the port is closed.
func TestGracefulShutdown(t *testing.T) {
	inFlight := make(chan struct{})
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &closeNotifier{Listener: inner, closed: make(chan struct{})}
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, o *app.Options) {
		o.Routes = func(a *app.App) {
			a.Fiber.Get("/probe/slow-page", func(c *fiber.Ctx) error {
				close(inFlight)
				// Still in flight when the shutdown closes the listener.
				select {
				case <-ln.closed:
				case <-time.After(30 * time.Second):
					return c.SendString("the listener was never closed")
				}
				return c.SendString("finished")
			})
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- ta.App.Run(ctx, ln) }()

	base := "http://" + ln.Addr().String()
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/probe/slow-page")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{status: resp.StatusCode, body: string(b)}
	}()
	select {
	case <-inFlight:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow request never arrived")
	}
	start := time.Now()
	cancel() // what SIGTERM does to the CLI's context

	r := <-got
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %+v", r)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after shutdown")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("shutdown took %v", time.Since(start))
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

// closeNotifier closes closed when the server closes its listener: the
// moment a shutdown has begun.
type closeNotifier struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func (l *closeNotifier) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}
