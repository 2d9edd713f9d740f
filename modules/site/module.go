package site

import (
	"embed"
	"io/fs"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/provide"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml templates
var files embed.FS

// Deps are the module's dependencies.
type Deps struct {
	Web   *web.Web
	Authz *authz.Enforcer
	// Catalog gives the featured curriculum's roadmap with the caller's
	// statuses.
	Catalog catalog.Reader
}

// Module serves the home page.
type Module struct {
	web     *web.Web
	authz   *authz.Enforcer
	catalog catalog.Reader
	// shop is late-bound: the module that sells access says where the
	// nano-degree is bought.
	shop provide.Slot[catalog.Storefront]
}

// New returns the site module.
func New(d Deps) *Module {
	return &Module{web: d.Web, authz: d.Authz, catalog: d.Catalog}
}

// Needs are the providers the app binds after building every module.
func (m *Module) Needs() []provide.Need { return []provide.Need{&m.shop} }

// Name is "site".
func (m *Module) Name() string { return "site" }

// Files are the module's message catalogs (locales/) and pages (templates/).
func (m *Module) Files() fs.FS { return files }

// Nav: the roadmap (the home page) leads the menus.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuMain, Href: "/", Label: "web.nav.roadmap", Order: 10},
		{Menu: web.MenuFooterLearn, Href: "/", Label: "web.nav.roadmap", Order: 10},
	}
}

// Policies: the site's pages are public.
func (m *Module) Policies() []authz.Policy { return nil }

// Routes mounts the pages. The site has no JSON API.
func (m *Module) Routes(_ huma.API, pages fiber.Router) {
	pages.Get("/", m.home)
}
