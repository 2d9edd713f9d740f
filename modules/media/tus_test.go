package media_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/mail"
	"github.com/weaverse/weaverse/platform/testkit"
)

// requireFFmpeg skips without ffmpeg (video uploads are refused then), and
// fails in CI, which must have it.
func requireFFmpeg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ffmpeg is required in CI")
		}
		t.Skip("ffmpeg is not installed")
	}
}

// requireStreaming fails unless the server streams bodies over its body
// limit to the handlers (fiber.Config.StreamRequestBody): without it every
// upload larger than http.body_limit is refused with 413 by fasthttp.
func requireStreaming(t *testing.T, ta *apptest.T) {
	t.Helper()
	if !ta.App.Fiber.Config().StreamRequestBody {
		t.Fatal("app/http.go: fiber.Config must set StreamRequestBody: true (upload bodies over http.body_limit are streamed)")
	}
}

// tusDir is where the app keeps uploads in progress: <data_dir>/uploads/tus.
func tusDir(ta *apptest.T) string { return filepath.Join(ta.App.Config.DataDir, "uploads", "tus") }

type tusResp struct {
	*http.Response
	Body []byte
}

func (r *tusResp) offset(t *testing.T) int64 {
	t.Helper()
	n, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if err != nil {
		t.Fatalf("Upload-Offset %q", r.Header.Get("Upload-Offset"))
	}
	return n
}

// code is a problem document's code.
func (r *tusResp) code() string {
	var p struct{ Code string }
	_ = json.Unmarshal(r.Body, &p)
	return p.Code
}

// tusDo sends one tus request over the network (u.Token "" is anonymous);
// headers are name, value pairs.
func tusDo(t *testing.T, method, u string, who user, body io.Reader, headers ...string) *tusResp {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	testkit.Must(t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	if who.Token != "" {
		req.Header.Set("Authorization", "Bearer "+who.Token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Content-Length" { // a streamed body's length
			req.ContentLength, err = strconv.ParseInt(headers[i+1], 10, 64)
			testkit.Must(t, err)
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	testkit.Must(t, err)
	return &tusResp{resp, b}
}

func expect(t *testing.T, r *tusResp, status int, code string) {
	t.Helper()
	if r.StatusCode != status || (code != "" && r.code() != code) {
		t.Fatalf("%s %s: got %d %s, want %d %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, r.Body, status, code)
	}
}

func tusMeta(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// tusCreate starts an upload and returns its URL.
func tusCreate(t *testing.T, base string, u user, size int, meta string) string {
	t.Helper()
	r := tusDo(t, http.MethodPost, base+media.TusPath, u, nil, "Upload-Length", strconv.Itoa(size), "Upload-Metadata", meta)
	expect(t, r, 201, "")
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, base+media.TusPath) {
		t.Fatalf("Location %q", loc)
	}
	return loc
}

func tusPatch(t *testing.T, loc string, u user, offset int, chunk []byte) *tusResp {
	t.Helper()
	return tusDo(t, http.MethodPatch, loc, u, bytes.NewReader(chunk), "Upload-Offset", strconv.Itoa(offset),
		"Content-Type", "application/offset+octet-stream")
}

// cutPatch starts a PATCH announcing want bytes, sends only part of them and
// drops the connection: a client losing its network mid-chunk.
func cutPatch(t *testing.T, ta *apptest.T, loc string, u user, offset int, part []byte, want int) {
	t.Helper()
	pu, err := url.Parse(loc)
	testkit.Must(t, err)
	conn, err := net.Dial("tcp", pu.Host)
	testkit.Must(t, err)
	_, err = fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nTus-Resumable: 1.0.0\r\n"+
		"Content-Type: application/offset+octet-stream\r\nUpload-Offset: %d\r\nContent-Length: %d\r\n\r\n",
		pu.Path, pu.Host, u.Token, offset, want)
	testkit.Must(t, err)
	_, err = conn.Write(part)
	testkit.Must(t, err)
	waitWritten(t, ta, loc, int64(offset+len(part)))
	testkit.Must(t, conn.Close())
	// Let the server see the end of the stream before the next request
	// (which would otherwise interrupt this one: tus's lock hand-over):
	// the PATCH is over when it has given its lock back.
	waitUnlocked(t, ta, loc)
}

// waitWritten waits until the server has written n bytes of the upload at
// loc to its file.
func waitWritten(t *testing.T, ta *apptest.T, loc string, n int64) {
	t.Helper()
	path := filepath.Join(tusDir(ta), uploadID(loc))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		fi, err := os.Stat(path)
		if err == nil && fi.Size() >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not write %d bytes of %s within 30 s (%v, %v)", n, path, fi, err)
		}
	}
}

// waitUnlocked waits until no request holds the lock of the upload at loc.
func waitUnlocked(t *testing.T, ta *apptest.T, loc string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		n, err := ta.App.DB.R.NewSelect().Table("media_tus_locks").Where("upload_id = ?", uploadID(loc)).Count(context.Background())
		testkit.Must(t, err)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload %s still locked after 30 s", uploadID(loc))
		}
	}
}

func uploadID(loc string) string { return loc[strings.LastIndex(loc, "/")+1:] }

// tusFilesLeft reports whether the upload's files are still on disk.
func tusFilesLeft(ta *apptest.T, loc string) bool {
	for _, p := range []string{uploadID(loc), uploadID(loc) + ".info"} {
		if _, err := os.Stat(filepath.Join(tusDir(ta), p)); err == nil {
			return true
		}
	}
	return false
}

// A resumable upload interrupted halfway and resumed produces the same file:
// the stored original's checksum is the source's; the video is transcoded.
func TestTusResumable(t *testing.T) {
	t.Parallel()
	data := clip(t, 4)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		requireStreaming(t, ta)
		started(t, ta)
		base := testkit.Listen(t, ta.App.Fiber)
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		n := len(data)
		size := strconv.Itoa(n)

		// Who may start one, and how large.
		expect(t, tusDo(t, http.MethodPost, base+media.TusPath, user{}, nil, "Upload-Length", size), 401, "")
		expect(t, tusDo(t, http.MethodPost, base+media.TusPath, student, nil, "Upload-Length", size), 403, "")
		expect(t, tusDo(t, http.MethodPost, base+media.TusPath, tutor, nil, "Upload-Length", strconv.Itoa(64<<20+1)), 413, "media.video_too_large")
		expect(t, tusDo(t, http.MethodOptions, base+media.TusPath, tutor, nil), 200, "")

		// The owner is the caller, whatever the metadata claims.
		loc := tusCreate(t, base, tutor, n, tusMeta("filename", "clip.mp4", "title", "이어 올린 영상",
			"weaverse-owner", strconv.FormatInt(other.ID, 10)))
		half, threeQuarters := n/2, n/2+n/4
		r := tusPatch(t, loc, tutor, 0, data[:half])
		expect(t, r, 204, "")
		if r.offset(t) != int64(half) {
			t.Fatalf("offset after the first half: %d", r.offset(t))
		}
		// In progress, the upload lives under <data_dir>/uploads/tus (this
		// also proves the cleanup checks below look in the right place).
		if !tusFilesLeft(ta, loc) {
			t.Fatalf("upload in progress not found in %s", tusDir(ta))
		}

		// The connection drops during the next chunk: what arrived is kept
		// (the body streams to the file: over the 64 KiB body limit here).
		cutPatch(t, ta, loc, tutor, half, data[half:threeQuarters], n-half)
		var off int64
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			h := tusDo(t, http.MethodHead, loc, tutor, nil)
			expect(t, h, 200, "")
			if off = h.offset(t); off > int64(half) || time.Now().After(deadline) {
				if h.Header.Get("Upload-Length") != size {
					t.Fatalf("HEAD Upload-Length %q", h.Header.Get("Upload-Length"))
				}
				break
			}
		}
		if off <= int64(half) || off > int64(threeQuarters) {
			t.Fatalf("offset after the interruption: %d (sent up to %d)", off, threeQuarters)
		}
		t.Logf("%d bytes: first chunk to %d, the cut one sent up to %d, resumed from %d", n, half, threeQuarters, off)

		// Only its creator sees it; students not at all.
		expect(t, tusDo(t, http.MethodHead, loc, other, nil), 404, "")
		expect(t, tusPatch(t, loc, other, int(off), data[off:off+100]), 404, "media.upload_not_found")
		expect(t, tusDo(t, http.MethodDelete, loc, other, nil), 404, "media.upload_not_found")
		expect(t, tusDo(t, http.MethodGet, loc+"/video", other, nil), 404, "media.upload_not_found")
		expect(t, tusDo(t, http.MethodHead, loc, student, nil), 403, "")
		expect(t, tusDo(t, http.MethodHead, base+media.TusPath+"..%2f..%2fetc", tutor, nil), 404, "")
		// Not finished yet; a wrong offset is a conflict.
		expect(t, tusDo(t, http.MethodGet, loc+"/video", tutor, nil), 409, "media.upload_incomplete")
		expect(t, tusPatch(t, loc, tutor, int(off)-1, data[off-1:off+99]), 409, "media.tus_mismatched_offset")

		// Resume: the final PATCH answers with the new video.
		r = tusPatch(t, loc, tutor, int(off), data[off:])
		expect(t, r, 204, "")
		if r.offset(t) != int64(n) {
			t.Fatalf("final offset %d", r.offset(t))
		}
		id, err := strconv.ParseInt(r.Header.Get(media.VideoIDHeader), 10, 64)
		if err != nil {
			t.Fatalf("%s: %q", media.VideoIDHeader, r.Header.Get(media.VideoIDHeader))
		}
		if tusFilesLeft(ta, loc) {
			t.Fatal("the finished upload's files are still there")
		}
		// A client that lost that answer: HEAD says it is complete, and
		// GET …/video names the video.
		h := tusDo(t, http.MethodHead, loc, tutor, nil)
		expect(t, h, 200, "")
		if h.offset(t) != int64(n) || h.Header.Get(media.VideoIDHeader) != strconv.FormatInt(id, 10) {
			t.Fatalf("HEAD after completion: %v", h.Header)
		}
		var res struct {
			VideoID int64 `json:"video_id"`
		}
		g := tusDo(t, http.MethodGet, loc+"/video", tutor, nil)
		expect(t, g, 200, "")
		testkit.Must(t, json.Unmarshal(g.Body, &res))
		if res.VideoID != id {
			t.Fatalf("GET …/video: %s", g.Body)
		}
		expect(t, tusDo(t, http.MethodHead, loc, other, nil), 404, "")

		v := waitReady(t, ta, tutor, id)
		if v.Title != "이어 올린 영상" || v.OwnerID != tutor.ID || v.Size != int64(n) || len(v.Renditions) == 0 {
			t.Fatalf("video %+v", v)
		}
		obj, err := ta.App.Store.Open(context.Background(), fmt.Sprintf("videos/%d/original", id))
		testkit.Must(t, err)
		defer obj.Close()
		sum := sha256.New()
		_, err = io.Copy(sum, obj)
		testkit.Must(t, err)
		if got, want := fmt.Sprintf("%x", sum.Sum(nil)), fmt.Sprintf("%x", sha256.Sum256(data)); got != want {
			t.Fatalf("stored original sha256 %s, source %s", got, want)
		}
	}, func(cfg *config.Config, o *app.Options) {
		cfg.Media.MaxVideoBytes = 64 << 20
		cfg.HTTP.BodyLimit = 64 << 10 // chunks stream, as large ones do in production
	})
}

// A completed upload that is not a video is refused on the final PATCH and
// leaves nothing behind; an abandoned one can be deleted.
func TestTusRefusals(t *testing.T) {
	requireFFmpeg(t)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		requireStreaming(t, ta)
		base := testkit.Listen(t, ta.App.Fiber)
		tutor := newUser(t, ta, "tutor", "tutor")
		junk := bytes.Repeat([]byte("not a video at all; "), 10000)

		loc := tusCreate(t, base, tutor, len(junk), tusMeta("filename", "notes.mp4"))
		expect(t, tusPatch(t, loc, tutor, 0, junk[:1000]), 204, "")
		r := tusPatch(t, loc, tutor, 1000, junk[1000:])
		expect(t, r, 415, "media.not_a_video")
		if r.Header.Get(media.VideoIDHeader) != "" || tusFilesLeft(ta, loc) {
			t.Fatalf("refused upload: header %q, files left %v", r.Header.Get(media.VideoIDHeader), tusFilesLeft(ta, loc))
		}
		expect(t, tusDo(t, http.MethodGet, loc+"/video", tutor, nil), 415, "media.not_a_video")
		expect(t, tusDo(t, http.MethodHead, loc, tutor, nil), 404, "")
		n, _ := ta.App.DB.R.NewSelect().Table("media_videos").Count(context.Background())
		if n != 0 || mediaFiles(t, ta) != 0 {
			t.Fatalf("refused upload left %d rows, %d files", n, mediaFiles(t, ta))
		}

		// More than announced is refused; abandoning removes the files.
		loc = tusCreate(t, base, tutor, 10, "")
		expect(t, tusPatch(t, loc, tutor, 0, make([]byte, 11)), 413, "")
		// tusd's per-request goroutines end with the request: one waits out
		// tusd's 10 s grace period, none stay for ever (two a request did
		// when its context never ended). This test is not parallel, so the
		// count is this test's: after the grace period it must be back
		// where it was, give or take a few, which one leak a request (50)
		// is not.
		for range 5 {
			tusDo(t, http.MethodHead, loc, tutor, nil)
		}
		before := runtime.NumGoroutine()
		for range 50 {
			expect(t, tusDo(t, http.MethodHead, loc, tutor, nil), 200, "")
		}
		waitGoroutines(t, before+leakSlack, 40*time.Second)
		// Deleting (here as clients that cannot send DELETE do) removes it.
		expect(t, tusDo(t, http.MethodPost, loc, tutor, nil, "X-HTTP-Method-Override", "DELETE"), 204, "")
		expect(t, tusDo(t, http.MethodHead, loc, tutor, nil), 404, "")
		if tusFilesLeft(ta, loc) {
			t.Fatal("deleted upload's files are still there")
		}
		// The tus version header is required.
		req, _ := http.NewRequest(http.MethodPost, base+media.TusPath, nil)
		req.Header.Set("Authorization", "Bearer "+tutor.Token)
		req.Header.Set("Upload-Length", "10")
		resp, err := http.DefaultClient.Do(req)
		testkit.Must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("POST without Tus-Resumable: %d", resp.StatusCode)
		}
	})
}

// leakSlack is how many goroutines more than before a leak check
// tolerates: background work that comes and goes (a pooled connection's
// reader), far fewer than the requests a check sends.
const leakSlack = 10

// waitGoroutines waits until at most n goroutines run, and fails after
// within with the count and where the extra ones are.
func waitGoroutines(t *testing.T, n int, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		got := runtime.NumGoroutine()
		if got <= n {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: %d after %v, want at most %d (leaked?):\n%.20000s", got, within, n, buf)
		}
	}
}

// instance builds another app on ta's database and data directory (so the
// same upload directory): a second instance behind the load balancer, or
// the same one after a restart. Its clock starts where ta's is.
func instance(t *testing.T, ta *apptest.T) *apptest.T {
	t.Helper()
	cfg := *ta.App.Config
	clk := clock.NewFixed(ta.Clock.Now())
	mailer := &mail.Memory{}
	a, err := app.New(context.Background(), &cfg, app.Options{Logger: apptest.Logger(t), Clock: clk, Mailer: mailer,
		Authenticate: testkit.HeaderAuth()})
	testkit.Must(t, err)
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return &apptest.T{Client: testkit.NewClient(t, a.Fiber), App: a, Clock: clk, Mailer: mailer}
}

// stallPatch starts a PATCH announcing want bytes, sends part of them and
// then sends nothing more, its connection open: a client whose network went
// away without the server noticing. Closing the returned connection ends it.
func stallPatch(t *testing.T, ta *apptest.T, loc string, u user, offset int, part []byte, want int) net.Conn {
	t.Helper()
	pu, err := url.Parse(loc)
	testkit.Must(t, err)
	conn, err := net.Dial("tcp", pu.Host)
	testkit.Must(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nTus-Resumable: 1.0.0\r\n"+
		"Content-Type: application/offset+octet-stream\r\nUpload-Offset: %d\r\nContent-Length: %d\r\n\r\n",
		pu.Path, pu.Host, u.Token, offset, want)
	testkit.Must(t, err)
	_, err = conn.Write(part)
	testkit.Must(t, err)
	waitWritten(t, ta, loc, int64(offset+len(part)))
	return conn
}

// on is loc served by another instance.
func on(base, loc string) string { return base + loc[strings.Index(loc, media.TusPath):] }

// Two instances share the database and the upload directory: a HEAD on the
// second takes the upload's lock from a PATCH stuck on the first (asked
// through the database to let go), the upload is finished on the second,
// and what it became is answered by the first, which never saw it, and by
// a new instance after both stopped (a restart), to its owner only. The
// same holds for a refused upload's problem. Outcomes are forgotten after
// tusExpiry, and an abandoned upload's files are removed.
func TestTusSharedInstances(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	data := clip(t, 2)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		requireStreaming(t, ta)
		started(t, ta)
		tb := instance(t, ta)
		base1, base2 := testkit.Listen(t, ta.App.Fiber), testkit.Listen(t, tb.App.Fiber)
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		n := len(data)

		loc := tusCreate(t, base1, tutor, n, tusMeta("filename", "shared.mp4"))
		half, threeQuarters := n/2, n/2+n/4
		expect(t, tusPatch(t, loc, tutor, 0, data[:half]), 204, "")
		conn := stallPatch(t, ta, loc, tutor, half, data[half:threeQuarters], n-half)

		// Without the hand-over this HEAD would wait for tusd's lock timeout
		// (20 s) and fail.
		start := time.Now()
		h := tusDo(t, http.MethodHead, on(base2, loc), tutor, nil)
		expect(t, h, 200, "")
		off := h.offset(t)
		if off <= int64(half) || off > int64(threeQuarters) {
			t.Fatalf("offset seen by the second instance: %d (sent up to %d)", off, threeQuarters)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("the second instance got the lock after %v", d)
		}
		t.Logf("lock handed over between instances in %v", time.Since(start))
		// …because the first instance stopped the stuck PATCH when asked
		// (with a lock per process it would still be waiting for data).
		testkit.Must(t, conn.SetReadDeadline(time.Now().Add(2*time.Second)))
		if _, err := io.ReadAll(conn); err != nil {
			t.Fatalf("the stuck PATCH on the first instance was not ended: %v", err)
		}
		_ = conn.Close()

		// Finished on the second instance.
		r := tusPatch(t, on(base2, loc), tutor, int(off), data[off:])
		expect(t, r, 204, "")
		id := r.Header.Get(media.VideoIDHeader)
		if id == "" {
			t.Fatal("no video id on the final PATCH")
		}
		// A refused upload, on the first.
		junk := bytes.Repeat([]byte("not a video at all; "), 1000)
		bad := tusCreate(t, base1, tutor, len(junk), tusMeta("filename", "notes.mp4"))
		refused := tusPatch(t, bad, tutor, 0, junk)
		expect(t, refused, 415, "media.not_a_video")

		check := func(t *testing.T, base string) {
			t.Helper()
			h := tusDo(t, http.MethodHead, on(base, loc), tutor, nil)
			expect(t, h, 200, "")
			if h.offset(t) != int64(n) || h.Header.Get("Upload-Length") != strconv.Itoa(n) || h.Header.Get(media.VideoIDHeader) != id {
				t.Fatalf("HEAD after completion on %s: %v", base, h.Header)
			}
			g := tusDo(t, http.MethodGet, on(base, loc)+"/video", tutor, nil)
			expect(t, g, 200, "")
			if string(bytes.TrimSpace(g.Body)) != `{"video_id":`+id+`}` {
				t.Fatalf("GET …/video on %s: %s", base, g.Body)
			}
			// The refusal is the same problem, in the same words.
			g = tusDo(t, http.MethodGet, on(base, bad)+"/video", tutor, nil)
			expect(t, g, 415, "media.not_a_video")
			var want, got struct{ Title, Detail, Type string }
			testkit.Must(t, json.Unmarshal(refused.Body, &want))
			testkit.Must(t, json.Unmarshal(g.Body, &got))
			if got != want || got.Detail == "" {
				t.Fatalf("refusal on %s: %s, at completion: %s", base, g.Body, refused.Body)
			}
			expect(t, tusDo(t, http.MethodHead, on(base, bad), tutor, nil), 404, "")
			// Another tutor sees nothing of either.
			expect(t, tusDo(t, http.MethodHead, on(base, loc), other, nil), 404, "")
			expect(t, tusDo(t, http.MethodGet, on(base, loc)+"/video", other, nil), 404, "media.upload_not_found")
			expect(t, tusDo(t, http.MethodGet, on(base, bad)+"/video", other, nil), 404, "media.upload_not_found")
			expect(t, tusPatch(t, on(base, loc), tutor, n, nil), 404, "media.upload_not_found")
		}
		check(t, base1)
		check(t, base2)

		// Both stop; a new instance knows what the uploads became.
		testkit.Must(t, tb.App.Close(context.Background()))
		testkit.Must(t, ta.App.Close(context.Background()))
		tc := instance(t, ta)
		base3 := testkit.Listen(t, tc.App.Fiber)
		check(t, base3)

		// An upload abandoned for tusExpiry and outcomes older than that are
		// removed (on the next POST, in the background).
		left := tusCreate(t, base3, tutor, 100, "")
		expect(t, tusPatch(t, left, tutor, 0, make([]byte, 10)), 204, "")
		old := time.Now().Add(-25 * time.Hour)
		testkit.Must(t, os.Chtimes(filepath.Join(tusDir(tc), uploadID(left)), old, old))
		tc.Clock.Advance(25 * time.Hour)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		tc.Request(http.MethodPost, "/api/login/", map[string]string{"email": "tutor@example.com", "password": pw}).Status(200).JSON(&tok)
		tutor.Token = tok.AccessToken
		// Past tusExpiry an outcome is not answered, pruned or not.
		expect(t, tusDo(t, http.MethodGet, on(base3, loc)+"/video", tutor, nil), 404, "media.upload_not_found")
		tusCreate(t, base3, tutor, 100, "")
		deadline := time.Now().Add(5 * time.Second)
		for {
			rows, err := tc.App.DB.R.NewSelect().Table("media_tus_uploads").Count(context.Background())
			testkit.Must(t, err)
			if rows == 0 && !tusFilesLeft(tc, left) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after tusExpiry: %d outcomes, abandoned upload's files left: %v", rows, tusFilesLeft(tc, left))
			}
			time.Sleep(20 * time.Millisecond)
		}
		expect(t, tusDo(t, http.MethodHead, on(base3, loc), tutor, nil), 404, "")
		expect(t, tusDo(t, http.MethodHead, left, tutor, nil), 404, "")
	}, func(cfg *config.Config, o *app.Options) {
		cfg.Media.MaxVideoBytes = 64 << 20
		cfg.HTTP.BodyLimit = 64 << 10
	})
}
