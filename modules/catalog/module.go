package catalog

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/provide"
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
	Users  accounts.Directory
	// Kinds are the topic kinds and assignment graders this server
	// accepts (StandardKinds and what other modules register).
	Kinds *Kinds
	// Web renders the catalog pages.
	Web *web.Web
	// I18n localises page strings in handlers.
	I18n *i18n.Bundle
	// BundleSchema is the JSON Schema of course bundles (course.yaml,
	// curriculum.yaml) for Kinds, served to editors. It is made by the
	// bundle package, which imports this one.
	BundleSchema []byte
	// Bundles reads and writes bundles as zip archives (package bundle,
	// for Kinds): the studio's export and import.
	Bundles BundleFiles
	// TempDir holds uploaded bundles while they are imported.
	TempDir string
}

// Module is the catalog module.
type Module struct {
	bundleSchema []byte
	bundles      BundleFiles
	tempDir      string
	svc          *service
	authz        *authz.Enforcer
	web          *web.Web
	i18n         *i18n.Bundle
}

// New builds the module.
func New(d Deps) *Module {
	return &Module{bundleSchema: d.BundleSchema, bundles: d.Bundles, tempDir: d.TempDir, authz: d.Authz, web: d.Web, i18n: d.I18n,
		svc: &service{db: d.DB, st: store{d: d.DB}, authz: d.Authz, clock: d.Clock, users: d.Users, kinds: d.Kinds,
			md: newMarkdown(), rendered: newRenderCache(), logger: d.Logger, i18n: d.I18n}}
}

// Name is "catalog".
func (m *Module) Name() string { return "catalog" }

// Files are the module's message catalogs (locales/) and pages (templates/).
func (m *Module) Files() fs.FS { return files }

// Reader is the catalog as other modules read it.
func (m *Module) Reader() Reader { return m.svc }

// Policies: visitors read published courses and curriculums and view free
// previews; learners view the premium content of courses they are enrolled
// in; tutors create courses and curriculums, and read, change, delete and
// see the answer keys of their own; admins may do everything.
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Anonymous, Obj: objCourse, Act: "read", Rel: authz.Published},
		{Role: authz.Tutor, Obj: objCourse, Act: "read", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: objCourse, Act: "create", Rel: authz.Any},
		{Role: authz.Tutor, Obj: objCourse, Act: "update", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: objCourse, Act: "delete", Rel: authz.Owner},
		{Role: authz.Anonymous, Obj: objCurriculum, Act: "read", Rel: authz.Published},
		{Role: authz.Tutor, Obj: objCurriculum, Act: "read", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: objCurriculum, Act: "create", Rel: authz.Any},
		{Role: authz.Tutor, Obj: objCurriculum, Act: "update", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: objCurriculum, Act: "delete", Rel: authz.Owner},
		{Role: authz.Anonymous, Obj: objTopic, Act: actView, Rel: relFree},
		{Role: authz.Student, Obj: objTopic, Act: actView, Rel: authz.Enrolled},
		{Role: authz.Tutor, Obj: objTopic, Act: actView, Rel: authz.Owner},
		{Role: authz.Tutor, Obj: objTopic, Act: actAnswers, Rel: authz.Owner},
	}
}

// Routes mounts the API and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
	// The JSON Schema of course bundles, for editors.
	pages.Get("/api/catalog/course-bundle.schema.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "application/schema+json")
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Send(m.bundleSchema)
	})
}

// RouteOptions: an uploaded bundle streams to a temporary file under the
// import's own limit and is imported as long as its videos take; an export
// streams its videos to a slow client as long as it needs (the option is
// on the studio's course paths, as routes cannot name "/:id/export").
func (m *Module) RouteOptions() []httpx.RouteOption {
	return []httpx.RouteOption{
		{Path: importPath, StreamBody: true, NoTimeout: true},
		{Path: "/studio/courses/*", WriteTimeout: exportWriteTimeout},
		{Path: "/studio/curriculums/*", WriteTimeout: exportWriteTimeout},
	}
}

// Nav: the course list for everyone, the studio for those who may author.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuMain, Href: "/courses", Label: "web.nav.courses", Order: 20},
		{Menu: web.MenuFooterLearn, Href: "/courses", Label: "web.nav.courses", Order: 20},
		{Menu: web.MenuError, Href: "/courses", Label: "web.error.courses", Order: 20},
		{Menu: web.MenuAdmin, Href: "/studio/courses", Label: "catalog.console.courses", Note: "catalog.console.courses_note",
			Icon: "easel2", Order: 20, Obj: objCourse, Act: "create"},
	}
}

// Import loads a bundle (see bundle/); new rows are authored by authorID.
// The media files the bundle holds become media (owned by authorID) through
// the bound BundleMedia, and topics name them; where this server cannot take
// media, topics keep the file paths.
func (m *Module) Import(ctx context.Context, b *Bundle, authorID int64) (ImportReport, error) {
	return m.svc.Import(ctx, b, authorID)
}

// Needs are the providers the app binds after building every module.
func (m *Module) Needs() []provide.Need {
	return []provide.Need{&m.svc.ent, &m.svc.statuses, &m.svc.bundleMedia, &m.svc.storefront, &m.svc.classroom, &m.svc.library}
}

// Empty reports whether the catalog has no course at all, not even a
// deleted one (first start).
func (m *Module) Empty(ctx context.Context) (bool, error) {
	some, err := m.svc.st.anyCourse(ctx, m.svc.db.R)
	return !some, err
}
