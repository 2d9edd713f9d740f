package learning

import (
	"context"
	"log/slog"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/provide"
)

// service is the module's use cases: enrollments.go (access),
// watch.go (the watch log and progress), completion.go (topics and
// courses), courses.go (a learner's courses). A use case authorizes, owns
// its transaction and calls the store.
type service struct {
	db       *db.DB
	st       store
	authz    *authz.Enforcer
	clock    clock.Clock
	logger   *slog.Logger
	bus      *events.Bus
	syllabus catalog.Syllabus
	courses  catalog.Reader
	player   media.Player
	users    accounts.Directory
	settings Settings
	baseURL  string
	// shop says where a course is bought (late-bound: Module.Needs).
	shop provide.Slot[catalog.Storefront]
	// desk is where quizzes and assignments are taken (late-bound).
	desk provide.Slot[MissionDesk]
	// assistant answers questions beside a topic (late-bound).
	assistant provide.Slot[TopicAssistant]
	// playable remembers, briefly, that a user may play a video and what
	// it is: heartbeats arrive every few seconds and need not ask the
	// catalog and media again each time. A revoked access stops being
	// recorded within playableTTL; each instance keeps its own.
	playable *expirable.LRU[playKey, playInfo]
	// watches writes Record's calls in group commits (group.go).
	watches *grouper[*watchWrite]
}

// Settings tune progress.
type Settings struct {
	// CompleteRatio is the share of a video's unique seconds that completes
	// it (0.9).
	CompleteRatio float64
}

const (
	playableTTL  = 30 * time.Second
	playableSize = 20000
)

type playKey struct{ user, video int64 }

// playInfo is what recording an event needs to know about a video.
type playInfo struct {
	durationMS int64
	topics     []catalog.TopicRef // the live topics that play it
	// courseTopics are the live topics of those topics' courses.
	courseTopics map[int64][]catalog.TopicRef
	// at is when it was learned, on the service's clock: an entry older
	// than playableTTL by that clock is stale too (an access that expired
	// by the clock stops being recorded, whatever the cache's own timer).
	at time.Time
}

// forgetPlayable drops what the cache knows of a user's videos (every
// user's when uid is 0): their access changed on this instance.
func (s *service) forgetPlayable(uid int64) {
	if uid == 0 {
		s.playable.Purge()
		return
	}
	for _, k := range s.playable.Keys() {
		if k.user == uid {
			s.playable.Remove(k)
		}
	}
}

// Permission matrix (Module.Policies).
const (
	// objWatch is a user's watch log and progress: recorded by the user
	// only (whatever their role), read by the user and admins.
	objWatch = "learning.watch"
	// objHistory is a watch log's single events: corrected by admins.
	objHistory = "learning.history"
	// objEnrollment is a course's enrollments: listed, granted and revoked
	// by the course's tutor and admins.
	objEnrollment = "learning.enrollment"
)

var (
	errNotYours        = apperr.New(apperr.Forbidden, "learning.not_yours", "learning.not_yours")
	errEventNotFound   = apperr.New(apperr.NotFound, "learning.event_not_found", "learning.event_not_found")
	errCourseNotFound  = apperr.New(apperr.NotFound, "learning.course_not_found", "learning.course_not_found")
	errEnrollNotFound  = apperr.New(apperr.NotFound, "learning.enrollment_not_found", "learning.enrollment_not_found")
	errNotEnrolled     = apperr.New(apperr.NotFound, "learning.not_enrolled", "learning.not_enrolled")
	errUserNotFound    = apperr.New(apperr.NotFound, "learning.user_not_found", "learning.user_not_found")
	errTopicNotFound   = apperr.New(apperr.NotFound, "learning.topic_not_found", "learning.topic_not_found")
	errNotReadable     = apperr.New(apperr.Conflict, "learning.not_an_article", "learning.not_an_article")
	errTopicLocked     = apperr.New(apperr.Forbidden, "learning.topic_locked", "learning.topic_locked")
	errNotFreeCourse   = apperr.New(apperr.Conflict, "learning.not_free", "learning.not_free")
	errCourseNotPublic = apperr.New(apperr.Conflict, "learning.course_not_published", "learning.course_not_published")
)

func userID(p *authz.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

// watchRels are p's relations to userID's watch data.
func watchRels(p *authz.Principal, uid int64) authz.Rels {
	return authz.Rels{}.If(p != nil && p.UserID == uid, authz.Self)
}

// ms turns seconds into milliseconds.
func ms(secs float64) int64 { return int64(secs*1000 + 0.5) }

// secs turns milliseconds into seconds.
func secs(ms int64) float64 { return float64(ms) / 1000 }

// ctxErr is ctx's error, for loops that should stop when the caller leaves.
func ctxErr(ctx context.Context) error { return ctx.Err() }
