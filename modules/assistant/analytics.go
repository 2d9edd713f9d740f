package assistant

import (
	"context"
	"slices"
	"strings"

	"github.com/weaverse/weaverse/platform/rollup"
)

// The dashboards' numbers (Analytics, api.go), from aggregate queries
// (store_analytics.go).
//
// Decisions:
//   - A question is a learner's message (role user), stored when asked (a
//     question the quota refuses is not), whatever became of its answer, on
//     the day it was asked. Its course is always known: a conversation is
//     about one topic of one course (course_id is stored with it), so no
//     question falls to course 0.
//   - assistant.tokens are the prompt and completion tokens the model
//     reported for the answers of that day (an answer's row carries the
//     question's day), failed answers included: what the model cost.
//   - Deleted users and courses stay counted.

// Daily implements rollup.Source.
func (s *service) Daily(ctx context.Context, w rollup.Window) ([]rollup.Point, error) {
	qs, err := s.st.dailyQuestions(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	var out []rollup.Point
	for _, r := range qs {
		if r.N > 0 {
			out = append(out, rollup.Point{Metric: "assistant.questions", Day: r.Day, Course: r.CourseID, Value: r.N})
		}
	}
	usage, err := s.st.dailyUsage(ctx, s.db.R, w.From, w.To, w.Offset)
	if err != nil {
		return nil, err
	}
	for _, u := range usage {
		if u.Askers > 0 {
			out = append(out, rollup.Point{Metric: "assistant.askers", Day: u.Day, Value: u.Askers})
		}
		if u.Tokens > 0 {
			out = append(out, rollup.Point{Metric: "assistant.tokens", Day: u.Day, Value: u.Tokens})
		}
	}
	slices.SortFunc(out, func(a, b rollup.Point) int {
		if c := strings.Compare(a.Metric, b.Metric); c != 0 {
			return c
		}
		if c := strings.Compare(a.Day, b.Day); c != 0 {
			return c
		}
		switch {
		case a.Course < b.Course:
			return -1
		case a.Course > b.Course:
			return 1
		}
		return 0
	})
	return out, nil
}

// Snapshot implements rollup.Source.
func (s *service) Snapshot(ctx context.Context) ([]rollup.Point, error) {
	n, err := s.st.conversationCount(ctx, s.db.R)
	if err != nil {
		return nil, err
	}
	return []rollup.Point{{Metric: "assistant.conversations", Value: n}}, nil
}
