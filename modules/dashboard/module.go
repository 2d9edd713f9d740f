// Package dashboard shows who is on the platform and how learning goes:
// the admin console's landing page (/admin: active users, sign-ups,
// revenue and refunds, enrollments, completion and drop-off per course,
// mission pass rates, video engagement, the assistant's use), a tutor's
// studio home (/studio: the same for their courses, and their learners'
// progress) and a learner's own (/me/learning: progress per course, where
// to continue, missions, learning time per week, certificates).
//
// It owns presence (the last time each signed-in user was seen, and the
// days they were active) and the rolled-up numbers: a periodic job asks
// every module's rollup.Source for its counts and keeps them, so a
// dashboard never scans the modules' tables.
package dashboard

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/assistant"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/certificates"
	"github.com/weaverse/weaverse/modules/commerce"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml templates
var files embed.FS

// Deps are the module's dependencies.
type Deps struct {
	DB     *db.DB
	Authz  *authz.Enforcer
	Clock  clock.Clock
	Logger *slog.Logger
	Jobs   *jobs.Runner
	Web    *web.Web
	I18n   *i18n.Bundle
	// Location is the time zone whose calendar days the dashboards count.
	Location *time.Location
	// The modules whose numbers the dashboards show.
	Accounts     accounts.Analytics
	Learning     learning.Analytics
	Assessment   assessment.Analytics
	Assistant    assistant.Analytics
	Commerce     commerce.Analytics
	Certificates certificates.Analytics
	// Syllabus names courses and topics; Missions is where a learner
	// stands in them.
	Syllabus catalog.Syllabus
	Missions assessment.Missions
}

// Module is the dashboard module.
type Module struct {
	svc  *service
	web  *web.Web
	i18n *i18n.Bundle
}

// New builds the module and schedules the rollup.
func New(d Deps) *Module {
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	svc := &service{db: d.DB, st: store{d: d.DB}, authz: d.Authz, clock: d.Clock, logger: d.Logger, location: loc,
		syllabus: d.Syllabus, learning: d.Learning, missions: d.Missions, commerce: d.Commerce,
		certificates: d.Certificates,
		sources: []source{{"accounts", d.Accounts}, {"learning", d.Learning}, {"assessment", d.Assessment},
			{"assistant", d.Assistant}, {"commerce", d.Commerce}, {"certificates", d.Certificates}}}
	svc.presence = newPresence(d.DB, d.Clock, d.Logger, svc.offset)
	jobs.AddWorker(d.Jobs, &rollupWorker{s: svc}, jobs.WithTimeout(10*time.Minute))
	d.Jobs.AddPeriodic(periodicRollup())
	return &Module{svc: svc, web: d.Web, i18n: d.I18n}
}

// Name is "dashboard".
func (m *Module) Name() string { return "dashboard" }

// Files are the module's message catalogs and pages.
func (m *Module) Files() fs.FS { return files }

// Middleware marks signed-in users as seen (presence.go).
func (m *Module) Middleware() fiber.Handler { return m.svc.presence.middleware() }

// Start starts writing presence.
func (m *Module) Start(context.Context) error {
	m.svc.presence.start()
	return nil
}

// Stop writes the presence still pending.
func (m *Module) Stop(ctx context.Context) error { return m.svc.presence.shutdown(ctx) }

// Rollup gathers the numbers now (the periodic job does it every minute;
// the CLI and tests call it).
func (m *Module) Rollup(ctx context.Context) error { return m.svc.Rollup(ctx) }

// FlushPresence writes the presence marks now (tests, shutdown).
func (m *Module) FlushPresence(ctx context.Context) error { return m.svc.presence.flush(ctx) }

// Policies: tutors see their courses' dashboard, every signed-in user their
// own; the platform's is for admins alone (who need no policy).
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Student, Obj: objLearning, Act: actView, Rel: authz.Self},
		{Role: authz.Tutor, Obj: objTeaching, Act: actView, Rel: authz.Any},
	}
}

// Routes mounts the API and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
}

// Nav: the studio and the admin console, whose landing pages are the
// dashboards ("my learning" is learning's link).
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuAccount, Href: "/studio", Label: "web.nav.studio", Icon: "easel2", Order: 20,
			Obj: objTeaching, Act: actView},
		{Menu: web.MenuAccount, Href: "/admin", Label: "web.nav.admin", Icon: "speedometer2", Order: 90,
			Obj: objPlatform, Act: actView},
	}
}
