package storage

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// rangeRecorder records the Range header of every GET the fake receives.
type rangeRecorder struct {
	mu     sync.Mutex
	ranges []string
}

func (r *rangeRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet && !strings.HasSuffix(req.URL.Path, "/media/") && req.URL.Query().Get("location") == "" {
			r.mu.Lock()
			r.ranges = append(r.ranges, req.Header.Get("Range"))
			r.mu.Unlock()
		}
		next.ServeHTTP(w, req)
	})
}

func (r *rangeRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.ranges
	r.ranges = nil
	return out
}

// TestS3ObjectFetchesLazily checks the GETs behind an S3 Object: none at
// Open, one per read run starting at the current offset, and exactly the
// requested bytes when Handler serves a range.
func TestS3ObjectFetchesLazily(t *testing.T) {
	rec := &rangeRecorder{}
	s := newFakeS3With(t, s3mem.New(), S3Config{}, rec.wrap)
	put(t, s, "v/a.ts", randBytes(1, 1000))
	rec.take()

	obj, err := s.Open(ctx, "v/a.ts")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("Open issued GETs: %q", got)
	}
	buf := make([]byte, 10)
	_, _ = obj.Seek(100, io.SeekStart)
	_, _ = obj.Seek(500, io.SeekStart) // seeks alone cost nothing
	if _, err := io.ReadFull(obj, buf); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(obj, buf); err != nil { // continues the same body
		t.Fatal(err)
	}
	if got := rec.take(); !slices.Equal(got, []string{"bytes=500-999"}) {
		t.Fatalf("GETs = %q", got)
	}

	m := newMediaApp(t, s)
	resp, body := m.do(t, "GET", m.url("v/a.ts"), "Range", "bytes=10-19")
	wantStatus(t, resp, 206)
	if len(body) != 10 {
		t.Fatalf("body %d bytes", len(body))
	}
	if got := rec.take(); !slices.Equal(got, []string{"bytes=10-19"}) {
		t.Fatalf("Handler's GETs = %q", got)
	}
	// HEAD needs no GET at all.
	resp, _ = m.do(t, "HEAD", m.url("v/a.ts"))
	wantStatus(t, resp, 200)
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("HEAD issued GETs: %q", got)
	}
}

// TestS3ObjectChangedWhileReading: every GET carries If-Match with the ETag
// seen at Open, and a 412 (the object was replaced) is an error rather than
// a body spliced from two versions. gofakes3 ignores If-Match on GET, so the
// wrapper plays S3's part.
func TestS3ObjectChangedWhileReading(t *testing.T) {
	var mu sync.Mutex
	var ifMatch []string
	replaced := false
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.Header.Get("Range") != "" {
				mu.Lock()
				ifMatch = append(ifMatch, r.Header.Get("If-Match"))
				gone := replaced
				mu.Unlock()
				if gone {
					w.WriteHeader(http.StatusPreconditionFailed)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	s := newFakeS3With(t, s3mem.New(), S3Config{}, wrap)
	put(t, s, "v/a.ts", randBytes(1, 1000))
	obj, err := s.Open(ctx, "v/a.ts")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if _, err := io.ReadFull(obj, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	replaced = true
	mu.Unlock()
	_, _ = obj.Seek(500, io.SeekStart)
	if _, err := obj.Read(make([]byte, 10)); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("read after replacement = %v", err)
	}
	want := `"` + obj.Info().ETag + `"`
	if len(ifMatch) != 2 || ifMatch[0] != want || ifMatch[1] != want {
		t.Fatalf("If-Match headers %q, want %q twice", ifMatch, want)
	}
}

func TestNewS3Errors(t *testing.T) {
	signer := testSigner(1)
	if _, err := NewS3(context.Background(), S3Config{Endpoint: "x"}, signer); err == nil {
		t.Fatal("missing bucket accepted")
	}
	if _, err := NewS3(context.Background(), S3Config{Endpoint: "x", Bucket: "b"}, nil); err == nil {
		t.Fatal("nil signer accepted")
	}
	// A bucket that does not exist fails at start-up, not at first upload.
	s := newFakeS3(t, s3mem.New(), S3Config{})
	cfg := S3Config{Endpoint: s.client.EndpointURL().Host, Bucket: "nope", UseSSL: true, PathStyle: true,
		Region: "us-east-1", AccessKey: "a", SecretKey: "b", Transport: fakeClients[s].Transport}
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := NewS3(cctx, cfg, signer); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("NewS3 with a missing bucket = %v", err)
	}
}
