package media

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
	"golang.org/x/sync/semaphore"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/imaging"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/storage"
	"github.com/weaverse/weaverse/platform/video"
)

// Limits bound uploads.
type Limits struct {
	ImageBytes  int64
	VideoBytes  int64
	VideoLength time.Duration
	URLTTL      time.Duration // validity of signed playback URLs
}

type service struct {
	db      *db.DB
	authz   *authz.Enforcer
	clock   clock.Clock
	store   storage.Store
	signer  *storage.Signer
	jobs    *jobs.Runner
	gate    catalog.MediaGate
	tools   video.Tools
	hasFF   bool
	limits  Limits
	tempDir string
	logger  *slog.Logger
	// decoding bounds concurrent image decodes (see UploadImage).
	decoding *semaphore.Weighted
	// pruneUploads removes abandoned resumable uploads (set with the tus
	// routes; the sweeper calls it).
	pruneUploads func()
}

var (
	errImageNotFound = apperr.New(apperr.NotFound, "media.image_not_found", "media.image_not_found")
	errVideoNotFound = apperr.New(apperr.NotFound, "media.video_not_found", "media.video_not_found")
	errNoTranscoding = apperr.New(apperr.Unavailable, "media.transcoding_unavailable", "media.transcoding_unavailable")
)

// ---- images ----------------------------------------------------------------

// Image is an uploaded image with its variants' (public, unsigned) URLs.
type Image struct {
	ID        int64          `json:"id"`
	OwnerID   int64          `json:"owner_id"`
	Alt       string         `json:"alt"`
	Format    string         `json:"format"`
	Width     int            `json:"width"`
	Height    int            `json:"height"`
	Size      int64          `json:"size"`
	Variants  []ImageVariant `json:"variants"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// ImageVariant is one size of an image.
type ImageVariant struct {
	Name   string `json:"name" enum:"original,display,thumbnail"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	URL    string `json:"url" doc:"A signed URL, valid for a while."`
}

func (s *service) imageOut(ctx context.Context, r *imageRow) Image {
	out := Image{ID: r.ID, OwnerID: r.OwnerID, Alt: r.Alt, Format: r.Format, Width: r.Width, Height: r.Height,
		Size: r.Size, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Variants: []ImageVariant{}}
	exp := s.clock.Now().Add(s.limits.URLTTL)
	for _, v := range r.Variants {
		u, err := s.store.URL(ctx, v.Key, exp)
		if err != nil {
			s.logger.WarnContext(ctx, "image URL", "err", err)
			continue
		}
		out.Variants = append(out.Variants, ImageVariant{Name: v.Name, Width: v.Width, Height: v.Height, URL: u})
	}
	return out
}

// UploadImage validates, re-encodes and stores an image and its variants.
// Nothing is stored when the image is refused.
func (s *service) UploadImage(ctx context.Context, p *authz.Principal, r io.Reader, alt string) (Image, error) {
	// Read the (small, bounded) file before taking a decoding slot, so slow
	// clients do not hold one.
	data, err := io.ReadAll(io.LimitReader(r, s.limits.ImageBytes+1))
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return Image{}, err
		}
		return Image{}, apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid").Because(err)
	}
	row, err := s.storeImage(ctx, p.UserID, data, alt)
	if err != nil {
		return Image{}, err
	}
	return s.imageOut(ctx, row), nil
}

// storeImage validates, re-encodes and stores an image of owner (data is
// at most the size limit) with its variants. Nothing is stored when the
// image is refused.
func (s *service) storeImage(ctx context.Context, owner int64, data []byte, alt string) (*imageRow, error) {
	sum := sha256.Sum256(data)
	// Decoding a large image takes a few hundred MiB and a core: at most
	// one per core at a time, so a burst of uploads cannot exhaust memory.
	if err := s.decoding.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	res, err := imaging.Process(bytes.NewReader(data), imaging.Limits{MaxBytes: s.limits.ImageBytes})
	s.decoding.Release(1)
	data = nil
	if err != nil {
		switch {
		case errors.Is(err, imaging.ErrTooLarge), errors.Is(err, imaging.ErrTooManyPixels):
			return nil, apperr.New(apperr.TooLarge, "media.image_too_large", "media.image_too_large").Because(err)
		case errors.Is(err, imaging.ErrUnsupported):
			return nil, apperr.New(apperr.Unsupported, "media.image_unsupported", "media.image_unsupported").Because(err)
		case errors.Is(err, errTooLarge):
			return nil, err
		default:
			return nil, apperr.New(apperr.Invalid, "media.image_corrupt", "media.image_corrupt").Because(err)
		}
	}
	now := s.clock.Now()
	row := &imageRow{OwnerID: owner, Alt: trim(alt, 300), Format: res.Format, Width: res.Width, Height: res.Height,
		SourceSHA256: hex.EncodeToString(sum[:]), CreatedAt: now, UpdatedAt: now}
	for _, v := range res.Variants {
		row.Size += int64(len(v.Data))
	}
	// As for videos (see ingest), the files are stored outside any
	// transaction; a failure removes them and the row.
	row.Variants = jsonList[storedVariant]{}
	if _, err := s.db.W.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("images/%d/", row.ID)
	done := false
	defer func() {
		if !done {
			s.discardImage(context.WithoutCancel(ctx), row.ID)
		}
	}()
	for _, v := range res.Variants {
		ext := ".jpg"
		if v.ContentType == "image/png" {
			ext = ".png"
		}
		key := prefix + v.Name + ext
		if err := s.store.Put(ctx, key, bytes.NewReader(v.Data), int64(len(v.Data)), v.ContentType); err != nil {
			return nil, err
		}
		row.Variants = append(row.Variants, storedVariant{Name: v.Name, Key: key, Width: v.Width, Height: v.Height,
			ContentType: v.ContentType, Size: len(v.Data)})
	}
	if _, err := s.db.W.NewUpdate().Model(row).Column("variants").WherePK().Exec(ctx); err != nil {
		return nil, err
	}
	done = true
	return row, nil
}

// image loads an image the caller owns (admins: any); others get 404.
func (s *service) image(ctx context.Context, idb bun.IDB, p *authz.Principal, id int64) (*imageRow, error) {
	return loadOwned(ctx, idb, p, id, func(r *imageRow) int64 { return r.OwnerID }, errImageNotFound)
}

// ListImages returns the caller's images (admins: everyone's).
func (s *service) ListImages(ctx context.Context, p *authz.Principal, limit, offset int) ([]Image, int, error) {
	rows, n, err := listOwned[imageRow](ctx, s.db.R, p, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Image, len(rows))
	for i := range rows {
		out[i] = s.imageOut(ctx, &rows[i])
	}
	return out, int(n), nil
}

// GetImage returns one image.
func (s *service) GetImage(ctx context.Context, p *authz.Principal, id int64) (Image, error) {
	r, err := s.image(ctx, s.db.R, p, id)
	if err != nil {
		return Image{}, err
	}
	return s.imageOut(ctx, r), nil
}

// UpdateImage changes an image's alt text and, with courseID, makes it the
// picture of that course (the catalog checks the caller may edit it).
func (s *service) UpdateImage(ctx context.Context, p *authz.Principal, id int64, alt string, courseID int64) (Image, error) {
	if courseID != 0 {
		if _, err := s.image(ctx, s.db.R, p, id); err != nil {
			return Image{}, err
		}
		if err := s.gate.SetCourseMedia(ctx, p, courseID, "thumbnail", ImageRef(id)); err != nil {
			return Image{}, attachErr(err, errImageNotFound)
		}
	}
	var out Image
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.image(ctx, tx, p, id)
		if err != nil {
			return err
		}
		r.Alt, r.UpdatedAt = trim(alt, 300), s.clock.Now()
		if _, err := tx.NewUpdate().Model(r).Column("alt", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		out = s.imageOut(ctx, r)
		return nil
	})
	return out, err
}

// DeleteImage soft-deletes an image and removes its files; an image a
// course shows is refused (see retire).
func (s *service) DeleteImage(ctx context.Context, p *authz.Principal, id int64) error {
	if _, err := s.image(ctx, s.db.R, p, id); err != nil {
		return err
	}
	if err := retire[imageRow](s, ctx, id, ImageRef(id)); err != nil {
		return err
	}
	return s.store.DeletePrefix(ctx, fmt.Sprintf("images/%d/", id))
}

// DeleteVideo soft-deletes a video and removes its files; a video a
// course plays is refused (see retire).
func (s *service) DeleteVideo(ctx context.Context, p *authz.Principal, id int64) error {
	if _, err := s.video(ctx, s.db.R, p, id); err != nil {
		return err
	}
	if err := retire[videoRow](s, ctx, id, VideoRef(id)); err != nil {
		return err
	}
	return s.store.DeletePrefix(ctx, fmt.Sprintf("videos/%d/", id))
}

// retire asks the catalog to retire ref, which it refuses while a course
// uses it (learners would find a broken player or picture: the owner
// detaches it first, or deletes the course), then marks the row deleted.
// Once retired the catalog never attaches ref again, so nothing can attach
// the media between the catalog's check and this deletion. A failure after
// the retirement leaves the row live but unattachable; deleting again
// finishes the job.
func retire[T any](s *service, ctx context.Context, id int64, ref string) error {
	usedBy, err := s.gate.RetireMedia(ctx, ref)
	if err != nil {
		return err
	}
	if len(usedBy) > 0 {
		return apperr.New(apperr.Conflict, "media.in_use", "media.in_use").
			With(map[string]any{"Courses": strings.Join(usedBy, ", ")})
	}
	_, err = s.db.W.NewUpdate().Model((*T)(nil)).Set("deleted_at = ?", s.clock.Now()).Where("id = ?", id).
		Where("deleted_at IS NULL").Exec(ctx)
	return err
}

// discard removes a video that never became usable (or that a refused
// import made): files first, then the row (ids are never reused, so no
// later video can own these files).
func (s *service) discard(ctx context.Context, id int64) {
	discardRow[videoRow](s, ctx, fmt.Sprintf("videos/%d/", id), id)
}

// discardImage is discard for an image.
func (s *service) discardImage(ctx context.Context, id int64) {
	discardRow[imageRow](s, ctx, fmt.Sprintf("images/%d/", id), id)
}

func discardRow[T any](s *service, ctx context.Context, prefix string, id int64) {
	if err := s.store.DeletePrefix(ctx, prefix); err != nil {
		s.logger.WarnContext(ctx, "discarding media files", "prefix", prefix, "err", err)
	}
	if _, err := s.db.W.NewDelete().Model((*T)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		s.logger.WarnContext(ctx, "discarding a media row", "prefix", prefix, "err", err)
	}
}

// attachErr turns the catalog's "retired" answer into this module's 404:
// the media was deleted while being attached.
func attachErr(err, notFound error) error {
	if errors.Is(err, catalog.ErrMediaRetired) {
		return notFound
	}
	return err
}

func trim(s string, n int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), ""))
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// ---- videos ----------------------------------------------------------------

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
		Captions: captionsOut(r.Captions), Ref: VideoRef(r.ID), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, rr := range r.Renditions {
		v.Renditions = append(v.Renditions, rr.Name)
	}
	return v
}

// transcodeArgs is the job that turns an original into HLS renditions.
type transcodeArgs struct {
	VideoID int64 `json:"video_id"`
}

func (transcodeArgs) Kind() string { return "media.transcode" }

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
		return Video{}, apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid").Because(err)
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
	if _, err := s.db.W.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
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
	if err := s.store.Put(ctx, originalKey(row.ID), tmp, size, "application/octet-stream"); err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		id, err := s.jobs.Insert(ctx, &tx, transcodeArgs{VideoID: row.ID}, &river.InsertOpts{MaxAttempts: 3, Queue: TranscodeQueue})
		if err != nil {
			return err
		}
		row.JobID, row.Status, row.UpdatedAt = &id, "processing", s.clock.Now()
		res, err := tx.NewUpdate().Model(row).Column("status", "job_id", "updated_at").WherePK().
			Where("status = 'uploaded'").Where("deleted_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			// Deleted (or failed by the sweeper) while the original was
			// stored: the files go (see discard), and the job is not queued.
			return errVideoNotFound
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	done = true
	return row, nil
}

// video loads a video the caller owns (admins: any); others get 404.
func (s *service) video(ctx context.Context, idb bun.IDB, p *authz.Principal, id int64) (*videoRow, error) {
	return loadOwned(ctx, idb, p, id, func(r *videoRow) int64 { return r.OwnerID }, errVideoNotFound)
}

// ListVideos returns the caller's videos (admins: everyone's).
func (s *service) ListVideos(ctx context.Context, p *authz.Principal, limit, offset int) ([]Video, int, error) {
	rows, n, err := listOwned[videoRow](ctx, s.db.R, p, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Video, len(rows))
	for i := range rows {
		out[i] = videoOut(&rows[i])
	}
	return out, int(n), nil
}

// GetVideo returns one video.
func (s *service) GetVideo(ctx context.Context, p *authz.Principal, id int64) (Video, error) {
	r, err := s.video(ctx, s.db.R, p, id)
	if err != nil {
		return Video{}, err
	}
	return videoOut(r), nil
}

// UpdateVideo renames a video.
func (s *service) UpdateVideo(ctx context.Context, p *authz.Principal, id int64, title string) (Video, error) {
	var out Video
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.video(ctx, tx, p, id)
		if err != nil {
			return err
		}
		r.Title, r.UpdatedAt = trim(title, 200), s.clock.Now()
		if _, err := tx.NewUpdate().Model(r).Column("title", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		out = videoOut(r)
		return nil
	})
	return out, err
}

// Attach puts one of the caller's videos on a topic or as a course's intro.
// Both sides are checked: the video must be the caller's (or the caller an
// admin), and the catalog checks the caller may edit the course.
func (s *service) Attach(ctx context.Context, p *authz.Principal, id, topicID, introCourseID int64) error {
	r, err := s.video(ctx, s.db.R, p, id)
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

// ---- the transcoding job -----------------------------------------------------

type transcodeWorker struct {
	river.WorkerDefaults[transcodeArgs]
	s *service
}

func (w *transcodeWorker) Work(ctx context.Context, job *river.Job[transcodeArgs]) error {
	s := w.s
	var r videoRow
	if err := s.db.R.NewSelect().Model(&r).Where("v.id = ?", job.Args.VideoID).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return river.JobCancel(fmt.Errorf("video %d is gone", job.Args.VideoID))
		}
		return err
	}
	if r.DeletedAt != nil {
		// Deleted before it was processed: DeleteVideo removed its files,
		// unless an upload still being stored wrote them afterwards.
		return s.store.DeletePrefix(ctx, fmt.Sprintf("videos/%d/", r.ID))
	}
	err := s.transcode(ctx, &r)
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

func (s *service) fail(ctx context.Context, id int64, cause error) {
	s.logger.WarnContext(ctx, "video processing failed", "video_id", id, "err", cause)
	if _, err := s.failIf(ctx, id, "processing", cause.Error()); err != nil {
		s.logger.WarnContext(ctx, "recording a processing failure", "video_id", id, "err", err)
	}
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
			_, _ = s.db.W.NewUpdate().Model((*videoRow)(nil)).Set("progress = ?", pc).Where("id = ?", r.ID).Exec(ctx)
		}
	}
	if err := s.tools.TranscodeHLS(ctx, src, out, ladder, progress); err != nil {
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
	renditions := make(jsonList[storedRendition], 0, len(ladder))
	for _, l := range ladder {
		renditions = append(renditions, storedRendition{Name: l.Name, Height: l.Height, Bandwidth: (l.VideoKbps + l.AudioKbps) * 1000})
	}
	res, err := s.db.W.NewUpdate().Model((*videoRow)(nil)).Set("status = 'ready'").Set("progress = 100").
		Set("renditions = ?", renditions).Set("failure = ''").Set("updated_at = ?", s.clock.Now()).
		Where("id = ?", r.ID).Where("deleted_at IS NULL").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Deleted while it was being transcoded: remove what we just wrote.
		return s.store.DeletePrefix(ctx, fmt.Sprintf("videos/%d/", r.ID))
	}
	return nil
}

func (s *service) download(ctx context.Context, key, dst string) error {
	obj, err := s.store.Open(ctx, key)
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
	return s.store.Put(ctx, key, f, st.Size(), "")
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

// loadOwned loads one live row of a media table that the caller owns; admins
// may load any. A missing row and someone else's row both give notFound, so
// ids of other people's media are not revealed.
func loadOwned[T any](ctx context.Context, idb bun.IDB, p *authz.Principal, id int64, owner func(*T) int64, notFound error) (*T, error) {
	var r T
	err := idb.NewSelect().Model(&r).Where("?TableAlias.id = ?", id).Where("?TableAlias.deleted_at IS NULL").Scan(ctx)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound
		}
		return nil, err
	}
	if p == nil || (owner(&r) != p.UserID && !p.IsAdmin()) {
		return nil, notFound
	}
	return &r, nil
}

// listOwned pages through the live rows of a media table that the caller
// owns (admins: everyone's), newest first, with the total count.
func listOwned[T any](ctx context.Context, idb bun.IDB, p *authz.Principal, limit, offset int) ([]T, int, error) {
	q := idb.NewSelect().Model((*T)(nil)).Where("?TableAlias.deleted_at IS NULL")
	if !p.IsAdmin() {
		q = q.Where("?TableAlias.owner_id = ?", p.UserID)
	}
	var rows []T
	n, err := q.OrderExpr("?TableAlias.created_at DESC, ?TableAlias.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx, &rows)
	return rows, int(n), err
}
