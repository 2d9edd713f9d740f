package assessment

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Aggregate reads of the dashboards (analytics.go): one GROUP BY query
// each, time ranges filtered on the raw column so its index applies
// (migrations/20261212000200_assessment_analytics_idx).

// gradedCount is what was graded on a day in a course.
type gradedCount struct {
	Day      string `bun:"day"`
	CourseID int64  `bun:"course_id"`
	Graded   int64  `bun:"graded"`
	Passed   int64  `bun:"passed"`
}

// dailyAttempts counts per day and course the quiz attempts (graded when
// stored) in [from, to), and those that passed.
func (st store) dailyAttempts(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]gradedCount, error) {
	day, err := st.d.DayOf("qa.created_at", offset)
	if err != nil {
		return nil, err
	}
	var out []gradedCount
	err = idb.NewSelect().Model((*attemptRow)(nil)).
		ColumnExpr("? AS day, qa.course_id, COUNT(*) AS graded", day).
		ColumnExpr("SUM(CASE WHEN qa.passed THEN 1 ELSE 0 END) AS passed").
		Where("qa.created_at >= ? AND qa.created_at < ?", from, to).
		GroupExpr("?, qa.course_id", day).Scan(ctx, &out)
	return out, err
}

// dailySubmissions counts per day and course the code submissions graded
// in [from, to) (status graded: not those no grader could run), and those
// that passed.
func (st store) dailySubmissions(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]gradedCount, error) {
	day, err := st.d.DayOf("sb.graded_at", offset)
	if err != nil {
		return nil, err
	}
	var out []gradedCount
	err = idb.NewSelect().Model((*submissionRow)(nil)).
		ColumnExpr("? AS day, sb.course_id, COUNT(*) AS graded", day).
		ColumnExpr("SUM(CASE WHEN sb.passed THEN 1 ELSE 0 END) AS passed").
		Where("sb.graded_at >= ? AND sb.graded_at < ?", from, to).
		Where("sb.status = ?", statusGraded).
		GroupExpr("?, sb.course_id", day).Scan(ctx, &out)
	return out, err
}

// missionCount is the standings of a mission's learners.
type missionCount struct {
	CourseID  int64 `bun:"course_id"`
	TopicID   int64 `bun:"topic_id"`
	Attempted int64 `bun:"attempted"`
	Passed    int64 `bun:"passed"`
	BestSum   int64 `bun:"best_sum"`
}

// missionStandings counts per course and mission topic the learners with a
// graded attempt or submission, those who passed, and the sum of their best
// scores (a standing is one learner's in one topic).
func (st store) missionStandings(ctx context.Context, idb bun.IDB) ([]missionCount, error) {
	var out []missionCount
	err := idb.NewSelect().Model((*standingRow)(nil)).
		ColumnExpr("st.course_id, st.topic_id, COUNT(*) AS attempted").
		ColumnExpr("COUNT(st.passed_at) AS passed, SUM(st.best_score) AS best_sum").
		Where("st.attempts > 0").
		GroupExpr("st.course_id, st.topic_id").Scan(ctx, &out)
	return out, err
}
