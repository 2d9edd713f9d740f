package commerce

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/jobs"
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
	Events *events.Bus
	Jobs   *jobs.Runner
	Web    *web.Web
	I18n   *i18n.Bundle
	// Keys seal billing addresses (personal data) at rest.
	Keys  *crypto.Keyring
	Users accounts.Directory
	// Catalog is what is sold; Entitlements who already has it.
	Catalog      catalog.Reader
	Entitlements catalog.Entitlements
	// Grants gives and takes back access (from OrderPaid and OrderRefunded);
	// Consumption measures what a payer watched (the refund policy).
	Grants      learning.Grants
	Consumption learning.Consumption
	// Providers are the enabled payment providers, in the order offered
	// (none: nothing can be bought on this instance).
	Providers []provider.Provider
	// BaseURL is the public address providers send browsers back to.
	BaseURL  string
	Settings Settings
}

// Module is the commerce module.
type Module struct {
	svc  *service
	web  *web.Web
	i18n *i18n.Bundle
}

// New builds the module, registers its reconciler and subscribes to its
// own events (access granted on OrderPaid, revoked on OrderRefunded).
func New(d Deps) *Module {
	d.Settings.defaults()
	svc := &service{db: d.DB, st: store{d: d.DB}, authz: d.Authz, clock: d.Clock, logger: d.Logger, bus: d.Events,
		jobs: d.Jobs, keys: d.Keys, users: d.Users, catalog: d.Catalog, ent: d.Entitlements, grants: d.Grants,
		consumed: d.Consumption, providers: map[string]provider.Provider{}, baseURL: strings.TrimSuffix(d.BaseURL, "/"),
		settings: d.Settings}
	for _, p := range d.Providers {
		if _, dup := svc.providers[p.Name()]; !dup {
			svc.order = append(svc.order, p.Name())
		}
		svc.providers[p.Name()] = p
	}
	// A run asks the provider about up to reconcileBatch payments per state,
	// each call bounded by ProviderTimeout: more than the default job timeout.
	jobs.AddWorker(d.Jobs, &reconcileWorker{s: svc}, jobs.WithTimeout(reconcileTimeout))
	d.Jobs.AddPeriodic(periodicReconcile())
	events.Subscribe(d.Events, "commerce.grant_access", svc.grantAccess)
	events.Subscribe(d.Events, "commerce.revoke_access", svc.revokeAccess)
	return &Module{svc: svc, web: d.Web, i18n: d.I18n}
}

// Name is "commerce".
func (m *Module) Name() string { return "commerce" }

// Files are the module's message catalogs and pages.
func (m *Module) Files() fs.FS { return files }

// Reconcile settles payments left approving or refund_requested (the
// periodic job runs it; tests and operators may too).
func (m *Module) Reconcile(ctx context.Context) (int, error) { return m.svc.Reconcile(ctx) }

// RotateKeys re-seals billing addresses under the active encryption key.
func (m *Module) RotateKeys(ctx context.Context) (int, error) { return m.svc.RotateKeys(ctx) }

// Analytics is the module's numbers for the dashboards and its recent
// payments.
func (m *Module) Analytics() Analytics { return analytics{s: m.svc} }

// Storefront is where the catalog's pages send buyers.
func (m *Module) Storefront() catalog.Storefront { return storefront{m.svc} }

type storefront struct{ s *service }

func (f storefront) CourseBuyURL(id int64) string {
	if len(f.s.order) == 0 {
		return ""
	}
	return fmt.Sprintf("/checkout?course=%d", id)
}

func (f storefront) CurriculumBuyURL(id int64) string {
	if len(f.s.order) == 0 {
		return ""
	}
	return fmt.Sprintf("/checkout?curriculum=%d", id)
}

// Policies: every signed-in user has a cart, orders, keeps billing
// addresses, pays and reads their own payments and receipts, and may have a
// payment refunded while the refund policy allows (relRefundable); admins
// may do everything, including listing and refunding every payment.
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Student, Obj: objCart, Act: "use", Rel: authz.Any},
		{Role: authz.Student, Obj: objOrder, Act: "create", Rel: authz.Any},
		{Role: authz.Student, Obj: objOrder, Act: "read", Rel: authz.Owner},
		{Role: authz.Student, Obj: objAddress, Act: "create", Rel: authz.Owner},
		{Role: authz.Student, Obj: objAddress, Act: "read", Rel: authz.Owner},
		{Role: authz.Student, Obj: objAddress, Act: "update", Rel: authz.Owner},
		{Role: authz.Student, Obj: objAddress, Act: "delete", Rel: authz.Owner},
		{Role: authz.Student, Obj: objPayment, Act: "create", Rel: authz.Owner},
		{Role: authz.Student, Obj: objPayment, Act: "read", Rel: authz.Owner},
		{Role: authz.Student, Obj: objPayment, Act: "approve", Rel: authz.Owner},
		{Role: authz.Student, Obj: objPayment, Act: "refund", Rel: relRefundable},
		{Role: authz.Student, Obj: objReceipt, Act: "read", Rel: authz.Owner},
	}
}

// Routes mounts the API and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
}

// Nav: the cart and "my orders" in the account menu, and the payments
// console for those who may list every payment.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuAccount, Href: "/cart", Label: "commerce.nav.cart", Icon: "cart3", Order: 30},
		{Menu: web.MenuAccount, Href: "/me/orders", Label: "commerce.nav.orders", Icon: "receipt", Order: 31},
		{Menu: web.MenuAdmin, Href: "/admin/payments", Label: "commerce.nav.admin", Icon: "credit-card",
			Note: "commerce.nav.admin_note", Obj: objPayment, Act: "list", Order: 40},
	}
}
