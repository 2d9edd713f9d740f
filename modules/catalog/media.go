package catalog

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

var _ MediaGate = (*service)(nil)

// VideoAccess implements MediaGate.
func (s *service) VideoAccess(ctx context.Context, p *authz.Principal, ref string) (bool, error) {
	// A published course's intro video is its public trailer.
	intro, err := s.db.R.NewSelect().Model((*courseRow)(nil)).Where("c.intro_video = ?", ref).
		Where("c.deleted_at IS NULL").Where("c.status = 'published'").Exists(ctx)
	if err != nil || intro {
		return intro, err
	}
	expr, err := s.db.JSONText("content", "video")
	if err != nil {
		return false, err
	}
	var uses []struct {
		CourseID int64 `bun:"course_id"`
		Premium  bool  `bun:"is_premium"`
		AuthorID int64 `bun:"author_id"`
		Status   string
	}
	if err := s.db.R.NewSelect().TableExpr("catalog_topics AS t").
		ColumnExpr("t.course_id, t.is_premium, c.author_id, c.status").
		Join("JOIN catalog_courses AS c ON c.id = t.course_id AND c.deleted_at IS NULL").
		Where("t.deleted_at IS NULL").Where("? = ?", expr, ref).Scan(ctx, &uses); err != nil { // only topics have a content column
		return false, err
	}
	var premium []int64
	for _, u := range uses {
		switch {
		case s.canEdit(p, "catalog.course", u.AuthorID):
			return true, nil
		case u.Status != "published":
		case !u.Premium:
			return true, nil
		default:
			premium = append(premium, u.CourseID)
		}
	}
	if len(premium) == 0 || p == nil {
		return false, nil
	}
	ent, err := s.ent.Get().EntitledCourses(ctx, p.UserID, premium)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(premium, func(id int64) bool { return ent[id] }), nil
}

// VideoTopic implements MediaGate.
func (s *service) VideoTopic(ctx context.Context, p *authz.Principal, topicID int64, ref string) (string, int64, error) {
	expr, err := s.db.JSONText("content", "video") // only topics have a content column
	if err != nil {
		return "", 0, err
	}
	var row struct {
		Title    string
		CourseID int64 `bun:"course_id"`
		AuthorID int64 `bun:"author_id"`
		Status   string
	}
	err = s.db.R.NewSelect().TableExpr("catalog_topics AS t").ColumnExpr("t.title, t.course_id, c.author_id, c.status").
		Join("JOIN catalog_courses AS c ON c.id = t.course_id AND c.deleted_at IS NULL").
		Where("t.id = ?", topicID).Where("t.deleted_at IS NULL").Where("t.kind = 'video'").Where("? = ?", expr, ref).
		Scan(ctx, &row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", 0, nil
	case err != nil:
		return "", 0, err
	case row.Status != "published" && !s.canEdit(p, "catalog.course", row.AuthorID):
		return "", 0, nil
	}
	return row.Title, row.CourseID, nil
}

// mediaUses returns the titles of a few live courses that use ref.
func (s *service) mediaUses(ctx context.Context, idb bun.IDB, ref string) ([]string, error) {
	const most = 5
	var titles []string
	if err := idb.NewSelect().Model((*courseRow)(nil)).Column("title").Where("c.deleted_at IS NULL").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("c.intro_video = ?", ref).WhereOr("c.thumbnail = ?", ref)
		}).OrderExpr("c.id").Limit(most).Scan(ctx, &titles); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(ref, mediaRefPrefix+"video:") {
		return titles, nil
	}
	expr, err := s.db.JSONText("content", "video") // only topics have a content column
	if err != nil {
		return nil, err
	}
	var more []string
	if err := idb.NewSelect().TableExpr("catalog_topics AS t").ColumnExpr("DISTINCT c.title, c.id").
		Join("JOIN catalog_courses AS c ON c.id = t.course_id AND c.deleted_at IS NULL").
		Where("t.deleted_at IS NULL").Where("? = ?", expr, ref).OrderExpr("c.id").Limit(most).
		Scan(ctx, &more, new([]int64)); err != nil {
		return nil, err
	}
	for _, t := range more {
		if !slices.Contains(titles, t) && len(titles) < most {
			titles = append(titles, t)
		}
	}
	return titles, nil
}

// mediaLockKey names the lock that serialises retiring and attaching ref.
func mediaLockKey(ref string) string { return "catalog.media:" + ref }

// RetireMedia implements MediaGate.
func (s *service) RetireMedia(ctx context.Context, ref string) (usedBy []string, err error) {
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.db.LockKey(ctx, tx, mediaLockKey(ref)); err != nil {
			return err
		}
		if usedBy, err = s.mediaUses(ctx, tx, ref); err != nil || len(usedBy) > 0 {
			return err
		}
		_, err := tx.NewInsert().Model(&retiredMediaRow{Ref: ref, RetiredAt: s.clock.Now()}).
			On("CONFLICT (ref) DO NOTHING").Exec(ctx)
		return err
	})
	return usedBy, err
}

// attachable takes ref's lock for the rest of tx and checks it was not retired.
func (s *service) attachable(ctx context.Context, tx bun.IDB, ref string) error {
	if ref == "" {
		return nil
	}
	if err := s.db.LockKey(ctx, tx, mediaLockKey(ref)); err != nil {
		return err
	}
	retired, err := tx.NewSelect().Model((*retiredMediaRow)(nil)).Where("ref = ?", ref).Exists(ctx)
	if err != nil {
		return err
	}
	if retired {
		return ErrMediaRetired
	}
	return nil
}

// ImageAccess implements MediaGate.
func (s *service) ImageAccess(ctx context.Context, p *authz.Principal, ref string) (bool, error) {
	var uses []struct {
		AuthorID int64 `bun:"author_id"`
		Status   string
	}
	if err := s.db.R.NewSelect().Model((*courseRow)(nil)).Column("author_id", "status").Where("c.thumbnail = ?", ref).
		Where("c.deleted_at IS NULL").Scan(ctx, &uses); err != nil {
		return false, err
	}
	for _, u := range uses {
		if u.Status == "published" || s.canEdit(p, "catalog.course", u.AuthorID) {
			return true, nil
		}
	}
	return false, nil
}

// SetTopicVideo implements MediaGate.
func (s *service) SetTopicVideo(ctx context.Context, p *authz.Principal, topicID int64, ref string, duration int) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.attachable(ctx, tx, ref); err != nil {
			return err
		}
		var t topicRow
		if err := tx.NewSelect().Model(&t).Where("t.id = ?", topicID).Where("t.deleted_at IS NULL").Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.NotFound, "catalog.topic_not_found", "catalog.topic_not_found")
			}
			return err
		}
		if _, err := s.editable(ctx, tx, p, t.CourseID, "update"); err != nil {
			return err
		}
		if t.Kind != "video" {
			return invalidAt("body.topic_id", "catalog.payload_mismatch", topicID)
		}
		t.Content.V.Video = ref
		if duration > 0 {
			t.Duration = duration
		}
		t.UpdatedAt = s.clock.Now()
		_, err := tx.NewUpdate().Model(&t).Column("content", "duration", "updated_at").WherePK().Exec(ctx)
		return err
	})
}

// SetCourseMedia implements MediaGate.
func (s *service) SetCourseMedia(ctx context.Context, p *authz.Principal, courseID int64, field, ref string) error {
	if field != "intro_video" && field != "thumbnail" {
		return invalidAt("body.field", "catalog.not_allowed:intro_video,thumbnail", field)
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.attachable(ctx, tx, ref); err != nil {
			return err
		}
		row, err := s.editable(ctx, tx, p, courseID, "update")
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(row).Set("? = ?", bun.Ident(field), ref).Set("updated_at = ?", s.clock.Now()).WherePK().Exec(ctx)
		return err
	})
}

// MediaGate returns the catalog's media gate.
func (m *Module) MediaGate() MediaGate { return m.svc }
