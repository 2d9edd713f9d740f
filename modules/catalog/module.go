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
	// Web renders the catalog pages.
	Web *web.Web
	// I18n localises page strings in handlers.
	I18n *i18n.Bundle
	// BundleSchema is the JSON Schema of course bundles (course.yaml,
	// curriculum.yaml), served to editors. It is made by the bundle package,
	// which imports this one.
	BundleSchema []byte
}

// Module is the catalog module.
type Module struct {
	bundleSchema []byte
	svc          *service
	authz        *authz.Enforcer
	web          *web.Web
	i18n         *i18n.Bundle
}

// New builds the module.
func New(d Deps) *Module {
	return &Module{bundleSchema: d.BundleSchema, authz: d.Authz, web: d.Web, i18n: d.I18n, svc: &service{db: d.DB, authz: d.Authz, clock: d.Clock, users: d.Users, kinds: NewKinds(),
		md: newMarkdown(), logger: d.Logger}}
}

// Name is "catalog".
func (m *Module) Name() string { return "catalog" }

// Files are the module's message catalogs (locales/) and pages (templates/).
func (m *Module) Files() fs.FS { return files }

// Reader is the catalog as other modules read it.
func (m *Module) Reader() Reader { return m.svc }

// Policies: anyone reads published courses; tutors create courses and
// curriculums and change their own; admins everything.
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Tutor, Obj: "catalog.course", Act: "create", Rel: authz.Any},
		{Role: authz.Tutor, Obj: "catalog.course", Act: "update", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: "catalog.course", Act: "delete", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: "catalog.curriculum", Act: "create", Rel: authz.Any},
		{Role: authz.Tutor, Obj: "catalog.curriculum", Act: "update", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: "catalog.curriculum", Act: "delete", Rel: authz.Owner},
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

// Nav: the course list for everyone, the studio for those who may author.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuMain, Href: "/courses", Label: "web.nav.courses", Order: 20},
		{Menu: web.MenuFooterLearn, Href: "/courses", Label: "web.nav.courses", Order: 20},
		{Menu: web.MenuAccount, Href: "/studio/courses", Label: "web.nav.studio", Icon: "easel2", Order: 20,
			Obj: "catalog.course", Act: "create"},
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
	return []provide.Need{&m.svc.ent, &m.svc.statuses, &m.svc.bundleMedia}
}

// Empty reports whether the catalog has no course at all (first start).
func (m *Module) Empty(ctx context.Context) (bool, error) {
	n, err := m.svc.db.R.NewSelect().Model((*courseRow)(nil)).Count(ctx)
	return n == 0, err
}
