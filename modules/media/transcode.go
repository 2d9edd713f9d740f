package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/riverqueue/river"

	"github.com/weaverse/weaverse/platform/video"
)

// transcodeArgs is the job that turns an original into HLS renditions.
type transcodeArgs struct {
	VideoID int64 `json:"video_id"`
}

func (transcodeArgs) Kind() string { return "media.transcode" }

type transcodeWorker struct {
	river.WorkerDefaults[transcodeArgs]
	s *service
}

func (w *transcodeWorker) Work(ctx context.Context, job *river.Job[transcodeArgs]) error {
	s := w.s
	r, err := s.st.videoByID(ctx, s.db.R, job.Args.VideoID)
	if err != nil {
		return err
	}
	if r == nil {
		return river.JobCancel(fmt.Errorf("video %d is gone", job.Args.VideoID))
	}
	if r.DeletedAt != nil {
		// Deleted before it was processed: DeleteVideo removed its files,
		// unless an upload still being stored wrote them afterwards.
		return s.files.DeletePrefix(ctx, videoPrefix(r.ID))
	}
	err = s.transcode(ctx, r)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return err // shutting down: River puts the job back without counting the attempt
	}
	if job.Attempt >= job.MaxAttempts || errors.Is(err, errPermanent) {
		s.fail(context.WithoutCancel(ctx), r.ID, err)
		return river.JobCancel(err)
	}
	return err
}

var errPermanent = errors.New("permanent failure")

// permanent marks an error that retrying cannot cure; its message is the
// cause's (it becomes the video's failure reason).
type permanent struct{ error }

func (p permanent) Unwrap() []error { return []error{p.error, errPermanent} }

func (s *service) fail(ctx context.Context, id int64, cause error) {
	s.logger.WarnContext(ctx, "video processing failed", "video_id", id, "err", cause)
	if _, err := s.failIf(ctx, id, "processing", cause.Error()); err != nil {
		s.logger.WarnContext(ctx, "recording a processing failure", "video_id", id, "err", err)
	}
}

// failIf marks a video failed if it is still in status from.
func (s *service) failIf(ctx context.Context, id int64, from, reason string) (bool, error) {
	return s.st.failVideo(ctx, s.db.W, id, from, trim(reason, 300), s.clock.Now())
}

// transcode makes the HLS ladder, the MP4 fallback and the poster in a
// temporary directory, then uploads them; the original stays.
func (s *service) transcode(ctx context.Context, r *videoRow) error {
	dir, err := os.MkdirTemp(s.tempDir, "transcode-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "source")
	if err := s.download(ctx, originalKey(r.ID), src); err != nil {
		return err
	}
	probe, err := s.tools.ProbeFile(ctx, src, 0)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return errors.Join(errPermanent, err)
	}
	ladder := video.Ladder(probe)
	out := filepath.Join(dir, "hls")
	last := -1
	progress := func(f float64) {
		if pc := int(f * 100); pc >= last+10 {
			last = pc
			_ = s.st.setProgress(ctx, s.db.W, r.ID, pc)
		}
	}
	if err := s.tools.TranscodeHLS(ctx, src, out, ladder, s.limits.VideoLength, progress); err != nil {
		// Retrying decodes the same data.
		switch {
		case errors.Is(err, video.ErrTruncated):
			return permanent{fmt.Errorf("media.video_truncated: %w", err)}
		case errors.Is(err, video.ErrTooLong):
			// The header declared less than the file plays.
			return permanent{fmt.Errorf("media.video_too_long: %w", err)}
		}
		return err
	}
	// What plays is what the video lasts, whatever the header said (within
	// the tolerance TranscodeHLS allows).
	played, err := video.HLSDuration(out, ladder)
	if err != nil {
		return err
	}
	if err := s.tools.Poster(ctx, src, filepath.Join(dir, "poster.jpg"), probe); err != nil {
		return err
	}
	if err := s.upload(ctx, out, hlsPrefix(r.ID)); err != nil {
		return err
	}
	if err := s.uploadFile(ctx, filepath.Join(dir, "poster.jpg"), posterKey(r.ID)); err != nil {
		return err
	}
	renditions := make([]storedRendition, 0, len(ladder))
	for _, l := range ladder {
		renditions = append(renditions, storedRendition{Name: l.Name, Height: l.Height, Bandwidth: (l.VideoKbps + l.AudioKbps) * 1000})
	}
	ms := played.Milliseconds()
	if ms <= 0 {
		ms = r.DurationMS
	}
	ready, err := s.st.markReady(ctx, s.db.W, r.ID, renditions, ms, s.clock.Now())
	if err != nil {
		return err
	}
	if !ready {
		// Deleted while it was being transcoded: remove what we just wrote.
		return s.files.DeletePrefix(ctx, videoPrefix(r.ID))
	}
	return nil
}

func (s *service) download(ctx context.Context, key, dst string) error {
	obj, err := s.files.Open(ctx, key)
	if err != nil {
		return err
	}
	defer obj.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, bufio.NewReaderSize(obj, 1<<16)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *service) uploadFile(ctx context.Context, path, key string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return s.files.Put(ctx, key, f, st.Size(), "")
}

func (s *service) upload(ctx context.Context, dir, prefix string) error {
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		return s.uploadFile(ctx, path, prefix+filepath.ToSlash(rel))
	})
}
