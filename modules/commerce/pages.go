package commerce

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

// pages mounts the buyer's pages — checkout (pages_checkout.go), the
// payment's own pages (the demo's approval, the way on to a provider, the
// result), the cart, my orders and receipts, the refund request — and the
// admins' payments console. Forms post back to their own path and redirect
// (303) on success.
func (m *Module) pages(r fiber.Router) {
	r.Get("/checkout", privatePage, m.checkoutPage)
	r.Post("/checkout", privatePage, m.checkoutSubmit)
	r.Get("/cart", privatePage, m.cartPage)
	r.Post("/cart", privatePage, m.cartAdd)
	r.Post("/cart/:id/delete", privatePage, m.cartRemove)
	r.Get("/payments/tosspayments/success", privatePage, m.tossSuccess)
	r.Get("/payments/tosspayments/fail", privatePage, m.tossFail)
	r.Get("/payments/:id", privatePage, m.resultPage)
	r.Get("/payments/:id/go", privatePage, m.goPage)
	r.Get("/payments/:id/demo", privatePage, m.demoPage)
	r.Get("/payments/:id/tosspayments", privatePage, m.tossPage)
	r.Post("/payments/:id/demo", privatePage, m.demoSubmit)
	r.Get("/me/orders", privatePage, m.ordersPage)
	r.Get("/me/receipts/:id", privatePage, m.receiptPage)
	r.Get("/me/payments/:id/refund", privatePage, m.refundPage)
	r.Post("/me/payments/:id/refund", privatePage, m.refundSubmit)
	admin := httpx.RequirePage(m.svc.authz, objPayment, "list")
	r.Get("/admin/payments", privatePage, admin, m.adminPage)
	r.Post("/admin/payments/:id/refund", privatePage, admin, m.adminRefund)
}

// privatePage marks a page with personal data: no cache may keep it.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

func (m *Module) lang(c *fiber.Ctx) string { return i18n.LangFrom(c.UserContext()) }

// param is a positive id from the path, or 404.
func param(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id < 1 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// signedIn returns the caller, or sends a visitor to sign in (p nil).
func (m *Module) signedIn(c *fiber.Ctx) (*authz.Principal, error) {
	p := authz.PrincipalFrom(c.UserContext())
	if p == nil {
		return nil, c.Redirect(m.web.SignInURL(c.OriginalURL()), fiber.StatusSeeOther)
	}
	return p, nil
}

// postedBy returns the caller of a form post; a visitor (a session that
// ended under the form) gets the sign-in error page.
func postedBy(c *fiber.Ctx) (*authz.Principal, error) {
	p := authz.PrincipalFrom(c.UserContext())
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	return p, nil
}

// message is the text of a service error for a page, in the request's
// language.
func (m *Module) message(c *fiber.Ctx, err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		if len(ae.Fields) > 0 {
			return m.t(c, ae.Fields[0].Message)
		}
		kv := []any{}
		for k, v := range ae.Data {
			kv = append(kv, k, v)
		}
		return m.t(c, ae.Msg, kv...)
	}
	return m.t(c, "commerce.page.error")
}

// shown says whether err is one a page shows in place (the user can act on
// it) rather than as an error page.
func shown(err error) bool {
	k := apperr.KindOf(err)
	return k == apperr.Conflict || k == apperr.Invalid || k == apperr.Unavailable
}

// productView is a product as pages show it.
type productView struct {
	Kind, Title, Price string
	ID                 int64
	AccessDays         int
	Courses            int
	URL                string // its page in the catalog
}

func (m *Module) productView(c *fiber.Ctx, p *Product) productView {
	v := productView{Kind: p.Kind, ID: p.ID, Title: p.Title, Price: m.won(m.lang(c), p.Price), AccessDays: p.AccessDays,
		Courses: len(p.CourseIDs), URL: fmt.Sprintf("/courses/%d", p.ID)}
	if p.Kind == KindCurriculum {
		v.URL = "/"
	}
	return v
}

// paymentView is a payment as pages show it.
type paymentView struct {
	*Payment
	ResultURL  string
	Amount     string
	StatusText string
	Provider   string
	Items      []OrderItem
	ReceiptID  int64  // its payment receipt
	RefundID   int64  // its refund receipt
	Refundable bool   // the viewer may have it refunded now
	Payer      string // nickname <e-mail> (the admins' list)
}

func (m *Module) paymentView(c *fiber.Ctx, p *Payment, items []OrderItem) paymentView {
	return paymentView{Payment: p, ResultURL: ResultURL(p.ID), Amount: m.won(m.lang(c), p.Amount), Items: items,
		StatusText: m.t(c, "commerce.status."+p.Status), Provider: m.t(c, "commerce.provider."+p.Provider)}
}

// pagePayment reads the payment a page's path names, as its viewer may
// see it; pay is nil when the page is answered already (a visitor sent to
// sign in) or err says why not.
func (m *Module) pagePayment(c *fiber.Ctx) (*authz.Principal, *Payment, error) {
	id, err := param(c, "id")
	if err != nil {
		return nil, nil, err
	}
	p, err := m.signedIn(c)
	if p == nil {
		return nil, nil, err
	}
	pay, err := m.svc.Payment(c.UserContext(), p, id)
	return p, pay, err
}

// resultPage tells the payer how a payment went.
func (m *Module) resultPage(c *fiber.Ctx) error {
	p, pay, err := m.pagePayment(c)
	if pay == nil {
		return err
	}
	ctx := c.UserContext()
	o, err := m.svc.Order(ctx, p, pay.OrderID)
	if err != nil {
		return err
	}
	v := m.paymentView(c, pay, o.Items)
	if pay.Status == payPaid || pay.Status == payRefunded {
		if rs, _, err := m.svc.st.receipts(ctx, m.svc.db.R, 0, pay.ID, 2, 0); err == nil {
			for _, r := range rs {
				if r.Kind == "payment" {
					v.ReceiptID = r.ID
				}
			}
		}
	}
	return m.web.Render(c, fiber.StatusOK, "commerce/result", struct {
		Pay      paymentView
		Checkout string
	}{v, m.checkoutAgain(o)})
}

// checkoutAgain is where to try an order's payment again.
func (m *Module) checkoutAgain(o *Order) string {
	if len(o.Items) == 1 {
		return fmt.Sprintf("/checkout?%s=%d", o.Items[0].Kind, o.Items[0].ProductID)
	}
	return "/checkout?cart=1"
}

// goPage takes the payer on to the provider's own page (a link: a form's
// redirect to another origin would break the page's form-action policy).
func (m *Module) goPage(c *fiber.Ctx) error {
	_, pay, err := m.pagePayment(c)
	if pay == nil {
		return err
	}
	if pay.Status != payReady || pay.RedirectURL == "" {
		return c.Redirect(ResultURL(pay.ID), fiber.StatusSeeOther)
	}
	return m.web.Render(c, fiber.StatusOK, "commerce/go", m.paymentView(c, pay, nil))
}

// demoPage is the demo provider's "payment page": approve or cancel.
func (m *Module) demoPage(c *fiber.Ctx) error {
	p, pay, err := m.pagePayment(c)
	if pay == nil {
		return err
	}
	if pay.Provider != "demo" {
		return errPaymentNotFound
	}
	if pay.Status != payReady {
		return c.Redirect(ResultURL(pay.ID), fiber.StatusSeeOther)
	}
	o, err := m.svc.Order(c.UserContext(), p, pay.OrderID)
	if err != nil {
		return err
	}
	return m.web.Render(c, fiber.StatusOK, "commerce/demo", m.paymentView(c, pay, o.Items))
}

// demoSubmit approves (or cancels) a demo payment through the same
// approval path as the real providers.
func (m *Module) demoSubmit(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	p, err := postedBy(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if c.FormValue("action") == "cancel" {
		_, err = m.svc.CancelReady(ctx, p, id, "demo", "", false, "")
	} else {
		_, err = m.svc.Approve(ctx, p, id, ApproveInput{Provider: "demo"})
	}
	if err != nil && !errors.Is(err, errPaymentNotReady) {
		return err
	}
	return c.Redirect(ResultURL(id), fiber.StatusSeeOther)
}

// tossSDK is Toss Payments' browser SDK: only its checkout page loads it.
const tossSDK = "https://js.tosspayments.com/v2/standard"

// tossCSP is that page's policy: ours, plus Toss's SDK, its payment window
// (frames) and the calls the SDK makes.
const tossCSP = "default-src 'self'; img-src 'self' data: https://*.tosspayments.com; " +
	"style-src 'self' 'unsafe-inline' https://*.tosspayments.com; font-src 'self' data:; " +
	"script-src 'self' https://js.tosspayments.com; connect-src 'self' https://*.tosspayments.com; " +
	"frame-src https://*.tosspayments.com; object-src 'none'; base-uri 'self'; " +
	"form-action 'self' https://*.tosspayments.com; frame-ancestors 'none'"

// tossPage starts Toss's payment window with the client key (our own page:
// Toss's Ready gives no page to go to).
func (m *Module) tossPage(c *fiber.Ctx) error {
	p, pay, err := m.pagePayment(c)
	if pay == nil {
		return err
	}
	keyed, ok := m.svc.providers[pay.Provider].(interface{ ClientKey() string })
	if pay.Provider != "tosspayments" || !ok {
		return errPaymentNotFound
	}
	if pay.Status != payReady {
		return c.Redirect(ResultURL(pay.ID), fiber.StatusSeeOther)
	}
	o, err := m.svc.Order(c.UserContext(), p, pay.OrderID)
	if err != nil {
		return err
	}
	names := make([]orderItemRow, len(o.Items))
	for i, it := range o.Items {
		names[i] = orderItemRow{Title: it.Title}
	}
	success, _, fail := m.svc.urls(pay.Provider, pay.ID, pay.ProviderOrder)
	c.Set("Content-Security-Policy", tossCSP)
	return m.web.Render(c, fiber.StatusOK, "commerce/toss", struct {
		Pay                       paymentView
		ClientKey, OrderName, SDK string
		SuccessURL, FailURL       string
	}{m.paymentView(c, pay, o.Items), keyed.ClientKey(), itemName(names), tossSDK, success, fail})
}

// tossSuccess is Toss's success URL: the payment is confirmed (the amount
// in the URL checked against the order's) and the payer sent to its page.
func (m *Module) tossSuccess(c *fiber.Ctx) error {
	p, err := m.signedIn(c)
	if p == nil {
		return err
	}
	amount, aerr := strconv.ParseInt(c.Query("amount"), 10, 64)
	orderID, key := c.Query("orderId"), c.Query("paymentKey")
	if aerr != nil || orderID == "" || key == "" || len(key) > 200 || len(orderID) > 64 {
		return apperr.New(apperr.Invalid, "commerce.toss_return_invalid", "commerce.toss_return_invalid")
	}
	pay, err := m.svc.ConfirmToss(c.UserContext(), p, orderID, key, amount)
	switch {
	case errors.Is(err, errAmountMismatch):
		if pp, ferr := m.svc.st.paymentByProviderOrder(c.UserContext(), m.svc.db.R, p.UserID, orderID); ferr == nil {
			_, _ = m.svc.cancelReady(c.UserContext(), pp, true, "amount mismatch in the return URL")
			return c.Redirect(ResultURL(pp.ID), fiber.StatusSeeOther)
		}
		return err
	case errors.Is(err, errPaymentNotReady):
		if pp, ferr := m.svc.st.paymentByProviderOrder(c.UserContext(), m.svc.db.R, p.UserID, orderID); ferr == nil {
			return c.Redirect(ResultURL(pp.ID), fiber.StatusSeeOther)
		}
		return err
	case err != nil:
		return err
	}
	return c.Redirect(ResultURL(pay.ID), fiber.StatusSeeOther)
}

// tossFail is Toss's fail URL.
func (m *Module) tossFail(c *fiber.Ctx) error {
	p, err := m.signedIn(c)
	if p == nil {
		return err
	}
	orderID := c.Query("orderId")
	if orderID == "" || len(orderID) > 64 {
		return apperr.New(apperr.Invalid, "commerce.toss_return_invalid", "commerce.toss_return_invalid")
	}
	pay, err := m.svc.CancelTossOrder(c.UserContext(), p, orderID, truncate(c.Query("code"), 100), truncate(c.Query("message"), 300))
	if err != nil {
		return err
	}
	return c.Redirect(ResultURL(pay.ID), fiber.StatusSeeOther)
}

// ---- cart ------------------------------------------------------------------------

func (m *Module) cartPage(c *fiber.Ctx) error {
	p, err := m.signedIn(c)
	if p == nil {
		return err
	}
	cart, err := m.svc.Cart(c.UserContext(), p)
	if err != nil {
		return err
	}
	type item struct {
		CartItem
		PriceText string
	}
	items := make([]item, len(cart.Items))
	for i, it := range cart.Items {
		items[i] = item{it, m.won(m.lang(c), it.Price)}
	}
	return m.web.Render(c, fiber.StatusOK, "commerce/cart", struct {
		Items   []item
		Total   string
		CanSell bool
	}{items, m.won(m.lang(c), cart.Total), len(m.svc.order) > 0})
}

func (m *Module) cartAdd(c *fiber.Ctx) error {
	p, err := postedBy(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.FormValue("id"), 10, 64)
	ref := ProductRef{}
	switch c.FormValue("kind") {
	case KindCourse:
		ref.CourseID = id
	case KindCurriculum:
		ref.CurriculumID = id
	}
	_, err = m.svc.AddToCart(c.UserContext(), p, ref)
	switch {
	case err == nil:
		web.SetFlash(c, "success", m.t(c, "commerce.page.cart.added"))
	case shown(err):
		web.SetFlash(c, "warning", m.message(c, err))
	default:
		return err
	}
	return c.Redirect("/cart", fiber.StatusSeeOther)
}

func (m *Module) cartRemove(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	p, err := postedBy(c)
	if err != nil {
		return err
	}
	if err := m.svc.RemoveFromCart(c.UserContext(), p, id); err != nil {
		return err
	}
	web.SetFlash(c, "success", m.t(c, "commerce.page.cart.removed"))
	return c.Redirect("/cart", fiber.StatusSeeOther)
}

// ---- my orders, receipts, refunds --------------------------------------------------

func (m *Module) ordersPage(c *fiber.Ctx) error {
	p, err := m.signedIn(c)
	if p == nil {
		return err
	}
	ctx := c.UserContext()
	orders, _, err := m.svc.MyOrders(ctx, p, 50, 0)
	if err != nil {
		return err
	}
	pays, _, err := m.svc.Payments(ctx, p, false, 100, 0)
	if err != nil {
		return err
	}
	receipts, _, err := m.svc.st.receipts(ctx, m.svc.db.R, p.UserID, 0, 200, 0)
	if err != nil {
		return err
	}
	type orderView struct {
		Order
		AmountText string
		StatusText string
		Payments   []paymentView
	}
	byOrder := map[int64][]paymentView{}
	for i := range pays {
		v := m.paymentView(c, &pays[i], nil)
		for _, r := range receipts {
			if r.PaymentID == v.ID && r.Kind == "payment" {
				v.ReceiptID = r.ID
			}
			if r.PaymentID == v.ID && r.Kind == "refund" {
				v.RefundID = r.ID
			}
		}
		v.Refundable = v.Status == payPaid
		byOrder[v.OrderID] = append(byOrder[v.OrderID], v)
	}
	out := make([]orderView, 0, len(orders))
	for _, o := range orders {
		if o.Status == orderCancelled && len(byOrder[o.ID]) == 0 {
			continue // replaced before any payment: nothing to show
		}
		out = append(out, orderView{Order: o, AmountText: m.won(m.lang(c), o.Amount),
			StatusText: m.t(c, "commerce.order_status."+o.Status), Payments: byOrder[o.ID]})
	}
	return m.web.Render(c, fiber.StatusOK, "commerce/orders", out)
}

func (m *Module) receiptPage(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	p, err := m.signedIn(c)
	if p == nil {
		return err
	}
	r, err := m.svc.Receipt(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	type line struct{ Title, Price string }
	lines := make([]line, len(r.Items))
	for i, it := range r.Items {
		lines[i] = line{it.Title, m.won(m.lang(c), it.Price)}
	}
	return m.web.Render(c, fiber.StatusOK, "commerce/receipt", struct {
		R        *Receipt
		Lines    []line
		Amount   string
		Provider string
		PDF      string
	}{r, lines, m.won(m.lang(c), r.Amount), m.t(c, "commerce.provider."+r.Provider),
		fmt.Sprintf("/api/receipts/%d/pdf", r.ID)})
}

// refundView is the data of "commerce/refund".
type refundView struct {
	Pay     paymentView
	Policy  RefundPolicy
	Allowed bool
	Days    int
	Max     int
	Error   string
}

func (m *Module) renderRefund(c *fiber.Ctx, status int, id int64, msg string) error {
	p, err := m.signedIn(c)
	if p == nil {
		return err
	}
	ctx := c.UserContext()
	pay, rp, allowed, err := m.svc.RefundPolicyFor(ctx, p, id)
	if err != nil {
		return err
	}
	o, err := m.svc.Order(ctx, p, pay.OrderID)
	if err != nil {
		return err
	}
	return m.web.Render(c, status, "commerce/refund", refundView{Pay: m.paymentView(c, pay, o.Items), Policy: rp,
		Allowed: allowed && pay.Status == payPaid, Days: m.svc.settings.RefundDays, Max: m.svc.settings.MaxWatchedPercent,
		Error: msg})
}

func (m *Module) refundPage(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	return m.renderRefund(c, fiber.StatusOK, id, "")
}

func (m *Module) refundSubmit(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	p, err := postedBy(c)
	if err != nil {
		return err
	}
	pay, err := m.svc.Refund(c.UserContext(), p, id, truncate(strings.TrimSpace(c.FormValue("reason")), 200))
	switch {
	case err != nil && shown(err):
		return m.renderRefund(c, fiber.StatusConflict, id, m.message(c, err))
	case err != nil:
		return err
	case pay.Status == payRefunded:
		web.SetFlash(c, "success", m.t(c, "commerce.page.refund.done"))
	default:
		web.SetFlash(c, "info", m.t(c, "commerce.page.refund.pending"))
	}
	return c.Redirect("/me/orders", fiber.StatusSeeOther)
}

// ---- admins -------------------------------------------------------------------

func (m *Module) adminPage(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	page, _ := strconv.Atoi(c.Query("page"))
	pp := httpx.PageParams{Page: max(page, 1), PageSize: 50}
	pays, n, err := m.svc.Payments(c.UserContext(), p, true, pp.Limit(), pp.Offset())
	if err != nil {
		return err
	}
	ids := make([]int64, len(pays))
	for i := range pays {
		ids[i] = pays[i].UserID
	}
	users, err := m.svc.users.UsersByIDs(c.UserContext(), ids)
	if err != nil {
		return err
	}
	views := make([]paymentView, len(pays))
	for i := range pays {
		views[i] = m.paymentView(c, &pays[i], nil)
		views[i].Refundable = pays[i].Status == payPaid
		if u, ok := users[pays[i].UserID]; ok {
			views[i].Payer = u.Nickname + " <" + u.Email + ">"
		}
	}
	pages := (n + pp.Limit() - 1) / pp.Limit()
	return m.web.Render(c, fiber.StatusOK, "commerce/admin", struct {
		Payments []paymentView
		Pager    web.Pager
	}{views, web.Paginate(pp.Page, pages, func(n int) string { return fmt.Sprintf("/admin/payments?page=%d", n) })})
}

func (m *Module) adminRefund(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	p, err := postedBy(c)
	if err != nil {
		return err
	}
	pay, err := m.svc.Refund(c.UserContext(), p, id, "refunded by an administrator")
	switch {
	case err != nil && shown(err):
		web.SetFlash(c, "warning", m.message(c, err))
	case err != nil:
		return err
	case pay.Status == payRefunded:
		web.SetFlash(c, "success", m.t(c, "commerce.page.refund.done"))
	default:
		web.SetFlash(c, "info", m.t(c, "commerce.page.refund.pending"))
	}
	return c.Redirect("/admin/payments", fiber.StatusSeeOther)
}

// nonce is a fresh form token: the Idempotency-Key of the payment a
// checkout form starts, so a double submit starts one payment.
func nonce() string { return rand.Text() }

// waitReplay waits briefly for the first submission of a form to finish,
// and returns what it started.
func (m *Module) waitReplay(ctx context.Context, p *authz.Principal, key string) *PaymentStarted {
	for range 20 {
		if out, err := m.svc.IdempotentReplay(ctx, p, key); err == nil && out != nil {
			return out
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(150 * time.Millisecond):
		}
	}
	return nil
}
