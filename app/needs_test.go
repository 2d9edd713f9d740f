package app

import (
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/provide"
)

// nothingSold is a storefront that sells nothing.
type nothingSold struct{}

func (nothingSold) CourseBuyURL(int64) string     { return "" }
func (nothingSold) CurriculumBuyURL(int64) string { return "" }

// needy is a module with one late-bound provider.
type needy struct {
	ent provide.Slot[catalog.Storefront]
}

func (*needy) Name() string                  { return "needy" }
func (*needy) Policies() []authz.Policy      { return nil }
func (*needy) Routes(huma.API, fiber.Router) {}
func (m *needy) Needs() []provide.Need       { return []provide.Need{&m.ent} }

// Start-up refuses a module whose required provider nobody bound, with one
// line naming the module and the interface; once bound it starts.
func TestStartupNeedsEveryProviderBound(t *testing.T) {
	m := &needy{}
	err := (&App{modules: []Module{m}}).collect() // what New runs once the modules are built
	if err == nil {
		t.Fatal("an unbound provider was accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "needy needs a catalog.Storefront") || strings.Contains(msg, "\n") {
		t.Fatalf("error %q: want one line naming the module and the interface", msg)
	}
	if err := provide.Bind[catalog.Storefront](m, nothingSold{}); err != nil {
		t.Fatal(err)
	}
	if err := checkNeeds([]Module{m}); err != nil {
		t.Fatalf("bound: %v", err)
	}
}

// A test double replaces the binding of every slot it fits; one that fits
// none is a mistake worth failing on.
func TestReplaceProvider(t *testing.T) {
	m := &needy{}
	a := &App{modules: []Module{m}}
	if err := a.ReplaceProvider(struct{}{}); err == nil {
		t.Fatal("a double fitting no slot was accepted")
	}
	if err := a.ReplaceProvider(nothingSold{}); err != nil || !m.ent.Bound() {
		t.Fatalf("ReplaceProvider: %v (bound %v)", err, m.ent.Bound())
	}
}
