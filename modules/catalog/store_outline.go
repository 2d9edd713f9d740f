package catalog

import (
	"context"

	"github.com/uptrace/bun"
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

// topicRefs returns the live topics of live courses, of courseIDs, playing
// the video ref, or the topic topicID, in outline order.
func (st store) topicRefs(ctx context.Context, idb bun.IDB, courseIDs []int64, ref string, topicID int64) ([]TopicRef, error) {
	video, err := st.d.JSONText("content", "video") // only topics have a content column
	if err != nil {
		return nil, err
	}
	q := idb.NewSelect().TableExpr("catalog_topics AS t").
		ColumnExpr("t.id, t.course_id, t.lecture_id, t.title, t.kind, t.is_premium, t.mission, t.duration").
		ColumnExpr("COALESCE(?, '') AS video", video).
		Join("JOIN catalog_lectures AS l ON l.id = t.lecture_id AND l.deleted_at IS NULL").
		Join("JOIN catalog_courses AS c ON c.id = t.course_id AND c.deleted_at IS NULL").
		Where("t.deleted_at IS NULL")
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
