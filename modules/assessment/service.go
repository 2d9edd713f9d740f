package assessment

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/jobs"
)

// Authorization objects.
const (
	objMission    = "assessment.mission"    // a quiz or an assignment: read (its page), take (attempt, submit)
	objSubmission = "assessment.submission" // attempts and submissions: read, list
)

// Errors.
var (
	errTopicNotFound      = apperr.New(apperr.NotFound, "assessment.topic_not_found", "assessment.topic_not_found")
	errAttemptNotFound    = apperr.New(apperr.NotFound, "assessment.attempt_not_found", "assessment.attempt_not_found")
	errSubmissionNotFound = apperr.New(apperr.NotFound, "assessment.submission_not_found", "assessment.submission_not_found")
	errLocked             = apperr.New(apperr.Forbidden, "assessment.locked", "assessment.locked")
	errAttemptTaken       = apperr.New(apperr.Conflict, "assessment.attempt_taken", "assessment.attempt_taken")
	errNoAttemptsLeft     = apperr.New(apperr.Conflict, "assessment.no_attempts_left", "assessment.no_attempts_left")
	errGraderUnavailable  = apperr.New(apperr.Unavailable, "assessment.grader_unavailable", "assessment.grader_unavailable")
)

// Settings tune missions.
type Settings struct {
	// MaxCodeBytes caps a submission's code (64 KiB).
	MaxCodeBytes int
	// SubmissionsPerMinute caps a learner's code submissions (10).
	SubmissionsPerMinute int
	// InlineSlots is how many submissions are graded on the request path at
	// once on this instance (the rest wait for the grading queue); 0 means
	// one per grading worker.
	InlineSlots int
	// InlineWait is how long a submission waits for an inline slot before
	// it is answered 202 and left to the queue (1 s).
	InlineWait time.Duration
	// Workers is the grading queue's workers on this instance (2).
	Workers int
}

func (s *Settings) defaults() {
	if s.MaxCodeBytes <= 0 {
		s.MaxCodeBytes = 64 << 10
	}
	if s.SubmissionsPerMinute <= 0 {
		s.SubmissionsPerMinute = 10
	}
	if s.Workers <= 0 {
		s.Workers = 2
	}
	if s.InlineSlots <= 0 {
		s.InlineSlots = s.Workers
	}
	if s.InlineWait <= 0 {
		s.InlineWait = time.Second
	}
}

// staleClaim is how long a grader may hold a submission before another
// takes it over: far beyond any grader's wall-clock limit.
const staleClaim = 2 * time.Minute

// service is the module's use cases: quiz.go (attempts), submissions.go
// (code and its grading), missions.go (standings).
type service struct {
	db          *db.DB
	st          store
	authz       *authz.Enforcer
	clock       clock.Clock
	logger      *slog.Logger
	bus         *events.Bus
	jobs        *jobs.Runner
	keys        catalog.AnswerKeys
	syllabus    catalog.Syllabus
	classroom   catalog.Classroom
	completions learning.Completions
	grader      Grader
	settings    Settings
	inline      *semaphore.Weighted
	i18n        *i18n.Bundle // words graders' messages (see message)
}

// mission is a quiz or assignment topic as p may take it: where it is in
// its course's outline and whether p may open it.
type mission struct {
	outline *catalog.Outline
	topic   catalog.OutlineTopic
	prev    *catalog.OutlineTopic
	next    *catalog.OutlineTopic
}

// mission loads a topic's place in its course as p sees it (404 when p may
// not read the course, or it has no such live topic of kind) and checks
// that p may act on it (act "read" or "take"): the topic is locked for
// visitors who are not entitled to a premium topic.
func (s *service) mission(ctx context.Context, p *authz.Principal, topicID int64, kind, act string) (*mission, error) {
	ref, err := s.syllabus.TopicRef(ctx, topicID)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, errTopicNotFound
		}
		return nil, err
	}
	if ref.Kind != kind {
		return nil, errTopicNotFound
	}
	o, err := s.syllabus.Outline(ctx, p, ref.CourseID)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, errTopicNotFound
		}
		return nil, err
	}
	var flat []catalog.OutlineTopic
	for _, l := range o.Lectures {
		flat = append(flat, l.Topics...)
	}
	for i, t := range flat {
		if t.ID != topicID {
			continue
		}
		m := &mission{outline: o, topic: t}
		if i > 0 {
			m.prev = &flat[i-1]
		}
		if i+1 < len(flat) {
			m.next = &flat[i+1]
		}
		rels := authz.Rels{}.If(!t.Locked, authz.Enrolled)
		if err := s.authz.Check(p, objMission, act, rels...); err != nil {
			if t.Locked {
				if p == nil {
					return nil, apperr.ErrAuthRequired
				}
				return nil, errLocked
			}
			return nil, err
		}
		return m, nil
	}
	return nil, errTopicNotFound
}

// MissionURL implements Missions.
func (s *service) MissionURL(topicID int64) string { return fmt.Sprintf("/missions/%d", topicID) }

// userID is p's user id, 0 for visitors.
func userID(p *authz.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

// MySubmissions lists p's submissions, newest first (of one topic when
// topicID is not 0).
func (s *service) MySubmissions(ctx context.Context, p *authz.Principal, topicID int64, limit, offset int) ([]Submission, int, error) {
	if p == nil {
		return nil, 0, apperr.ErrAuthRequired
	}
	rows, n, err := s.st.submissions(ctx, s.db.R, p.UserID, topicID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Submission, len(rows))
	for i := range rows {
		out[i] = *s.submissionOf(ctx, &rows[i], false)
	}
	return out, n, nil
}

// MyAttempts lists p's quiz attempts, newest first (of one topic when
// topicID is not 0), without explanations.
func (s *service) MyAttempts(ctx context.Context, p *authz.Principal, topicID int64, limit, offset int) ([]Attempt, int, error) {
	if p == nil {
		return nil, 0, apperr.ErrAuthRequired
	}
	rows, n, err := s.st.attempts(ctx, s.db.R, p.UserID, topicID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Attempt, len(rows))
	for i := range rows {
		out[i] = *attemptOf(&rows[i], nil)
	}
	return out, n, nil
}

// topicTitles returns the titles of the topics of attempts and
// submissions, in one read of their courses' topics.
func (s *service) topicTitles(ctx context.Context, attempts []Attempt, subs []Submission) (map[int64]string, error) {
	seen := map[int64]bool{}
	var courses []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			courses = append(courses, id)
		}
	}
	for _, a := range attempts {
		add(a.CourseID)
	}
	for _, sub := range subs {
		add(sub.CourseID)
	}
	out := map[int64]string{}
	if len(courses) == 0 {
		return out, nil
	}
	refs, err := s.syllabus.TopicRefs(ctx, courses)
	if err != nil {
		return nil, err
	}
	for _, ts := range refs {
		for _, t := range ts {
			out[t.ID] = t.Title
		}
	}
	return out, nil
}
