package commerce

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

// checkoutView is the data of "commerce/checkout".
type checkoutView struct {
	Products  []productView
	Total     string
	FromCart  bool
	Owned     bool // the one product is owned already
	Addresses []Address
	Providers []providerChoice
	Form      *web.Form
	Nonce     string
}

type providerChoice struct {
	Name, Label string
	Checked     bool
}

// checkoutFields are the form's fields.
var checkoutFields = []string{"kind", "id", "cart", "provider", "address", "name", "country", "main_address",
	"detail_address", "postal_code", "nonce"}

// products reads what a checkout sells: ?curriculum=N, ?course=N, or the
// cart (?cart=1).
func (m *Module) products(c *fiber.Ctx, p *authz.Principal, kind string, id int64, fromCart bool) ([]*Product, bool, error) {
	ctx := c.UserContext()
	if fromCart {
		rows, err := m.svc.st.cartItems(ctx, m.svc.db.R, p.UserID)
		if err != nil {
			return nil, false, err
		}
		var out []*Product
		for _, r := range rows {
			prod, err := m.svc.product(ctx, r.Kind, r.ProductID)
			if errors.Is(err, errProductNotFound) {
				continue
			}
			if err != nil {
				return nil, false, err
			}
			out = append(out, prod)
		}
		return out, false, nil
	}
	prod, owned, err := m.svc.ProductFor(ctx, p, kind, id)
	if err != nil {
		return nil, false, err
	}
	return []*Product{prod}, owned, nil
}

// checkoutQuery reads the product a checkout names.
func checkoutQuery(get func(string) string) (kind string, id int64, fromCart bool, ok bool) {
	if get("cart") != "" {
		return "", 0, true, true
	}
	for _, k := range []string{KindCurriculum, KindCourse} {
		if v := get(k); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			return k, n, false, err == nil && n > 0
		}
	}
	if k := get("kind"); k == KindCourse || k == KindCurriculum {
		n, err := strconv.ParseInt(get("id"), 10, 64)
		return k, n, false, err == nil && n > 0
	}
	return "", 0, false, false
}

func (m *Module) renderCheckout(c *fiber.Ctx, status int, p *authz.Principal, kind string, id int64, fromCart bool, f *web.Form) error {
	prods, owned, err := m.products(c, p, kind, id, fromCart)
	if err != nil {
		return err
	}
	addrs, err := m.svc.Addresses(c.UserContext(), p)
	if err != nil {
		return err
	}
	v := checkoutView{FromCart: fromCart, Owned: owned, Addresses: addrs, Form: f, Nonce: nonce()}
	var total int64
	for _, pr := range prods {
		v.Products = append(v.Products, m.productView(c, pr))
		total += pr.Price
	}
	v.Total = m.won(m.lang(c), total)
	chosen := f.Value("provider")
	for i, name := range m.svc.order {
		v.Providers = append(v.Providers, providerChoice{Name: name, Label: m.t(c, "commerce.provider."+name),
			Checked: chosen == name || chosen == "" && i == 0})
	}
	if f.Value("address") == "" {
		for _, a := range addrs {
			if a.IsDefault {
				f.Set("address", strconv.FormatInt(a.ID, 10))
			}
		}
		if len(addrs) == 0 {
			f.Set("address", "new")
		}
	}
	return m.web.Render(c, status, "commerce/checkout", v)
}

// checkoutPage shows what is bought, its price, the billing address and
// the providers, and the pay button.
func (m *Module) checkoutPage(c *fiber.Ctx) error {
	kind, id, fromCart, ok := checkoutQuery(func(k string) string { return c.Query(k) })
	if !ok {
		return errProductNotFound
	}
	p, err := m.signedIn(c)
	if p == nil {
		return err
	}
	// The country a new address most likely has is filled in: a buyer who
	// types only the address is not sent back for it.
	f := web.NewForm(checkoutFields...).Set("kind", kind).Set("id", strconv.FormatInt(id, 10)).
		Set("country", m.t(c, "commerce.page.address.country_default"))
	if fromCart {
		f.Set("cart", "1")
	}
	return m.renderCheckout(c, fiber.StatusOK, p, kind, id, fromCart, f)
}

// checkoutSubmit orders the product (or the cart) and starts its payment
// under the form's nonce as Idempotency-Key: a second submission of the
// same form follows the first to the same payment.
func (m *Module) checkoutSubmit(c *fiber.Ctx) error {
	p, err := postedBy(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	f := web.NewForm(checkoutFields...)
	for _, k := range checkoutFields {
		f.Set(k, strings.TrimSpace(c.FormValue(k)))
	}
	kind, id, fromCart, ok := checkoutQuery(f.Value)
	if !ok {
		return errProductNotFound
	}
	key := f.Value("nonce")
	if len(key) > 100 {
		key = ""
	}
	if out, err := m.svc.IdempotentReplay(ctx, p, key); err == nil && out != nil {
		return m.followPayment(c, out)
	}
	again := func(err error) error {
		if !shown(err) && apperr.KindOf(err) != apperr.NotFound {
			return err
		}
		var ae *apperr.Error
		if errors.As(err, &ae) && len(ae.Fields) > 0 {
			name := ae.Fields[0].Location
			name = name[strings.LastIndex(name, ".")+1:]
			if name == "billing_address_id" {
				name = "address"
			}
			f.Fail(name, m.t(c, ae.Fields[0].Message))
		} else {
			f.Message = m.message(c, err)
		}
		status := fiber.StatusUnprocessableEntity
		if apperr.KindOf(err) == apperr.Conflict {
			status = fiber.StatusConflict
		}
		return m.renderCheckout(c, status, p, kind, id, fromCart, f)
	}
	// The address is checked first, saved once the order stands: a
	// checkout that fails leaves nothing half-made behind.
	addressID := int64(0)
	var newAddress *AddressInput
	if f.Value("address") == "new" {
		in := AddressInput{Name: f.Value("name"), Country: f.Value("country"), MainAddress: f.Value("main_address"),
			DetailAddress: f.Value("detail_address"), PostalCode: f.Value("postal_code"), IsDefault: true}
		// The country alone (filled in by the page) is no address.
		if in.MainAddress != "" || in.PostalCode != "" || in.Name != "" || in.DetailAddress != "" {
			if _, err := in.clean(); err != nil {
				return again(err)
			}
			newAddress = &in
		}
	} else if n, err := strconv.ParseInt(f.Value("address"), 10, 64); err == nil && n > 0 {
		addressID = n
	}
	in := OrderInput{}
	if !fromCart {
		ref := ProductRef{CourseID: id}
		if kind == KindCurriculum {
			ref = ProductRef{CurriculumID: id}
		}
		in.Items = []ProductRef{ref}
	}
	o, err := m.svc.CreateOrder(ctx, p, in)
	if err != nil {
		if errors.Is(err, errPaymentInProgress) || errors.Is(err, errIdemInProgress) {
			if out := m.waitReplay(ctx, p, key); out != nil {
				return m.followPayment(c, out)
			}
		}
		return again(err)
	}
	if newAddress != nil {
		a, err := m.svc.SaveAddress(ctx, p, 0, *newAddress)
		if err != nil {
			return again(err)
		}
		addressID = a.ID
		f.Set("address", strconv.FormatInt(a.ID, 10))
	}
	out, _, err := m.svc.StartPaymentKeyed(ctx, p, PaymentInput{OrderID: o.ID, Provider: f.Value("provider"),
		BillingAddressID: addressID}, key)
	// The same form, submitted twice at once: the first submission's payment.
	// With a new address each submission saved its own, so their bodies
	// differ (a mismatch) though the form is the same.
	if errors.Is(err, errIdemInProgress) || errors.Is(err, errIdemMismatch) {
		if out = m.waitReplay(ctx, p, key); out != nil {
			return m.followPayment(c, out)
		}
	}
	if err != nil {
		return again(err)
	}
	return m.followPayment(c, out)
}

// followPayment sends the payer on: to our own page (the demo's approval,
// Toss's SDK) directly, to a provider's page through a page with a link.
func (m *Module) followPayment(c *fiber.Ctx, out *PaymentStarted) error {
	if strings.HasPrefix(out.RedirectURL, "/") && !strings.HasPrefix(out.RedirectURL, "//") {
		return c.Redirect(out.RedirectURL, fiber.StatusSeeOther)
	}
	return c.Redirect(ResultURL(out.PaymentID)+"/go", fiber.StatusSeeOther)
}
