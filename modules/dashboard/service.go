package dashboard

import (
	"log/slog"
	"time"

	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/certificates"
	"github.com/weaverse/weaverse/modules/commerce"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/rollup"
)

// Authorization objects (Module.Policies): each dashboard has one action,
// view. The platform's is for admins alone (no policy: admins may do
// everything), the teaching one for tutors (their own courses), the
// learning one for every signed-in user (their own learning).
const (
	objPlatform = "dashboard.platform"
	objTeaching = "dashboard.teaching"
	objLearning = "dashboard.learning"
	actView     = "view"
)

// Metrics the dashboard counts itself; the sources' are named in their
// modules' api.go.
const (
	metricDAU = "dashboard.active_users"
	metricMAU = "dashboard.monthly_users"
)

// Errors.
var (
	errBadRange = apperr.New(apperr.Invalid, "dashboard.bad_range", "dashboard.bad_range")
	errBadTable = apperr.New(apperr.NotFound, "dashboard.no_table", "dashboard.no_table")
)

// source is a module's numbers, named for the logs.
type source struct {
	name string
	rollup.Source
}

type service struct {
	db       *db.DB
	st       store
	authz    *authz.Enforcer
	clock    clock.Clock
	logger   *slog.Logger
	location *time.Location
	presence *presence
	sources  []source

	syllabus     catalog.Syllabus
	learning     learning.Analytics
	missions     assessment.Missions
	commerce     commerce.Analytics
	certificates certificates.Analytics
}

// offset is the dashboards' time zone's offset at t, in seconds east of UTC.
func (s *service) offset(t time.Time) int {
	_, off := t.In(s.location).Zone()
	return off
}

// today is the current calendar day in the dashboards' time zone.
func (s *service) today() string {
	now := s.clock.Now()
	return rollup.Day(now, s.offset(now))
}
