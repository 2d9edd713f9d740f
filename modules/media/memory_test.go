package media_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/testkit"
)

// memBudget is how much the heap may grow while a large upload streams
// through: a few copy buffers are expected, never the body.
const memBudget = 32 << 20

// memTestBytes is the size of the uploads TestUploadMemory sends:
// WEAVERSE_MEMTEST_BYTES, 1 GiB by default.
func memTestBytes(t *testing.T) int64 {
	t.Helper()
	if v := os.Getenv("WEAVERSE_MEMTEST_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1<<20 {
			t.Fatalf("WEAVERSE_MEMTEST_BYTES=%q: want a byte count of at least 1 MiB", v)
		}
		return n
	}
	return 1 << 30
}

// junk generates n bytes of text that is no video, without holding them.
type junk struct {
	n   int64
	off int
}

var junkBlock = bytes.Repeat([]byte("this is a text file renamed to .mp4, not a video; "), 1300) // ~64 KiB

func (j *junk) Read(p []byte) (int, error) {
	if j.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > j.n {
		p = p[:j.n]
	}
	total := 0
	for len(p) > 0 {
		c := copy(p, junkBlock[j.off:])
		j.off = (j.off + c) % len(junkBlock)
		p, total = p[c:], total+c
	}
	j.n -= int64(total)
	return total, nil
}

// memWatch samples the Go heap (HeapInuse) and the resident set size while
// an upload runs and reports how far each rose above where it started.
type memWatch struct {
	stop, done         chan struct{}
	mu                 sync.Mutex
	baseHeap, peakHeap uint64
	baseRSS, peakRSS   int64
}

func watchMemory() *memWatch {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w := &memWatch{stop: make(chan struct{}), done: make(chan struct{}), baseHeap: ms.HeapInuse, peakHeap: ms.HeapInuse,
		baseRSS: rss(), peakRSS: rss()}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			r := rss()
			w.mu.Lock()
			w.peakHeap = max(w.peakHeap, ms.HeapInuse)
			w.peakRSS = max(w.peakRSS, r)
			w.mu.Unlock()
		}
	}()
	return w
}

// end stops sampling and returns the peak growth of the heap and of the
// RSS (-1 where /proc is missing), in bytes.
func (w *memWatch) end() (heap, resident int64) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	resident = -1
	if w.baseRSS >= 0 {
		resident = w.peakRSS - w.baseRSS
	}
	return int64(w.peakHeap) - int64(w.baseHeap), resident
}

// rss is the process's resident set size (Linux), or -1.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return -1
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return -1
	}
	return pages * int64(os.Getpagesize())
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// Memory stays bounded: a 1 GiB upload, multipart in one request or
// resumable in 8 MiB chunks, streams over a real connection to a temporary
// file without growing the heap by more than a few MiB. The body is text,
// so after the whole of it was received ffprobe refuses it (415): nothing is
// transcoded, and the test stays fast (a few seconds a GiB, most of it
// writing the temporary files).
func TestUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams large uploads (-short)")
	}
	requireFFmpeg(t)
	size := memTestBytes(t)
	ta := apptest.New(t, db.SQLite, func(cfg *config.Config, o *app.Options) { cfg.Media.MaxVideoBytes = size + 1<<20 })
	requireStreaming(t, ta)
	base := testkit.Listen(t, ta.App.Fiber)
	tutor := newUser(t, ta, "tutor", "tutor")

	check := func(t *testing.T, what string, resp *http.Response, body []byte, elapsed time.Duration, heap, resident int64) {
		t.Helper()
		var p struct{ Code string }
		_ = json.Unmarshal(body, &p)
		if resp.StatusCode != http.StatusUnsupportedMediaType || p.Code != "media.not_a_video" {
			t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
		}
		t.Logf("%s of %s in %s (%.0f MiB/s): heap +%s, RSS +%s at the peak", what, mib(size), elapsed.Round(time.Millisecond),
			float64(size)/(1<<20)/elapsed.Seconds(), mib(heap), mib(resident))
		if heap > memBudget {
			t.Errorf("%s: the heap grew by %s (budget %s)", what, mib(heap), mib(memBudget))
		}
	}

	t.Run("multipart", func(t *testing.T) {
		head := "--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nbig\r\n" +
			"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
		tail := "\r\n--b--\r\n"
		req, err := http.NewRequest(http.MethodPost, base+"/api/videos/upload/",
			io.MultiReader(strings.NewReader(head), &junk{n: size}, strings.NewReader(tail)))
		testkit.Must(t, err)
		req.ContentLength = int64(len(head)) + size + int64(len(tail))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		req.Header.Set("Authorization", "Bearer "+tutor.Token)
		w := watchMemory()
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		testkit.Must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		elapsed := time.Since(start)
		heap, resident := w.end()
		check(t, "multipart upload", resp, body, elapsed, heap, resident)
	})

	t.Run("tus", func(t *testing.T) {
		const chunk = 8 << 20
		loc := tusCreate(t, base, tutor, int(size), tusMeta("filename", "big.mp4"))
		w := watchMemory()
		start := time.Now()
		var last *tusResp
		for off := int64(0); off < size; off += chunk {
			n := min(chunk, size-off)
			last = tusDo(t, http.MethodPatch, loc, tutor, &junk{n: n}, "Upload-Offset", strconv.FormatInt(off, 10),
				"Content-Type", "application/offset+octet-stream", "Content-Length", strconv.FormatInt(n, 10))
			if off+n < size && last.StatusCode != http.StatusNoContent {
				t.Fatalf("PATCH at %d: %d %s", off, last.StatusCode, last.Body)
			}
		}
		elapsed := time.Since(start)
		heap, resident := w.end()
		check(t, fmt.Sprintf("resumable upload (%d MiB chunks)", chunk>>20), last.Response, last.Body, elapsed, heap, resident)
		if tusFilesLeft(ta, loc) {
			t.Fatal("the refused upload's files are still there")
		}
		if last.Header.Get(media.VideoIDHeader) != "" {
			t.Fatal("a refused upload named a video")
		}
	})
}
