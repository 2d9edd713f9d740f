package assistant

import (
	"embed"
	"io/fs"
	"log/slog"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
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
	Web    *web.Web
	I18n   *i18n.Bundle
	// Syllabus says who may read which course and topic; Texts is the
	// courses' text; Classroom where learners open a topic; Entitlements
	// which courses a learner has access to; Transcripts the videos'
	// captions.
	Syllabus     catalog.Syllabus
	Texts        catalog.Texts
	Classroom    catalog.Classroom
	Entitlements catalog.Entitlements
	Transcripts  media.Transcripts
	// LLM is the chat completions endpoint (BaseURL "": none).
	LLM      LLM
	Settings Settings
}

// Module is the assistant module.
type Module struct {
	svc   *service
	web   *web.Web
	i18n  *i18n.Bundle
	authz *authz.Enforcer
}

// New builds the module.
func New(d Deps) *Module {
	d.Settings.defaults()
	svc := &service{db: d.DB, st: store{d: d.DB}, authz: d.Authz, clock: d.Clock, logger: d.Logger, i18n: d.I18n,
		syllabus: d.Syllabus, texts: d.Texts, classroom: d.Classroom, entitlements: d.Entitlements,
		transcripts: d.Transcripts, settings: d.Settings}
	if d.LLM.BaseURL != "" {
		svc.model = newOpenAIModel(d.LLM)
		svc.modelName = d.LLM.Model
	}
	return &Module{svc: svc, web: d.Web, i18n: d.I18n, authz: d.Authz}
}

// Name is "assistant".
func (m *Module) Name() string { return "assistant" }

// Files are the module's message catalogs and pages.
func (m *Module) Files() fs.FS { return files }

// TopicAssistant is the chat panel the topic page shows.
func (m *Module) TopicAssistant() learning.TopicAssistant { return m.svc }

// Capabilities: whether a model answers (otherwise passages do).
func (m *Module) Capabilities() map[string]bool {
	return map[string]bool{"assistant_model": m.svc.model != nil}
}

// Policies: learners entitled to a course ask about its topics; everyone
// reads their own conversations; admins (who may do everything) read the
// usage totals.
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Student, Obj: objTopic, Act: "ask", Rel: authz.Enrolled},
		{Role: authz.Student, Obj: objConversation, Act: "read", Rel: authz.Self},
		{Role: authz.Student, Obj: objConversation, Act: "list", Rel: authz.Self},
	}
}

// RouteOptions: an answer streams as long as the model takes, each event
// sent at once (no request timeout, no compression, a long write deadline).
func (m *Module) RouteOptions() []httpx.RouteOption {
	return []httpx.RouteOption{{Path: askPath, NoTimeout: true, NoCompress: true, WriteTimeout: askWriteTimeout}}
}

// Routes mounts the API and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
}

// Nav: the usage page on the admin console.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuAdmin, Href: "/admin/assistant", Label: "assistant.nav.usage", Note: "assistant.nav.usage_note",
			Icon: "chat-dots", Obj: objUsage, Act: "read", Order: 60},
	}
}

// Analytics is the module's numbers for the dashboards (analytics.go).
func (m *Module) Analytics() Analytics { return m.svc }
