package video

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/platform/apperr"
)

var fixtures struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtures.dir != "" {
		os.RemoveAll(fixtures.dir)
	}
	os.Exit(code)
}

// tools returns ffmpeg/ffprobe or skips the test; in CI (env CI set) a
// missing ffmpeg is a failure, so the video pipeline is never silently untested.
func tools(t *testing.T) Tools {
	t.Helper()
	tl, ok := Find()
	if !ok {
		if os.Getenv("CI") != "" {
			t.Fatal("ffmpeg/ffprobe not on PATH (apt-get install -y ffmpeg); required when CI is set")
		}
		t.Skip("ffmpeg/ffprobe not on PATH; install them (apt-get install -y ffmpeg) to run the video tests")
	}
	return tl
}

// clip returns the path of a generated fixture, making all of them once:
//
//	clip.mp4    10 s, 640×360, 30 fps, H.264 + AAC (testsrc2 + sine)
//	portrait.mp4 2 s, 640×360 stored, "rotate 90°" flag, no audio
//	audio.m4a   1 s AAC only
func clip(t *testing.T, name string) string {
	t.Helper()
	tl := tools(t)
	fixtures.once.Do(func() {
		start := time.Now()
		dir, err := os.MkdirTemp("", "weaverse-video-test-")
		if err != nil {
			fixtures.err = err
			return
		}
		fixtures.dir = dir
		ff := func(args ...string) error {
			args = append([]string{"-hide_banner", "-nostdin", "-v", "error", "-y"}, args...)
			if out, err := exec.Command(tl.FFmpeg, args...).CombinedOutput(); err != nil {
				return errors.New(string(out))
			}
			return nil
		}
		p := func(n string) string { return filepath.Join(dir, n) }
		for _, args := range [][]string{
			{"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
				"-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-pix_fmt", "yuv420p",
				"-c:a", "aac", "-b:a", "64k", "-shortest", p("clip.mp4")},
			{"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast",
				"-pix_fmt", "yuv420p", p("landscape.mp4")},
			// ffmpeg 5.1 writes the display matrix only when stream-copying.
			{"-i", p("landscape.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", p("portrait.mp4")},
			{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1", "-c:a", "aac", p("audio.m4a")},
		} {
			if err := ff(args...); err != nil {
				fixtures.err = err
				return
			}
		}
		t.Logf("fixtures generated in %v", time.Since(start).Round(time.Millisecond))
	})
	if fixtures.err != nil {
		t.Fatalf("generating fixtures: %v", fixtures.err)
	}
	return filepath.Join(fixtures.dir, name)
}

func TestLadder(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want string
	}{
		{640, 360, "360p"},
		{1280, 720, "360p 480p 720p"},
		{1920, 1080, "360p 480p 720p 1080p"},
		{3840, 2160, "360p 480p 720p 1080p"},
		{1080, 1920, "360p 480p 720p 1080p"}, // portrait: by the short side
		{1000, 500, "360p 480p"},
		{854, 479, "360p"},
		{426, 240, "240p"},
		{320, 241, "240p"}, // own size, rounded down to even
	} {
		var names []string
		for _, r := range Ladder(&Probe{Width: tc.w, Height: tc.h}) {
			names = append(names, r.Name)
			if r.Height%2 != 0 || r.Height > min(tc.w, tc.h) {
				t.Errorf("%d×%d: rendition %+v upscales or is odd", tc.w, tc.h, r)
			}
		}
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("Ladder(%d×%d) = %q, want %q", tc.w, tc.h, got, tc.want)
		}
	}
	if r := Ladder(&Probe{Width: 1920, Height: 1080}); r[0].VideoKbps != 800 || r[3].VideoKbps != 5000 {
		t.Errorf("bitrates: %+v", r)
	}
}

// TestValidate covers the decisions made on ffprobe's JSON without running it.
func TestValidate(t *testing.T) {
	const okVideo = `{"codec_type":"video","codec_name":"h264","width":1280,"height":720,"avg_frame_rate":"30000/1001"}`
	doc := func(format, brand, duration string, streams ...string) *ffprobeOutput {
		var out ffprobeOutput
		js := `{"streams":[` + strings.Join(streams, ",") + `],"format":{"format_name":"` + format +
			`","duration":"` + duration + `","bit_rate":"1000000","tags":{"major_brand":"` + brand + `"}}}`
		if err := json.Unmarshal([]byte(js), &out); err != nil {
			t.Fatal(err)
		}
		return &out
	}
	const mov = "mov,mp4,m4a,3gp,3g2,mj2"
	aac := `{"codec_type":"audio","codec_name":"aac"}`
	for _, tc := range []struct {
		name      string
		in        *ffprobeOutput
		max       time.Duration
		container string
		err       error
	}{
		{"mp4", doc(mov, "isom", "12.5", okVideo, aac), 0, "mp4", nil},
		{"mov", doc(mov, "qt  ", "12.5", okVideo), 0, "mov", nil},
		{"m4v", doc(mov, "M4V ", "12.5", okVideo), 0, "m4v", nil},
		{"3gp refused", doc(mov, "3gp4", "12.5", okVideo), 0, "", ErrUnsupportedContainer},
		{"webm", doc("matroska,webm", "", "3", `{"codec_type":"video","codec_name":"vp9","width":640,"height":360}`,
			`{"codec_type":"audio","codec_name":"opus"}`), 0, "webm", nil},
		{"mkv", doc("matroska,webm", "", "3", okVideo, aac), 0, "mkv", nil},
		{"avi", doc("avi", "", "3", okVideo), 0, "avi", nil},
		{"flv refused", doc("flv", "", "3", okVideo), 0, "", ErrUnsupportedContainer},
		{"audio with cover art", doc(mov, "M4A ", "3", aac,
			`{"codec_type":"video","codec_name":"mjpeg","width":600,"height":600,"disposition":{"attached_pic":1}}`), 0, "", ErrNotVideo},
		{"no streams", doc(mov, "isom", "3"), 0, "", ErrNotVideo},
		{"no duration", doc(mov, "isom", "", okVideo), 0, "", ErrInvalid},
		{"zero duration", doc(mov, "isom", "0.000", okVideo), 0, "", ErrInvalid},
		{"too long", doc(mov, "isom", "3601", okVideo), time.Hour, "", ErrTooLong},
		{"at the limit", doc(mov, "isom", "3600", okVideo), time.Hour, "mp4", nil},
		{"tiny", doc(mov, "isom", "3", `{"codec_type":"video","codec_name":"h264","width":8,"height":8}`), 0, "", ErrInvalid},
		{"huge", doc(mov, "isom", "3", `{"codec_type":"video","codec_name":"h264","width":16384,"height":8640}`), 0, "", ErrInvalid},
	} {
		p, err := validate(tc.in, tc.max)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || p.Container != tc.container {
			t.Errorf("%s: %+v, %v; want container %s", tc.name, p, err, tc.container)
		}
	}
	p, _ := validate(doc(mov, "isom", "12.5", okVideo, aac), 0)
	if p.Duration != 12500*time.Millisecond || p.Width != 1280 || !p.HasAudio || p.AudioCodec != "aac" ||
		p.Bitrate != 1000000 || p.FrameRate < 29.9 || p.FrameRate > 30 {
		t.Errorf("fields: %+v", p)
	}
	rot := doc(mov, "isom", "3", `{"codec_type":"video","codec_name":"h264","width":1920,"height":1080,"side_data_list":[{"rotation":-90}]}`)
	if p, err := validate(rot, 0); err != nil || p.Width != 1080 || p.Height != 1920 {
		t.Errorf("rotated: %+v, %v", p, err)
	}
	if !errors.Is(ErrTooLong, apperr.Invalid) || !errors.Is(ErrNotVideo, apperr.Unsupported) {
		t.Error("sentinels do not map to apperr kinds")
	}
}

func TestProbeFile(t *testing.T) {
	tl := tools(t)
	ctx := context.Background()
	p, err := tl.ProbeFile(ctx, clip(t, "clip.mp4"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if p.Duration < 9900*time.Millisecond || p.Duration > 10100*time.Millisecond || p.Width != 640 || p.Height != 360 ||
		p.VideoCodec != "h264" || p.AudioCodec != "aac" || !p.HasAudio || p.Container != "mp4" || p.Bitrate <= 0 {
		t.Fatalf("probe = %+v", p)
	}
	if l := Ladder(p); len(l) != 1 || l[0].Name != "360p" {
		t.Fatalf("Ladder = %+v, want 360p only", l)
	}
	if _, err := tl.ProbeFile(ctx, clip(t, "clip.mp4"), 5*time.Second); !errors.Is(err, ErrTooLong) {
		t.Fatalf("5 s limit: err = %v", err)
	}
	pp, err := tl.ProbeFile(ctx, clip(t, "portrait.mp4"), 0)
	if err != nil || pp.Width != 360 || pp.Height != 640 || pp.HasAudio {
		t.Fatalf("portrait = %+v, %v", pp, err)
	}
}

func TestProbeRejects(t *testing.T) {
	tl := tools(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6")
	for _, tc := range []struct {
		name string
		path string
		want error
	}{
		{"text renamed .mp4", write("notes.mp4", []byte("hello, this is a text file\n")), ErrNotVideo},
		{"empty file", write("empty.mp4", nil), ErrNotVideo},
		{"image renamed .mp4", write("pic.mp4", png), ErrNotVideo},
		{"audio only", clip(t, "audio.m4a"), ErrNotVideo},
		// The classic ffmpeg local-file-read attack: a playlist named like a
		// video. The format whitelist refuses it before any listed file is opened.
		{"hls playlist renamed .mp4", write("evil.mp4",
			[]byte("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")), ErrUnsupportedContainer},
		{"name that looks like an option", write("-i.mp4", []byte("text")), ErrNotVideo},
	} {
		_, err := tl.ProbeFile(context.Background(), tc.path, time.Hour)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
	if _, err := tl.ProbeFile(context.Background(), filepath.Join(dir, "missing.mp4"), 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
}

var streamInf = regexp.MustCompile(`^#EXT-X-STREAM-INF:BANDWIDTH=(\d+),(?:AVERAGE-BANDWIDTH=\d+,)?RESOLUTION=(\d+x\d+),CODECS="([^"]+)"`)

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// checkMedia checks a media playlist and its segments and returns the
// segment durations.
func checkMedia(t *testing.T, dir string) []float64 {
	t.Helper()
	lines := readLines(t, filepath.Join(dir, "index.m3u8"))
	if lines[0] != "#EXTM3U" || lines[len(lines)-1] != "#EXT-X-ENDLIST" {
		t.Fatalf("%s: playlist frame wrong: %q", dir, lines)
	}
	var durs []float64
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "#EXT-X-TARGETDURATION:"):
			if d, _ := strconv.Atoi(strings.TrimPrefix(l, "#EXT-X-TARGETDURATION:")); d < 1 || d > 6 {
				t.Errorf("%s: target duration %d, want ≤ 6", dir, d)
			}
		case strings.HasPrefix(l, "#EXTINF:"):
			d, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(l, "#EXTINF:"), ","), 64)
			durs = append(durs, d)
			want := "seg-" + strconv.Itoa(100000 + len(durs))[1:] + ".ts"
			if lines[i+1] != want {
				t.Errorf("%s: segment %d is %q, want %q", dir, len(durs), lines[i+1], want)
			}
			if fi, err := os.Stat(filepath.Join(dir, want)); err != nil || fi.Size() == 0 {
				t.Errorf("%s: segment file: %v", dir, err)
			}
		}
	}
	if !strings.Contains(strings.Join(lines, "\n"), "#EXT-X-PLAYLIST-TYPE:VOD") || len(durs) == 0 {
		t.Errorf("%s: not a VOD playlist with segments", dir)
	}
	return durs
}

// ffprobeJSON runs ffprobe without our whitelist (MPEG-TS segments are not an
// accepted upload container, but they are what we produce).
func ffprobeJSON(t *testing.T, tl Tools, path string) *ffprobeOutput {
	t.Helper()
	out, err := exec.Command(tl.FFprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var o ffprobeOutput
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatal(err)
	}
	return &o
}

func TestTranscodeHLS(t *testing.T) {
	tl := tools(t)
	src := clip(t, "clip.mp4")
	p, err := tl.ProbeFile(context.Background(), src, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var calls []float64
	start := time.Now()
	if err := tl.TranscodeHLS(context.Background(), src, out, Ladder(p), 0, func(f float64) { calls = append(calls, f) }); err != nil {
		t.Fatal(err)
	}
	t.Logf("transcode of 10 s 640×360 to 360p HLS + fallback: %v", time.Since(start).Round(time.Millisecond))

	master := readLines(t, filepath.Join(out, "master.m3u8"))
	if master[0] != "#EXTM3U" || len(master) < 3 {
		t.Fatalf("master: %q", master)
	}
	var inf []string
	for i, l := range master {
		if strings.HasPrefix(l, "#EXT-X-STREAM-INF:") {
			m := streamInf.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("stream-inf line: %q", l)
			}
			if bw, _ := strconv.Atoi(m[1]); bw < 800_000 || bw > 1_200_000 {
				t.Errorf("BANDWIDTH %s not near 800k+96k", m[1])
			}
			if m[2] != "640x360" || !strings.HasPrefix(m[3], "avc1.") || !strings.Contains(m[3], "mp4a.40.2") {
				t.Errorf("stream-inf: %q", l)
			}
			inf = append(inf, master[i+1])
		}
	}
	if strings.Join(inf, ",") != "360p/index.m3u8" {
		t.Fatalf("variants: %q", inf)
	}
	// Keyframes forced every 6 s: segments of exactly 6 s, then the rest.
	if d := checkMedia(t, filepath.Join(out, "360p")); len(d) != 2 || d[0] < 5.9 || d[0] > 6.1 || d[1] < 3.9 || d[1] > 4.1 {
		t.Errorf("segment durations %v, want [6 4]", d)
	}
	seg := ffprobeJSON(t, tl, filepath.Join(out, "360p", "seg-00001.ts"))
	if seg.Format.FormatName != "mpegts" || len(seg.Streams) != 2 || seg.Streams[0].CodecName != "h264" {
		t.Errorf("segment probe: %+v", seg)
	}

	fb, err := tl.ProbeFile(context.Background(), filepath.Join(out, "fallback.mp4"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if fb.Container != "mp4" || fb.Width != 640 || fb.Height != 360 || !fb.HasAudio ||
		fb.Duration < 9500*time.Millisecond || fb.Duration > 10500*time.Millisecond {
		t.Errorf("fallback: %+v", fb)
	}
	head := make([]byte, 64<<10)
	f, _ := os.Open(filepath.Join(out, "fallback.mp4"))
	n, _ := f.Read(head)
	f.Close()
	if moov, mdat := bytes.Index(head[:n], []byte("moov")), bytes.Index(head[:n], []byte("mdat")); moov < 0 || moov > mdat {
		t.Errorf("fallback.mp4 is not faststart (moov at %d, mdat at %d)", moov, mdat)
	}
	if _, err := os.Stat(filepath.Join(out, "fallback.mp4.part")); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
	}

	if len(calls) < 2 || calls[len(calls)-1] != 1 {
		t.Errorf("progress calls %v: want several ending at 1", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i] < calls[i-1] || calls[i] < 0 || calls[i] > 1 {
			t.Errorf("progress not monotonic in 0..1: %v", calls)
			break
		}
	}
}

// TestTranscodeHLSPortraitSeveralRenditions: a rotated phone clip without
// audio, packaged as two variants (the multi-variant command line, video-only
// var_stream_map and short-side scaling in one run).
func TestTranscodeHLSPortraitSeveralRenditions(t *testing.T) {
	tl := tools(t)
	out := t.TempDir()
	ladder := []Rendition{{"180p", 180, 300, 64}, {"360p", 360, 800, 96}}
	start := time.Now()
	if err := tl.TranscodeHLS(context.Background(), clip(t, "portrait.mp4"), out, ladder, 0, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("transcode of 2 s portrait clip to 2 renditions: %v", time.Since(start).Round(time.Millisecond))
	master := strings.Join(readLines(t, filepath.Join(out, "master.m3u8")), "\n")
	for _, want := range []string{"RESOLUTION=180x320", "RESOLUTION=360x640", "180p/index.m3u8", "360p/index.m3u8"} {
		if !strings.Contains(master, want) {
			t.Errorf("master lacks %q:\n%s", want, master)
		}
	}
	if strings.Contains(master, "mp4a") {
		t.Errorf("audio codec listed for a silent source:\n%s", master)
	}
	for _, r := range ladder {
		checkMedia(t, filepath.Join(out, r.Name))
	}
	// The fallback is the upper middle rendition.
	fb, err := tl.ProbeFile(context.Background(), filepath.Join(out, "fallback.mp4"), 0)
	if err != nil || fb.Width != 360 || fb.Height != 640 {
		t.Errorf("fallback: %+v, %v", fb, err)
	}
}

func TestTranscodeHLSRejectsBadInput(t *testing.T) {
	tl := tools(t)
	out := t.TempDir()
	src := clip(t, "clip.mp4")
	for _, l := range [][]Rendition{
		nil,
		{{"../x", 360, 800, 96}},
		{{"a", 361, 800, 96}},
		{{"a", 360, 800, 96}, {"a", 480, 1400, 128}},
	} {
		if err := tl.TranscodeHLS(context.Background(), src, out, l, 0, nil); err == nil {
			t.Errorf("ladder %+v accepted", l)
		}
	}
	text := filepath.Join(out, "notes.mp4")
	os.WriteFile(text, []byte("not a video"), 0o644)
	if err := tl.TranscodeHLS(context.Background(), text, out, Ladder(&Probe{Width: 640, Height: 360}), 0, nil); !errors.Is(err, ErrNotVideo) {
		t.Errorf("text source: %v", err)
	}
}

// children lists the pids whose parent is this test process.
func children(t *testing.T) []string {
	t.Helper()
	self := strconv.Itoa(os.Getpid())
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var kids []string
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces, so split after ')'.
		rest := string(b[bytes.LastIndexByte(b, ')')+1:])
		if f := strings.Fields(rest); len(f) > 1 && f[1] == self {
			kids = append(kids, strings.TrimSuffix(strings.TrimPrefix(s, "/proc/"), "/stat")+":"+f[0])
		}
	}
	return kids
}

func TestTranscodeHLSCancel(t *testing.T) {
	tl := tools(t)
	src := clip(t, "clip.mp4")
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to look for leftover processes")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	var cancelled time.Time
	// Cancel as soon as ffmpeg reports progress: it is then certainly running.
	err := tl.TranscodeHLS(ctx, src, t.TempDir(), []Rendition{{"360p", 360, 800, 96}, {"480p", 480, 1400, 128}}, 0,
		func(float64) { once.Do(func() { cancelled = time.Now(); cancel() }) })
	if cancelled.IsZero() {
		t.Fatalf("no progress before the end: %v", err)
	}
	stopped := time.Since(cancelled)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if stopped > 3*time.Second {
		t.Errorf("TranscodeHLS returned %v after cancel", stopped)
	}
	t.Logf("returned %v after cancel", stopped.Round(time.Millisecond))
	if kids := children(t); len(kids) > 0 {
		t.Errorf("child processes left (pid:state): %v", kids)
	}
}

func TestPoster(t *testing.T) {
	tl := tools(t)
	src := clip(t, "clip.mp4")
	p, err := tl.ProbeFile(context.Background(), src, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, probe := range map[string]*Probe{"at 10%": p, "no probe": nil} {
		out := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".jpg")
		if err := tl.Poster(context.Background(), src, out, probe); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: not a JPEG: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 360 {
			t.Errorf("%s: poster %v, want 640×360 (never upscaled to 1280)", name, b)
		}
	}
	// A seek past the end falls back to the first frame.
	short := &Probe{Duration: time.Hour}
	if err := tl.Poster(context.Background(), clip(t, "portrait.mp4"), filepath.Join(dir, "late.jpg"), short); err != nil {
		t.Fatalf("seek past end: %v", err)
	}
	if err := tl.Poster(context.Background(), filepath.Join(dir, "late.jpg"), filepath.Join(dir, "x.jpg"), nil); err == nil {
		t.Error("poster of a JPEG input accepted")
	}
}

func TestHelpers(t *testing.T) {
	tb := &tailBuffer{max: 8}
	tb.Write([]byte("0123456789"))
	tb.Write([]byte("ab"))
	if got := tb.String(); got != "456789ab" {
		t.Errorf("tail = %q", got)
	}
	if got := summary("x\n\n[mov @ 0x1] moov atom not found\nfile.mp4: Invalid data\n"); got != "x | [mov @ 0x1] moov atom not found | file.mp4: Invalid data" {
		t.Errorf("summary = %q", got)
	}
	var got []float64
	w := &progressWriter{total: 10_000_000, report: func(f float64) { got = append(got, f) }}
	w.Write([]byte("out_time_us=N/A\nout_time_us=5000"))
	w.Write([]byte("000\nprogress=continue\nout_time_us=4000000\nout_time_us=20000000\nprogress=end\n"))
	if len(got) != 2 || got[0] != 0.5*encodeShare || got[1] != encodeShare {
		t.Errorf("progress = %v", got)
	}
}

// A 3 s MP4 with its index first (+faststart), cut after 15 KB: the header
// still says 3 s and ffprobe believes it, but only a fraction decodes. The
// transcode compares what it produced with the declared duration.
func TestTranscodeHLSRefusesTruncatedVideo(t *testing.T) {
	tl := tools(t)
	whole := filepath.Join(t.TempDir(), "whole.mp4")
	if out, err := exec.Command(tl.FFmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24:duration=3", "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
		"-movflags", "+faststart", whole).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	data, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "cut.mp4")
	if err := os.WriteFile(src, data[:15<<10], 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := tl.ProbeFile(context.Background(), src, 0)
	if err != nil {
		t.Fatalf("the cut file should probe as whole (that is the trap): %v", err)
	}
	if p.Duration < 2900*time.Millisecond {
		t.Fatalf("probe says %v; the fixture no longer shows the problem", p.Duration)
	}
	err = tl.TranscodeHLS(context.Background(), src, t.TempDir(), Ladder(p), 0, nil)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}

	// The whole file passes, and plays what it declares.
	out := t.TempDir()
	p, err = tl.ProbeFile(context.Background(), whole, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := tl.TranscodeHLS(context.Background(), whole, out, Ladder(p), 0, nil); err != nil {
		t.Fatal(err)
	}
	if d, err := HLSDuration(out, Ladder(p)); err != nil || d < 2900*time.Millisecond || d > 3100*time.Millisecond {
		t.Fatalf("whole clip plays %v (%v), want 3 s", d, err)
	}
}

func TestShort(t *testing.T) {
	for _, tc := range []struct {
		got, declared time.Duration
		want          bool
	}{
		{700 * time.Millisecond, 3 * time.Second, true},
		{2900 * time.Millisecond, 3 * time.Second, false},
		{57 * time.Minute, time.Hour, false},
		{50 * time.Minute, time.Hour, true},
		{0, 900 * time.Millisecond, false}, // under a second: not material
	} {
		if got := short(tc.got, tc.declared); got != tc.want {
			t.Errorf("short(%v, %v) = %v, want %v", tc.got, tc.declared, got, tc.want)
		}
	}
}

// overlongMKV is an 8 s Matroska clip whose Segment Info declares 2 s (the
// Duration element patched): ffprobe believes the header.
func overlongMKV(t *testing.T, tl Tools) string {
	t.Helper()
	whole := filepath.Join(t.TempDir(), "whole.mkv")
	if out, err := exec.Command(tl.FFmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24:duration=8",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", whole).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	data, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	// Duration (ID 0x4489), an 8-byte float in milliseconds.
	i := bytes.Index(data, []byte{0x44, 0x89, 0x88})
	if i < 0 || i+11 > len(data) {
		t.Fatal("no 8-byte Duration element in the MKV")
	}
	binary.BigEndian.PutUint64(data[i+3:], math.Float64bits(2000))
	src := filepath.Join(t.TempDir(), "declares-2s.mkv")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return src
}

// The length limit is checked against the header, which the uploader
// writes: a file that declares 2 s but plays 8 s must not pass as 2 s.
func TestTranscodeHLSRefusesVideoLongerThanDeclared(t *testing.T) {
	tl := tools(t)
	src := overlongMKV(t, tl)
	p, err := tl.ProbeFile(context.Background(), src, 5*time.Second)
	if err != nil {
		t.Fatalf("the patched file should probe as 2 s and pass a 5 s limit (that is the trap): %v", err)
	}
	if p.Duration != 2*time.Second {
		t.Fatalf("probe says %v; the fixture no longer shows the problem", p.Duration)
	}
	out := t.TempDir()
	err = tl.TranscodeHLS(context.Background(), src, out, Ladder(p), 5*time.Second, nil)
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("err = %v, want ErrTooLong", err)
	}
	// ffmpeg stopped reading at the declared 2 s plus tolerance and margin.
	if d, err := HLSDuration(out, Ladder(p)); err != nil || d > readLimit(p.Duration)+time.Second {
		t.Fatalf("decoded %v (%v), want at most %v", d, err, readLimit(p.Duration))
	}
}

func TestLong(t *testing.T) {
	for _, tc := range []struct {
		got, declared time.Duration
		want          bool
	}{
		{5 * time.Second, 2 * time.Second, true},
		{3 * time.Second, 2 * time.Second, false}, // a second: not material
		{62 * time.Minute, time.Hour, false},      // within 5%
		{64 * time.Minute, time.Hour, true},
		{readLimit(2 * time.Second), 2 * time.Second, true}, // what -t lets through shows
		{readLimit(time.Hour), time.Hour, true},
	} {
		if got := long(tc.got, tc.declared); got != tc.want {
			t.Errorf("long(%v, %v) = %v, want %v", tc.got, tc.declared, got, tc.want)
		}
	}
}
