package media_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
)

// maximalPNG is a 6300×6300 16-bit RGBA PNG: under the 40-megapixel limit
// and, being flat, a few hundred KB, but 317 MB once decoded.
func maximalPNG(t testing.TB) []byte {
	img := image.NewNRGBA64(image.Rect(0, 0, 6300, 6300))
	c := color.NRGBA64{R: 0x1234, G: 0x5678, B: 0x9abc, A: 0xffff}
	for i := 0; i < len(img.Pix); i += 8 {
		img.Pix[i], img.Pix[i+1] = uint8(c.R>>8), uint8(c.R)
		img.Pix[i+2], img.Pix[i+3] = uint8(c.G>>8), uint8(c.G)
		img.Pix[i+4], img.Pix[i+5] = uint8(c.B>>8), uint8(c.B)
		img.Pix[i+6], img.Pix[i+7] = uint8(c.A>>8), uint8(c.A)
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSmallImageWhileLargeOnesDecode is the acceptance figure of issue 10
// item 4: four users upload maximal images (6300×6300 16-bit PNGs); while
// all four decode, a fifth user's 64×48 image must take seconds, not the
// minutes it took when decodes were admitted two at a time. The decode
// budget is set to 2 GiB (two maximal images decode, two wait), so the
// figure does not depend on the machine's memory. It needs about 2 GiB and a
// minute of CPU, so it runs only with WEAVERSE_IMAGE_LOAD=1.
func TestSmallImageWhileLargeOnesDecode(t *testing.T) {
	if os.Getenv("WEAVERSE_IMAGE_LOAD") == "" {
		t.Skip("set WEAVERSE_IMAGE_LOAD=1 to run (about 2 GiB of memory and a minute of CPU)")
	}
	big := maximalPNG(t)
	small := pngBytes(64, 48)
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, _ *app.Options) {
		cfg.Media.ImageDecodeMemory = 2 << 30
	})
	mod := mediaModule(t, ta)
	users := make([]user, 5)
	for i := range users {
		users[i] = newUser(t, ta, "user"+string(rune('a'+i)), "student")
	}
	var wg sync.WaitGroup
	bigTook := make([]time.Duration, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			if r := upload(ta, "/api/images/upload/", users[i], "huge.png", big); r.StatusCode != 201 {
				t.Errorf("maximal image %d: %d %s", i, r.StatusCode, r.Body)
			}
			bigTook[i] = time.Since(t0)
		}()
	}
	// Wait for the event itself: all four have asked to decode (some
	// decode, the others wait for memory).
	waitFor(t, 2*time.Minute, "the four maximal images to ask for admission", func() bool {
		return mod.DecodesRequested() >= 4
	})
	t0 := time.Now()
	upload(ta, "/api/images/upload/", users[4], "small.png", small).Status(201)
	took := time.Since(t0)
	during := mod.DecodesAdmitted()
	wg.Wait()
	t.Logf("64×48 upload while %d maximal images decoded: %v; the maximal ones took %v", during, took.Round(time.Millisecond), bigTook)
	if during == 0 {
		t.Logf("the maximal images finished before the small one (machine faster than expected)")
	}
	if took > 10*time.Second {
		t.Fatalf("a 64×48 image took %v while large ones decoded", took)
	}
}

// flatPNG16 is a w×h 16-bit RGBA PNG of one colour: small to send, slow
// and large to decode.
func flatPNG16(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 8 {
		img.Pix[i], img.Pix[i+2], img.Pix[i+4], img.Pix[i+6], img.Pix[i+7] = 0x12, 0x56, 0x9a, 0xff, 0xff
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A client that gives up while its image decodes (closes the connection)
// stops the decode: the server does not finish it, and stores nothing.
func TestImageDecodeStopsWhenClientLeaves(t *testing.T) {
	t.Parallel()
	clientLeavesDuringDecode(t, nil)
}

// The same when the form sends a field after the file (bigger than any
// read-ahead buffer): the server reads the rest of the body before it
// decodes, or the unread bytes would hide the client's leaving.
func TestImageDecodeStopsWhenClientLeavesFieldAfterFile(t *testing.T) {
	t.Parallel()
	clientLeavesDuringDecode(t, func(w *multipart.Writer) {
		testkit.Must(t, w.WriteField("alt", strings.Repeat("a", 48<<10)))
	})
}

func clientLeavesDuringDecode(t *testing.T, after func(*multipart.Writer)) {
	data := flatPNG16(t, 5000, 5000)
	// The decode (500 MB estimated) fits whatever memory the runner has:
	// a 413 would end the request before the client leaves.
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, _ *app.Options) {
		cfg.Media.ImageDecodeMemory = 1 << 30
	})
	mod := mediaModule(t, ta)
	u := newUser(t, ta, "leaver", "student")
	base := testkit.Listen(t, ta.App.Fiber)

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", "big.png")
	_, _ = fw.Write(data)
	if after != nil {
		after(w)
	}
	_ = w.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	testkit.Must(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /api/images/upload/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: %s\r\nContent-Length: %d\r\n\r\n", u.Token, w.FormDataContentType(), body.Len())
	testkit.Must(t, err)
	_, err = conn.Write(body.Bytes())
	testkit.Must(t, err)

	waitFor(t, time.Minute, "the decode to start", func() bool { return mod.DecodesAdmitted() == 1 })
	left := time.Now()
	testkit.Must(t, conn.Close())
	// The handler is over when the server has closed its end.
	waitFor(t, 5*time.Minute, "the server to end the request", func() bool {
		return ta.App.Fiber.Server().GetOpenConnectionsCount() == 0 && mod.DecodesAdmitted() == 0
	})
	t.Logf("the decode stopped %v after the client left", time.Since(left).Round(time.Millisecond))
	n, err := ta.App.DB.R.NewSelect().Table("media_images").Count(context.Background())
	testkit.Must(t, err)
	if n != 0 {
		t.Fatalf("an image nobody waited for was stored (%d rows)", n)
	}
}

func mediaModule(t *testing.T, ta *apptest.T) *media.Module {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if mm, ok := m.(*media.Module); ok {
			return mm
		}
	}
	t.Fatal("no media module")
	return nil
}

// waitFor polls cond until it holds, for at most within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", within, what)
		}
	}
}
