// Package video wraps the ffprobe and ffmpeg programs: it validates uploads,
// packages them as multi-bitrate HLS with an MP4 fallback, and extracts a
// poster frame.
//
// Uploaded media is hostile input to a large C program, so every invocation
// is narrowed: inputs are opened as "file:" URLs with -protocol_whitelist file
// (no network, no "concat:"/"subfile:" tricks through a crafted path) and
// -format_whitelist limited to the accepted containers. The whitelist matters:
// an HLS playlist renamed "lecture.mp4" would otherwise be probed as HLS and
// make ffmpeg read whatever local files it lists into the transcoded video.
// Every process gets a context (killed on cancel), no stdin, and a bounded
// capture of its stderr for error messages.
package video

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/weaverse/weaverse/platform/apperr"
)

// Tools holds the paths of the two programs.
type Tools struct {
	FFmpeg  string
	FFprobe string
}

// Find looks both programs up on PATH; ok is false if either is missing.
func Find() (Tools, bool) {
	ffmpeg, err1 := exec.LookPath("ffmpeg")
	ffprobe, err2 := exec.LookPath("ffprobe")
	if err1 != nil || err2 != nil {
		return Tools{}, false
	}
	return Tools{FFmpeg: ffmpeg, FFprobe: ffprobe}, true
}

// kindError is a sentinel that also matches an apperr kind, so callers get
// the right HTTP status without a mapping table.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// Validation errors from ProbeFile. Returned errors wrap one of these and
// carry the detail (what was found, what the limit is).
var (
	// ErrNotVideo: the file is not a video (text, image, audio only, or
	// unreadable data).
	ErrNotVideo error = &kindError{"video: not a video file", apperr.Unsupported}
	// ErrUnsupportedContainer: a media file, but not in an accepted container.
	ErrUnsupportedContainer error = &kindError{"video: container not accepted (use mp4, mov, m4v, mkv, webm or avi)", apperr.Unsupported}
	// ErrTooLong: the duration is over the caller's maximum.
	ErrTooLong error = &kindError{"video: too long", apperr.Invalid}
	// ErrInvalid: a video with no usable duration or absurd dimensions.
	ErrInvalid error = &kindError{"video: unusable video", apperr.Invalid}
	// ErrTruncated: the file's data ends well before the duration its
	// header declares (an upload cut short but with its index first).
	ErrTruncated error = &kindError{"video: truncated", apperr.Invalid}
)

// Probe is what ProbeFile learned about a file.
type Probe struct {
	Container  string        // mp4, mov, m4v, mkv, webm or avi
	Duration   time.Duration // > 0
	Width      int           // display size: swapped when the file says "rotate 90°"
	Height     int
	VideoCodec string // ffmpeg codec name: h264, hevc, vp9, av1, ...
	AudioCodec string // "" when HasAudio is false
	HasAudio   bool
	Bitrate    int64   // bits per second over the whole file, 0 if unknown
	FrameRate  float64 // average frames per second, 0 if unknown
}

// Accepted sizes: below 16 px is not a picture anyone can watch, above 8192 px
// (DCI 8K) is not a lecture recording and would only cost transcoding time.
const (
	minSide = 16
	maxSide = 8192
)

// probeTimeout caps ffprobe even when the caller's context has no deadline;
// reading headers takes milliseconds, so a slow probe means a pathological file.
const probeTimeout = 30 * time.Second

// inputWhitelist lists the demuxers ffprobe/ffmpeg may use on uploads.
// "mov" covers mp4/mov/m4v, "matroska" covers mkv and webm.
const inputWhitelist = "mov,matroska,avi"

// inputArgs are the options placed before every "-i" of an uploaded file.
var inputArgs = []string{"-protocol_whitelist", "file", "-format_whitelist", inputWhitelist}

// fileURL makes path an explicit file: URL, so a name starting with "-" or
// containing "proto:" is never read as an option or another protocol.
func fileURL(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return "file:" + abs, nil
}

type ffprobeOutput struct {
	Streams []struct {
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		AvgFrameRate string `json:"avg_frame_rate"`
		RFrameRate   string `json:"r_frame_rate"`
		Duration     string `json:"duration"`
		Disposition  struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
		Tags         map[string]string `json:"tags"`
		SideDataList []struct {
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		BitRate    string            `json:"bit_rate"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
}

// notWhitelisted extracts the demuxer name from ffmpeg's
// "[mpegts @ 0x...] Format not on whitelist" message.
var notWhitelisted = regexp.MustCompile(`\[([a-z0-9_,]+) @ [^\]]*\] Format not on whitelist`)

// ProbeFile inspects path with ffprobe and checks that it is a video we can
// serve: a real video stream, an accepted container, 0 < duration ≤
// maxDuration (maxDuration ≤ 0 means no limit) and sane dimensions.
func (t Tools) ProbeFile(ctx context.Context, path string, maxDuration time.Duration) (*Probe, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	url, err := fileURL(path)
	if err != nil {
		return nil, err
	}
	// A missing or unreadable file is our problem, not the uploader's.
	if fi, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrNotVideo, path)
	}
	args := append([]string{"-v", "error"}, inputArgs...)
	args = append(args, "-print_format", "json", "-show_format", "-show_streams", url)
	var stdout bytes.Buffer
	res, err := run(ctx, t.FFprobe, args, &limitedWriter{w: &stdout, n: 8 << 20})
	if err != nil {
		if res == nil || ctx.Err() != nil { // could not start, or cancelled
			return nil, err
		}
		if m := notWhitelisted.FindStringSubmatch(res.stderr); m != nil {
			if isImageOrAudio(m[1]) {
				return nil, fmt.Errorf("%w: the file is %s data", ErrNotVideo, m[1])
			}
			return nil, fmt.Errorf("%w: found %s", ErrUnsupportedContainer, m[1])
		}
		return nil, fmt.Errorf("%w: ffprobe cannot read it: %s", ErrNotVideo, summary(res.stderr))
	}
	var out ffprobeOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("%w: unreadable ffprobe output: %v", ErrNotVideo, err)
	}
	return validate(&out, maxDuration)
}

func validate(out *ffprobeOutput, maxDuration time.Duration) (*Probe, error) {
	p := &Probe{}
	videoIdx := -1
	for i, s := range out.Streams {
		switch s.CodecType {
		case "video":
			// Cover art in an audio file is a one-frame "video" stream.
			if videoIdx < 0 && s.Disposition.AttachedPic == 0 {
				videoIdx = i
			}
		case "audio":
			if !p.HasAudio {
				p.HasAudio, p.AudioCodec = true, s.CodecName
			}
		}
	}
	if videoIdx < 0 {
		return nil, fmt.Errorf("%w: no video stream (format %q)", ErrNotVideo, out.Format.FormatName)
	}
	v := out.Streams[videoIdx]
	p.VideoCodec = v.CodecName

	var err error
	if p.Container, err = container(out, v.CodecName, p.AudioCodec); err != nil {
		return nil, err
	}

	secs, _ := strconv.ParseFloat(out.Format.Duration, 64)
	if secs <= 0 {
		secs, _ = strconv.ParseFloat(v.Duration, 64)
	}
	if !(secs > 0) || secs > 1e7 { // also rejects NaN
		return nil, fmt.Errorf("%w: no duration", ErrInvalid)
	}
	p.Duration = time.Duration(secs * float64(time.Second))
	if maxDuration > 0 && p.Duration > maxDuration {
		return nil, fmt.Errorf("%w: %s is longer than %s", ErrTooLong, p.Duration.Round(time.Second), maxDuration)
	}

	p.Width, p.Height = v.Width, v.Height
	if rotation(v.Tags, v.SideDataList) {
		// Phones record landscape frames plus a "turn 90°" flag; players and
		// ffmpeg's autorotate apply it, so the size that matters is rotated.
		p.Width, p.Height = p.Height, p.Width
	}
	if p.Width < minSide || p.Height < minSide || p.Width > maxSide || p.Height > maxSide {
		return nil, fmt.Errorf("%w: %d×%d is outside %d..%d pixels", ErrInvalid, p.Width, p.Height, minSide, maxSide)
	}
	p.Bitrate, _ = strconv.ParseInt(out.Format.BitRate, 10, 64)
	p.FrameRate = rate(v.AvgFrameRate)
	if p.FrameRate == 0 {
		p.FrameRate = rate(v.RFrameRate)
	}
	return p, nil
}

// container names the container from ffprobe's demuxer name, which lumps
// mp4/mov/m4v (told apart by the major brand) and mkv/webm (told apart by
// the codecs WebM allows) together.
func container(out *ffprobeOutput, vcodec, acodec string) (string, error) {
	switch out.Format.FormatName {
	case "mov,mp4,m4a,3gp,3g2,mj2":
		brand := strings.TrimSpace(out.Format.Tags["major_brand"])
		switch {
		case brand == "qt":
			return "mov", nil
		case strings.HasPrefix(brand, "M4V"):
			return "m4v", nil
		case strings.HasPrefix(brand, "3g"), strings.HasPrefix(brand, "M4A"):
			return "", fmt.Errorf("%w: found %s (brand %q)", ErrUnsupportedContainer, out.Format.FormatName, brand)
		}
		return "mp4", nil
	case "matroska,webm":
		webmV := vcodec == "vp8" || vcodec == "vp9" || vcodec == "av1"
		webmA := acodec == "" || acodec == "opus" || acodec == "vorbis"
		if webmV && webmA {
			return "webm", nil
		}
		return "mkv", nil
	case "avi":
		return "avi", nil
	}
	return "", fmt.Errorf("%w: found %s", ErrUnsupportedContainer, out.Format.FormatName)
}

// rotation reports whether the stream is displayed turned by 90° or 270°.
func rotation(tags map[string]string, side []struct {
	Rotation float64 `json:"rotation"`
}) bool {
	deg := 0.0
	for _, s := range side {
		if s.Rotation != 0 {
			deg = s.Rotation
		}
	}
	if r, err := strconv.ParseFloat(tags["rotate"], 64); err == nil && deg == 0 {
		deg = r // older ffprobe versions report a "rotate" tag instead
	}
	q := int(deg) % 180
	return q == 90 || q == -90
}

// rate parses ffprobe's "30000/1001" frame rates; 0 when unknown ("0/0").
func rate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 || n <= 0 {
		return 0
	}
	return n / d
}

func isImageOrAudio(demuxer string) bool {
	if strings.HasSuffix(demuxer, "_pipe") || demuxer == "image2" {
		return true
	}
	switch demuxer {
	case "mp3", "wav", "flac", "aac", "ogg", "tty", "srt", "webvtt", "ass":
		return true
	}
	return false
}

// summary is the last few lines of a tool's stderr, on one line: ffmpeg
// prints the cause first and the failing file last, both worth keeping.
func summary(stderr string) string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "no detail on stderr"
	}
	s := strings.Join(lines[max(0, len(lines)-3):], " | ")
	if len(s) > 600 {
		s = s[len(s)-600:]
	}
	return s
}

// limitedWriter fails once more than n bytes are written, so a file crafted
// to make ffprobe print megabytes of stream descriptions cannot grow memory.
type limitedWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

var errOutputTooLarge = errors.New("video: tool output too large")

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, errOutputTooLarge
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
