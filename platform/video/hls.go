package video

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// segmentSeconds is the HLS segment length: Apple's authoring guideline for
// VOD, long enough for efficient requests, short enough to switch bitrates
// and to start quickly.
const segmentSeconds = 6

// maxFrameRate caps the output frame rate; 120 fps slow-motion phone clips
// would otherwise spend the bitrate of a lecture on frames nobody needs.
const maxFrameRate = 60

// encodeShare is the part of the progress range given to the encode; the
// remaining sliver is the fallback remux (a stream copy, much faster).
const encodeShare = 0.98

var renditionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// TranscodeHLS packages src as HLS in outDir:
//
//	master.m3u8                 master playlist (BANDWIDTH, RESOLUTION, CODECS)
//	<name>/index.m3u8           one VOD media playlist per rendition
//	<name>/seg-00001.ts, ...    6 s MPEG-TS segments, H.264 + AAC
//	fallback.mp4                the middle rendition as a +faststart MP4
//
// All renditions come from one ffmpeg process (decode once, split, scale,
// encode each): on 2 cores this took the least CPU of the options measured,
// gives one progress stream and one process to kill. Keyframes are forced at
// the same instants in every rendition (-force_key_frames every 6 s, a fixed
// GOP, no scene-cut keyframes), so segment boundaries line up and players
// can switch variants at any segment.
//
// The header's duration is checked against maxDuration (0: no limit), as by
// ProbeFile, and what decodes against the header: ffmpeg reads no more than
// the declared duration plus the tolerance (playTolerance) plus a margin, so
// a file that declares 2 s and holds 10 hours costs seconds of work, and
// fails with ErrTooLong when it plays longer than it declares (ErrTruncated
// when it plays materially less).
//
// progress, if not nil, receives non-decreasing values in 0..1, from another
// goroutine, one call at a time. Cancelling ctx kills ffmpeg. On error outDir
// may hold partial output; the caller removes it.
func (t Tools) TranscodeHLS(ctx context.Context, src, outDir string, ladder []Rendition, maxDuration time.Duration, progress func(float64)) error {
	if err := checkLadder(ladder); err != nil {
		return err
	}
	if progress == nil {
		progress = func(float64) {}
	}
	outDir, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	if strings.Contains(outDir, "%") {
		// ffmpeg expands %v and %05d in output names.
		return fmt.Errorf("video: output directory %q must not contain %%", outDir)
	}
	p, err := t.ProbeFile(ctx, src, maxDuration)
	if err != nil {
		return err
	}
	for _, r := range ladder {
		if err := os.MkdirAll(filepath.Join(outDir, r.Name), 0o755); err != nil {
			return err
		}
	}
	url, err := fileURL(src)
	if err != nil {
		return err
	}

	pw := &progressWriter{total: p.Duration.Microseconds(), report: progress}
	if _, err := run(ctx, t.FFmpeg, hlsArgs(url, outDir, ladder, p), pw); err != nil {
		return err
	}
	if err := checkHLS(outDir, ladder); err != nil {
		return err
	}
	// The header's duration is only a claim: a file cut short with its
	// index first (MP4 +faststart) probes as whole and decodes to a fraction.
	got, err := HLSDuration(outDir, ladder)
	if err != nil {
		return err
	}
	if short(got, p.Duration) {
		return fmt.Errorf("%w: the file plays %.1f s of the %.1f s its header declares", ErrTruncated,
			got.Seconds(), p.Duration.Seconds())
	}
	if long(got, p.Duration) {
		return fmt.Errorf("%w: the file plays %.1f s or more, though its header declares %.1f s", ErrTooLong,
			got.Seconds(), p.Duration.Seconds())
	}
	if err := t.fallback(ctx, outDir, ladder); err != nil {
		return err
	}
	progress(1)
	return nil
}

func checkLadder(ladder []Rendition) error {
	if len(ladder) == 0 {
		return errors.New("video: empty ladder")
	}
	seen := map[string]bool{}
	for _, r := range ladder {
		switch {
		case !renditionName.MatchString(r.Name):
			return fmt.Errorf("video: rendition name %q is not a plain directory name", r.Name)
		case seen[r.Name]:
			return fmt.Errorf("video: rendition %q twice", r.Name)
		case r.Height < 2 || r.Height > maxSide || r.Height%2 != 0:
			return fmt.Errorf("video: rendition %q: height %d must be even and in 2..%d", r.Name, r.Height, maxSide)
		case r.VideoKbps <= 0 || r.AudioKbps <= 0:
			return fmt.Errorf("video: rendition %q: bitrates must be positive", r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// hlsArgs builds the single ffmpeg command line for all renditions.
func hlsArgs(srcURL, outDir string, ladder []Rendition, p *Probe) []string {
	fps := p.FrameRate
	if fps <= 0 || fps > 240 {
		fps = 30 // unknown or variable: force_key_frames still cuts on time
	}
	var filter strings.Builder
	filter.WriteString("[0:v:0]")
	if fps > maxFrameRate {
		fps = maxFrameRate
		fmt.Fprintf(&filter, "fps=%d,", maxFrameRate)
	}
	fmt.Fprintf(&filter, "split=%d", len(ladder))
	for i := range ladder {
		fmt.Fprintf(&filter, "[s%d]", i)
	}
	for i, r := range ladder {
		// Scale the short side to r.Height whatever the orientation (after
		// ffmpeg's autorotate); -2 keeps the aspect ratio with an even size.
		fmt.Fprintf(&filter, ";[s%d]scale=w='if(gte(iw,ih),-2,%d)':h='if(gte(iw,ih),%d,-2)'[v%d]", i, r.Height, r.Height, i)
	}
	gop := strconv.Itoa(int(math.Round(fps * segmentSeconds)))

	args := []string{"-hide_banner", "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-y"}
	args = append(args, inputArgs...)
	// Read no more than the header declares, plus what long tolerates and
	// a margin, so an overlong file shows as such (and is cut short).
	args = append(args, "-t", strconv.FormatFloat(readLimit(p.Duration).Seconds(), 'f', 3, 64))
	args = append(args, "-i", srcURL, "-filter_complex", filter.String())
	for i := range ladder {
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
	}
	if p.HasAudio {
		for range ladder {
			args = append(args, "-map", "0:a:0")
		}
	}
	args = append(args,
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
		"-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
		"-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%d)", segmentSeconds),
	)
	var streams []string
	for i, r := range ladder {
		n := strconv.Itoa(i)
		// maxrate/bufsize make the peak bitrate predictable (what BANDWIDTH
		// in the master playlist promises a player) without the quality
		// loss of strict CBR.
		args = append(args,
			"-b:v:"+n, fmt.Sprintf("%dk", r.VideoKbps),
			"-maxrate:v:"+n, fmt.Sprintf("%dk", r.VideoKbps*107/100),
			"-bufsize:v:"+n, fmt.Sprintf("%dk", r.VideoKbps*3/2),
		)
		s := fmt.Sprintf("v:%d", i)
		if p.HasAudio {
			args = append(args, "-b:a:"+n, fmt.Sprintf("%dk", r.AudioKbps))
			s += fmt.Sprintf(",a:%d", i)
		}
		streams = append(streams, s+",name:"+r.Name)
	}
	if p.HasAudio {
		args = append(args, "-c:a", "aac", "-ac", "2")
	}
	args = append(args,
		// Phone recordings carry GPS position and device tags; the
		// published files get none of them.
		"-map_metadata", "-1", "-map_chapters", "-1",
		"-f", "hls",
		"-hls_time", strconv.Itoa(segmentSeconds),
		"-hls_playlist_type", "vod",
		"-hls_flags", "independent_segments",
		"-hls_segment_type", "mpegts",
		"-start_number", "1",
		"-hls_segment_filename", filepath.Join(outDir, "%v", "seg-%05d.ts"),
		"-master_pl_name", "master.m3u8",
		"-var_stream_map", strings.Join(streams, " "),
		filepath.Join(outDir, "%v", "index.m3u8"),
	)
	return args
}

// checkHLS verifies what ffmpeg wrote: it omits a variant from the master
// playlist with only a warning when it lacks bitrate information, and a
// half-written playlist must not be published as success.
func checkHLS(outDir string, ladder []Rendition) error {
	master, err := os.ReadFile(filepath.Join(outDir, "master.m3u8"))
	if err != nil {
		return fmt.Errorf("video: no master playlist: %w", err)
	}
	variants := bytes.Count(master, []byte("#EXT-X-STREAM-INF:"))
	if variants != len(ladder) {
		return fmt.Errorf("video: master playlist lists %d variants, want %d", variants, len(ladder))
	}
	for _, r := range ladder {
		if !bytes.Contains(master, []byte("\n"+r.Name+"/index.m3u8")) {
			return fmt.Errorf("video: master playlist lacks %s", r.Name)
		}
		media, err := os.ReadFile(filepath.Join(outDir, r.Name, "index.m3u8"))
		if err != nil {
			return fmt.Errorf("video: %s: %w", r.Name, err)
		}
		if !bytes.Contains(media, []byte("#EXT-X-ENDLIST")) || !bytes.Contains(media, []byte("seg-00001.ts")) {
			return fmt.Errorf("video: %s/index.m3u8 is incomplete", r.Name)
		}
	}
	return nil
}

// short reports whether an output of got is materially shorter than the
// declared duration: by more than a second and more than 5% (encoders and
// containers disagree by a frame or an audio priming delay, and a stream may
// end a little before the file's longest one).
func short(got, declared time.Duration) bool {
	return declared-got > playTolerance(declared)
}

// long reports whether an output of got is materially longer than the
// declared duration, with the tolerance short allows.
func long(got, declared time.Duration) bool {
	return got-declared > playTolerance(declared)
}

// playTolerance is how far what plays may be from what the header declares:
// a second, or 5% of a longer video.
func playTolerance(declared time.Duration) time.Duration {
	return max(time.Second, declared/20)
}

// readLimit is how much of the input ffmpeg decodes: the declared duration,
// the tolerance, and two seconds more, so that reading up to it is
// materially longer than the declaration.
func readLimit(declared time.Duration) time.Duration {
	return declared + playTolerance(declared) + 2*time.Second
}

// HLSDuration is the playing time of what TranscodeHLS wrote: the sum of the
// segment durations (#EXTINF) of the shortest rendition.
func HLSDuration(outDir string, ladder []Rendition) (time.Duration, error) {
	var shortest time.Duration = -1
	for _, r := range ladder {
		media, err := os.ReadFile(filepath.Join(outDir, r.Name, "index.m3u8"))
		if err != nil {
			return 0, fmt.Errorf("video: %s: %w", r.Name, err)
		}
		var secs float64
		for _, l := range strings.Split(string(media), "\n") {
			v, ok := strings.CutPrefix(strings.TrimSpace(l), "#EXTINF:")
			if !ok {
				continue
			}
			v, _, _ = strings.Cut(v, ",")
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f >= 0) {
				return 0, fmt.Errorf("video: %s/index.m3u8: bad segment duration %q", r.Name, v)
			}
			secs += f
		}
		d := time.Duration(secs * float64(time.Second))
		if shortest < 0 || d < shortest {
			shortest = d
		}
	}
	return max(shortest, 0), nil
}

// fallback remuxes the middle rendition's segments into fallback.mp4: a
// stream copy of video that was already encoded, so it costs a second or two
// rather than another encode, and the fallback is exactly what HLS serves.
// +faststart puts the index first so browsers can start playing before the
// whole file has arrived.
func (t Tools) fallback(ctx context.Context, outDir string, ladder []Rendition) error {
	sorted := append([]Rendition(nil), ladder...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Height < sorted[j].Height })
	mid := sorted[len(sorted)/2]
	out := filepath.Join(outDir, "fallback.mp4")
	args := []string{"-hide_banner", "-nostdin", "-v", "error", "-y",
		"-protocol_whitelist", "file", "-f", "hls",
		"-i", filepath.Join(outDir, mid.Name, "index.m3u8"),
		"-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
		"-movflags", "+faststart", "-f", "mp4", out + ".part",
	}
	if _, err := run(ctx, t.FFmpeg, args, nil); err != nil {
		return fmt.Errorf("video: fallback mp4: %w", err)
	}
	return os.Rename(out+".part", out)
}

// progressWriter parses ffmpeg's -progress key=value lines.
type progressWriter struct {
	total   int64 // source duration in microseconds
	report  func(float64)
	partial []byte
	last    float64
}

func (w *progressWriter) Write(p []byte) (int, error) {
	buf := append(w.partial, p...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		w.line(string(buf[:i]))
		buf = buf[i+1:]
	}
	// Keep an unfinished line for the next write; ffmpeg's lines are short,
	// so anything long is garbage and is dropped rather than accumulated.
	if len(buf) > 1024 {
		buf = nil
	}
	w.partial = append(w.partial[:0], buf...)
	return len(p), nil
}

func (w *progressWriter) line(l string) {
	k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
	if !ok || w.total <= 0 {
		return
	}
	var f float64
	switch k {
	case "out_time_us":
		us, err := strconv.ParseInt(v, 10, 64)
		if err != nil || us <= 0 { // "N/A" before the first frame
			return
		}
		f = math.Min(1, float64(us)/float64(w.total)) * encodeShare
	case "progress":
		if v != "end" {
			return
		}
		f = encodeShare
	default:
		return
	}
	if f > w.last {
		w.last = f
		w.report(f)
	}
}
