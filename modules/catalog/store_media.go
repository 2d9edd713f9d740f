package catalog

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// courseMedia returns uid's relations to the live courses whose column
// (intro_video, thumbnail) is ref.
func (st store) courseMedia(ctx context.Context, idb bun.IDB, column, ref string, uid int64) ([]rels, error) {
	var out []rels
	err := idb.NewSelect().Model((*courseRow)(nil)).
		ColumnExpr("c.author_id = ? AS is_owner, c.status = 'published' AS is_published", uid).
		Where("? = ?", bun.Ident("c."+column), ref).Where("c.deleted_at IS NULL").Scan(ctx, &out)
	return out, err
}

// topicVideo is a live topic playing a video, with uid's relations to its
// live course.
type topicVideo struct {
	TopicID  int64  `bun:"topic_id"`
	Title    string `bun:"title"`
	CourseID int64  `bun:"course_id"`
	Premium  bool   `bun:"is_premium"`
	rels
}

// topicVideos returns the live topics that play ref, in live courses; one
// topic when topicID is not 0.
func (st store) topicVideos(ctx context.Context, idb bun.IDB, ref string, topicID, uid int64) ([]topicVideo, error) {
	expr, err := st.d.JSONText("content", "video") // only topics have a content column
	if err != nil {
		return nil, err
	}
	q := idb.NewSelect().TableExpr("catalog_topics AS t").
		ColumnExpr("t.id AS topic_id, t.title, t.course_id, t.is_premium").
		ColumnExpr("c.author_id = ? AS is_owner, c.status = 'published' AS is_published", uid).
		Join("JOIN catalog_courses AS c ON c.id = t.course_id AND c.deleted_at IS NULL").
		Where("t.deleted_at IS NULL").Where("? = ?", expr, ref)
	if topicID != 0 {
		q = q.Where("t.id = ?", topicID).Where("t.kind = ?", kindVideo)
	}
	var out []topicVideo
	err = q.Scan(ctx, &out)
	return out, err
}

// mediaUses returns the titles of a few live courses that use ref: as their
// intro video or picture, or in a topic.
func (st store) mediaUses(ctx context.Context, idb bun.IDB, ref string) ([]string, error) {
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
	expr, err := st.d.JSONText("content", "video") // only topics have a content column
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

// lockMedia takes the lock that serialises retiring and attaching ref, for
// the rest of tx.
func (st store) lockMedia(ctx context.Context, tx bun.IDB, ref string) error {
	return st.d.LockKey(ctx, tx, "catalog.media:"+ref)
}

// retire records that ref was retired (again: no change).
func (st store) retire(ctx context.Context, idb bun.IDB, ref string, now time.Time) error {
	_, err := idb.NewInsert().Model(&retiredMediaRow{Ref: ref, RetiredAt: now}).On("CONFLICT (ref) DO NOTHING").Exec(ctx)
	return err
}

// retired reports whether ref was retired.
func (st store) retired(ctx context.Context, idb bun.IDB, ref string) (bool, error) {
	return idb.NewSelect().Model((*retiredMediaRow)(nil)).Where("ref = ?", ref).Exists(ctx)
}

// setCourseMedia sets a course's intro_video or thumbnail column.
func (st store) setCourseMedia(ctx context.Context, idb bun.IDB, courseID int64, column, ref string, now time.Time) error {
	_, err := idb.NewUpdate().Model((*courseRow)(nil)).Set("? = ?", bun.Ident(column), ref).Set("updated_at = ?", now).
		Set("version = version + 1").Where("id = ?", courseID).Exec(ctx)
	return err
}
