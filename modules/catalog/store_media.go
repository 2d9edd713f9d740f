package catalog

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
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

// mediaUseRow is a use of a media reference (mediaUses), with uid's
// relations to its course.
type mediaUseRow struct {
	As              string `bun:"use_as"`
	Ref             string `bun:"ref"`
	CourseID        int64  `bun:"course_id"`
	CourseTitle     string `bun:"course_title"`
	LectureTitle    string `bun:"lecture_title"`
	LecturePosition int    `bun:"lecture_position"`
	TopicID         int64  `bun:"topic_id"`
	TopicTitle      string `bun:"topic_title"`
	TopicPosition   int    `bun:"topic_position"`
	rels
}

// mediaUsesOf returns every use of videos (topics playing them, intro
// videos) and images (pictures) by live courses, in one statement: the
// union of one indexed lookup per way of using them. Rows come in no
// particular order.
func (st store) mediaUsesOf(ctx context.Context, idb bun.IDB, videos, images []string, uid int64) ([]mediaUseRow, error) {
	var parts []*bun.SelectQuery
	if len(videos) > 0 {
		expr, err := st.d.JSONText("content", "video") // only topics have a content column
		if err != nil {
			return nil, err
		}
		parts = append(parts, idb.NewSelect().TableExpr("catalog_topics AS t").
			ColumnExpr("? AS use_as, ? AS ref", UseTopic, expr).
			ColumnExpr("c.id AS course_id, c.title AS course_title, l.title AS lecture_title, l.position AS lecture_position").
			ColumnExpr("t.id AS topic_id, t.title AS topic_title, t.position AS topic_position").
			ColumnExpr("c.author_id = ? AS is_owner, c.status = 'published' AS is_published", uid).
			Join("JOIN catalog_lectures AS l ON l.id = t.lecture_id AND l.deleted_at IS NULL").
			Join("JOIN catalog_courses AS c ON c.id = t.course_id AND c.deleted_at IS NULL").
			Where("t.deleted_at IS NULL").Where("t.kind = ?", kindVideo).Where("? IN (?)", expr, bun.In(videos)))
	}
	course := func(as, column string, refs []string) *bun.SelectQuery {
		return idb.NewSelect().TableExpr("catalog_courses AS c").
			ColumnExpr("? AS use_as, ? AS ref", as, bun.Ident("c."+column)).
			ColumnExpr("c.id AS course_id, c.title AS course_title, '' AS lecture_title, 0 AS lecture_position").
			ColumnExpr("0 AS topic_id, '' AS topic_title, 0 AS topic_position").
			ColumnExpr("c.author_id = ? AS is_owner, c.status = 'published' AS is_published", uid).
			Where("c.deleted_at IS NULL").Where("? IN (?)", bun.Ident("c."+column), bun.In(refs))
	}
	if len(videos) > 0 {
		parts = append(parts, course(UseIntroVideo, "intro_video", videos))
	}
	if len(images) > 0 {
		parts = append(parts, course(UseThumbnail, "thumbnail", images))
	}
	var out []mediaUseRow
	if len(parts) == 0 {
		return out, nil
	}
	q := parts[0]
	for _, p := range parts[1:] {
		q = q.UnionAll(p)
	}
	err := q.Scan(ctx, &out)
	return out, err
}

// editableCourses returns up to limit live courses in scope for editing
// (every one, or those uid authored), the most recently updated first.
func (st store) editableCourses(ctx context.Context, idb bun.IDB, sc authz.Scope, uid int64, limit int) ([]courseRow, error) {
	var out []courseRow
	q := withRels(idb.NewSelect().Model(&out), "c", uid).Where("c.deleted_at IS NULL")
	err := scope(q, "c", sc, uid).OrderExpr("c.updated_at DESC, c.id DESC").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// videoTopic is a live video topic of a live lecture, with its lecture's
// title and the reference it plays.
type videoTopic struct {
	ID           int64  `bun:"id"`
	CourseID     int64  `bun:"course_id"`
	LectureTitle string `bun:"lecture_title"`
	Title        string `bun:"title"`
	Kind         string `bun:"kind"`
	Video        string `bun:"video"`
}

// videoTopics returns the live video topics of the live lectures of
// courseIDs, in outline order; or, with topicID, that live topic of a live
// lecture (of any kind: the caller says what another kind means).
func (st store) videoTopics(ctx context.Context, idb bun.IDB, courseIDs []int64, topicID int64) ([]videoTopic, error) {
	expr, err := st.d.JSONText("content", "video") // only topics have a content column
	if err != nil {
		return nil, err
	}
	q := idb.NewSelect().TableExpr("catalog_topics AS t").
		ColumnExpr("t.id, t.course_id, l.title AS lecture_title, t.title, t.kind, COALESCE(?, '') AS video", expr).
		Join("JOIN catalog_lectures AS l ON l.id = t.lecture_id AND l.deleted_at IS NULL").
		Where("t.deleted_at IS NULL")
	if topicID != 0 {
		q = q.Where("t.id = ?", topicID)
	} else {
		q = q.Where("t.course_id IN (?)", bun.In(courseIDs)).Where("t.kind = ?", kindVideo)
	}
	var out []videoTopic
	err = q.OrderExpr("t.course_id, l.position, l.id, t.position, t.id").Scan(ctx, &out)
	return out, err
}
