package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

// A large media file reaches a slow viewer whole, although receiving it takes
// far longer than http.write_timeout: media responses have their own write
// deadline (the MP4 fallback of a lecture is gigabytes).
func TestSlowMediaDownloadOutlivesWriteTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("reads slowly for about two seconds")
	}
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, _ *app.Options) {
		cfg.HTTP.WriteTimeout = 300 * time.Millisecond
	})
	ctx := context.Background()
	// Bigger than the loopback socket buffers, so the server must keep
	// writing while the client reads.
	data := bytes.Repeat([]byte("weaverse-media "), (32<<20)/15)
	key := "videos/1/hls/fallback.mp4"
	testkit.Must(t, ta.App.Store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "video/mp4"))
	u, err := ta.App.Store.URL(ctx, key, ta.Clock.Now().Add(time.Hour))
	testkit.Must(t, err)
	base := testkit.Listen(t, ta.App.Fiber)

	resp, err := http.Get(base + u)
	testkit.Must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	h := sha256.New()
	buf := make([]byte, 512<<10)
	start := time.Now()
	var n int64
	for {
		m, err := io.ReadFull(resp.Body, buf)
		h.Write(buf[:m])
		n += int64(m)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		testkit.Must(t, err)
		time.Sleep(30 * time.Millisecond)
	}
	want := sha256.Sum256(data)
	if n != int64(len(data)) || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatalf("received %d of %d bytes in %s", n, len(data), time.Since(start))
	}
	if time.Since(start) < time.Second {
		t.Fatalf("the download took %s: too fast to test the deadline", time.Since(start))
	}
}
