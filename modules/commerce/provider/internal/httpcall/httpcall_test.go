package httpcall

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
)

// server counts its calls and answers them with handle.
func server(t *testing.T, handle func(n int64, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handle(n.Add(1), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func caller(client *http.Client, retries int) *Caller {
	return New(Options{Provider: "test", Client: client, Timeout: 100 * time.Millisecond, Retries: retries,
		Backoff: time.Millisecond})
}

func post(url string, retry Retry) Request {
	return Request{Method: http.MethodPost, URL: url, Body: []byte(`{"a":1}`), Retry: retry}
}

func TestStatuses(t *testing.T) {
	cases := []struct {
		name   string
		status int
		retry  Retry
		calls  int64
		err    bool
	}{
		{"200 is an answer", 200, RetryUnsent, 1, false},
		{"400 is an answer", 400, RetryUnknown, 1, false},
		{"500 unknown outcome, not repeated", 500, RetryUnsent, 1, true},
		{"500 repeated when harmless", 500, RetryUnknown, 3, true},
		{"503 refuses before working", 503, RetryUnsent, 3, true},
		{"429 refuses before working", 429, RetryUnsent, 3, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := server(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tc.status) })
			resp, err := caller(srv.Client(), 2).Do(context.Background(), post(srv.URL, tc.retry))
			if n.Load() != tc.calls {
				t.Fatalf("%d calls, want %d", n.Load(), tc.calls)
			}
			if tc.err != errors.Is(err, provider.ErrUnavailable) || (err == nil) == tc.err {
				t.Fatalf("err %v", err)
			}
			if !tc.err && resp.Status != tc.status {
				t.Fatalf("status %d", resp.Status)
			}
		})
	}
}

func TestRecoversAfterFailures(t *testing.T) {
	srv, n := server(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	resp, err := caller(srv.Client(), 2).Do(context.Background(), post(srv.URL, RetryUnknown))
	if err != nil || string(resp.Body) != "ok" || n.Load() != 3 {
		t.Fatalf("%v %v after %d calls", resp, err, n.Load())
	}
}

// A request that never left is sent again whatever the call.
func TestUnsentIsRepeated(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: every dial is refused
	var dials atomic.Int64
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}}
	_, err = caller(client, 2).Do(context.Background(), post("http://"+addr+"/x", RetryUnsent))
	if !errors.Is(err, provider.ErrUnavailable) || dials.Load() != 3 {
		t.Fatalf("err %v after %d dials", err, dials.Load())
	}
}

// A request that was sent whole, then lost its answer, is sent again only
// when a repeat is harmless.
func TestSentThenLost(t *testing.T) {
	for _, tc := range []struct {
		retry Retry
		calls int64
	}{{RetryUnsent, 1}, {RetryUnknown, 3}} {
		srv, n := server(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
			_, _ = r.Body.Read(make([]byte, 64))
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		})
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		_, err := caller(client, 2).Do(context.Background(), post(srv.URL, tc.retry))
		if !errors.Is(err, provider.ErrUnavailable) || n.Load() != tc.calls {
			t.Fatalf("retry %d: err %v after %d calls, want %d", tc.retry, err, n.Load(), tc.calls)
		}
	}
}

func TestTimeoutPerAttempt(t *testing.T) {
	srv, n := server(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	start := time.Now()
	_, err := caller(srv.Client(), 1).Do(context.Background(), post(srv.URL, RetryUnknown))
	if !errors.Is(err, provider.ErrUnavailable) || n.Load() != 2 || time.Since(start) > time.Second {
		t.Fatalf("err %v after %d calls in %v", err, n.Load(), time.Since(start))
	}
}

func TestCallerContext(t *testing.T) {
	srv, _ := server(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := caller(srv.Client(), 2).Do(ctx, post(srv.URL, RetryUnknown))
	if !errors.Is(err, provider.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestBodyIsBounded(t *testing.T) {
	srv, _ := server(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 3<<20)))
	})
	c := New(Options{Client: srv.Client(), Retries: -1})
	resp, err := c.Do(context.Background(), post(srv.URL, RetryUnsent))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Body) != maxBody {
		t.Fatalf("%d bytes", len(resp.Body))
	}
}

func TestDefaults(t *testing.T) {
	c := New(Options{})
	if c.timeout != DefaultTimeout || c.retries != DefaultRetries || c.backoff != DefaultBackoff || c.client == nil {
		t.Fatalf("%+v", c)
	}
	if New(Options{Retries: -1}).retries != 0 {
		t.Fatal("negative retries are none")
	}
	for i := range 10 {
		if w := c.wait(i); w <= 0 || w > maxBackoff {
			t.Fatalf("wait %d: %v", i, w)
		}
	}
}

func TestBaseURL(t *testing.T) {
	cases := map[string]string{"": "https://def", "http://x:1/": "http://x:1", "https://a/b/": "https://a/b",
		"x": "", "ftp://x": "", "http://": "", "::": ""}
	for in, want := range cases {
		got, err := BaseURL(in, "https://def")
		if got != want || (err == nil) != (want != "") {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
}

func TestClip(t *testing.T) {
	if got := Clip([]byte(strings.Repeat("가", 300))); len(got) > 210 || !strings.HasSuffix(got, "…") {
		t.Fatalf("%q", got)
	}
	if got := Clip([]byte{0xff, 'a'}); got != "?a" {
		t.Fatalf("%q", got)
	}
}

func TestSettle(t *testing.T) {
	refusal := &provider.Error{Code: "X"}
	done := &provider.Error{Code: "D", AlreadyDone: true}
	cases := []struct {
		name    string
		after   bool
		err     error
		refusal bool
	}{
		{"a refusal of the only attempt", false, refusal, true},
		{"a refusal after an unknown outcome", true, refusal, false},
		{"already done after an unknown outcome", true, done, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Settle("test", &Response{AfterUnknown: tc.after}, tc.err)
			var pe *provider.Error
			if errors.As(err, &pe) != tc.refusal || errors.Is(err, provider.ErrUnavailable) == tc.refusal {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestAfterUnknown(t *testing.T) {
	for _, tc := range []struct {
		first int
		want  bool
	}{{500, true}, {503, false}, {429, false}} {
		srv, _ := server(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				w.WriteHeader(tc.first)
				return
			}
			w.WriteHeader(http.StatusBadRequest)
		})
		resp, err := caller(srv.Client(), 2).Do(context.Background(), post(srv.URL, RetryUnknown))
		if err != nil || resp.Status != 400 || resp.AfterUnknown != tc.want {
			t.Fatalf("after a %d: %+v, %v", tc.first, resp, err)
		}
	}
}
