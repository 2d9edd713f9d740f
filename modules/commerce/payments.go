package commerce

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
)

// PaymentInput starts a payment of an order.
type PaymentInput struct {
	OrderID          int64  `json:"order_id" minimum:"1"`
	Provider         string `json:"provider" enum:"kakaopay,tosspayments,demo"`
	BillingAddressID int64  `json:"billing_address_id,omitempty" minimum:"0" doc:"Default: the caller's default address, if any. The payment keeps a copy."`
}

// PaymentStarted is a payment waiting for its payer.
type PaymentStarted struct {
	PaymentID   int64  `json:"payment_id"`
	Status      string `json:"status" enum:"ready"`
	RedirectURL string `json:"redirect_url" doc:"Where to send the payer's browser: the provider's page, or ours that starts its browser SDK."`
}

// Payment is a payment as its payer (and admins) see it.
type Payment struct {
	ID             int64      `json:"id"`
	UserID         int64      `json:"user_id"`
	OrderID        int64      `json:"order_id"`
	Provider       string     `json:"provider"`
	Status         string     `json:"status" enum:"ready,approving,paid,failed,cancelled,refund_requested,refunded"`
	Amount         int64      `json:"amount" doc:"KRW."`
	ApprovedAmount *int64     `json:"approved_amount" doc:"What the provider reports it charged."`
	Method         string     `json:"method,omitempty"`
	ProviderOrder  string     `json:"provider_order_id" doc:"Our id of the payment at the provider."`
	TID            string     `json:"tid,omitempty" doc:"The provider's id of the payment."`
	RedirectURL    string     `json:"redirect_url,omitempty"`
	FailureCode    string     `json:"failure_code,omitempty"`
	FailureMessage string     `json:"failure_message,omitempty"`
	Billing        *Billing   `json:"billing,omitempty" doc:"The billing address as it was when paid (absent: none was given)."`
	CreatedAt      time.Time  `json:"created_at"`
	PaidAt         *time.Time `json:"paid_at"`
	FailedAt       *time.Time `json:"failed_at"`
	CancelledAt    *time.Time `json:"cancelled_at"`
	RefundedAt     *time.Time `json:"refunded_at"`
}

// Billing is a payment's copy of its billing address.
type Billing struct {
	Name          string `json:"name,omitempty"`
	Country       string `json:"country"`
	MainAddress   string `json:"main_address"`
	DetailAddress string `json:"detail_address,omitempty"`
	PostalCode    string `json:"postal_code"`
}

func (s *service) paymentOf(r *paymentRow) *Payment {
	out := &Payment{ID: r.ID, UserID: r.UserID, OrderID: r.OrderID, Provider: r.Provider, Status: r.Status, Amount: r.Amount,
		ApprovedAmount: r.ApprovedAmount, Method: r.Method, ProviderOrder: r.ProviderOrderID, TID: r.tid(),
		FailureCode: r.FailureCode, FailureMessage: r.FailureMessage, CreatedAt: r.CreatedAt.UTC(), PaidAt: r.PaidAt,
		FailedAt: r.FailedAt, CancelledAt: r.CancelledAt, RefundedAt: r.RefundedAt}
	if r.Status == payReady {
		out.RedirectURL = r.RedirectURL
	}
	if r.BillingSealed != nil {
		if b, err := s.unseal(*r.BillingSealed, paymentAAD(r.UserID)); err == nil {
			out.Billing = &Billing{Name: b.Name, Country: b.Country, MainAddress: b.MainAddress,
				DetailAddress: b.DetailAddress, PostalCode: b.PostalCode}
		} else {
			s.logger.Warn("commerce: a payment's billing address cannot be decrypted", "payment_id", r.ID, "err", err)
		}
	}
	return out
}

// Payment returns one of p's payments (admins: anyone's).
func (s *service) Payment(ctx context.Context, p *authz.Principal, id int64) (*Payment, error) {
	uid, err := s.ownerScope(p, objPayment, "read", errPaymentNotFound)
	if err != nil {
		return nil, err
	}
	r, err := s.st.payment(ctx, s.db.R, uid, id)
	if err != nil {
		return nil, err
	}
	return s.paymentOf(r), nil
}

// Payments lists p's payments, newest first (all: every user's, for those
// who may list them: admins).
func (s *service) Payments(ctx context.Context, p *authz.Principal, all bool, limit, offset int) ([]Payment, int, error) {
	uid := userID(p)
	if all {
		if err := s.authz.Check(p, objPayment, "list"); err != nil {
			return nil, 0, err
		}
		uid = 0
	} else if err := s.authz.Check(p, objPayment, "read", authz.Owner); err != nil {
		return nil, 0, err
	}
	rows, n, err := s.st.payments(ctx, s.db.R, uid, 0, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Payment, len(rows))
	for i := range rows {
		out[i] = *s.paymentOf(&rows[i])
	}
	return out, n, nil
}

// ---- starting a payment -------------------------------------------------------

// StartPaymentKeyed is StartPayment under an Idempotency-Key: the same key
// and body replay the first answer (replayed true); the same key with
// another body is a 422; while the first is still running, a 409. A key
// whose request failed is forgotten, so the client may retry with it.
func (s *service) StartPaymentKeyed(ctx context.Context, p *authz.Principal, in PaymentInput, key string) (_ *PaymentStarted, replayed bool, err error) {
	if key == "" {
		out, err := s.StartPayment(ctx, p, in, "")
		return out, false, err
	}
	if p == nil {
		return nil, false, apperr.ErrAuthRequired
	}
	if len(key) > 255 || strings.TrimSpace(key) == "" {
		return nil, false, apperr.InvalidFields("request.validation",
			apperr.FieldError{Location: "header.Idempotency-Key", Message: "commerce.idempotency_key_invalid"})
	}
	body, _ := json.Marshal(in)
	sum := sha256.Sum256(body)
	row := &idemRow{UserID: p.UserID, Key: key, RequestHash: hex.EncodeToString(sum[:]), Status: "in_progress",
		CreatedAt: s.clock.Now()}
	var cur *idemRow
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ok bool
		var err error
		ok, cur, err = s.st.claimKey(ctx, tx, row)
		if err != nil || ok {
			return err
		}
		if cur.CreatedAt.Before(s.clock.Now().Add(-s.settings.KeyTTL)) { // expired: a new request
			if err := s.st.dropKey(ctx, tx, p.UserID, key); err != nil {
				return err
			}
			ok, cur, err = s.st.claimKey(ctx, tx, row)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if cur != nil {
		switch {
		case cur.RequestHash != row.RequestHash:
			return nil, false, errIdemMismatch
		case cur.Status != "done":
			return nil, false, errIdemInProgress
		}
		var out PaymentStarted
		if err := json.Unmarshal([]byte(cur.Body), &out); err != nil {
			return nil, false, err
		}
		return &out, true, nil
	}
	out, err := s.StartPayment(ctx, p, in, key)
	bg := context.WithoutCancel(ctx)
	if err != nil {
		if derr := s.db.RunInTx(bg, func(ctx context.Context, tx bun.Tx) error { return s.st.dropKey(ctx, tx, p.UserID, key) }); derr != nil {
			s.logger.Warn("commerce: forgetting an idempotency key", "err", derr)
		}
		return nil, false, err
	}
	stored, _ := json.Marshal(out)
	if err := s.db.RunInTx(bg, func(ctx context.Context, tx bun.Tx) error {
		return s.st.finishKey(ctx, tx, p.UserID, key, 201, string(stored))
	}); err != nil {
		return nil, false, err
	}
	return out, false, nil
}

// IdempotentReplay returns the answer stored under p's key, if it is done
// (pages use it to follow a double-submitted form to the first payment).
func (s *service) IdempotentReplay(ctx context.Context, p *authz.Principal, key string) (*PaymentStarted, error) {
	if p == nil || key == "" {
		return nil, nil
	}
	r, err := s.st.key(ctx, s.db.R, p.UserID, key)
	if err != nil || r == nil || r.Status != "done" {
		return nil, err
	}
	var out PaymentStarted
	return &out, json.Unmarshal([]byte(r.Body), &out)
}

// providerOrderID is our id of a payment at its provider. Its random part
// makes it unguessable, so it also binds the provider's return URLs to the
// payment (see urls: a stranger cannot approve, cancel or fail a payment
// by guessing its sequential id), and it never repeats across databases
// or instances sharing one merchant account (Toss refuses a reused
// orderId and replays an Idempotency-Key for 15 days).
func providerOrderID(orderID, paymentID int64) string {
	return fmt.Sprintf("wv-o%d-p%d-%s", orderID, paymentID, strings.ToLower(rand.Text()[:16]))
}

// sameOrderID compares a provider order id from a request with the
// payment's in constant time.
func sameOrderID(given, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(given), []byte(stored)) == 1
}

// urls are where a provider sends the payer's browser back. KakaoPay's
// carry the payment's provider order id, which its handlers require (Toss
// returns its orderId itself).
func (s *service) urls(prov string, paymentID int64, orderID string) (approval, cancel, fail string) {
	id := itoa(paymentID)
	switch prov {
	case "kakaopay":
		q := "?payment_id=" + id + "&order=" + url.QueryEscape(orderID)
		return s.baseURL + "/api/payments/kakaopay/approve/" + q,
			s.baseURL + "/api/payments/kakaopay/cancel/" + q,
			s.baseURL + "/api/payments/kakaopay/fail/" + q
	case "tosspayments":
		return s.baseURL + "/payments/tosspayments/success", s.baseURL + "/payments/tosspayments/fail",
			s.baseURL + "/payments/tosspayments/fail"
	}
	return s.baseURL + ResultURL(paymentID), s.baseURL + ResultURL(paymentID), s.baseURL + ResultURL(paymentID)
}

// ResultURL is the page that tells the payer how a payment went.
func ResultURL(paymentID int64) string { return "/payments/" + itoa(paymentID) }

// ownPageURL is the page of ours that takes the payer on when the provider
// gives no page to redirect to (the demo's approval page, Toss's SDK).
func ownPageURL(prov string, paymentID int64) string {
	return "/payments/" + itoa(paymentID) + "/" + prov
}

// StartPayment registers a payment of p's pending order with a provider and
// returns where to send the payer. The provider is called after the
// payment's row is committed, outside any transaction.
func (s *service) StartPayment(ctx context.Context, p *authz.Principal, in PaymentInput, key string) (*PaymentStarted, error) {
	if err := s.authz.Check(p, objPayment, "create", authz.Owner); err != nil {
		return nil, err
	}
	prov, ok := s.providers[in.Provider]
	if !ok {
		return nil, apperr.InvalidFields("request.validation",
			apperr.FieldError{Location: "body.provider", Message: "commerce.provider_disabled", Value: in.Provider})
	}
	now := s.clock.Now()
	pay := &paymentRow{UserID: p.UserID, OrderID: in.OrderID, Provider: in.Provider, Status: payReady,
		ProviderOrderID: "new-" + rand.Text(), CreatedAt: now, UpdatedAt: now}
	var items []orderItemRow
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, err := s.st.order(ctx, tx, p.UserID, in.OrderID, true)
		if err != nil {
			return err
		}
		if o.Status != orderPending {
			return errOrderNotPending
		}
		busy, err := s.st.orderPaymentsIn(ctx, tx, o.ID, payApproving)
		if err != nil {
			return err
		}
		if busy {
			return errPaymentInProgress
		}
		pay.Amount = o.Amount
		var addr *addressRow
		if in.BillingAddressID != 0 {
			if addr, err = s.st.address(ctx, tx, p.UserID, in.BillingAddressID); err != nil {
				return apperr.InvalidFields("request.validation", apperr.FieldError{Location: "body.billing_address_id",
					Message: "commerce.address_not_found", Value: in.BillingAddressID})
			}
		} else if addr, err = s.st.defaultAddress(ctx, tx, p.UserID); err != nil {
			return err
		}
		if addr != nil {
			b, err := s.unseal(addr.Sealed, addressAAD(p.UserID))
			if err != nil {
				return err
			}
			sealed, err := s.seal(b, paymentAAD(p.UserID))
			if err != nil {
				return err
			}
			pay.BillingSealed = &sealed
		}
		m, err := s.st.orderItems(ctx, tx, []int64{o.ID})
		if err != nil {
			return err
		}
		items = m[o.ID]
		if err := s.st.cancelReadyPayments(ctx, tx, o.ID, now); err != nil {
			return err
		}
		if err := s.st.insertPayment(ctx, tx, pay); err != nil {
			return err
		}
		pay.ProviderOrderID = providerOrderID(o.ID, pay.ID)
		return s.st.setProviderOrderID(ctx, tx, pay.ID, pay.ProviderOrderID)
	})
	if err != nil {
		return nil, err
	}
	approval, cancel, fail := s.urls(in.Provider, pay.ID, pay.ProviderOrderID)
	pctx, done := s.ctxProvider(ctx)
	defer done()
	idem := key
	if idem == "" {
		idem = pay.ProviderOrderID
	}
	ready, perr := prov.Ready(pctx, provider.ReadyInput{OrderID: pay.ProviderOrderID, UserID: itoa(p.UserID),
		ItemName: itemName(items), Quantity: max(len(items), 1), Amount: pay.Amount, ApprovalURL: approval,
		CancelURL: cancel, FailURL: fail, IdempotencyKey: "ready-" + idem})
	bg := context.WithoutCancel(ctx)
	if perr != nil {
		s.logger.Warn("commerce: provider refused to start a payment", "provider", in.Provider, "payment_id", pay.ID, "err", perr)
		pay.Status, pay.FailedAt, pay.UpdatedAt = payFailed, ptr(s.clock.Now()), s.clock.Now()
		pay.FailureCode, pay.FailureMessage = failureOf(perr)
		if err := s.db.RunInTx(bg, func(ctx context.Context, tx bun.Tx) error {
			_, err := s.st.movePayment(ctx, tx, pay, payReady, "failed_at", "failure_code", "failure_message")
			return err
		}); err != nil {
			return nil, err
		}
		return nil, errProviderDown.Because(perr)
	}
	if ready.TID != "" {
		pay.TID = &ready.TID
	}
	pay.RawReady = rawJSON(ready.Raw)
	pay.RedirectURL = ready.RedirectURL
	if pay.RedirectURL == "" {
		pay.RedirectURL = ownPageURL(in.Provider, pay.ID)
	}
	pay.UpdatedAt = s.clock.Now()
	moved := false
	if err := s.db.RunInTx(bg, func(ctx context.Context, tx bun.Tx) error {
		var err error
		moved, err = s.st.movePayment(ctx, tx, pay, payReady, "tid", "raw_ready", "redirect_url")
		return err
	}); err != nil {
		return nil, err
	}
	if !moved { // cancelled meanwhile (another payment of the order started)
		return nil, errPaymentNotReady
	}
	return &PaymentStarted{PaymentID: pay.ID, Status: payReady, RedirectURL: pay.RedirectURL}, nil
}

// itemName names what an order buys for the provider's page (≤ 100
// characters).
func itemName(items []orderItemRow) string {
	if len(items) == 0 {
		return "Weaverse"
	}
	name := items[0].Title
	if len(items) > 1 {
		name = fmt.Sprintf("%s 외 %d건", name, len(items)-1)
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[:99]) + "…"
	}
	return name
}

func ptr[T any](v T) *T { return &v }

// failureOf is what a provider's error says, for the payment's record.
func failureOf(err error) (code, msg string) {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe.Code, pe.Message
	}
	if errors.Is(err, provider.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return "unavailable", "the payment provider did not answer"
	}
	return "error", "the payment provider could not be reached"
}

// ---- approving ------------------------------------------------------------------

// ApproveInput is what the payer's browser brought back from the provider.
type ApproveInput struct {
	Provider string // the route's provider: a payment of another is not found
	Token    string // KakaoPay's pg_token
	// OrderID is the provider order id KakaoPay's return URL carries: it
	// must be the payment's (the payment id alone is guessable).
	OrderID string
	TID     string // Toss's paymentKey (the tid arrives with the browser)
	Amount  int64  // Toss's amount in the success URL (0: not given)

	anonymous bool // no session came with the browser (KakaoPay's return)
}

// Approve completes p's payment (p nil: the browser returning from
// KakaoPay without a session, bound by the payment's own tid and the
// pg_token). Exactly one caller claims the payment (ready → approving) and
// calls the provider, outside any transaction; the others get the payment
// as it stands (approving: settled by the first, or by the reconciler).
func (s *service) Approve(ctx context.Context, p *authz.Principal, paymentID int64, in ApproveInput) (*Payment, error) {
	uid := int64(0)
	if p != nil {
		var err error
		if uid, err = s.payerScope(p); err != nil {
			return nil, err
		}
	}
	pay, err := s.st.payment(ctx, s.db.W, uid, paymentID)
	if err != nil {
		return nil, err
	}
	if pay.Provider != in.Provider || (in.Provider == "kakaopay" && !sameOrderID(in.OrderID, pay.ProviderOrderID)) {
		return nil, errPaymentNotFound
	}
	// Without the payer's session, a refusal does not fail the payment: a
	// stranger guessing its id with a made-up pg_token must not spoil it.
	in.anonymous = p == nil
	return s.approve(ctx, pay, in)
}

// ConfirmToss approves p's Toss payment named by its orderId, after
// checking the amount the browser reports against the order's.
func (s *service) ConfirmToss(ctx context.Context, p *authz.Principal, orderID, paymentKey string, amount int64) (*Payment, error) {
	uid, err := s.payerScope(p)
	if err != nil {
		return nil, err
	}
	pay, err := s.st.paymentByProviderOrder(ctx, s.db.W, uid, orderID)
	if err != nil {
		return nil, err
	}
	if pay.Provider != "tosspayments" {
		return nil, errPaymentNotFound
	}
	if amount != pay.Amount {
		return nil, errAmountMismatch
	}
	return s.approve(ctx, pay, ApproveInput{Provider: pay.Provider, TID: paymentKey, Amount: amount})
}

func (s *service) approve(ctx context.Context, pay *paymentRow, in ApproveInput) (*Payment, error) {
	prov, ok := s.providers[pay.Provider]
	if !ok {
		return nil, errPaymentNotReady
	}
	switch pay.Status {
	case payPaid, payRefundRequested, payRefunded, payApproving:
		return s.paymentOf(pay), nil // done, or being done
	case payFailed, payCancelled:
		return nil, errPaymentNotReady
	}
	now := s.clock.Now()
	pay.Status, pay.ClaimedAt, pay.UpdatedAt = payApproving, &now, now
	if in.TID != "" && pay.TID == nil {
		pay.TID = &in.TID
	}
	moved := false
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// The order's lock orders the claim with CreateOrder, which cancels
		// a pending order (and its ready payments) under the same lock: a
		// payment is never charged for an order cancelled meanwhile.
		o, err := s.st.order(ctx, tx, 0, pay.OrderID, true)
		if err != nil {
			return err
		}
		if o.Status != orderPending {
			return nil // moved stays false: the payment is reloaded below
		}
		moved, err = s.st.movePayment(ctx, tx, pay, payReady, "claimed_at", "tid")
		return err
	})
	if db.IsUniqueViolation(err) { // another payment of the order is being approved or was paid
		return nil, errPaymentInProgress
	}
	if err != nil {
		return nil, err
	}
	if !moved { // another request claimed it first
		cur, err := s.st.payment(ctx, s.db.W, 0, pay.ID)
		if err != nil {
			return nil, err
		}
		if cur.Status == payFailed || cur.Status == payCancelled {
			return nil, errPaymentNotReady
		}
		return s.paymentOf(cur), nil
	}
	pctx, done := s.ctxProvider(ctx)
	defer done()
	res, perr := prov.Approve(pctx, provider.ApproveInput{TID: pay.tid(), OrderID: pay.ProviderOrderID,
		UserID: itoa(pay.UserID), Token: in.Token, Amount: pay.Amount, IdempotencyKey: "approve-" + pay.ProviderOrderID})
	var pe *provider.Error
	if in.anonymous && perr != nil && errors.As(perr, &pe) && !pe.AlreadyDone {
		s.release(context.WithoutCancel(ctx), pay)
		return nil, errPaymentNotReady
	}
	return s.settle(context.WithoutCancel(ctx), prov, pay, res, perr, false)
}

// release gives a claimed payment back (approving → ready): the provider
// refused a request that may not have been its payer's.
func (s *service) release(ctx context.Context, pay *paymentRow) {
	pay.Status, pay.ClaimedAt, pay.UpdatedAt = payReady, nil, s.clock.Now()
	if err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := s.st.movePayment(ctx, tx, pay, payApproving, "claimed_at")
		return err
	}); err != nil {
		s.logger.Warn("commerce: releasing a payment's claim", "payment_id", pay.ID, "err", err)
	}
}

// settle records what the provider said of a payment being approved:
// paid (when it charged the order's amount), failed (a refusal, or another
// amount, which is then cancelled at the provider), or still approving
// when the outcome is unknown (the reconciler asks again). lookedUp says
// res came from Lookup (the reconciler's).
func (s *service) settle(ctx context.Context, prov provider.Provider, pay *paymentRow, res *provider.Result, perr error, lookedUp bool) (*Payment, error) {
	if perr != nil && errors.Is(perr, provider.ErrAlreadyDone) && !lookedUp {
		pctx, done := s.ctxProvider(ctx)
		res, perr = prov.Lookup(pctx, provider.LookupInput{TID: pay.tid(), OrderID: pay.ProviderOrderID})
		done()
		lookedUp = true
	}
	var pe *provider.Error
	switch {
	case perr != nil && errors.As(perr, &pe) && !pe.AlreadyDone && lookedUp:
		// A lookup refused (a rotated key, a provider that lost track): the
		// payment may be charged, so it is never failed on that ground.
		s.logger.Error("commerce: the provider refused to look a payment up; it stays approving", "payment_id", pay.ID,
			"provider", pay.Provider, "err", perr)
		return s.paymentOf(pay), nil
	case perr != nil && errors.As(perr, &pe) && !pe.AlreadyDone:
		code, msg := failureOf(perr)
		return s.fail(ctx, pay, code, msg, pe.Raw)
	case perr != nil:
		s.logger.Warn("commerce: approval outcome unknown; the reconciler will ask again", "payment_id", pay.ID, "err", perr)
		return s.paymentOf(pay), nil
	}
	if res.OrderID != pay.ProviderOrderID || (pay.TID != nil && res.TID != "" && res.TID != *pay.TID) {
		// Another payment's (a Toss paymentKey of another order sent with
		// this order's id): never this payment's charge.
		s.logger.Warn("commerce: the provider's payment is another order's", "payment_id", pay.ID, "provider", pay.Provider)
		return s.fail(ctx, pay, "order_mismatch", "the provider's payment belongs to another order", res.Raw)
	}
	switch res.Status {
	case provider.StatusPaid:
	case provider.StatusPending:
		if lookedUp && pay.ClaimedAt != nil && s.clock.Now().Sub(*pay.ClaimedAt) > s.settings.AbandonAfter {
			return s.fail(ctx, pay, "expired", "the payment was never completed at the provider", res.Raw)
		}
		return s.paymentOf(pay), nil
	default:
		return s.fail(ctx, pay, string(res.Status), "the provider did not charge the payment", res.Raw)
	}
	if res.Amount != pay.Amount {
		out, err := s.fail(ctx, pay, "amount_mismatch",
			fmt.Sprintf("the provider charged %d KRW instead of %d KRW", res.Amount, pay.Amount), res.Raw)
		if err != nil {
			return nil, err
		}
		s.cancelAtProvider(ctx, prov, pay, res.Amount)
		return s.Reload(ctx, out.ID)
	}
	return s.markPaid(ctx, pay, res)
}

// Reload reads a payment again (through the writer: it just changed).
func (s *service) Reload(ctx context.Context, id int64) (*Payment, error) {
	r, err := s.st.payment(ctx, s.db.W, 0, id)
	if err != nil {
		return nil, err
	}
	return s.paymentOf(r), nil
}

// cancelAtProvider refunds a charge that must not stand (the wrong amount)
// and records it on the failed payment.
func (s *service) cancelAtProvider(ctx context.Context, prov provider.Provider, pay *paymentRow, amount int64) {
	pctx, done := s.ctxProvider(ctx)
	res, err := prov.Cancel(pctx, provider.CancelInput{TID: pay.tid(), Amount: amount, Reason: "amount mismatch",
		IdempotencyKey: "cancel-" + pay.ProviderOrderID})
	done()
	if err != nil && !errors.Is(err, provider.ErrAlreadyDone) {
		s.logger.Error("commerce: cancelling a payment of the wrong amount at the provider failed; cancel it by hand",
			"payment_id", pay.ID, "provider", pay.Provider, "err", err)
		return
	}
	now := s.clock.Now()
	pay.ProviderCancelledAt, pay.UpdatedAt = &now, now
	if res != nil {
		pay.RawCancel = rawJSON(res.Raw)
	}
	if err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.st.savePayment(ctx, tx, pay, "provider_cancelled_at", "raw_cancel")
	}); err != nil {
		s.logger.Error("commerce: recording a cancellation at the provider", "payment_id", pay.ID, "err", err)
	}
}

// fail records a payment being approved as failed; the order stays
// pending (the payer may pay again).
func (s *service) fail(ctx context.Context, pay *paymentRow, code, msg string, raw json.RawMessage) (*Payment, error) {
	now := s.clock.Now()
	pay.Status, pay.FailedAt, pay.UpdatedAt = payFailed, &now, now
	pay.FailureCode, pay.FailureMessage, pay.RawApprove = truncate(code, 100), truncate(msg, 500), rawJSON(raw)
	moved := false
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		moved, err = s.st.movePayment(ctx, tx, pay, payApproving, "failed_at", "failure_code", "failure_message", "raw_approve")
		return err
	})
	if err != nil {
		return nil, err
	}
	if !moved {
		return s.Reload(ctx, pay.ID)
	}
	return s.paymentOf(pay), nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// markPaid records a payment paid, with its order, the receipt, the
// emptied cart and OrderPaid, in one transaction; when the payment was no
// longer approving (someone settled it first), nothing changes.
func (s *service) markPaid(ctx context.Context, pay *paymentRow, res *provider.Result) (*Payment, error) {
	now := s.clock.Now()
	pay.Status, pay.PaidAt, pay.UpdatedAt = payPaid, &now, now
	pay.Method, pay.ApprovedAmount, pay.RawApprove = truncate(res.Method, 50), &res.Amount, rawJSON(res.Raw)
	b := s.buyerOf(ctx, pay.UserID)
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		moved, err := s.st.movePayment(ctx, tx, pay, payApproving, "paid_at", "method", "approved_amount", "raw_approve")
		if err != nil || !moved {
			return err
		}
		ok, err := s.st.setOrderStatus(ctx, tx, pay.OrderID, orderPending, orderPaid, now)
		if err != nil {
			return err
		}
		if !ok { // the claim holds the order's lock, so this is a bug: leave it approving, loudly
			s.logger.Error("commerce: a charged payment's order is no longer pending", "payment_id", pay.ID, "order_id", pay.OrderID)
			return errOrderNotPending
		}
		m, err := s.st.orderItems(ctx, tx, []int64{pay.OrderID})
		if err != nil {
			return err
		}
		ev := OrderPaid{OrderID: pay.OrderID, PaymentID: pay.ID, UserID: pay.UserID, Amount: pay.Amount, PaidAt: now}
		byKind := map[string][]int64{}
		for _, it := range m[pay.OrderID] {
			ev.Items = append(ev.Items, PaidItem{Kind: it.Kind, ProductID: it.ProductID, Title: it.Title, Price: it.Price,
				AccessDays: it.AccessDays, CourseIDs: nonNil(it.CourseIDs.V)})
			byKind[it.Kind] = append(byKind[it.Kind], it.ProductID)
		}
		for kind, ids := range byKind {
			if err := s.st.deleteCartProducts(ctx, tx, pay.UserID, kind, ids); err != nil {
				return err
			}
		}
		if err := s.insertReceipt(ctx, tx, pay, "payment", m[pay.OrderID], b, now); err != nil {
			return err
		}
		return s.bus.Publish(ctx, tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return s.Reload(ctx, pay.ID)
}

// CancelReady records that the payer left the provider's page (cancel) or
// that it failed them (fail): a payment still ready is cancelled or
// failed; any other is returned as it stands.
func (s *service) CancelReady(ctx context.Context, p *authz.Principal, paymentID int64, prov, orderID string, failed bool, msg string) (*Payment, error) {
	uid := int64(0)
	if p != nil {
		var err error
		if uid, err = s.payerScope(p); err != nil {
			return nil, err
		}
	}
	pay, err := s.st.payment(ctx, s.db.W, uid, paymentID)
	if err != nil {
		return nil, err
	}
	if pay.Provider != prov || (prov == "kakaopay" && !sameOrderID(orderID, pay.ProviderOrderID)) {
		return nil, errPaymentNotFound
	}
	return s.cancelReady(ctx, pay, failed, msg)
}

// CancelTossOrder is CancelReady for a Toss payment named by its orderId.
func (s *service) CancelTossOrder(ctx context.Context, p *authz.Principal, orderID, code, msg string) (*Payment, error) {
	uid, err := s.payerScope(p)
	if err != nil {
		return nil, err
	}
	pay, err := s.st.paymentByProviderOrder(ctx, s.db.W, uid, orderID)
	if err != nil {
		return nil, err
	}
	if pay.Provider != "tosspayments" {
		return nil, errPaymentNotFound
	}
	return s.cancelReady(ctx, pay, code != "PAY_PROCESS_CANCELED", truncate(code+": "+msg, 500))
}

func (s *service) cancelReady(ctx context.Context, pay *paymentRow, failed bool, msg string) (*Payment, error) {
	if pay.Status != payReady {
		return s.paymentOf(pay), nil
	}
	now := s.clock.Now()
	pay.UpdatedAt = now
	cols := []string{"cancelled_at"}
	if failed {
		pay.Status, pay.FailedAt, pay.FailureCode, pay.FailureMessage = payFailed, &now, "provider_failed", truncate(msg, 500)
		cols = []string{"failed_at", "failure_code", "failure_message"}
	} else {
		pay.Status, pay.CancelledAt = payCancelled, &now
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := s.st.movePayment(ctx, tx, pay, payReady, cols...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Reload(ctx, pay.ID)
}
