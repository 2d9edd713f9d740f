package assessment

import (
	"context"
	"slices"
	"strings"

	"github.com/weaverse/weaverse/platform/rollup"
)

// The dashboards' numbers (Analytics, api.go), each from one aggregate
// query (store_analytics.go).
//
// Decisions:
//   - A submission is a quiz attempt (graded when stored: its day is
//     created_at) or a code submission graded (its day is graded_at); code
//     that no grader could run (status error) and submissions still queued
//     or running are not counted.
//   - The snapshot reads the standings: a learner counts as having
//     attempted a mission once one attempt or submission of theirs has a
//     result (one still being graded does not count yet), as having passed
//     once any passed; best_sum sums their best scores (0–100 each).
//   - Missions and courses deleted since, and deleted users, stay counted:
//     the dashboard shows only what it knows.

// Daily implements rollup.Source.
func (s *service) Daily(ctx context.Context, w rollup.Window) ([]rollup.Point, error) {
	quizzes, err := s.st.dailyAttempts(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	code, err := s.st.dailySubmissions(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	type key struct {
		day    string
		course int64
	}
	sums := map[key]gradedCount{}
	for _, r := range append(quizzes, code...) {
		k := key{r.Day, r.CourseID}
		c := sums[k]
		c.Graded += r.Graded
		c.Passed += r.Passed
		sums[k] = c
	}
	var out []rollup.Point
	for k, c := range sums {
		if c.Graded > 0 {
			out = append(out, rollup.Point{Metric: "assessment.submissions", Day: k.day, Course: k.course, Value: c.Graded})
		}
		if c.Passed > 0 {
			out = append(out, rollup.Point{Metric: "assessment.passes", Day: k.day, Course: k.course, Value: c.Passed})
		}
	}
	sortPoints(out)
	return out, nil
}

// Snapshot implements rollup.Source.
func (s *service) Snapshot(ctx context.Context) ([]rollup.Point, error) {
	rows, err := s.st.missionStandings(ctx, s.db.R)
	if err != nil {
		return nil, err
	}
	var out []rollup.Point
	for _, r := range rows {
		out = append(out, rollup.Point{Metric: "assessment.attempted", Course: r.CourseID, Item: r.TopicID, Value: r.Attempted},
			rollup.Point{Metric: "assessment.passed", Course: r.CourseID, Item: r.TopicID, Value: r.Passed},
			rollup.Point{Metric: "assessment.best_sum", Course: r.CourseID, Item: r.TopicID, Value: r.BestSum})
	}
	sortPoints(out)
	return out, nil
}

// sortPoints orders points by metric, day, course and item.
func sortPoints(ps []rollup.Point) {
	slices.SortFunc(ps, func(a, b rollup.Point) int {
		if c := strings.Compare(a.Metric, b.Metric); c != 0 {
			return c
		}
		if c := strings.Compare(a.Day, b.Day); c != 0 {
			return c
		}
		if a.Course != b.Course {
			return cmp64(a.Course, b.Course)
		}
		return cmp64(a.Item, b.Item)
	})
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
