package assessment

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/learning"
)

// record counts a graded attempt or submission (and pending, +1 when a
// submission is queued, -1 when it is graded) in the user's standing in a
// topic, in tx. It reports whether this was the first pass, and then
// publishes TopicPassed in tx.
func (s *service) record(ctx context.Context, tx bun.Tx, userID int64, t catalog.TopicRef, score int, passed bool,
	pending int, now time.Time) (bool, error) {
	row, err := s.st.lockStanding(ctx, tx, &standingRow{UserID: userID, TopicID: t.ID, CourseID: t.CourseID, Kind: t.Kind, UpdatedAt: now})
	if err != nil {
		return false, err
	}
	row.Pending = max(0, row.Pending+pending)
	if pending <= 0 { // a result
		row.Attempts++
		row.LastScore = score
		row.BestScore = max(row.BestScore, score)
	}
	first := passed && row.PassedAt == nil
	if first {
		row.PassedAt = &now
	}
	row.UpdatedAt = now
	if err := s.st.updateStanding(ctx, tx, row); err != nil {
		return false, err
	}
	if first {
		err = s.bus.Publish(ctx, tx, TopicPassed{UserID: userID, CourseID: t.CourseID, TopicID: t.ID, Kind: t.Kind,
			Mission: t.Mission, Score: score, PassedAt: now})
	}
	return first, err
}

// completeTopic ticks a passed topic completed in learning. Every pass asks
// again (it changes nothing once done), so a failure here is mended by the
// learner's next pass; it is logged, and the attempt stands.
func (s *service) completeTopic(ctx context.Context, userID, topicID int64, first bool) {
	if err := s.completions.CompleteTopic(context.WithoutCancel(ctx), userID, topicID); err != nil {
		s.logger.Error("assessment: completing a passed topic", "err", err, "user_id", userID, "topic_id", topicID, "first_pass", first)
	}
}

// statusOf is a standing as other modules read it.
func statusOf(t catalog.TopicRef, row *standingRow) MissionStatus {
	ms := MissionStatus{TopicID: t.ID, CourseID: t.CourseID, Kind: t.Kind, Mission: t.Mission, State: StateNotStarted}
	if row == nil {
		return ms
	}
	ms.Attempts, ms.BestScore, ms.LastScore, ms.PassedAt = row.Attempts, row.BestScore, row.LastScore, row.PassedAt
	switch {
	case row.PassedAt != nil:
		ms.State = StatePassed
	case row.Pending > 0:
		ms.State = StatePending
	case row.Attempts > 0:
		ms.State = StateFailed
	}
	return ms
}

// standingOf returns the user's standing in a topic.
func (s *service) standingOf(ctx context.Context, userID int64, t catalog.TopicRef) (*MissionStatus, error) {
	row, err := s.st.standing(ctx, s.db.R, userID, t.ID)
	if err != nil {
		return nil, err
	}
	ms := statusOf(t, row)
	return &ms, nil
}

// CourseMissions implements Missions.
func (s *service) CourseMissions(ctx context.Context, userID, courseID int64) ([]MissionStatus, error) {
	all, err := s.CoursesMissions(ctx, userID, []int64{courseID})
	if err != nil {
		return nil, err
	}
	if all[courseID] == nil {
		return []MissionStatus{}, nil
	}
	return all[courseID], nil
}

// CoursesMissions implements Missions.
func (s *service) CoursesMissions(ctx context.Context, userID int64, courseIDs []int64) (map[int64][]MissionStatus, error) {
	out := map[int64][]MissionStatus{}
	if len(courseIDs) == 0 {
		return out, nil
	}
	refs, err := s.syllabus.TopicRefs(ctx, courseIDs)
	if err != nil {
		return nil, err
	}
	rows, err := s.st.standings(ctx, s.db.R, userID, courseIDs)
	if err != nil {
		return nil, err
	}
	for _, courseID := range courseIDs {
		list := []MissionStatus{}
		for _, t := range refs[courseID] {
			if t.Kind != "quiz" && t.Kind != "assignment" {
				continue
			}
			var row *standingRow
			if r, ok := rows[t.ID]; ok {
				row = &r
			}
			list = append(list, statusOf(t, row))
		}
		out[courseID] = list
	}
	return out, nil
}

// desk is the assessment module as learning's topic pages see it.
type desk struct{ s *service }

// Desk is where learning's topic pages send learners to take missions.
func (m *Module) Desk() learning.MissionDesk { return desk{m.svc} }

func (d desk) MissionURL(topicID int64) string { return d.s.MissionURL(topicID) }

func (d desk) MissionState(ctx context.Context, userID, topicID int64) (learning.MissionState, error) {
	row, err := d.s.st.standing(ctx, d.s.db.R, userID, topicID)
	if err != nil {
		return learning.MissionState{}, err
	}
	ms := statusOf(catalog.TopicRef{ID: topicID}, row)
	return learning.MissionState{State: ms.State, Attempts: ms.Attempts, BestScore: ms.BestScore}, nil
}
