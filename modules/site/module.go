package site

import (
	"embed"
	"io/fs"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed locales/*.toml
var localeFS embed.FS

// Deps are the module's dependencies.
type Deps struct {
	Web *web.Web
	// Catalog gives the featured curriculum's roadmap with the caller's
	// statuses. Without it the home page shows no roadmap.
	Catalog catalog.Reader
}

// Module serves the home page.
type Module struct {
	web     *web.Web
	catalog catalog.Reader
}

// New returns the site module.
func New(d Deps) *Module {
	return &Module{web: d.Web, catalog: d.Catalog}
}

// Name is "site".
func (m *Module) Name() string { return "site" }

// Policies: the site's pages are public; there is nothing to authorize yet.
func (m *Module) Policies() []authz.Policy { return nil }

// Routes mounts the pages. The site has no JSON API.
func (m *Module) Routes(_ huma.API, pages fiber.Router) {
	pages.Get("/", m.home)
}

// Templates are the module's pages (templates/*.html → "site/<name>").
func (m *Module) Templates() fs.FS { return sub(templateFS, "templates") }

// Locales are the module's message catalogs (site.ko.toml, site.en.toml).
func (m *Module) Locales() fs.FS { return sub(localeFS, "locales") }

func sub(fsys fs.FS, dir string) fs.FS {
	s, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // dir is a compile-time constant embedded above
	}
	return s
}
