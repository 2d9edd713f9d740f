package app

import (
	"fmt"
	"io/fs"

	"github.com/weaverse/weaverse/platform/web"
)

// collect checks that every late-bound provider is bound, then gathers what
// the modules declare for the platform: policies, message catalogs and
// templates, route options, job queues and navigation entries.
func (a *App) collect() error {
	if err := checkNeeds(a.modules); err != nil {
		return err
	}
	nav := []web.NavEntry{
		{Menu: web.MenuFooterSupport, Href: "/api/docs", Label: "web.footer.api", Order: 90},
	}
	for _, m := range a.modules {
		name := m.Name()
		if err := a.Authz.Add(name, m.Policies()); err != nil {
			return err
		}
		if f, ok := m.(Filer); ok {
			if err := a.loadFiles(name, f.Files()); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		if r, ok := m.(RouteOptioner); ok {
			a.routeOpts = append(a.routeOpts, r.RouteOptions()...)
		}
		if q, ok := m.(Queuer); ok {
			for queue, workers := range q.Queues() {
				if err := a.Jobs.AddQueue(queue, workers); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		if n, ok := m.(Navigator); ok {
			nav = append(nav, n.Nav()...)
		}
	}
	return a.Web.SetNav(nav, a.Authz)
}

// loadFiles loads a module's locales/ and templates/, each when present.
func (a *App) loadFiles(module string, files fs.FS) error {
	if sub, ok := subdir(files, "locales"); ok {
		if err := a.I18n.Load(sub); err != nil {
			return err
		}
	}
	if sub, ok := subdir(files, "templates"); ok {
		if err := a.Web.AddTemplates(module, sub); err != nil {
			return err
		}
	}
	return nil
}

func subdir(fsys fs.FS, dir string) (fs.FS, bool) {
	if st, err := fs.Stat(fsys, dir); err != nil || !st.IsDir() {
		return nil, false
	}
	sub, err := fs.Sub(fsys, dir)
	return sub, err == nil
}

// capabilities are the optional features the modules found on this instance.
func (a *App) capabilities() map[string]bool {
	out := map[string]bool{}
	for _, m := range a.modules {
		if c, ok := m.(Capable); ok {
			for k, v := range c.Capabilities() {
				out[k] = v
			}
		}
	}
	return out
}

// routePaths are the paths of every route mounted so far.
func (a *App) routePaths() []string {
	var out []string
	for _, r := range a.Fiber.GetRoutes(true) {
		out = append(out, r.Path)
	}
	return out
}
