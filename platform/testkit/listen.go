package testkit

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// Listen serves app on a free loopback port until the test ends and returns
// its base URL ("http://127.0.0.1:port"). Use it where app.Test cannot go:
// real connections, browsers, server-level limits.
func Listen(t testing.TB, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = app.Listener(ln)
	}()
	t.Cleanup(func() {
		_ = app.Shutdown()
		<-done
	})
	return "http://" + ln.Addr().String()
}
