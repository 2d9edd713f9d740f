package video

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"time"
)

// posterWidth bounds the poster: the player is at most this wide on a page.
const posterWidth = 1280

// Poster writes a JPEG frame of src to out, taken at 10% of the duration
// (past intros and black fades) or at 1 s when p is nil, scaled down to fit
// 1280 px wide. If the seek lands past the end (a short clip with an
// inaccurate duration), the first frame is used instead.
func (t Tools) Poster(ctx context.Context, src, out string, p *Probe) error {
	at := time.Second
	if p != nil && p.Duration > 0 {
		at = p.Duration / 10
	}
	err := t.poster(ctx, src, out, at)
	if err == errNoFrame && at > 0 {
		err = t.poster(ctx, src, out, 0)
	}
	if err == errNoFrame {
		return fmt.Errorf("%w: no frame to make a poster from", ErrInvalid)
	}
	return err
}

var errNoFrame = fmt.Errorf("video: no frame decoded")

func (t Tools) poster(ctx context.Context, src, out string, at time.Duration) error {
	url, err := fileURL(src)
	if err != nil {
		return err
	}
	tmp := out + ".part"
	defer os.Remove(tmp)
	args := []string{"-hide_banner", "-nostdin", "-v", "error", "-y"}
	args = append(args, inputArgs...)
	args = append(args,
		// -ss before -i seeks in the demuxer (fast, to the keyframe before)
		// and then decodes up to the exact time.
		"-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", url,
		"-map", "0:v:0", "-frames:v", "1",
		"-vf", fmt.Sprintf("scale=w='min(%d,iw)':h=-2", posterWidth),
		"-q:v", "3", "-map_metadata", "-1",
		"-f", "image2", "-c:v", "mjpeg", "-update", "1", tmp,
	)
	if _, err := run(ctx, t.FFmpeg, args, nil); err != nil {
		return err
	}
	// ffmpeg exits 0 with no output when the seek is past the last frame.
	head := make([]byte, 3)
	f, err := os.Open(tmp)
	if err != nil {
		return errNoFrame
	}
	_, err = f.Read(head)
	f.Close()
	if err != nil || !bytes.Equal(head, []byte{0xff, 0xd8, 0xff}) {
		return errNoFrame
	}
	return os.Rename(tmp, out)
}
