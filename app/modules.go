package app

import (
	"github.com/weaverse/weaverse/modules/site"
)

// buildModules constructs every module, in dependency order, with exactly
// the dependencies each declares in its Deps. This is the only place modules
// meet; a module that needs another receives the other's api.go interface here.
func (a *App) buildModules() []Module {
	siteMod := site.New(site.Deps{Web: a.Web})
	return []Module{siteMod}
}
