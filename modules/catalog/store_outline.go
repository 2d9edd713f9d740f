package catalog

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

// liveOutline returns a course's live lectures and topics in outline order.
func (st store) liveOutline(ctx context.Context, idb bun.IDB, courseID int64) ([]lectureRow, []topicRow, error) {
	var lectures []lectureRow
	if err := idb.NewSelect().Model(&lectures).Where("l.course_id = ?", courseID).Where("l.deleted_at IS NULL").
		OrderExpr("l.position, l.id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	var topics []topicRow
	err := idb.NewSelect().Model(&topics).Where("t.course_id = ?", courseID).Where("t.deleted_at IS NULL").
		OrderExpr("t.lecture_id, t.position, t.id").Scan(ctx)
	return lectures, topics, err
}

// allOutline returns every lecture and topic a course ever had, deleted
// ones too (an outline save restores them by slug), oldest first.
func (st store) allOutline(ctx context.Context, idb bun.IDB, courseID int64) ([]lectureRow, []topicRow, error) {
	var lectures []lectureRow
	if err := idb.NewSelect().Model(&lectures).Where("l.course_id = ?", courseID).OrderExpr("l.id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	var topics []topicRow
	err := idb.NewSelect().Model(&topics).Where("t.course_id = ?", courseID).OrderExpr("t.id").Scan(ctx)
	return lectures, topics, err
}

// questions returns the live questions of topics and their live choices
// (by question), in order: two queries whatever their number.
func (st store) questions(ctx context.Context, idb bun.IDB, topicIDs []int64) ([]questionRow, map[int64][]choiceRow, error) {
	choices := map[int64][]choiceRow{}
	if len(topicIDs) == 0 {
		return nil, choices, nil
	}
	var qs []questionRow
	if err := idb.NewSelect().Model(&qs).Where("q.topic_id IN (?)", bun.In(topicIDs)).Where("q.deleted_at IS NULL").
		OrderExpr("q.topic_id, q.position, q.id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	if len(qs) == 0 {
		return qs, choices, nil
	}
	qids := make([]int64, len(qs))
	for i, q := range qs {
		qids[i] = q.ID
	}
	var cs []choiceRow
	if err := idb.NewSelect().Model(&cs).Where("ch.question_id IN (?)", bun.In(qids)).Where("ch.deleted_at IS NULL").
		OrderExpr("ch.question_id, ch.position, ch.id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	for _, c := range cs {
		choices[c.QuestionID] = append(choices[c.QuestionID], c)
	}
	return qs, choices, nil
}

// topic loads a live topic.
func (st store) topic(ctx context.Context, idb bun.IDB, id int64) (*topicRow, error) {
	var t topicRow
	if err := idb.NewSelect().Model(&t).Where("t.id = ?", id).Where("t.deleted_at IS NULL").Scan(ctx); err != nil {
		return nil, notFound(err, errTopicNotFound)
	}
	return &t, nil
}

// keyedTopic loads a live topic of a kind in a live course: the topics
// whose answer keys a grader may read.
func (st store) keyedTopic(ctx context.Context, idb bun.IDB, id int64, kind string) (*topicRow, error) {
	var t topicRow
	if err := idb.NewSelect().Model(&t).Join("JOIN catalog_courses AS c ON c.id = t.course_id AND c.deleted_at IS NULL").
		Where("t.id = ?", id).Where("t.kind = ?", kind).Where("t.deleted_at IS NULL").Scan(ctx); err != nil {
		return nil, notFound(err, errTopicNotFound)
	}
	return &t, nil
}

// liveTopics selects the live topics of live lectures of live courses as
// TopicRefs (video is the expression of a video topic's reference).
func liveTopics(idb bun.IDB, video bun.Safe) *bun.SelectQuery {
	return idb.NewSelect().TableExpr("catalog_topics AS t").
		ColumnExpr("t.id, t.course_id, t.lecture_id, t.title, t.kind, t.is_premium, t.mission, t.duration").
		ColumnExpr("COALESCE(?, '') AS video", video).
		Join("JOIN catalog_lectures AS l ON l.id = t.lecture_id AND l.deleted_at IS NULL").
		Join("JOIN catalog_courses AS c ON c.id = t.course_id AND c.deleted_at IS NULL").
		Where("t.deleted_at IS NULL")
}

// topicRefs returns the live topics of live courses, of courseIDs, playing
// the video ref, or the topic topicID, in outline order.
func (st store) topicRefs(ctx context.Context, idb bun.IDB, courseIDs []int64, ref string, topicID int64) ([]TopicRef, error) {
	video, err := st.d.JSONText("content", "video") // only topics have a content column
	if err != nil {
		return nil, err
	}
	q := liveTopics(idb, video)
	if courseIDs != nil {
		q = q.Where("t.course_id IN (?)", bun.In(courseIDs))
	}
	if ref != "" {
		q = q.Where("? = ?", video, ref)
	}
	if topicID != 0 {
		q = q.Where("t.id = ?", topicID)
	}
	var out []TopicRef
	err = q.OrderExpr("t.course_id, l.position, l.id, t.position, t.id").Scan(ctx, &out)
	return out, err
}

// authoredCourseIDs returns the ids of an author's live courses.
func (st store) authoredCourseIDs(ctx context.Context, idb bun.IDB, authorID int64) ([]int64, error) {
	var ids []int64
	err := idb.NewSelect().Model((*courseRow)(nil)).Column("c.id").Where("c.author_id = ?", authorID).
		Where("c.deleted_at IS NULL").OrderExpr("c.id").Scan(ctx, &ids)
	return ids, err
}

// textTopic is a live topic with its stored content and when it was last
// written, for Texts.
type textTopic struct {
	TopicRef
	Content   db.JSON[json.RawMessage] `bun:"content"`
	Version   int64                    `bun:"version"`
	UpdatedAt time.Time                `bun:"updated_at"`
}

// textTopics returns the live topics of the live courses among courseIDs in
// outline order, with their content (withContent) and the course's version.
func (st store) textTopics(ctx context.Context, idb bun.IDB, courseIDs []int64, withContent bool) ([]textTopic, error) {
	video, err := st.d.JSONText("content", "video")
	if err != nil {
		return nil, err
	}
	q := liveTopics(idb, video).ColumnExpr("c.version, t.updated_at").Where("t.course_id IN (?)", bun.In(courseIDs))
	if withContent {
		q = q.ColumnExpr("t.content")
	}
	var out []textTopic
	err = q.OrderExpr("t.course_id, l.position, l.id, t.position, t.id").Scan(ctx, &out)
	return out, err
}

// liveCourseVersions returns the version of the live courses among ids.
func (st store) liveCourseVersions(ctx context.Context, idb bun.IDB, ids []int64) (map[int64]int64, error) {
	var rows []struct {
		ID      int64 `bun:"id"`
		Version int64 `bun:"version"`
	}
	err := idb.NewSelect().TableExpr("catalog_courses AS c").ColumnExpr("c.id, c.version").
		Where("c.id IN (?)", bun.In(ids)).Where("c.deleted_at IS NULL").Scan(ctx, &rows)
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Version
	}
	return out, err
}
