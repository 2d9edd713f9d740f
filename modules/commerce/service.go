package commerce

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/jobs"
)

// Authorization objects (Module.Policies).
const (
	objCart    = "commerce.cart"    // use: a signed-in user's own cart
	objOrder   = "commerce.order"   // create (any signed-in user), read (owner)
	objAddress = "commerce.address" // create, read, update, delete (owner)
	objPayment = "commerce.payment" // create, read, approve (owner), refund (refundable), list
	objReceipt = "commerce.receipt" // read (owner)
)

// relRefundable holds between a payment and its payer while the refund
// policy allows them a refund (Settings.RefundDays, MaxWatchedPercent).
const relRefundable = "refundable"

// Errors.
var (
	errCartItemNotFound  = apperr.New(apperr.NotFound, "commerce.cart_item_not_found", "commerce.cart_item_not_found")
	errOrderNotFound     = apperr.New(apperr.NotFound, "commerce.order_not_found", "commerce.order_not_found")
	errAddressNotFound   = apperr.New(apperr.NotFound, "commerce.address_not_found", "commerce.address_not_found")
	errPaymentNotFound   = apperr.New(apperr.NotFound, "commerce.payment_not_found", "commerce.payment_not_found")
	errReceiptNotFound   = apperr.New(apperr.NotFound, "commerce.receipt_not_found", "commerce.receipt_not_found")
	errProductNotFound   = apperr.New(apperr.NotFound, "commerce.product_not_found", "commerce.product_not_found")
	errAlreadyOwned      = apperr.New(apperr.Conflict, "commerce.already_owned", "commerce.already_owned")
	errAlreadyInCart     = apperr.New(apperr.Conflict, "commerce.already_in_cart", "commerce.already_in_cart")
	errOverlappingItems  = apperr.New(apperr.Conflict, "commerce.overlapping_items", "commerce.overlapping_items")
	errCartEmpty         = apperr.New(apperr.Conflict, "commerce.cart_empty", "commerce.cart_empty")
	errOrderNotPending   = apperr.New(apperr.Conflict, "commerce.order_not_pending", "commerce.order_not_pending")
	errPaymentInProgress = apperr.New(apperr.Conflict, "commerce.payment_in_progress", "commerce.payment_in_progress")
	errPaymentNotReady   = apperr.New(apperr.Conflict, "commerce.payment_not_ready", "commerce.payment_not_ready")
	errNotRefundable     = apperr.New(apperr.Conflict, "commerce.not_refundable", "commerce.not_refundable")
	errRefundTooLate     = apperr.New(apperr.Conflict, "commerce.refund_too_late", "commerce.refund_too_late")
	errRefundConsumed    = apperr.New(apperr.Conflict, "commerce.refund_consumed", "commerce.refund_consumed")
	errRefundRefused     = apperr.New(apperr.Conflict, "commerce.refund_refused", "commerce.refund_refused")
	errProviderDown      = apperr.New(apperr.Unavailable, "commerce.provider_unavailable", "commerce.provider_unavailable")
	errIdemInProgress    = apperr.New(apperr.Conflict, "commerce.idempotency_in_progress", "commerce.idempotency_in_progress")
	errIdemMismatch      = apperr.New(apperr.Invalid, "commerce.idempotency_mismatch", "commerce.idempotency_mismatch")
	errAmountMismatch    = apperr.New(apperr.Invalid, "commerce.amount_mismatch", "commerce.amount_mismatch")
	errAddressKeyFailed  = apperr.New(apperr.Unavailable, "commerce.address_unreadable", "commerce.address_unreadable")
)

// Settings tune commerce.
type Settings struct {
	// RefundDays is how long after payment a payer may ask for a refund (7).
	RefundDays int
	// MaxWatchedPercent is the share of the product's video a payer may
	// have watched and still get a refund (10).
	MaxWatchedPercent int
	// ProviderTimeout bounds one call to a provider (15 s).
	ProviderTimeout time.Duration
	// StaleAfter is how long a payment may stay approving (or
	// refund_requested) before the reconciler asks its provider (2 min).
	StaleAfter time.Duration
	// AbandonAfter is how long a payment may stay ready before it is
	// cancelled: the payer never came back (24 h).
	AbandonAfter time.Duration
	// KeyTTL is how long idempotency keys are kept (48 h; at least 24 h).
	KeyTTL time.Duration
}

func (s *Settings) defaults() {
	if s.RefundDays <= 0 {
		s.RefundDays = 7
	}
	if s.MaxWatchedPercent <= 0 {
		s.MaxWatchedPercent = 10
	}
	if s.ProviderTimeout <= 0 {
		s.ProviderTimeout = 15 * time.Second
	}
	if s.StaleAfter <= 0 {
		s.StaleAfter = 2 * time.Minute
	}
	if s.AbandonAfter <= 0 {
		s.AbandonAfter = 24 * time.Hour
	}
	if s.KeyTTL < 24*time.Hour {
		s.KeyTTL = 48 * time.Hour
	}
}

// service is the module's use cases: cart.go, orders.go, addresses.go,
// payments.go (start, approve, settle), refunds.go, receipts.go,
// reconcile.go.
type service struct {
	db        *db.DB
	st        store
	authz     *authz.Enforcer
	clock     clock.Clock
	logger    *slog.Logger
	bus       *events.Bus
	jobs      *jobs.Runner
	keys      *crypto.Keyring
	users     accounts.Directory
	catalog   catalog.Reader
	ent       catalog.Entitlements
	grants    learning.Grants
	consumed  learning.Consumption
	providers map[string]provider.Provider
	order     []string // the providers' names, in the order offered
	baseURL   string
	settings  Settings
}

// userID is p's user id, 0 for visitors.
func userID(p *authz.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

// ownerScope is the user whose rows p may act on (act on obj) — p's own —
// or 0 when p may act on every user's (admins). Visitors get 401; a
// caller with no rule at all 404 (nf).
func (s *service) ownerScope(p *authz.Principal, obj, act string, nf error) (int64, error) {
	if p == nil {
		return 0, apperr.ErrAuthRequired
	}
	sc := s.authz.Scope(p, obj, act, authz.Owner)
	switch {
	case sc.All:
		return 0, nil
	case sc.Has(authz.Owner):
		return p.UserID, nil
	}
	return 0, nf
}

// payerScope checks that p may act as a payer and returns p's id: the
// payer's own acts (approving, leaving the provider's page) are on p's own
// payments only, an admin's included (admins refund, they do not pay for
// others).
func (s *service) payerScope(p *authz.Principal) (int64, error) {
	if _, err := s.ownerScope(p, objPayment, "approve", errPaymentNotFound); err != nil {
		return 0, err
	}
	return p.UserID, nil
}

// Providers returns the names of the enabled providers, in the order
// offered.
func (s *service) Providers() []string { return slices.Clone(s.order) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ctxProvider bounds a provider call; the request going away does not cut
// it short (the outcome must be recorded either way).
func (s *service) ctxProvider(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.settings.ProviderTimeout)
}

func daysDur(days int) time.Duration { return time.Duration(days) * 24 * time.Hour }

// fieldErr is a 422 naming one input field.
func fieldErr(loc, msg string) error {
	return apperr.InvalidFields("request.validation", apperr.FieldError{Location: loc, Message: msg})
}
