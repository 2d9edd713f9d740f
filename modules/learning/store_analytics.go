package learning

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Aggregate reads of the dashboards (analytics.go): each is one GROUP BY
// query, time ranges filtered on the raw column so its index applies, days
// computed by db.DayOf. Indexes: migrations/20261212000100_learning_analytics_idx.

// dayCount is a count per day and course (and item).
type dayCount struct {
	Day      string `bun:"day"`
	CourseID int64  `bun:"course_id"`
	Item     int64  `bun:"item"`
	N        int64  `bun:"n"`
}

// dailyEnrollments counts, per day and course, the distinct users granted
// access (enrollment rows created) in [from, to).
func (st store) dailyEnrollments(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]dayCount, error) {
	day, err := st.d.DayOf("e.created_at", offset)
	if err != nil {
		return nil, err
	}
	var out []dayCount
	err = idb.NewSelect().Model((*enrollmentRow)(nil)).
		ColumnExpr("? AS day, e.course_id, COUNT(DISTINCT e.user_id) AS n", day).
		Where("e.created_at >= ? AND e.created_at < ?", from, to).
		GroupExpr("?, e.course_id", day).Scan(ctx, &out)
	return out, err
}

// dailyCourseCompletions counts, per day and course, the courses completed
// in [from, to).
func (st store) dailyCourseCompletions(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]dayCount, error) {
	day, err := st.d.DayOf("cp.completed_at", offset)
	if err != nil {
		return nil, err
	}
	var out []dayCount
	err = idb.NewSelect().Model((*courseProgressRow)(nil)).
		ColumnExpr("? AS day, cp.course_id, COUNT(*) AS n", day).
		Where("cp.completed_at >= ? AND cp.completed_at < ?", from, to).
		GroupExpr("?, cp.course_id", day).Scan(ctx, &out)
	return out, err
}

// dailyTopicCompletions counts, per day and course, the topics completed in
// [from, to).
func (st store) dailyTopicCompletions(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]dayCount, error) {
	day, err := st.d.DayOf("tc.completed_at", offset)
	if err != nil {
		return nil, err
	}
	var out []dayCount
	err = idb.NewSelect().Model((*topicCompletionRow)(nil)).
		ColumnExpr("? AS day, tc.course_id, COUNT(*) AS n", day).
		Where("tc.completed_at >= ? AND tc.completed_at < ?", from, to).
		GroupExpr("?, tc.course_id", day).Scan(ctx, &out)
	return out, err
}

// videoDay is the watching time counted in a video on a day (ms).
type videoDay struct {
	Day     string `bun:"day"`
	VideoID int64  `bun:"video_id"`
	MS      int64  `bun:"ms"`
}

// dailyVideoWatching sums the counted watching time per day and video of
// the events in [from, to).
func (st store) dailyVideoWatching(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]videoDay, error) {
	day, err := st.d.DayOf("we.occurred_at", offset)
	if err != nil {
		return nil, err
	}
	var out []videoDay
	err = idb.NewSelect().Model((*watchEventRow)(nil)).
		ColumnExpr("? AS day, we.video_id, SUM(we.counted_ms) AS ms", day).
		Where("we.occurred_at >= ? AND we.occurred_at < ?", from, to).
		Where("we.counted_ms > 0").
		GroupExpr("?, we.video_id", day).Scan(ctx, &out)
	return out, err
}

// dailyWatchers counts per day the distinct users whose events in [from,
// to) counted some watching time.
func (st store) dailyWatchers(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]dayCount, error) {
	day, err := st.d.DayOf("we.occurred_at", offset)
	if err != nil {
		return nil, err
	}
	var out []dayCount
	err = idb.NewSelect().Model((*watchEventRow)(nil)).
		ColumnExpr("? AS day, COUNT(DISTINCT we.user_id) AS n", day).
		Where("we.occurred_at >= ? AND we.occurred_at < ?", from, to).
		Where("we.counted_ms > 0").
		GroupExpr("?", day).Scan(ctx, &out)
	return out, err
}

// userDailyWatching sums one user's counted watching time (ms) per day of
// [from, to) (index (user_id, occurred_at)).
func (st store) userDailyWatching(ctx context.Context, idb bun.IDB, userID int64, from, to time.Time, offset int) ([]videoDay, error) {
	day, err := st.d.DayOf("we.occurred_at", offset)
	if err != nil {
		return nil, err
	}
	var out []videoDay
	err = idb.NewSelect().Model((*watchEventRow)(nil)).
		ColumnExpr("? AS day, SUM(we.counted_ms) AS ms", day).
		Where("we.user_id = ?", userID).
		Where("we.occurred_at >= ? AND we.occurred_at < ?", from, to).
		GroupExpr("?", day).Scan(ctx, &out)
	return out, err
}

// startedCourseIDs returns the courses anyone opened (where watching is
// attributed: playing a video touches the course of each topic playing it).
func (st store) startedCourseIDs(ctx context.Context, idb bun.IDB) ([]int64, error) {
	var out []int64
	err := idb.NewSelect().Model((*courseProgressRow)(nil)).ColumnExpr("DISTINCT cp.course_id").
		OrderExpr("cp.course_id").Scan(ctx, &out)
	return out, err
}

// enrolledPerCourse counts per course the distinct users ever granted
// access, and those with a grant live at now.
type enrolledCount struct {
	CourseID int64 `bun:"course_id"`
	Ever     int64 `bun:"ever"`
	Live     int64 `bun:"live"`
}

func (st store) enrolledPerCourse(ctx context.Context, idb bun.IDB, now time.Time) ([]enrolledCount, error) {
	var out []enrolledCount
	err := idb.NewSelect().Model((*enrollmentRow)(nil)).
		ColumnExpr("e.course_id, COUNT(DISTINCT e.user_id) AS ever").
		ColumnExpr("COUNT(DISTINCT CASE WHEN e.revoked_at IS NULL AND e.starts_at <= ? AND (e.expires_at IS NULL OR e.expires_at > ?) THEN e.user_id END) AS live", now, now).
		GroupExpr("e.course_id").Scan(ctx, &out)
	return out, err
}

// progressCount counts per course the learners who opened it and those who
// completed it.
type progressCount struct {
	CourseID  int64 `bun:"course_id"`
	Started   int64 `bun:"started"`
	Completed int64 `bun:"completed"`
}

func (st store) progressPerCourse(ctx context.Context, idb bun.IDB) ([]progressCount, error) {
	var out []progressCount
	err := idb.NewSelect().Model((*courseProgressRow)(nil)).
		ColumnExpr("cp.course_id, COUNT(*) AS started").
		ColumnExpr("COUNT(cp.completed_at) AS completed").
		GroupExpr("cp.course_id").Scan(ctx, &out)
	return out, err
}

// topicCompletionsPerTopic counts per course and topic the learners who
// completed it.
func (st store) topicCompletionsPerTopic(ctx context.Context, idb bun.IDB) ([]dayCount, error) {
	var out []dayCount
	err := idb.NewSelect().Model((*topicCompletionRow)(nil)).
		ColumnExpr("tc.course_id, tc.topic_id AS item, COUNT(*) AS n").
		GroupExpr("tc.course_id, tc.topic_id").Scan(ctx, &out)
	return out, err
}

// stoppedPerTopic counts per course and last opened topic the learners of
// an unfinished course with no activity in it since before.
func (st store) stoppedPerTopic(ctx context.Context, idb bun.IDB, before time.Time) ([]dayCount, error) {
	var out []dayCount
	err := idb.NewSelect().Model((*courseProgressRow)(nil)).
		ColumnExpr("cp.course_id, cp.last_topic_id AS item, COUNT(*) AS n").
		Where("cp.completed_at IS NULL AND cp.last_topic_id IS NOT NULL").
		Where("cp.last_activity_at < ?", before).
		GroupExpr("cp.course_id, cp.last_topic_id").Scan(ctx, &out)
	return out, err
}

// videoCount is the progress of a video's learners.
type videoCount struct {
	VideoID   int64 `bun:"video_id"`
	Viewers   int64 `bun:"viewers"`
	MS        int64 `bun:"ms"`
	Completed int64 `bun:"completed"`
}

// videoProgressPerVideo counts per video (of ids) the learners who
// watched some of it, their watching time (ms) and those who completed it.
func (st store) videoProgressPerVideo(ctx context.Context, idb bun.IDB, ids []int64) ([]videoCount, error) {
	var out []videoCount
	if len(ids) == 0 {
		return out, nil
	}
	err := idb.NewSelect().Model((*videoProgressRow)(nil)).
		ColumnExpr("vp.video_id, COUNT(*) AS viewers, SUM(vp.learning_ms) AS ms, COUNT(vp.completed_at) AS completed").
		Where("vp.video_id IN (?)", bun.In(ids)).
		Where("vp.watched_ms > 0 OR vp.learning_ms > 0").
		GroupExpr("vp.video_id").Scan(ctx, &out)
	return out, err
}

// learnerKey is one learner of one course.
type learnerKey struct{ user, course int64 }

// learnerEnrollment is a learner's grants to a course, folded.
type learnerEnrollment struct {
	UserID    int64     `bun:"user_id"`
	CourseID  int64     `bun:"course_id"`
	Live      int64     `bun:"live"`
	GrantedAt time.Time `bun:"granted_at"`
}

// courseLearners returns one row per learner granted access to one of
// courseIDs: whether a grant is live at now, and the latest grant.
// With userIDs, only theirs; with limit > 0, the latest granted first, at
// most limit.
func (st store) courseLearners(ctx context.Context, idb bun.IDB, courseIDs []int64, now time.Time, userIDs []int64, limit int) ([]learnerEnrollment, error) {
	var out []learnerEnrollment
	q := idb.NewSelect().Model((*enrollmentRow)(nil)).
		ColumnExpr("e.user_id, e.course_id, MAX(e.created_at) AS granted_at").
		ColumnExpr("SUM(CASE WHEN e.revoked_at IS NULL AND e.starts_at <= ? AND (e.expires_at IS NULL OR e.expires_at > ?) THEN 1 ELSE 0 END) AS live", now, now).
		Where("e.course_id IN (?)", bun.In(courseIDs)).
		GroupExpr("e.user_id, e.course_id")
	if userIDs != nil {
		q = q.Where("e.user_id IN (?)", bun.In(nonEmptyIDs(userIDs)))
	}
	if limit > 0 {
		q = q.OrderExpr("MAX(e.created_at) DESC, e.user_id, e.course_id").Limit(int64(limit))
	}
	err := q.Scan(ctx, &out)
	return out, err
}

// nonEmptyIDs keeps IN () valid SQL for an empty list (no id is 0).
func nonEmptyIDs(ids []int64) []int64 {
	if len(ids) == 0 {
		return []int64{0}
	}
	return ids
}

// recentProgress returns the progress rows of courseIDs, the most recently
// active first, at most limit (index (course_id, last_activity_at)).
func (st store) recentProgress(ctx context.Context, idb bun.IDB, courseIDs []int64, limit int) ([]courseProgressRow, error) {
	var out []courseProgressRow
	err := idb.NewSelect().Model(&out).Where("cp.course_id IN (?)", bun.In(courseIDs)).
		OrderExpr("cp.last_activity_at DESC, cp.user_id, cp.course_id").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// learnerCount is a count for one learner in one course.
type learnerCount struct {
	UserID   int64 `bun:"user_id"`
	CourseID int64 `bun:"course_id"`
	N        int64 `bun:"n"`
}

// learnerTopics counts per learner and course the completed topics among
// topicIDs, for users (the primary key (user_id, topic_id)).
func (st store) learnerTopics(ctx context.Context, idb bun.IDB, userIDs, topicIDs []int64) ([]learnerCount, error) {
	var out []learnerCount
	if len(userIDs) == 0 || len(topicIDs) == 0 {
		return out, nil
	}
	err := idb.NewSelect().Model((*topicCompletionRow)(nil)).
		ColumnExpr("tc.user_id, tc.course_id, COUNT(*) AS n").
		// The topics are the courses' own, so no course filter: the
		// primary key (user_id, topic_id) answers, where a filter on the
		// course would lead SQLite to the courses' index and every
		// completion of the courses.
		Where("tc.user_id IN (?)", bun.In(userIDs)).
		Where("tc.topic_id IN (?)", bun.In(topicIDs)).
		GroupExpr("tc.user_id, tc.course_id").Scan(ctx, &out)
	return out, err
}

// userVideo is a learner's watching time in a video (ms).
type userVideo struct {
	UserID  int64 `bun:"user_id"`
	VideoID int64 `bun:"video_id"`
	MS      int64 `bun:"learning_ms"`
}

// usersVideoTime returns the watching time of users in videos.
func (st store) usersVideoTime(ctx context.Context, idb bun.IDB, userIDs, videoIDs []int64) ([]userVideo, error) {
	var out []userVideo
	if len(userIDs) == 0 || len(videoIDs) == 0 {
		return out, nil
	}
	err := idb.NewSelect().Model((*videoProgressRow)(nil)).ColumnExpr("vp.user_id, vp.video_id, vp.learning_ms").
		Where("vp.user_id IN (?) AND vp.video_id IN (?)", bun.In(userIDs), bun.In(videoIDs)).Scan(ctx, &out)
	return out, err
}
