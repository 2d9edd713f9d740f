package assessment

import (
	"embed"
	"io/fs"
	"log/slog"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/semaphore"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
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
	Events *events.Bus
	Jobs   *jobs.Runner
	Web    *web.Web
	I18n   *i18n.Bundle
	// Keys are the catalog's answer keys; Syllabus its outlines (who may
	// open which topic); Classroom where learning plays a topic.
	Keys      catalog.AnswerKeys
	Syllabus  catalog.Syllabus
	Classroom catalog.Classroom
	// Completions ticks passed topics completed.
	Completions learning.Completions
	Grader      Grader
	Settings    Settings
}

// Module is the assessment module.
type Module struct {
	svc  *service
	web  *web.Web
	i18n *i18n.Bundle
}

// New builds the module.
func New(d Deps) *Module {
	d.Settings.defaults()
	svc := &service{db: d.DB, st: store{d: d.DB}, authz: d.Authz, clock: d.Clock, logger: d.Logger, bus: d.Events,
		jobs: d.Jobs, keys: d.Keys, syllabus: d.Syllabus, classroom: d.Classroom, completions: d.Completions,
		grader: d.Grader, settings: d.Settings, inline: semaphore.NewWeighted(int64(d.Settings.InlineSlots)), i18n: d.I18n}
	jobs.AddWorker(d.Jobs, &gradeWorker{s: svc})
	return &Module{svc: svc, web: d.Web, i18n: d.I18n}
}

// Name is "assessment".
func (m *Module) Name() string { return "assessment" }

// Files are the module's message catalogs and pages.
func (m *Module) Files() fs.FS { return files }

// Missions tells other modules how learners stand in missions.
func (m *Module) Missions() Missions { return m.svc }

// Queues: the grading queue.
func (m *Module) Queues() map[string]int { return map[string]int{GradingQueue: m.svc.settings.Workers} }

// Policies: anyone reads a mission they may open (a free topic of a
// published course; a premium one when entitled); signed-in learners take
// it; everyone reads their own attempts and submissions (admins: every
// one).
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Anonymous, Obj: objMission, Act: "read", Rel: authz.Enrolled},
		{Role: authz.Student, Obj: objMission, Act: "take", Rel: authz.Enrolled},
		{Role: authz.Student, Obj: objSubmission, Act: "read", Rel: authz.Self},
		{Role: authz.Student, Obj: objSubmission, Act: "list", Rel: authz.Self},
	}
}

// Routes mounts the API and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
}

// Nav: "my missions" in the account menu.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuAccount, Href: "/me/missions", Label: "assessment.nav.missions", Icon: "patch-check", Order: 20},
	}
}

// Analytics is the module's numbers for the dashboards (analytics.go).
func (m *Module) Analytics() Analytics { return m.svc }
