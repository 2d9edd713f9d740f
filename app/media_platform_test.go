package app_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

// noisePNG is a PNG of w×h random pixels: it does not compress, so its
// size is about 4·w·h bytes.
func noisePNG(w, h int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// slowReader is a slow client: it hands out its data a chunk at a time
// and holds the last chunk back until hold has passed since the first
// read, so the body takes longer than hold to arrive however fast or slow
// the machine is.
type slowReader struct {
	data  []byte
	chunk int
	hold  time.Duration
	start time.Time
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	if s.start.IsZero() {
		s.start = time.Now()
	}
	if len(s.data) <= s.chunk {
		time.Sleep(time.Until(s.start.Add(s.hold))) // the slowness under test, not synchronisation
	}
	n := copy(p[:min(len(p), s.chunk)], s.data)
	s.data = s.data[n:]
	return n, nil
}

// What the media module declares to the platform (module.go) is what the
// app applies: uploads larger than http.body_limit stream to the module,
// for longer than http.request_timeout; signed media files are never
// gzipped; the media library is in the account menu of those who may
// manage videos; /readyz reports whether this instance transcodes.
func TestMediaPlatformDeclarations(t *testing.T) {
	// The request timeout applies to every request of the test: long
	// enough that a busy machine answers the others in time (300 ms made
	// registration fail under load); the uploads take longer by design.
	const timeout = 2 * time.Second
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, _ *app.Options) {
		cfg.HTTP.BodyLimit = 64 << 10
		cfg.HTTP.RequestTimeout = timeout
	})
	tutor := newMediaUser(t, ta, "tutor", "tutor")
	student := newMediaUser(t, ta, "student", "student")

	r := ta.Get("/readyz").Status(200).Map()
	if caps, _ := r["capabilities"].(map[string]any); caps["transcoding"] != haveFFmpeg(t) {
		t.Fatalf("readyz capabilities %v; ffmpeg found: %v", r["capabilities"], haveFFmpeg(t))
	}

	html := func(u *mediaUser) []string {
		return append(u.auth(), "Accept", "text/html", "Sec-Fetch-Site", "same-origin")
	}
	ta.Get("/", html(tutor)...).Status(200).Contains(`href="/studio/media"`)
	ta.Get("/", html(student)...).Status(200).NotContains(`href="/studio/media"`)

	// An image over the body limit, sent slowly: it takes longer than the
	// request timeout to arrive, through the API and the library's form.
	base := testkit.Listen(t, ta.App.Fiber)
	picture := noisePNG(160, 160)
	if len(picture) <= 64<<10 {
		t.Fatalf("the picture (%d bytes) must be larger than the body limit", len(picture))
	}
	for _, tc := range []struct {
		path   string
		status int
	}{{"/api/images/upload/", http.StatusCreated}, {"/studio/media/images", http.StatusSeeOther}} {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("file", "noise.png")
		_, _ = fw.Write(picture)
		_ = w.Close()
		req, err := http.NewRequest(http.MethodPost, base+tc.path,
			&slowReader{data: body.Bytes(), chunk: 16 << 10, hold: timeout + time.Second})
		testkit.Must(t, err)
		req.ContentLength = int64(body.Len())
		req.Header.Set("Content-Type", w.FormDataContentType())
		for h := html(tutor); len(h) > 1; h = h[2:] {
			req.Header.Set(h[0], h[1])
		}
		start := time.Now()
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		testkit.Must(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Fatalf("%s: %d %s", tc.path, resp.StatusCode, b)
		}
		if took := time.Since(start); took < timeout {
			t.Fatalf("%s: the upload took %s, not longer than the request timeout", tc.path, took)
		}
	}

	// A signed file, however compressible, is sent as stored.
	ctx := context.Background()
	captions := bytes.Repeat([]byte("00:00.000 --> 00:01.000\n안녕하세요\n\n"), 2000)
	testkit.Must(t, ta.App.Store.Put(ctx, "videos/1/captions/ko.vtt", bytes.NewReader(captions), int64(len(captions)), "text/vtt"))
	u, err := ta.App.Store.URL(ctx, "videos/1/captions/ko.vtt", ta.Clock.Now().Add(time.Hour))
	testkit.Must(t, err)
	got := ta.Get(u, "Accept-Encoding", "gzip").Status(200)
	if enc := got.Header.Get("Content-Encoding"); enc != "" || !bytes.Equal(got.Body, captions) {
		t.Fatalf("signed file: Content-Encoding %q, %d bytes of %d", enc, len(got.Body), len(captions))
	}
}

// A database that fails is a server error (logged, 500), not a "not found"
// that hides it: playback and served images used to answer 404.
func TestMediaLookupFailureIsAnError(t *testing.T) {
	ta := apptest.New(t, "sqlite")
	testkit.Must(t, ta.App.DB.Close())
	ta.Get("/images/1/display").Status(500)
	ta.Get("/api/videos/1/playback/").Status(500)
}
