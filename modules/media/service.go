package media

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/provide"
	"github.com/weaverse/weaverse/platform/storage"
	"github.com/weaverse/weaverse/platform/video"
)

// Limits bound uploads.
type Limits struct {
	ImageBytes  int64
	VideoBytes  int64
	VideoLength time.Duration
	URLTTL      time.Duration // validity of signed playback URLs
	// ImageDecodeBytes is the memory all image decodes may use at once;
	// 0: half of the memory the process may use (platform/sysmem).
	ImageDecodeBytes int64
	// ImageQueueWait bounds how long an image upload waits for decoding
	// before 503 media.busy; 0: 30 s.
	ImageQueueWait time.Duration
}

// service holds the use cases of images (images.go), videos (videos.go,
// transcode.go, captions.go, playback.go), bundle imports (bundle.go),
// resumable uploads (tusoutcome.go) and the sweeper (sweep.go).
type service struct {
	db     *db.DB
	st     store
	authz  *authz.Enforcer
	clock  clock.Clock
	files  storage.Store
	signer *storage.Signer
	jobs   *jobs.Runner
	gate   catalog.MediaGate
	// resume is where viewers left off (late-bound: Module.Needs).
	resume  provide.Slot[ResumePositions]
	tools   video.Tools
	hasFF   bool
	limits  Limits
	tempDir string
	logger  *slog.Logger
	// decoding admits image decodes (see decodeGate).
	decoding *decodeGate
	// pruneUploads removes abandoned resumable uploads (set with the tus
	// routes; the sweeper calls it).
	pruneUploads func()
}

var (
	errImageNotFound = apperr.New(apperr.NotFound, "media.image_not_found", "media.image_not_found")
	errVideoNotFound = apperr.New(apperr.NotFound, "media.video_not_found", "media.video_not_found")
	errNoTranscoding = apperr.New(apperr.Unavailable, "media.transcoding_unavailable", "media.transcoding_unavailable")
)

// scope is the rows of obj ("media.image", "media.video") p may act on, by
// the same rules as a check of one row: every row (admins), p's own, or
// none (false).
func (s *service) scope(p *authz.Principal, obj, act string) (ownerScope, bool) {
	sc := s.authz.Scope(p, obj, act, authz.Owner)
	switch {
	case sc.All:
		return ownerScope{all: true}, true
	case sc.Has(authz.Owner):
		return ownerScope{owner: userID(p)}, true
	}
	return ownerScope{}, false
}

// owned loads the live row id of T's table (imageRow, videoRow) that p may
// do act on as obj ("media.image", "media.video"); a missing row and one p
// may not act on are both notFound, so ids of other people's media are not
// revealed.
func owned[T any](ctx context.Context, s *service, idb bun.IDB, p *authz.Principal, obj, act string, id int64, notFound error) (*T, error) {
	sc, ok := s.scope(p, obj, act)
	if !ok {
		return nil, notFound
	}
	var r T
	if err := s.st.live(ctx, idb, &r, id, sc, notFound); err != nil {
		return nil, err
	}
	return &r, nil
}

// listOwned pages through the live rows of T's table that p may read as
// obj, newest first, each made an O by out, with their total count.
func listOwned[T, O any](ctx context.Context, s *service, p *authz.Principal, obj string, limit, offset int, out func(*T) O) ([]O, int, error) {
	sc, ok := s.scope(p, obj, "read")
	if !ok {
		return []O{}, 0, nil
	}
	var rows []T
	n, err := s.st.livePage(ctx, s.db.R, &rows, sc, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	items := make([]O, len(rows))
	for i := range rows {
		items[i] = out(&rows[i])
	}
	return items, n, nil
}

// userID is p's user id, 0 (no user) when anonymous.
func userID(p *authz.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

// retire asks the catalog to retire ref, which it refuses while a course
// uses it (learners would find a broken player or picture: the owner
// detaches it first, or deletes the course), then marks the row of model's
// table deleted. Once retired the catalog never attaches ref again, so
// nothing can attach the media between the catalog's check and this
// deletion. A failure after the retirement leaves the row live but
// unattachable; deleting again finishes the job.
func (s *service) retire(ctx context.Context, model any, id int64, ref string) error {
	usedBy, err := s.gate.RetireMedia(ctx, ref)
	if err != nil {
		return err
	}
	if len(usedBy) > 0 {
		return apperr.New(apperr.Conflict, "media.in_use", "media.in_use").
			With(map[string]any{"Courses": strings.Join(usedBy, ", ")})
	}
	return s.st.markDeleted(ctx, s.db.W, model, id, s.clock.Now())
}

// discardRow removes media that never became usable (or that a refused
// import made): files first, then the row of model's table (ids are never
// reused, so no later media can own these files).
func (s *service) discardRow(ctx context.Context, model any, prefix string, id int64) {
	if err := s.files.DeletePrefix(ctx, prefix); err != nil {
		s.logger.WarnContext(ctx, "discarding media files", "prefix", prefix, "err", err)
	}
	if err := s.st.remove(ctx, s.db.W, model, id); err != nil {
		s.logger.WarnContext(ctx, "discarding a media row", "prefix", prefix, "err", err)
	}
}

// deleteMedia retires a media row (see retire) and removes its files.
// Once the row is gone the files go even if the client (or the request's
// deadline) gives up, or they would stay orphaned: a long lecture's
// renditions on S3 are many objects.
func (s *service) deleteMedia(ctx context.Context, model any, id int64, ref, prefix string) error {
	if err := s.retire(ctx, model, id, ref); err != nil {
		return err
	}
	return s.files.DeletePrefix(context.WithoutCancel(ctx), prefix)
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
