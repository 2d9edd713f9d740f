package app

import (
	"context"
	"io/fs"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/web"
)

// Module is one bounded context (accounts, catalog, media, …). Modules are
// constructed explicitly, in order, by the composition root (modules.go), with
// their dependencies passed to their New(Deps) constructor. What else a
// module needs from the platform it declares through the optional
// interfaces below; app collects them, so nothing outside a module names its
// paths, queues or pages. modules/README.md is the guide.
type Module interface {
	// Name is the module's short name: "catalog". It prefixes its policy
	// objects ("catalog.course"), its tables ("catalog_courses"), its event
	// names ("catalog.course_published") and its templates ("catalog/course").
	Name() string
	// Policies are the static casbin rules the module contributes.
	Policies() []authz.Policy
	// Routes mounts the module's JSON API operations (huma, under /api) and its
	// server-rendered pages (plain Fiber handlers).
	Routes(api huma.API, pages fiber.Router)
}

// Starter is implemented by modules with background work that is not a job
// (jobs and event subscribers are registered in New). Start must not block.
type Starter interface {
	Start(ctx context.Context) error
}

// Stopper is implemented by modules that must release resources on shutdown.
type Stopper interface {
	Stop(ctx context.Context) error
}

// Filer is implemented by modules that ship files: message catalogs in
// locales/ ("*.ko.toml", "*.en.toml") and page templates in templates/
// ("*.html", registered under the module's name: "home.html" of module
// "site" renders as "site/home"). Both folders are optional.
type Filer interface {
	Files() fs.FS
}

// RouteOptioner is implemented by modules whose routes need more than the
// HTTP defaults: no request timeout, a longer write deadline, a streamed or
// larger body, no compression, a raw body (see httpx.RouteOption).
type RouteOptioner interface {
	RouteOptions() []httpx.RouteOption
}

// Queuer is implemented by modules that run jobs in queues of their own:
// queue name → the most jobs it works at once on this instance. A module
// that cannot work a queue here (a missing program) leaves it out, and the
// instances that can work it do.
type Queuer interface {
	Queues() map[string]int
}

// Capable is implemented by modules with optional capabilities that depend
// on the instance (ffmpeg installed, an LLM configured): /readyz reports them
// by name.
type Capable interface {
	Capabilities() map[string]bool
}

// Middlewarer is implemented by modules that look at every request once
// its caller is known (the dashboard's presence: who is on the platform).
// The handler must be cheap and call c.Next(); it runs after
// authentication, in the modules' order.
type Middlewarer interface {
	Middleware() fiber.Handler
}

// Navigator is implemented by modules that put links in the layout's menus;
// each link shows only to callers its casbin rule admits.
type Navigator interface {
	Nav() []web.NavEntry
}
