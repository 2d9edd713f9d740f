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
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml
var localeFS embed.FS

//go:embed templates
var templateFS embed.FS

// Deps are the module's dependencies.
type Deps struct {
	DB     *db.DB
	Authz  *authz.Enforcer
	Clock  clock.Clock
	Logger *slog.Logger
	Users  accounts.Directory
	// Entitlements and Statuses come from the modules that sell access and
	// track progress; without them only authors and admins see premium
	// content, and signed-in learners see every course as locked.
	Entitlements Entitlements
	Statuses     StatusProvider
	// Web renders the catalog pages.
	Web *web.Web
	// I18n localises page strings in handlers.
	I18n *i18n.Bundle
}

// Module is the catalog module.
type Module struct {
	svc   *service
	authz *authz.Enforcer
	web   *web.Web
	i18n  *i18n.Bundle
}

// New builds the module.
func New(d Deps) *Module {
	return &Module{authz: d.Authz, web: d.Web, i18n: d.I18n, svc: &service{db: d.DB, authz: d.Authz, clock: d.Clock, users: d.Users, kinds: NewKinds(),
		ent: d.Entitlements, statuses: d.Statuses, md: newMarkdown(), logger: d.Logger}}
}

// Name is "catalog".
func (m *Module) Name() string { return "catalog" }

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

// Locales are the module's catalogs.
func (m *Module) Locales() fs.FS {
	s, err := fs.Sub(localeFS, "locales")
	if err != nil {
		panic(err)
	}
	return s
}

// Templates are the module's pages.
func (m *Module) Templates() fs.FS {
	s, err := fs.Sub(templateFS, "templates")
	if err != nil {
		panic(err)
	}
	return s
}

// Routes mounts the API and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
}

// Import loads a bundle (see bundle/); new rows are authored by authorID.
// With media, the videos the bundle's files hold become media (owned by
// authorID) and topics name them; without, topics keep the file paths.
func (m *Module) Import(ctx context.Context, b *Bundle, authorID int64, media BundleMedia) (ImportReport, error) {
	return m.svc.Import(ctx, b, authorID, media)
}

// Empty reports whether the catalog has no course at all (first start).
func (m *Module) Empty(ctx context.Context) (bool, error) {
	n, err := m.svc.db.R.NewSelect().Model((*courseRow)(nil)).Count(ctx)
	return n == 0, err
}
