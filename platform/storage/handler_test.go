package storage

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/testkit"
)

// mediaApp mounts Handler on a Fiber app configured as Weaverse's is, with
// an error handler that maps apperr kinds to statuses (as platform/httpx
// does) and remembers the last error for assertions.
type mediaApp struct {
	app     *fiber.App
	st      Store
	signer  *Signer
	clock   time.Time
	lastErr error
}

func newMediaApp(t *testing.T, st Store) *mediaApp {
	t.Helper()
	m := &mediaApp{st: st, signer: testSigner(1), clock: time.Now()}
	m.app = fiber.New(fiber.Config{
		Immutable: true,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			m.lastErr = err
			status := fiber.StatusInternalServerError
			var fe *fiber.Error
			switch {
			case errors.Is(err, apperr.Forbidden):
				status = fiber.StatusForbidden
			case errors.Is(err, apperr.NotFound):
				status = fiber.StatusNotFound
			case errors.As(err, &fe):
				status = fe.Code
			}
			return c.SendStatus(status)
		},
	})
	m.app.Get("/media/*", Handler(st, m.signer, func() time.Time { return m.clock }, "/media"))
	return m
}

// url signs key as Local.URL would, valid for ten minutes from m.clock.
func (m *mediaApp) url(key string) string {
	return "/media/" + escapeKey(key) + "?" + m.signer.signedQuery(key, m.clock.Add(10*time.Minute))
}

func (m *mediaApp) do(t *testing.T, method, target string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	m.lastErr = nil
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := m.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d", resp.StatusCode, want)
	}
}

func wantHeader(t *testing.T, resp *http.Response, name, want string) {
	t.Helper()
	if got := resp.Header.Get(name); got != want {
		t.Fatalf("%s = %q, want %q", name, got, want)
	}
}

func TestHandler(t *testing.T) {
	stores := map[string]func(t *testing.T) Store{
		"Local": newTestLocal,
		// S3 behind our proxy: ranges become ranged GETs against the fake.
		"S3": func(t *testing.T) Store { return newFakeS3(t, s3mem.New(), S3Config{}) },
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) { testHandler(t, newStore(t)) })
	}
}

func testHandler(t *testing.T, st Store) {
	m := newMediaApp(t, st)
	data := randBytes(9, 1000)
	key := "videos/42/original.mp4"
	put(t, st, key, data)
	u := m.url(key)
	size := strconv.Itoa(len(data))

	t.Run("full body", func(t *testing.T) {
		resp, body := m.do(t, "GET", u)
		wantStatus(t, resp, 200)
		if !bytes.Equal(body, data) {
			t.Fatalf("body: %d bytes", len(body))
		}
		wantHeader(t, resp, "Content-Type", "video/mp4")
		wantHeader(t, resp, "Content-Length", size)
		wantHeader(t, resp, "Accept-Ranges", "bytes")
		wantHeader(t, resp, "Cache-Control", "private, max-age=600")
		wantHeader(t, resp, "X-Content-Type-Options", "nosniff")
		if etag := resp.Header.Get("ETag"); !strings.HasPrefix(etag, `"`) || len(etag) < 3 {
			t.Fatalf("ETag = %q", etag)
		}
		if _, err := http.ParseTime(resp.Header.Get("Last-Modified")); err != nil {
			t.Fatalf("Last-Modified: %v", err)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		resp, body := m.do(t, "HEAD", u)
		wantStatus(t, resp, 200)
		wantHeader(t, resp, "Content-Length", size)
		wantHeader(t, resp, "Content-Type", "video/mp4")
		if len(body) != 0 {
			t.Fatalf("HEAD sent %d body bytes", len(body))
		}
	})
	ranges := []struct {
		header     string
		start, end int // inclusive
	}{
		{"bytes=10-19", 10, 19},
		{"bytes=-5", 995, 999},
		{"bytes=100-", 100, 999},
		{"bytes=990-5000", 990, 999}, // end clamped
		{"bytes=0-0", 0, 0},
		{"bytes=-5000", 0, 999}, // suffix longer than the object
	}
	for _, r := range ranges {
		t.Run("range "+r.header, func(t *testing.T) {
			resp, body := m.do(t, "GET", u, "Range", r.header)
			wantStatus(t, resp, 206)
			wantHeader(t, resp, "Content-Range", "bytes "+strconv.Itoa(r.start)+"-"+strconv.Itoa(r.end)+"/"+size)
			wantHeader(t, resp, "Content-Length", strconv.Itoa(r.end-r.start+1))
			if !bytes.Equal(body, data[r.start:r.end+1]) {
				t.Fatalf("range body differs (%d bytes)", len(body))
			}
		})
	}
	t.Run("HEAD range", func(t *testing.T) {
		resp, body := m.do(t, "HEAD", u, "Range", "bytes=10-19")
		wantStatus(t, resp, 206)
		wantHeader(t, resp, "Content-Length", "10")
		wantHeader(t, resp, "Content-Range", "bytes 10-19/"+size)
		if len(body) != 0 {
			t.Fatal("HEAD sent a body")
		}
	})
	for _, h := range []string{"bytes=1000-", "bytes=5000-6000", "bytes=-0"} {
		t.Run("416 "+h, func(t *testing.T) {
			resp, body := m.do(t, "GET", u, "Range", h)
			wantStatus(t, resp, 416)
			wantHeader(t, resp, "Content-Range", "bytes */"+size)
			if len(body) != 0 {
				t.Fatalf("416 with %d body bytes", len(body))
			}
		})
	}
	// Ranges we do not serve fall back to the whole object (RFC 9110
	// lets a server ignore Range).
	for _, h := range []string{"bytes=0-1,5-6", "bytes=abc", "items=0-1", "bytes=5-2", "bytes=+1-2"} {
		t.Run("ignored "+h, func(t *testing.T) {
			resp, body := m.do(t, "GET", u, "Range", h)
			wantStatus(t, resp, 200)
			if !bytes.Equal(body, data) {
				t.Fatal("body differs")
			}
		})
	}
	t.Run("conditional", func(t *testing.T) {
		resp, _ := m.do(t, "GET", u)
		etag := resp.Header.Get("ETag")
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			resp, body := m.do(t, "GET", u, "If-None-Match", inm)
			wantStatus(t, resp, 304)
			wantHeader(t, resp, "ETag", etag)
			if len(body) != 0 {
				t.Fatal("304 with a body")
			}
		}
		resp, _ = m.do(t, "GET", u, "If-None-Match", `"other"`)
		wantStatus(t, resp, 200)
		// If-Range: a current ETag keeps the range, a stale one gets all.
		resp, body := m.do(t, "GET", u, "Range", "bytes=0-9", "If-Range", etag)
		wantStatus(t, resp, 206)
		if len(body) != 10 {
			t.Fatal("If-Range match lost the range")
		}
		resp, body = m.do(t, "GET", u, "Range", "bytes=0-9", "If-Range", `"stale"`)
		wantStatus(t, resp, 200)
		if len(body) != len(data) {
			t.Fatal("stale If-Range still got a range")
		}
	})
	t.Run("403", func(t *testing.T) {
		exp, sig := m.signer.Sign(key, m.clock.Add(10*time.Minute))
		other := "videos/43/original.mp4"
		put(t, st, other, []byte("another video"))
		forbidden := map[string]struct {
			target string
			code   string
			cause  error
		}{
			"tampered sig":   {"/media/" + key + "?exp=" + exp + "&sig=" + flip(sig), "media.signature_invalid", ErrBadSignature},
			"tampered exp":   {"/media/" + key + "?exp=" + exp + "9&sig=" + sig, "media.signature_invalid", ErrBadSignature},
			"tampered key":   {"/media/" + other + "?exp=" + exp + "&sig=" + sig, "media.signature_invalid", ErrBadSignature},
			"no signature":   {"/media/" + key, "media.signature_invalid", ErrBadSignature},
			"other secret":   {"/media/" + key + "?" + testSigner(2).signedQuery(key, m.clock.Add(time.Minute)), "media.signature_invalid", ErrBadSignature},
			"path traversal": {"/media/videos/43/../42/original.mp4?exp=" + exp + "&sig=" + sig, "media.signature_invalid", ErrBadSignature},
		}
		for name, c := range forbidden {
			t.Run(name, func(t *testing.T) {
				resp, _ := m.do(t, "GET", c.target)
				wantStatus(t, resp, 403)
				var ae *apperr.Error
				if !errors.As(m.lastErr, &ae) || ae.Code != c.code || !errors.Is(m.lastErr, c.cause) {
					t.Fatalf("error = %v", m.lastErr)
				}
			})
		}
		t.Run("expired", func(t *testing.T) {
			saved := m.clock
			m.clock = m.clock.Add(11 * time.Minute)
			defer func() { m.clock = saved }()
			for _, method := range []string{"GET", "HEAD"} {
				resp, _ := m.do(t, method, u)
				wantStatus(t, resp, 403)
				var ae *apperr.Error
				if !errors.As(m.lastErr, &ae) || ae.Code != "media.url_expired" || !errors.Is(m.lastErr, ErrExpired) {
					t.Fatalf("error = %v", m.lastErr)
				}
			}
		})
	})
	t.Run("404", func(t *testing.T) {
		for _, method := range []string{"GET", "HEAD"} {
			resp, _ := m.do(t, method, m.url("videos/42/missing.mp4"))
			wantStatus(t, resp, 404)
			var ae *apperr.Error
			if !errors.As(m.lastErr, &ae) || ae.Code != "media.not_found" {
				t.Fatalf("error = %v", m.lastErr)
			}
		}
		// Only a key we signed can even be looked up; an invalid one that
		// was signed anyway is simply not found.
		resp, _ := m.do(t, "GET", "/media/.hidden?"+m.signer.signedQuery(".hidden", m.clock.Add(time.Minute)))
		wantStatus(t, resp, 404)
	})
	t.Run("content types", func(t *testing.T) {
		types := map[string]string{
			"v/master.m3u8":  "application/vnd.apple.mpegurl",
			"v/seg-00001.ts": "video/mp2t",
			"v/a.mp4":        "video/mp4",
			"v/poster.jpg":   "image/jpeg",
			"v/poster.JPEG":  "image/jpeg",
			"v/thumb.png":    "image/png",
			"v/thumb.webp":   "image/webp",
			"v/ko.vtt":       "text/vtt",
			"v/blob":         "application/octet-stream",
		}
		for k, want := range types {
			put(t, st, k, []byte("x"))
			resp, _ := m.do(t, "GET", m.url(k))
			wantStatus(t, resp, 200)
			wantHeader(t, resp, "Content-Type", want)
		}
	})
	t.Run("escaped key", func(t *testing.T) {
		k := "강의/제 1강 #1?.mp4"
		put(t, st, k, []byte("odd"))
		target := m.url(k)
		if strings.ContainsAny(strings.Split(target, "?")[0], " #") {
			t.Fatalf("key not escaped in %q", target)
		}
		resp, body := m.do(t, "GET", target)
		wantStatus(t, resp, 200)
		if string(body) != "odd" {
			t.Fatalf("body %q", body)
		}
	})
	t.Run("method", func(t *testing.T) {
		resp, _ := m.do(t, "POST", u)
		wantStatus(t, resp, 405)
	})
}

// TestHandlerURLRoundTrip serves exactly what Local.URL hands out.
func TestHandlerURLRoundTrip(t *testing.T) {
	st := newTestLocal(t).(*Local)
	m := newMediaApp(t, st)
	put(t, st, "videos/1/hls/720p/index.m3u8", []byte("#EXTM3U\n"))
	u, err := st.URL(ctx, "videos/1/hls/720p/index.m3u8", m.clock.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := m.do(t, "GET", u)
	wantStatus(t, resp, 200)
	if string(body) != "#EXTM3U\n" {
		t.Fatalf("body %q", body)
	}
	// The CDN form of an S3 store uses the same parameters.
	s3 := newFakeS3(t, s3mem.New(), S3Config{PublicBaseURL: "https://cdn.example.com/media/"})
	cu, err := s3.URL(ctx, "videos/1/a.ts", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := url.Parse(cu)
	if parsed.Host != "cdn.example.com" || parsed.Path != "/media/videos/1/a.ts" {
		t.Fatalf("CDN URL %q", cu)
	}
	if err := s3.signer.Verify("videos/1/a.ts", parsed.Query().Get("exp"), parsed.Query().Get("sig"), time.Now()); err != nil {
		t.Fatalf("CDN URL does not verify: %v", err)
	}
}

// TestHandlerStreamsBounded serves 50 MiB over a real connection and checks
// that the heap (server and client together) stays bounded.
func TestHandlerStreamsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MiB stream")
	}
	for _, h := range harnesses() {
		if h.heapBacked {
			continue
		}
		t.Run(h.name, func(t *testing.T) {
			st := h.new(t)
			const size = 50 << 20
			gen := &genReader{left: size, src: rand.NewChaCha8([32]byte{3}), hash: sha256.New()}
			if err := st.Put(ctx, "videos/big/original.mp4", gen, size, ""); err != nil {
				t.Fatal(err)
			}
			m := newMediaApp(t, st)
			base := testkit.Listen(t, m.app)

			probe := newMemProbe()
			resp, err := http.Get(base + m.url("videos/big/original.mp4"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			wantStatus(t, resp, 200)
			w := &hashWriter{genReader: genReader{hash: sha256.New(), probe: probe}}
			if _, err := io.Copy(w, resp.Body); err != nil {
				t.Fatal(err)
			}
			if w.n != size || !bytes.Equal(w.hash.Sum(nil), gen.hash.Sum(nil)) {
				t.Fatalf("served %d bytes with a different checksum", w.n)
			}
			t.Logf("peak heap growth %.1f MiB", float64(probe.growth())/(1<<20))
			if probe.growth() > 16<<20 {
				t.Fatalf("heap grew by %d MiB serving 50 MiB", probe.growth()>>20)
			}
		})
	}
}
