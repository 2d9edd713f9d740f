// Package assessment owns missions and their grading: quiz attempts graded
// at once against the catalog's answer keys, code submissions graded by the
// assignment's grader in a sandbox (modules/assessment/grader), and each
// learner's standing per quiz and assignment (attempts, best score, passed),
// which ticks the topic completed in learning and feeds certificates and
// dashboards.
//
// This file is the module's whole surface for other modules.
package assessment

import (
	"context"
	"time"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/rollup"
)

// Mission states (MissionStatus.State).
const (
	StateNotStarted = "not_started"
	StateFailed     = "failed"
	StatePassed     = "passed"
	StatePending    = "pending" // a submission is being graded and nothing passed yet
)

// MissionStatus is a learner's standing in one quiz or assignment topic.
type MissionStatus struct {
	TopicID   int64      `json:"topic_id"`
	CourseID  int64      `json:"course_id"`
	Kind      string     `json:"kind" enum:"quiz,assignment"`
	Mission   string     `json:"mission" enum:"none,midterm,final"`
	State     string     `json:"state" enum:"not_started,failed,passed,pending"`
	Attempts  int        `json:"attempts"`
	BestScore int        `json:"best_score"`
	LastScore int        `json:"last_score"`
	PassedAt  *time.Time `json:"passed_at,omitempty"`
}

// Missions tells other modules (learning's pages, certificates, dashboards)
// how learners stand in quizzes and assignments.
type Missions interface {
	// CourseMissions returns the user's status in every live quiz and
	// assignment topic of a course, in outline order (not_started for
	// those never tried).
	CourseMissions(ctx context.Context, userID, courseID int64) ([]MissionStatus, error)
	// CoursesMissions is CourseMissions for several courses at once, by
	// course (in a few reads, whatever their number).
	CoursesMissions(ctx context.Context, userID int64, courseIDs []int64) (map[int64][]MissionStatus, error)
	// MissionURL is the page where a learner takes a quiz or an assignment.
	MissionURL(topicID int64) string
}

// Outcome is how a grader judged code (app adapts the sandboxed graders of
// modules/assessment/grader to Grader).
type Outcome struct {
	Score   int    // 0..100: the share of tests passed
	Verdict string // "" when the code ran; time_limit, memory_limit, compile_error, …
	// Message is what went wrong as a whole, for the learner, in English;
	// Code and Args say it in any language: Code is a message of this
	// module's locales ("grader.time_limit", locales/grader.*.toml) that
	// Args fill. A message without a Code is shown as it is.
	Message string
	Code    string
	Args    map[string]any
	Tests   []TestOutcome
}

// TestOutcome is one test's result, its message as Outcome's. Hidden
// tests' messages never reach learners.
type TestOutcome struct {
	Name    string
	Hidden  bool
	Passed  bool
	Message string
	Code    string
	Args    map[string]any
	Output  string // what the code printed (shown with a failed test's message)
}

// Grader grades code for an assignment. An error is the grader's own
// failure (no sandbox, a crashed child); learners' mistakes are Outcomes.
type Grader interface {
	Grade(ctx context.Context, key *catalog.AssignmentKey, code string) (Outcome, error)
	// Available says whether this instance can run the named grader.
	Available(name string) bool
}

// TopicPassed is published the first time a user passes a quiz or an
// assignment.
type TopicPassed struct {
	UserID   int64     `json:"user_id"`
	CourseID int64     `json:"course_id"`
	TopicID  int64     `json:"topic_id"`
	Kind     string    `json:"kind"`
	Mission  string    `json:"mission"`
	Score    int       `json:"score"`
	PassedAt time.Time `json:"passed_at"`
}

// EventName names the event.
func (TopicPassed) EventName() string { return "assessment.topic_passed" }

// Analytics is assessment's numbers for the dashboards (rollup.Source).
//
// Daily metrics: assessment.submissions and assessment.passes per course
// (submissions graded that day, and those that passed).
// Snapshot metrics per course and mission (Item = the mission's topic):
// assessment.attempted (distinct learners who submitted), assessment.passed
// (distinct learners who passed), assessment.best_sum (the sum of their best
// scores: the mean is best_sum / attempted).
type Analytics interface {
	rollup.Source
}
