package media

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/video"
)

// Video is an uploaded video and its processing state.
type Video struct {
	ID         int64     `json:"id"`
	OwnerID    int64     `json:"owner_id"`
	Title      string    `json:"title"`
	Status     string    `json:"status" enum:"uploaded,processing,ready,failed"`
	Failure    string    `json:"failure,omitempty" doc:"Why processing failed."`
	Progress   int       `json:"progress" doc:"Transcoding progress, percent."`
	Size       int64     `json:"size"`
	Duration   float64   `json:"duration" doc:"Seconds."`
	Width      int       `json:"width"`
	Height     int       `json:"height"`
	Renditions []string  `json:"renditions"`
	Captions   []Caption `json:"captions"`
	Ref        string    `json:"ref" doc:"How catalog content names this video (topic video, course intro)."`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func videoOut(r *videoRow) Video {
	v := Video{ID: r.ID, OwnerID: r.OwnerID, Title: r.Title, Status: r.Status, Failure: r.Failure, Progress: r.Progress,
		Size: r.Size, Duration: float64(r.DurationMS) / 1000, Width: r.Width, Height: r.Height, Renditions: []string{},
		Captions: captionsOut(r.Captions.V), Ref: VideoRef(r.ID), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, rr := range r.Renditions.V {
		v.Renditions = append(v.Renditions, rr.Name)
	}
	return v
}

// Storage keys of a video's files.
func videoPrefix(id int64) string { return fmt.Sprintf("videos/%d/", id) }
func originalKey(id int64) string { return videoPrefix(id) + "original" }
func hlsPrefix(id int64) string   { return videoPrefix(id) + "hls/" }
func posterKey(id int64) string   { return videoPrefix(id) + "poster.jpg" }
func mp4Key(id int64) string      { return hlsPrefix(id) + "fallback.mp4" }

// UploadVideo streams an upload to a temporary file (bounded by the size
// limit), validates it with ffprobe, stores the original and queues the
// transcoding job. A refused upload leaves nothing behind.
func (s *service) UploadVideo(ctx context.Context, p *authz.Principal, r io.Reader, title string) (Video, error) {
	if !s.hasFF {
		return Video{}, errNoTranscoding
	}
	tmp, err := os.CreateTemp(s.tempDir, "upload-*")
	if err != nil {
		return Video{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), &limitedReader{r: r, max: s.limits.VideoBytes})
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return Video{}, apperr.New(apperr.TooLarge, "media.video_too_large", "media.video_too_large").
				With(map[string]any{"MiB": s.limits.VideoBytes >> 20}).Because(err)
		}
		return Video{}, malformed(err)
	}
	row, err := s.ingest(ctx, p.UserID, tmp, size, title, hex.EncodeToString(h.Sum(nil)))
	if err != nil {
		return Video{}, err
	}
	return videoOut(row), nil
}

// ingestVideo validates a complete upload already on local disk (a finished
// resumable upload), stores the original and queues the transcoding job.
// The caller owns (and removes) tmp.
func (s *service) ingestVideo(ctx context.Context, p *authz.Principal, tmp *os.File, size int64, title string) (Video, error) {
	sum, err := fileSHA256(tmp)
	if err != nil {
		return Video{}, err
	}
	row, err := s.ingest(ctx, p.UserID, tmp, size, title, sum)
	if err != nil {
		return Video{}, err
	}
	return videoOut(row), nil
}

func fileSHA256(f *os.File) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, bufio.NewReaderSize(f, 1<<16)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ingest probes a complete file on local disk and turns it into a video of
// owner: the row is created as "uploaded", the original is stored, then the
// row moves to "processing" together with its transcoding job. sum is the
// file's SHA-256 (hex).
//
// The original is stored outside any transaction: on SQLite a transaction
// holds the only writer connection, and copying gigabytes inside one would
// stop every other write for as long. The price is a window where the row
// exists without its job; a failure in it removes the files and the row
// here, and a crash in it leaves an "uploaded" row that the sweeper fails
// (see sweep).
func (s *service) ingest(ctx context.Context, owner int64, tmp *os.File, size int64, title, sum string) (*videoRow, error) {
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	probe, err := s.tools.ProbeFile(ctx, tmp.Name(), s.limits.VideoLength)
	if err != nil {
		switch {
		case errors.Is(err, video.ErrTooLong):
			return nil, apperr.New(apperr.Invalid, "media.video_too_long", "media.video_too_long").Because(err)
		case errors.Is(err, video.ErrNotVideo), errors.Is(err, video.ErrUnsupportedContainer), errors.Is(err, video.ErrInvalid):
			return nil, apperr.New(apperr.Unsupported, "media.not_a_video", "media.not_a_video").Because(err)
		}
		return nil, err
	}
	now := s.clock.Now()
	row := &videoRow{OwnerID: owner, Title: trim(title, 200), Status: "uploaded", Size: size,
		DurationMS: probe.Duration.Milliseconds(), Width: probe.Width, Height: probe.Height,
		VideoCodec: probe.VideoCodec, AudioCodec: probe.AudioCodec, SourceSHA256: sum,
		CreatedAt: now, UpdatedAt: now}
	if err := s.st.insertVideo(ctx, s.db.W, row); err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			s.discard(context.WithoutCancel(ctx), row.ID)
		}
	}()
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if err := s.files.Put(ctx, originalKey(row.ID), tmp, size, "application/octet-stream"); err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		id, err := s.jobs.Insert(ctx, &tx, transcodeArgs{VideoID: row.ID}, &river.InsertOpts{MaxAttempts: 3, Queue: TranscodeQueue})
		if err != nil {
			return err
		}
		row.JobID, row.Status, row.UpdatedAt = &id, "processing", s.clock.Now()
		ok, err := s.st.startProcessing(ctx, tx, row)
		if err == nil && !ok {
			// Deleted (or failed by the sweeper) while the original was
			// stored: the files go (see discard), and the job is not queued.
			return errVideoNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	done = true
	return row, nil
}

// video loads a live video p may act on (its owner; admins: any); others
// get 404.
func (s *service) video(ctx context.Context, idb bun.IDB, p *authz.Principal, act string, id int64) (*videoRow, error) {
	return owned[videoRow](ctx, s, idb, p, "media.video", act, id, errVideoNotFound)
}

// ListVideos returns the videos p may read (their own; admins: everyone's).
func (s *service) ListVideos(ctx context.Context, p *authz.Principal, limit, offset int) ([]Video, int, error) {
	return listOwned(ctx, s, p, "media.video", limit, offset, videoOut)
}

// GetVideo returns one video.
func (s *service) GetVideo(ctx context.Context, p *authz.Principal, id int64) (Video, error) {
	r, err := s.video(ctx, s.db.R, p, "read", id)
	if err != nil {
		return Video{}, err
	}
	return videoOut(r), nil
}

// UpdateVideo renames a video.
func (s *service) UpdateVideo(ctx context.Context, p *authz.Principal, id int64, title string) (Video, error) {
	var out Video
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.video(ctx, tx, p, "update", id)
		if err != nil {
			return err
		}
		r.Title, r.UpdatedAt = trim(title, 200), s.clock.Now()
		if err := s.st.setVideoTitle(ctx, tx, r); err != nil {
			return err
		}
		out = videoOut(r)
		return nil
	})
	return out, err
}

// Attach puts a video p may update (their own; admins: any) on a topic or
// as a course's intro; the catalog checks p may edit the course. A video
// deleted meanwhile is 404 (see retire).
func (s *service) Attach(ctx context.Context, p *authz.Principal, id, topicID, introCourseID int64) error {
	r, err := s.video(ctx, s.db.R, p, "update", id)
	if err != nil {
		return err
	}
	switch {
	case topicID != 0:
		return attachErr(s.gate.SetTopicVideo(ctx, p, topicID, VideoRef(r.ID), int(r.DurationMS/1000)), errVideoNotFound)
	case introCourseID != 0:
		return attachErr(s.gate.SetCourseMedia(ctx, p, introCourseID, "intro_video", VideoRef(r.ID)), errVideoNotFound)
	}
	return apperr.InvalidFields("request.validation", apperr.FieldError{Location: "body.topic_id", Message: "catalog.required"})
}

// DeleteVideo soft-deletes a video and removes its files; a video a
// course plays is refused (see retire).
func (s *service) DeleteVideo(ctx context.Context, p *authz.Principal, id int64) error {
	if _, err := s.video(ctx, s.db.R, p, "delete", id); err != nil {
		return err
	}
	return s.deleteMedia(ctx, (*videoRow)(nil), id, VideoRef(id), videoPrefix(id))
}

// discard removes a video that never became usable, or that a refused
// import made (see discardRow).
func (s *service) discard(ctx context.Context, id int64) {
	s.discardRow(ctx, (*videoRow)(nil), videoPrefix(id), id)
}
