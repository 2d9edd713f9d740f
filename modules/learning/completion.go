package learning

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// completeInTx records that uid completed a topic and, when it was the last
// one of its course (topics: the course's live topics, read before the
// transaction), the course; each new completion is published (the outbox
// delivers it after commit). Completing again changes nothing.
//
// Nothing here may read through the reader pool: on Postgres it is the
// writer's pool too, and transactions each waiting for a second connection
// would exhaust it (every request then times out).
func (s *service) completeInTx(ctx context.Context, tx bun.Tx, uid, topicID, courseID int64, topics []catalog.TopicRef,
	source string, now time.Time) error {
	// Two topics of a course completed at once (a video's last heartbeat
	// and an article read) must not each miss the other's completion and
	// leave the course incomplete: the second waits for the first. Taken
	// first, before any row of the course's progress is written, so
	// transactions lock in one order.
	if err := s.db.LockKey(ctx, tx, fmt.Sprintf("learning.course_progress:%d:%d", uid, courseID)); err != nil {
		return err
	}
	isNew, err := s.st.completeTopic(ctx, tx, &topicCompletionRow{UserID: uid, TopicID: topicID, CourseID: courseID,
		Source: source, CompletedAt: now})
	if err != nil || !isNew {
		return err
	}
	if err := s.bus.Publish(ctx, tx, TopicCompleted{UserID: uid, TopicID: topicID, CourseID: courseID, Source: source,
		CompletedAt: now.UTC()}); err != nil {
		return err
	}
	done, err := s.st.completedTopics(ctx, tx, uid, []int64{courseID})
	if err != nil {
		return err
	}
	if len(topics) == 0 {
		return nil
	}
	for _, t := range topics {
		if _, ok := done[t.ID]; !ok {
			return s.st.touchCourse(ctx, tx, uid, courseID, 0, now)
		}
	}
	isNew, err = s.st.completeCourse(ctx, tx, uid, courseID, now)
	if err != nil || !isNew {
		return err
	}
	return s.bus.Publish(ctx, tx, CourseCompleted{UserID: uid, CourseID: courseID, CompletedAt: now.UTC()})
}

// CompleteTopic implements Completions (the grading module, when a mission
// is passed).
func (s *service) CompleteTopic(ctx context.Context, uid, topicID int64) error {
	t, err := s.syllabus.TopicRef(ctx, topicID)
	if err != nil {
		return err
	}
	refs, err := s.syllabus.TopicRefs(ctx, []int64{t.CourseID})
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.completeInTx(ctx, tx, uid, t.ID, t.CourseID, refs[t.CourseID], "assessment", now)
	})
}

// viewableTopic returns a topic of a course that p may view (not locked),
// with its outline; errTopicNotFound when the course has no such live
// topic, errTopicLocked when p may not view it.
func (s *service) viewableTopic(ctx context.Context, p *authz.Principal, courseID, topicID int64) (*topicView, error) {
	o, err := s.syllabus.Outline(ctx, p, courseID)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, errCourseNotFound
	}
	if err != nil {
		return nil, err
	}
	v := findTopic(o, topicID)
	if v == nil {
		return nil, errTopicNotFound
	}
	if v.Topic.Locked {
		return v, errTopicLocked
	}
	return v, nil
}

// MarkRead records that p read an article topic (opened and scrolled to its
// end, or marked read).
func (s *service) MarkRead(ctx context.Context, p *authz.Principal, courseID, topicID int64) error {
	if p == nil {
		return apperr.ErrAuthRequired
	}
	v, err := s.viewableTopic(ctx, p, courseID, topicID)
	if err != nil {
		return err
	}
	if v.Topic.Kind != "article" {
		return errNotReadable
	}
	refs, err := s.syllabus.TopicRefs(ctx, []int64{courseID})
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Completing first (it takes the course's lock before touching its
		// progress row), then where the learner is.
		if err := s.completeInTx(ctx, tx, p.UserID, topicID, courseID, refs[courseID], "read", now); err != nil {
			return err
		}
		return s.st.touchCourse(ctx, tx, p.UserID, courseID, topicID, now)
	})
}

// OpenTopic records that p opened a topic they may view: the course's
// "continue where I left off".
func (s *service) OpenTopic(ctx context.Context, p *authz.Principal, courseID, topicID int64) error {
	if p == nil {
		return nil
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.st.touchCourse(ctx, tx, p.UserID, courseID, topicID, s.clock.Now())
	})
}

// CompletedTopics implements catalog.Classroom.
func (s *service) CompletedTopics(ctx context.Context, uid, courseID int64) (map[int64]bool, error) {
	return s.CompletedTopicsIn(ctx, uid, []int64{courseID})
}

// CompletedTopicsIn implements catalog.Classroom.
func (s *service) CompletedTopicsIn(ctx context.Context, uid int64, courseIDs []int64) (map[int64]bool, error) {
	if courseIDs == nil {
		courseIDs = []int64{} // none, not every course
	}
	done, err := s.st.completedTopics(ctx, s.db.R, uid, courseIDs)
	out := make(map[int64]bool, len(done))
	for id := range done {
		out[id] = true
	}
	return out, err
}
