package apptest

import (
	"net/http"
	"sync"
	"testing"
)

// Together sends the n requests made by req all at once — made first, then
// released together, each from its own goroutine — through the in-process
// app, and hands each answer to read (from that goroutine; the body is
// closed after read returns). It is how tests race requests: bursts of
// sign-ins, double submissions, concurrent changes.
func (ta *T) Together(t testing.TB, n int, req func(i int) *http.Request, read func(i int, resp *http.Response)) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		r := req(i)
		wg.Go(func() {
			<-start
			resp, err := ta.App.Fiber.Test(r, -1)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			read(i, resp)
		})
	}
	close(start)
	wg.Wait()
}
