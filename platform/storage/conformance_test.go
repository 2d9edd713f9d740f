package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConformance runs the same behavioural suite against every backend, so
// the media module can switch between them by configuration alone.
func TestConformance(t *testing.T) {
	for _, h := range harnesses() {
		t.Run(h.name, func(t *testing.T) {
			for _, c := range conformanceCases {
				if h.only != nil && !slices.Contains(h.only, c.name) {
					continue
				}
				t.Run(c.name, func(t *testing.T) {
					st := h.new(t)
					c.run(t, h, st)
					if left := h.leftovers(t, st); len(left) > 0 {
						t.Fatalf("left behind: %v", left)
					}
				})
			}
		})
	}
}

var conformanceCases = []struct {
	name string
	run  func(t *testing.T, h harness, st Store)
}{
	{"PutOpenStat", testPutOpenStat},
	{"Overwrite", testOverwrite},
	{"UnknownSize", testUnknownSize},
	{"EmptyObject", testEmptyObject},
	{"SeekRanges", testSeekRanges},
	{"List", testList},
	{"Delete", testDelete},
	{"DeletePrefix", testDeletePrefix},
	{"InvalidKeys", testInvalidKeys},
	{"NotFound", testNotFound},
	{"FailingReader", testFailingReader},
	{"ShortReader", testShortReader},
	{"Cancel", testCancel},
	{"ConcurrentPuts", testConcurrentPuts},
	{"URL", testURL},
	{"BigStream", testBigStream},
}

var ctx = context.Background()

func put(t *testing.T, st Store, key string, data []byte) {
	t.Helper()
	if err := st.Put(ctx, key, bytes.NewReader(data), int64(len(data)), ""); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, st Store, key string) []byte {
	t.Helper()
	obj, err := st.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

// randBytes returns n deterministic pseudo-random bytes.
func randBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

func testPutOpenStat(t *testing.T, _ harness, st Store) {
	data := randBytes(1, 100_000)
	key := "videos/42/hls/720p/seg-00001.ts"
	put(t, st, key, data)

	info, err := st.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != key || info.Size != int64(len(data)) || info.ContentType != "video/mp2t" || info.ETag == "" {
		t.Fatalf("Stat = %+v", info)
	}
	if d := time.Since(info.ModTime); d < -time.Minute || d > time.Minute {
		t.Fatalf("ModTime %v is not about now", info.ModTime)
	}
	obj, err := st.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if oi := obj.Info(); oi.Size != info.Size || oi.ETag != info.ETag || oi.ContentType != info.ContentType {
		t.Fatalf("Object.Info = %+v, Stat = %+v", oi, info)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (err %v), want %d equal bytes", len(got), err, len(data))
	}

	// An explicit content type wins where the backend can keep one (S3);
	// Local derives it from the extension.
	if err := st.Put(ctx, "posters/1.bin", strings.NewReader("x"), 1, "image/png"); err != nil {
		t.Fatal(err)
	}
	info, err = st.Stat(ctx, "posters/1.bin")
	if err != nil {
		t.Fatal(err)
	}
	want := "image/png"
	if _, local := st.(*Local); local {
		want = "application/octet-stream"
	}
	if info.ContentType != want {
		t.Fatalf("ContentType = %q, want %q", info.ContentType, want)
	}
}

func testOverwrite(t *testing.T, _ harness, st Store) {
	put(t, st, "a/b.txt", []byte("first version"))
	before, err := st.Stat(ctx, "a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // mtime-based ETags need the clock to move
	put(t, st, "a/b.txt", []byte("second, longer version"))
	if got := string(get(t, st, "a/b.txt")); got != "second, longer version" {
		t.Fatalf("got %q", got)
	}
	after, err := st.Stat(ctx, "a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	if after.ETag == before.ETag {
		t.Fatal("ETag did not change with the content")
	}
}

func testUnknownSize(t *testing.T, _ harness, st Store) {
	// 12 MiB with size -1: three parts on the S3 harnesses with 5 MiB parts.
	data := randBytes(2, 12<<20+123)
	if err := st.Put(ctx, "videos/7/original.mp4", io.MultiReader(bytes.NewReader(data)), -1, ""); err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(ctx, "videos/7/original.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) || info.ContentType != "video/mp4" {
		t.Fatalf("Stat = %+v", info)
	}
	if !bytes.Equal(get(t, st, "videos/7/original.mp4"), data) {
		t.Fatal("content differs")
	}
}

func testEmptyObject(t *testing.T, _ harness, st Store) {
	put(t, st, "empty.vtt", nil)
	if err := st.Put(ctx, "empty2.vtt", strings.NewReader(""), -1, ""); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"empty.vtt", "empty2.vtt"} {
		info, err := st.Stat(ctx, k)
		if err != nil || info.Size != 0 {
			t.Fatalf("Stat(%q) = %+v, %v", k, info, err)
		}
		if b := get(t, st, k); len(b) != 0 {
			t.Fatalf("%q read %d bytes", k, len(b))
		}
	}
}

func testSeekRanges(t *testing.T, _ harness, st Store) {
	data := randBytes(3, 64<<10)
	put(t, st, "v/seg.ts", data)
	obj, err := st.Open(ctx, "v/seg.ts")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()

	readAt := func(whence int, off int64, n int, wantPos int64) {
		t.Helper()
		pos, err := obj.Seek(off, whence)
		if err != nil || pos != wantPos {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", off, whence, pos, err, wantPos)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(obj, buf); err != nil {
			t.Fatalf("read %d at %d: %v", n, wantPos, err)
		}
		if !bytes.Equal(buf, data[wantPos:wantPos+int64(n)]) {
			t.Fatalf("bytes at %d differ", wantPos)
		}
	}
	readAt(io.SeekStart, 10, 10, 10)
	readAt(io.SeekCurrent, 100, 50, 120) // 10+10 read, +100
	readAt(io.SeekEnd, -5, 5, int64(len(data))-5)
	readAt(io.SeekStart, 0, 3, 0) // backwards after reading to the end

	// Reading past a seek to the end (or beyond) is EOF, not an error.
	for _, off := range []int64{int64(len(data)), int64(len(data)) + 100} {
		if _, err := obj.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if n, err := obj.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Fatalf("read at %d = %d, %v; want 0, EOF", off, n, err)
		}
	}
	if _, err := obj.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("negative seek accepted")
	}
	// The rest after a mid-object seek is exactly the tail.
	if _, err := obj.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(rest, data[1000:]) {
		t.Fatalf("tail: %d bytes, %v", len(rest), err)
	}
}

func keysOf(infos []Info) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

func testList(t *testing.T, _ harness, st Store) {
	keys := []string{"videos/42/master.m3u8", "videos/42/hls/720p/seg-1.ts", "videos/42-b/x.jpg", "videos/420/y.png", "videos/5/z.vtt", "top.txt"}
	for i, k := range keys {
		put(t, st, k, bytes.Repeat([]byte{'x'}, i+1))
	}
	check := func(prefix string, want ...string) {
		t.Helper()
		infos, err := st.List(ctx, prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		if got := keysOf(infos); !slices.Equal(got, want) {
			t.Fatalf("List(%q) = %q, want %q", prefix, got, want)
		}
	}
	check("videos/42/", "videos/42/hls/720p/seg-1.ts", "videos/42/master.m3u8")
	// A string prefix, as in S3: byte order puts "-" before "/" and "0".
	check("videos/42", "videos/42-b/x.jpg", "videos/42/hls/720p/seg-1.ts", "videos/42/master.m3u8", "videos/420/y.png")
	check("videos/4", "videos/42-b/x.jpg", "videos/42/hls/720p/seg-1.ts", "videos/42/master.m3u8", "videos/420/y.png")
	check("", "top.txt", "videos/42-b/x.jpg", "videos/42/hls/720p/seg-1.ts", "videos/42/master.m3u8", "videos/420/y.png", "videos/5/z.vtt")
	check("t", "top.txt")
	check("nothing/")
	check("videos/42/master.m3u8", "videos/42/master.m3u8")

	infos, _ := st.List(ctx, "videos/42/")
	if infos[1].Size != 1 || infos[1].ContentType != "application/vnd.apple.mpegurl" || infos[1].ETag == "" {
		t.Fatalf("List info = %+v", infos[1])
	}
	if _, err := st.List(ctx, "../"); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("List(../) = %v", err)
	}
}

func testDelete(t *testing.T, _ harness, st Store) {
	put(t, st, "a/b/c.txt", []byte("c"))
	put(t, st, "a/d.txt", []byte("d"))
	for range 2 { // idempotent
		if err := st.Delete(ctx, "a/b/c.txt"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Stat(ctx, "a/b/c.txt"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Stat after Delete = %v", err)
	}
	if got := string(get(t, st, "a/d.txt")); got != "d" {
		t.Fatal("sibling lost")
	}
	// "a" holds objects but is not one: deleting it touches nothing.
	if err := st.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(must(st.List(ctx, ""))); !slices.Equal(got, []string{"a/d.txt"}) {
		t.Fatalf("after deletes: %q", got)
	}
	// A key can be reused after its directory was pruned.
	put(t, st, "a/b/c.txt", []byte("again"))
	if string(get(t, st, "a/b/c.txt")) != "again" {
		t.Fatal("re-put failed")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func testDeletePrefix(t *testing.T, _ harness, st Store) {
	for _, k := range []string{"videos/42/master.m3u8", "videos/42/hls/720p/seg-1.ts", "videos/42/poster.jpg", "videos/420/x.ts", "videos/4/y.ts"} {
		put(t, st, k, []byte(k))
	}
	if err := st.DeletePrefix(ctx, "videos/42"); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("prefix without slash: %v", err)
	}
	for _, bad := range []string{"", "/", "../", "/videos/"} {
		if err := st.DeletePrefix(ctx, bad); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("DeletePrefix(%q) = %v", bad, err)
		}
	}
	for range 2 { // idempotent
		if err := st.DeletePrefix(ctx, "videos/42/"); err != nil {
			t.Fatal(err)
		}
	}
	if got := keysOf(must(st.List(ctx, ""))); !slices.Equal(got, []string{"videos/4/y.ts", "videos/420/x.ts"}) {
		t.Fatalf("after DeletePrefix: %q", got)
	}
	if err := st.DeletePrefix(ctx, "never/"); err != nil {
		t.Fatal(err)
	}
}

var invalidKeys = []string{
	"../x", "a/../../x", "/abs", `a\b`, "", "a//b", "a/./b", "a/", ".", "..", "a/\x00b", "a/\nb",
	".hidden", "a/.tmp/x", strings.Repeat("a/", MaxKeyLen/2) + "a", strings.Repeat("a", MaxSegmentLen+1), "bad\xffutf8",
}

func testInvalidKeys(t *testing.T, _ harness, st Store) {
	for _, k := range invalidKeys {
		checks := map[string]error{
			"Put":    st.Put(ctx, k, strings.NewReader("x"), 1, ""),
			"Delete": st.Delete(ctx, k),
		}
		_, checks["Open"] = st.Open(ctx, k)
		_, checks["Stat"] = st.Stat(ctx, k)
		_, checks["URL"] = st.URL(ctx, k, time.Now().Add(time.Hour))
		for op, err := range checks {
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("%s(%q) = %v, want ErrInvalidKey", op, k, err)
			}
		}
	}
	// The longest valid key is fine.
	long := strings.Repeat("a", MaxSegmentLen) + "/" + strings.Repeat("b", MaxKeyLen-MaxSegmentLen-3) + "/c"
	put(t, st, long, []byte("ok"))
	if string(get(t, st, long)) != "ok" {
		t.Fatal("long key")
	}
	// Unicode and URL-special characters are plain key material.
	odd := "강의/제 1강 #1?.mp4"
	put(t, st, odd, []byte("odd"))
	if string(get(t, st, odd)) != "odd" {
		t.Fatal("odd key")
	}
}

func testNotFound(t *testing.T, _ harness, st Store) {
	put(t, st, "x/y.ts", []byte("y"))
	for _, k := range []string{"missing.ts", "x/missing.ts", "x", "x/y.ts/z"} {
		if _, err := st.Open(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v", k, err)
		}
		if _, err := st.Stat(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%q) = %v", k, err)
		}
		if err := st.Delete(ctx, k); err != nil {
			t.Errorf("Delete(%q) = %v", k, err)
		}
	}
}

// failingReader yields n pseudo-random bytes, then fails.
type failingReader struct {
	n   int
	err error
}

var errBoom = errors.New("boom")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = byte(i)
	}
	f.n -= k
	return k, nil
}

func testFailingReader(t *testing.T, _ harness, st Store) {
	put(t, st, "videos/1/keep.mp4", []byte("old"))
	cases := []struct {
		name string
		n    int
		size int64
	}{
		{"small known size", 1 << 10, 1 << 20},
		{"large known size", 7 << 20, 10 << 20}, // multipart on S3mem
		{"unknown size", 7 << 20, -1},           // multipart on S3
	}
	for _, c := range cases {
		for _, key := range []string{"videos/1/new.mp4", "videos/1/keep.mp4"} {
			err := st.Put(ctx, key, &failingReader{n: c.n, err: errBoom}, c.size, "")
			if err == nil {
				t.Fatalf("%s: Put(%q) succeeded", c.name, key)
			}
		}
		if _, err := st.Stat(ctx, "videos/1/new.mp4"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: partial object visible: %v", c.name, err)
		}
		if got := string(get(t, st, "videos/1/keep.mp4")); got != "old" {
			t.Fatalf("%s: previous version damaged: %q", c.name, got)
		}
	}
	if got := keysOf(must(st.List(ctx, ""))); !slices.Equal(got, []string{"videos/1/keep.mp4"}) {
		t.Fatalf("objects: %q", got)
	}
}

func testShortReader(t *testing.T, _ harness, st Store) {
	if err := st.Put(ctx, "short.ts", strings.NewReader("only ten b"), 100, ""); err == nil {
		t.Fatal("a reader shorter than size was accepted")
	}
	if _, err := st.Stat(ctx, "short.ts"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("partial object: %v", err)
	}
	// Bytes past size are not read (nor stored).
	if err := st.Put(ctx, "long.ts", strings.NewReader("0123456789"), 4, ""); err != nil {
		t.Fatal(err)
	}
	if got := string(get(t, st, "long.ts")); got != "0123" {
		t.Fatalf("got %q", got)
	}
}

// cancelingReader cancels its context after n bytes and keeps producing.
type cancelingReader struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	c.n -= len(p)
	return len(p), nil
}

func testCancel(t *testing.T, _ harness, st Store) {
	for _, size := range []int64{-1, 8 << 20} {
		cctx, cancel := context.WithCancel(ctx)
		err := st.Put(cctx, "cancel.mp4", &cancelingReader{n: 1 << 20, cancel: cancel}, size, "")
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("size %d: Put = %v, want context.Canceled", size, err)
		}
		if _, err := st.Stat(ctx, "cancel.mp4"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("size %d: cancelled Put left an object: %v", size, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := st.Put(cctx, "cancel.mp4", strings.NewReader("x"), 1, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put on a dead context = %v", err)
	}
}

func testConcurrentPuts(t *testing.T, _ harness, st Store) {
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			data := randBytes(uint64(100+i), 64<<10+i)
			errs[i] = st.Put(ctx, fmt.Sprintf("videos/9/hls/seg-%05d.ts", i), bytes.NewReader(data), int64(len(data)), "")
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	for i := range n {
		if !bytes.Equal(get(t, st, fmt.Sprintf("videos/9/hls/seg-%05d.ts", i)), randBytes(uint64(100+i), 64<<10+i)) {
			t.Fatalf("object %d differs", i)
		}
	}
	if got := len(must(st.List(ctx, "videos/9/"))); got != n {
		t.Fatalf("listed %d objects, want %d", got, n)
	}
}

func testURL(t *testing.T, _ harness, st Store) {
	put(t, st, "videos/3/poster.jpg", []byte("jpeg bytes"))
	if _, err := st.URL(ctx, "videos/3/poster.jpg", time.Now().Add(-time.Second)); err == nil {
		t.Fatal("URL accepted an expiry in the past")
	}
	exp := time.Now().Add(10 * time.Minute)
	u, err := st.URL(ctx, "videos/3/poster.jpg", exp)
	if err != nil {
		t.Fatal(err)
	}
	switch s := st.(type) {
	case *Local:
		parsed, err := url.Parse(u)
		if err != nil || parsed.Path != "/media/videos/3/poster.jpg" {
			t.Fatalf("URL = %q", u)
		}
		q := parsed.Query()
		if err := s.signer.Verify("videos/3/poster.jpg", q.Get("exp"), q.Get("sig"), time.Now()); err != nil {
			t.Fatalf("URL does not verify: %v", err)
		}
	case *S3:
		// A presigned URL the fake serves as is.
		resp, err := fakeClients[s].Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "jpeg bytes" {
			t.Fatalf("GET presigned URL: %d %q", resp.StatusCode, body)
		}
		if q := must(url.Parse(u)).Query(); q.Get("X-Amz-Expires") != "600" && q.Get("X-Amz-Expires") != "599" {
			t.Fatalf("X-Amz-Expires = %q in %s", q.Get("X-Amz-Expires"), u)
		}
		if _, err := st.URL(ctx, "videos/3/poster.jpg", time.Now().Add(8*24*time.Hour)); err == nil {
			t.Fatal("presigned URL beyond 7 days accepted")
		}
	}
}

// memProbe tracks the peak live heap above a baseline. Each sample forces
// a GC first, so it sees memory that is held (a buffered object), not
// garbage awaiting collection.
type memProbe struct {
	base, peak uint64
}

func newMemProbe() *memProbe {
	p := &memProbe{}
	p.base = heapInuse()
	p.peak = p.base
	return p
}

func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func (p *memProbe) sample() {
	if h := heapInuse(); h > p.peak {
		p.peak = h
	}
}

func (p *memProbe) growth() uint64 { return p.peak - p.base }

// genReader produces size pseudo-random bytes without holding them,
// hashing what it hands out and sampling the heap every few MiB.
type genReader struct {
	left  int64
	src   *rand.ChaCha8
	hash  hash.Hash
	probe *memProbe
	since int64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.left)]
	_, _ = g.src.Read(p)
	g.hash.Write(p)
	g.left -= int64(len(p))
	g.tick(len(p))
	return len(p), nil
}

func (g *genReader) tick(n int) {
	g.since += int64(n)
	if g.since >= 4<<20 && g.probe != nil {
		g.since = 0
		g.probe.sample()
	}
}

// hashWriter hashes what it is given and samples the heap every few MiB.
type hashWriter struct {
	genReader
	n int64
}

func (w *hashWriter) Write(p []byte) (int, error) {
	w.hash.Write(p)
	w.n += int64(len(p))
	w.tick(len(p))
	return len(p), nil
}

// testBigStream puts and gets 50 MiB through the store and checks that the
// heap never holds more than a bounded amount of it.
func testBigStream(t *testing.T, h harness, st Store) {
	if testing.Short() {
		t.Skip("50 MiB stream")
	}
	const size = 50 << 20
	const bound = 16 << 20
	var probe *memProbe
	if !h.heapBacked {
		probe = newMemProbe()
	}
	gen := &genReader{left: size, src: rand.NewChaCha8([32]byte{7}), hash: sha256.New(), probe: probe}
	if err := st.Put(ctx, "videos/big/original.mp4", gen, size, ""); err != nil {
		t.Fatal(err)
	}
	obj, err := st.Open(ctx, "videos/big/original.mp4")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	w := &hashWriter{genReader: genReader{hash: sha256.New(), probe: probe}}
	if _, err := io.Copy(w, obj); err != nil {
		t.Fatal(err)
	}
	if w.n != size || !bytes.Equal(w.hash.Sum(nil), gen.hash.Sum(nil)) {
		t.Fatalf("read back %d bytes with a different checksum", w.n)
	}
	if probe != nil {
		t.Logf("peak heap growth %.1f MiB", float64(probe.growth())/(1<<20))
		if probe.growth() > bound {
			t.Fatalf("heap grew by %d MiB while streaming 50 MiB (bound %d MiB)", probe.growth()>>20, bound>>20)
		}
	}
}

// TestMemProbeSeesBuffering keeps the memory bound honest: a "store" that
// buffers the whole upload must blow it.
func TestMemProbeSeesBuffering(t *testing.T) {
	probe := newMemProbe()
	gen := &genReader{left: 32 << 20, src: rand.NewChaCha8([32]byte{1}), hash: sha256.New(), probe: probe}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, gen); err != nil {
		t.Fatal(err)
	}
	probe.sample()
	if probe.growth() < 30<<20 {
		t.Fatalf("probe saw %d MiB of a 32 MiB buffer", probe.growth()>>20)
	}
	runtime.KeepAlive(&buf)
}
