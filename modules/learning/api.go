// Package learning owns what learners do with courses: enrollments (who may
// take which course, until when), the watch log and the progress folded from
// it (resume positions, unique watched time, completion), completed topics,
// course progress and learning time.
//
// This file is the module's whole surface for other modules.
package learning

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/rollup"
)

// Sources of an enrollment.
const (
	SourcePurchase = "purchase" // bought: Ref names the order
	SourceGrant    = "grant"    // given by an admin or the course's tutor
	SourceFree     = "free"     // a free course, enrolled on first visit
)

// GrantInput is one grant of access to a course.
type GrantInput struct {
	UserID   int64
	CourseID int64
	Source   string // SourcePurchase, SourceGrant or SourceFree
	// Ref tells grants of one source apart: the order of a purchase
	// ("order:12"). Granting the same (user, course, source, ref) again
	// renews that grant instead of adding one.
	Ref    string
	Reason string
	// Days of access from From; 0 means the course's own access period,
	// and a negative number no end.
	Days int
	// From is when the access starts: a purchase's payment time, so a late
	// delivery of OrderPaid does not shift the period. Zero, or a time to
	// come: now.
	From time.Time
	// By is the user granting it (0: the system, e.g. a payment).
	By int64
}

// Grants is how access is given and taken back: the admin console, free
// courses and commerce's OrderPaid / OrderRefunded events all end here.
//
// The *InDelivery forms run in the transaction of an event delivery
// (events.Handler's tx), so the grant and the record of the delivery commit
// together and a redelivered OrderPaid grants once: the one way, besides
// accounts.SessionRevoker, that a module's write joins a transaction it did
// not open.
type Grants interface {
	// Grant gives (or renews) access and returns the enrollment's id.
	Grant(ctx context.Context, in GrantInput) (int64, error)
	// RevokeRef revokes the live grants of a source and ref (a refunded
	// order's): other grants of the same courses stay. It publishes
	// AccessRevoked.
	RevokeRef(ctx context.Context, source, ref, reason string, by int64) (int, error)
	// GrantInDelivery is Grant inside an event delivery's transaction.
	GrantInDelivery(ctx context.Context, tx bun.Tx, in GrantInput) (int64, error)
	// RevokeRefInDelivery is RevokeRef inside an event delivery's transaction.
	RevokeRefInDelivery(ctx context.Context, tx bun.Tx, source, ref, reason string, by int64) (int, error)
}

// Consumption tells how much of courses a user has consumed (the refund
// policy of the module that sells access reads it).
type Consumption interface {
	// WatchedSeconds returns the unique seconds the user watched of the
	// videos of the live topics of courseIDs, all together.
	WatchedSeconds(ctx context.Context, userID int64, courseIDs []int64) (int64, error)
}

// Enrollments tells which courses a learner has had access to.
type Enrollments interface {
	// LiveCourseIDs returns the courses the user has access to now, most
	// recently granted first.
	LiveCourseIDs(ctx context.Context, userID int64) ([]int64, error)
}

// Completions records topics completed by other modules' rules: the module
// that grades missions calls it when a quiz or an assignment is passed.
type Completions interface {
	// CompleteTopic marks a topic completed for a user (again: no change),
	// and completes the course when it was the last one.
	CompleteTopic(ctx context.Context, userID, topicID int64) error
}

// TopicCompleted is published when a user completes a topic.
type TopicCompleted struct {
	UserID      int64     `json:"user_id"`
	TopicID     int64     `json:"topic_id"`
	CourseID    int64     `json:"course_id"`
	Source      string    `json:"source"` // video, read, assessment
	CompletedAt time.Time `json:"completed_at"`
}

// EventName names the event.
func (TopicCompleted) EventName() string { return "learning.topic_completed" }

// CourseCompleted is published when a user has completed every topic of a
// course.
type CourseCompleted struct {
	UserID      int64     `json:"user_id"`
	CourseID    int64     `json:"course_id"`
	CompletedAt time.Time `json:"completed_at"`
}

// EventName names the event.
func (CourseCompleted) EventName() string { return "learning.course_completed" }

// AccessRevoked is published when grants of a source and ref are revoked
// (a refunded order's: Grants.RevokeRef), in the transaction that revokes
// them: one event per user, with the courses whose grant went. What was
// earned with that access (certificates) goes with it.
type AccessRevoked struct {
	UserID    int64     `json:"user_id"`
	CourseIDs []int64   `json:"course_ids"`
	Source    string    `json:"source"`
	Ref       string    `json:"ref"`
	Reason    string    `json:"reason"`
	RevokedAt time.Time `json:"revoked_at"`
}

// EventName names the event.
func (AccessRevoked) EventName() string { return "learning.access_revoked" }

// MissionDesk is where learners take quizzes and assignments and how they
// stand in them (implemented by the module that grades them): the topic
// page of a quiz or an assignment links there and shows the standing.
type MissionDesk interface {
	// MissionURL is the page where a learner takes the topic.
	MissionURL(topicID int64) string
	// MissionState is the user's standing in the topic.
	MissionState(ctx context.Context, userID, topicID int64) (MissionState, error)
}

// TopicAssistant answers learners' questions beside a topic (implemented
// by the assistant module): the topic page shows its chat panel when
// Panel returns one.
type TopicAssistant interface {
	// Panel returns the chat panel of a topic p may ask about, or nil
	// when p may not ask there (signed out, not entitled).
	Panel(ctx context.Context, p *authz.Principal, courseID, topicID int64) (*AssistantPanel, error)
}

// AssistantPanel is what the topic page's chat panel needs.
type AssistantPanel struct {
	AskURL string // POST: the question, answered as Server-Sent Events
	// ModelReady says whether an AI model answers (otherwise the best
	// matching passages do).
	ModelReady bool
	// MessagesLeft and TokensLeft are the caller's quota left today.
	MessagesLeft int
	TokensLeft   int
	ResetAt      time.Time
	// ConversationID is the caller's latest conversation about the topic
	// (0: none), whose messages History holds, oldest first.
	ConversationID int64
	History        []AssistantMessage
}

// AssistantMessage is a message of an AssistantPanel's history.
type AssistantMessage struct {
	Role      string // user, assistant
	Text      string
	Citations []AssistantCitation
}

// AssistantCitation is a passage an answer cites: a topic, and for a
// video a moment in it (Seconds < 0: none).
type AssistantCitation struct {
	TopicID int64
	Title   string
	URL     string
	Seconds int
	Clock   string // "mm:ss" ("" without a moment)
	// Here: the topic is the one the panel is beside (its link seeks the
	// player instead of opening another page).
	Here bool
}

// MissionState is a learner's standing in a quiz or an assignment.
type MissionState struct {
	State     string // not_started, failed, passed, pending
	Attempts  int
	BestScore int
}

// Analytics is learning's numbers for the dashboards (rollup.Source) and a
// learner's own, over the module's tables in aggregate queries.
//
// Daily metrics (Point.Day set, by the event's day):
//   - learning.enrollments   per course: learners granted access that day (distinct users)
//   - learning.completions   per course: learners who completed the course that day
//   - learning.topics_done   per course: topics completed that day
//   - learning.watch_seconds per course: counted watching time, in seconds; course 0: the
//     platform's total, a video shared by several courses counted once
//   - learning.video_watch_seconds course 0, Item = the video (media id): its counted
//     watching time in seconds (a total over some courses counts a shared video once)
//   - learning.watchers      course 0: distinct users who watched anything that day
//
// Snapshot metrics (Day ""):
//   - learning.enrolled      per course: distinct learners ever granted access
//   - learning.with_access   per course: distinct learners with access now
//   - learning.started       per course: learners who opened a topic
//   - learning.completed     per course: learners who completed it
//   - learning.topic_done    per course and topic (Item): learners who completed the topic
//   - learning.topic_stopped per course and topic: learners whose last opened topic it is,
//     the course not completed and nothing done in it for StoppedAfter
//   - learning.video_viewers / learning.video_seconds / learning.video_completed per
//     course and video topic (Item = the topic): learners who watched it, their watching
//     time in seconds, learners who completed it
type Analytics interface {
	rollup.Source
	// LearningDays is one learner's watching time per day of w
	// (learning.my_seconds, course 0).
	LearningDays(ctx context.Context, userID int64, w rollup.Window) ([]rollup.Point, error)
	// Learners is the progress table of courses' learners, the most
	// recently active first, at most limit rows.
	Learners(ctx context.Context, courseIDs []int64, limit int) ([]LearnerRow, error)
	// MyCourses is the learner's courses with their progress and where to
	// continue (GET /api/me/courses/).
	MyCourses(ctx context.Context, p *authz.Principal) ([]CourseProgress, error)
}

// StoppedAfter is how long a learner must have done nothing in an
// unfinished course to count as having stopped at their last topic.
const StoppedAfter = 14 * 24 * time.Hour

// LearnerRow is one learner of one course in a tutor's progress table.
type LearnerRow struct {
	UserID          int64      `json:"user_id"`
	Nickname        string     `json:"nickname"`
	CourseID        int64      `json:"course_id"`
	CompletedTopics int        `json:"completed_topics"`
	TotalTopics     int        `json:"total_topics"`
	Percent         int        `json:"percent"`
	LearningSeconds int64      `json:"learning_seconds"`
	Access          bool       `json:"access"`
	LastActivityAt  *time.Time `json:"last_activity_at"`
	CompletedAt     *time.Time `json:"completed_at"`
}

// TopicProgress is a topic of a course with the learner's status.
type TopicProgress struct {
	ID             int64    `json:"id"`
	LectureID      int64    `json:"lecture_id"`
	Title          string   `json:"title"`
	Kind           string   `json:"type"`
	Mission        string   `json:"mission"`
	Duration       int      `json:"duration,omitempty" doc:"A video's length, seconds."`
	Status         string   `json:"status" enum:"completed,in_progress,not_started,locked"`
	WatchedRatio   *float64 `json:"watched_ratio,omitempty" doc:"Videos: unique seconds watched / length."`
	ResumePosition *float64 `json:"resume_position,omitempty" doc:"Videos: where to start again, seconds."`
	URL            string   `json:"url" doc:"The topic's page."`
}

// CourseProgress is a learner's progress in a course.
type CourseProgress struct {
	CourseID        int64           `json:"course_id"`
	Title           string          `json:"title"`
	Thumbnail       string          `json:"thumbnail_url,omitempty"`
	Status          string          `json:"status" enum:"locked,owned,in_progress,completed,expired"`
	Access          bool            `json:"access" doc:"Whether the learner may take the premium content now."`
	ExpiresAt       *time.Time      `json:"expires_at" doc:"When access ends (null: no end, or no access)."`
	ExpiredAt       *time.Time      `json:"expired_at,omitempty" doc:"When access ended, for an expired enrollment."`
	Revoked         bool            `json:"revoked,omitempty" doc:"Access ended because it was revoked (not by reaching its end)."`
	CompletedTopics int             `json:"completed_topics"`
	TotalTopics     int             `json:"total_topics"`
	Percent         int             `json:"percent" doc:"Completed topics / topics, 0–100."`
	LearningSeconds float64         `json:"learning_seconds" doc:"Time spent watching this course's videos."`
	NextTopicID     *int64          `json:"next_topic_id" doc:"Where to continue: the topic last opened if unfinished, else the first unfinished one after it."`
	NextTopicURL    string          `json:"next_topic_url,omitempty"`
	StartedAt       *time.Time      `json:"started_at"`
	LastActivityAt  *time.Time      `json:"last_activity_at"`
	CompletedAt     *time.Time      `json:"completed_at"`
	Topics          []TopicProgress `json:"topics,omitempty"`
}
