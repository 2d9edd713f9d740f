package app

import (
	"context"
	"io/fs"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
)

// Module is one bounded context (accounts, catalog, media, …). Modules are
// constructed explicitly, in order, by the composition root (modules.go), with
// their dependencies passed to their New(Deps) constructor.
type Module interface {
	// Name is the module's short name: "catalog". It prefixes its policy
	// objects ("catalog.course"), its tables ("catalog_courses") and its
	// templates ("catalog/course").
	Name() string
	// Policies are the static casbin rules the module contributes.
	Policies() []authz.Policy
	// Routes mounts the module's JSON API operations (huma, under /api) and its
	// server-rendered pages (plain Fiber handlers).
	Routes(api huma.API, pages fiber.Router)
}

// Starter is implemented by modules with background work (job workers, event
// subscribers). Start must not block.
type Starter interface {
	Start(ctx context.Context) error
}

// Stopper is implemented by modules that must release resources on shutdown.
type Stopper interface {
	Stop(ctx context.Context) error
}

// Localized is implemented by modules that ship message catalogs
// ("*.ko.toml", "*.en.toml").
type Localized interface {
	Locales() fs.FS
}

// Templated is implemented by modules with server-rendered pages. The files
// (*.html) are registered with the web renderer under the module's name, so a
// page "home.html" of module "site" is rendered as "site/home".
type Templated interface {
	Templates() fs.FS
}
