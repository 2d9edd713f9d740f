package learning

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/provide"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml templates
var files embed.FS

// Deps are the module's dependencies.
type Deps struct {
	DB       *db.DB
	Authz    *authz.Enforcer
	Clock    clock.Clock
	Logger   *slog.Logger
	Events   *events.Bus
	Web      *web.Web
	I18n     *i18n.Bundle
	Users    accounts.Directory
	Courses  catalog.Reader
	Syllabus catalog.Syllabus
	Player   media.Player
	// BaseURL is the public address (xAPI statements name the platform by it).
	BaseURL  string
	Settings Settings
}

// Module is the learning module.
type Module struct {
	svc   *service
	authz *authz.Enforcer
	web   *web.Web
	i18n  *i18n.Bundle
}

// New builds the module.
func New(d Deps) *Module {
	if d.Settings.CompleteRatio <= 0 || d.Settings.CompleteRatio > 1 {
		d.Settings.CompleteRatio = 0.9
	}
	svc := &service{db: d.DB, st: newStore(d.DB), authz: d.Authz,
		clock: d.Clock, logger: d.Logger, bus: d.Events, syllabus: d.Syllabus, courses: d.Courses, player: d.Player,
		users: d.Users, settings: d.Settings, baseURL: d.BaseURL,
		playable: expirable.NewLRU[playKey, playInfo](playableSize, nil, playableTTL)}
	svc.watches = newGrouper(d.DB, d.Logger, svc.writeWatches)
	return &Module{authz: d.Authz, web: d.Web, i18n: d.I18n, svc: svc}
}

// Start runs the group committers of watch events (group.go).
func (m *Module) Start(context.Context) error {
	m.svc.watches.start()
	return nil
}

// Stop lets them finish what they were given.
func (m *Module) Stop(ctx context.Context) error { return m.svc.watches.stop(ctx) }

// Name is "learning".
func (m *Module) Name() string { return "learning" }

// Files are the module's message catalogs and pages.
func (m *Module) Files() fs.FS { return files }

// Needs are the providers the app binds after building every module.
func (m *Module) Needs() []provide.Need {
	return []provide.Need{&m.svc.shop, &m.svc.desk, &m.svc.assistant}
}

// Grants is how access is given and taken back.
func (m *Module) Grants() Grants { return m.svc }

// Consumption tells how much of courses a user watched.
func (m *Module) Consumption() Consumption { return m.svc }

// Enrollments tells which courses a learner has access to.
func (m *Module) Enrollments() Enrollments { return m.svc }

// Completions records topics completed by other modules' rules.
func (m *Module) Completions() Completions { return m.svc }

// Entitlements is the catalog's entitlement provider.
func (m *Module) Entitlements() catalog.Entitlements { return m.svc }

// Statuses is the catalog's status provider.
func (m *Module) Statuses() catalog.StatusProvider { return m.svc }

// Classroom is where the catalog links topics.
func (m *Module) Classroom() catalog.Classroom { return m.svc }

// Stats is the accounts module's learning statistics.
func (m *Module) Stats() accounts.StatsProvider { return m.svc }

// TutorStudents tells accounts whom a tutor teaches.
func (m *Module) TutorStudents() accounts.TutorStudents { return m.svc }

// ResumePositions tells media where viewers left off.
func (m *Module) ResumePositions() media.ResumePositions { return m.svc }

// Policies: every signed-in user records and reads their own watching (no
// role records for another: the service also requires the path's user to
// be the caller); a course's tutor lists, grants and revokes its
// enrollments; admins may do everything else, including reading anyone's
// watching and correcting the log.
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Student, Obj: objWatch, Act: "record", Rel: authz.Self},
		{Role: authz.Student, Obj: objWatch, Act: "read", Rel: authz.Self},
		{Role: authz.Tutor, Obj: objEnrollment, Act: "list", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: objEnrollment, Act: "grant", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: objEnrollment, Act: "revoke", Rel: authz.Owner},
	}
}

// Routes mounts the API and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
}

// Nav: "my learning" for everyone (it asks visitors to sign in).
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuMain, Href: "/me/learning", Label: "web.nav.my", Order: 30},
		{Menu: web.MenuFooterLearn, Href: "/me/learning", Label: "web.nav.my", Order: 30},
		{Menu: web.MenuAccount, Href: "/me/learning", Label: "web.nav.my", Icon: "journal-bookmark", Order: 10},
	}
}

// Analytics is the module's numbers for the dashboards (analytics.go).
func (m *Module) Analytics() Analytics { return m.svc }
