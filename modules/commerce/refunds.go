package commerce

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/events"
)

// RefundPolicy is where a paid payment stands against the refund policy.
type RefundPolicy struct {
	WithinDays     bool  // paid less than Settings.RefundDays ago
	WatchedPercent int   // of the product's video, by its payer
	UnderLimit     bool  // WatchedPercent < Settings.MaxWatchedPercent
	WatchedSeconds int64 // unique seconds watched
	VideoSeconds   int64 // the product's video, all courses together
}

// Allows says whether the payer may have the refund.
func (r RefundPolicy) Allows() bool { return r.WithinDays && r.UnderLimit }

// policy measures a paid payment against the refund policy.
func (s *service) policy(ctx context.Context, pay *paymentRow) (RefundPolicy, []orderItemRow, error) {
	var rp RefundPolicy
	m, err := s.st.orderItems(ctx, s.db.R, []int64{pay.OrderID})
	if err != nil {
		return rp, nil, err
	}
	items := m[pay.OrderID]
	rp.WithinDays = pay.PaidAt != nil && s.clock.Now().Sub(*pay.PaidAt) <= daysDur(s.settings.RefundDays)
	var ids []int64
	for _, it := range items {
		ids = append(ids, it.CourseIDs.V...)
	}
	for _, id := range ids {
		c, err := s.catalog.CourseByID(ctx, id)
		if err == nil {
			rp.VideoSeconds += int64(c.VideoSeconds)
		}
	}
	if rp.WatchedSeconds, err = s.consumed.WatchedSeconds(ctx, pay.UserID, ids); err != nil {
		return rp, nil, err
	}
	if rp.VideoSeconds > 0 {
		rp.WatchedPercent = int(rp.WatchedSeconds * 100 / rp.VideoSeconds)
	}
	rp.UnderLimit = rp.VideoSeconds == 0 || rp.WatchedSeconds*100 < int64(s.settings.MaxWatchedPercent)*rp.VideoSeconds
	return rp, items, nil
}

// RefundPolicyFor tells p where one of p's payments stands against the
// refund policy (the refund page shows it).
func (s *service) RefundPolicyFor(ctx context.Context, p *authz.Principal, id int64) (*Payment, RefundPolicy, bool, error) {
	uid, err := s.ownerScope(p, objPayment, "read", errPaymentNotFound)
	if err != nil {
		return nil, RefundPolicy{}, false, err
	}
	pay, err := s.st.payment(ctx, s.db.R, uid, id)
	if err != nil {
		return nil, RefundPolicy{}, false, err
	}
	if pay.Status != payPaid {
		return s.paymentOf(pay), RefundPolicy{}, false, nil
	}
	rp, _, err := s.policy(ctx, pay)
	if err != nil {
		return nil, rp, false, err
	}
	rels := authz.Rels{}.If(pay.UserID == p.UserID && rp.Allows(), relRefundable)
	return s.paymentOf(pay), rp, s.authz.Allowed(p, objPayment, "refund", rels...), nil
}

// Refund refunds a paid payment in full through its provider: its payer
// while the refund policy allows it, admins always. The payment is claimed
// (paid → refund_requested) before the provider is called, outside any
// transaction, so two refunds never both call it; the refund, its receipt
// and OrderRefunded (access revoked) then commit together.
func (s *service) Refund(ctx context.Context, p *authz.Principal, id int64, reason string) (*Payment, error) {
	uid, err := s.ownerScope(p, objPayment, "read", errPaymentNotFound)
	if err != nil {
		return nil, err
	}
	pay, err := s.st.payment(ctx, s.db.W, uid, id)
	if err != nil {
		return nil, err
	}
	switch pay.Status {
	case payRefunded, payRefundRequested:
		return s.paymentOf(pay), nil
	case payPaid:
	default:
		return nil, errNotRefundable
	}
	rp, _, err := s.policy(ctx, pay)
	if err != nil {
		return nil, err
	}
	owner := pay.UserID == p.UserID
	if err := s.authz.Check(p, objPayment, "refund", authz.Rels{}.If(owner && rp.Allows(), relRefundable)...); err != nil {
		switch {
		case !owner:
			return nil, errPaymentNotFound
		case !rp.WithinDays:
			return nil, errRefundTooLate.With(map[string]any{"Days": s.settings.RefundDays})
		case !rp.UnderLimit:
			return nil, errRefundConsumed.With(map[string]any{"Percent": s.settings.MaxWatchedPercent})
		}
		return nil, err
	}
	prov, ok := s.providers[pay.Provider]
	if !ok {
		return nil, errProviderDown
	}
	now := s.clock.Now()
	pay.Status, pay.ClaimedAt, pay.UpdatedAt = payRefundRequested, &now, now
	moved := false
	if err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		moved, err = s.st.movePayment(ctx, tx, pay, payPaid, "claimed_at")
		return err
	}); err != nil {
		return nil, err
	}
	if !moved {
		return s.Reload(ctx, pay.ID)
	}
	if reason == "" {
		reason = "refund requested"
	}
	return s.cancelPaid(context.WithoutCancel(ctx), prov, pay, reason)
}

// cancelPaid asks the provider to refund a payment in refund_requested and
// records the outcome: refunded; back to paid when the provider refuses;
// still refund_requested when the outcome is unknown (the reconciler asks
// again).
func (s *service) cancelPaid(ctx context.Context, prov provider.Provider, pay *paymentRow, reason string) (*Payment, error) {
	pctx, done := s.ctxProvider(ctx)
	res, err := prov.Cancel(pctx, provider.CancelInput{TID: pay.tid(), Amount: pay.Amount, Reason: reason,
		IdempotencyKey: "refund-" + pay.ProviderOrderID})
	done()
	if err != nil && errors.Is(err, provider.ErrAlreadyDone) {
		pctx, done := s.ctxProvider(ctx)
		res, err = prov.Lookup(pctx, provider.LookupInput{TID: pay.tid(), OrderID: pay.ProviderOrderID})
		done()
		if err == nil && !fullyCancelled(res, pay.Amount) {
			err = &provider.Error{Provider: pay.Provider, Code: "not_cancelled", Message: "the provider still holds the payment"}
		}
	}
	var pe *provider.Error
	switch {
	case err != nil && errors.As(err, &pe):
		s.logger.Warn("commerce: the provider refused a refund", "payment_id", pay.ID, "err", err)
		pay.Status, pay.UpdatedAt = payPaid, s.clock.Now()
		if terr := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := s.st.movePayment(ctx, tx, pay, payRefundRequested)
			return err
		}); terr != nil {
			return nil, terr
		}
		return nil, errRefundRefused.Because(err)
	case err != nil:
		s.logger.Warn("commerce: refund outcome unknown; the reconciler will ask again", "payment_id", pay.ID, "err", err)
		return s.paymentOf(pay), nil
	}
	return s.markRefunded(ctx, pay, res)
}

// markRefunded records a refund: the payment and its order, the refund's
// receipt and OrderRefunded, in one transaction.
func (s *service) markRefunded(ctx context.Context, pay *paymentRow, res *provider.Result) (*Payment, error) {
	now := s.clock.Now()
	pay.Status, pay.RefundedAt, pay.UpdatedAt = payRefunded, &now, now
	if res != nil {
		pay.RawCancel = rawJSON(res.Raw)
	}
	b := s.buyerOf(ctx, pay.UserID)
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		moved, err := s.st.movePayment(ctx, tx, pay, payRefundRequested, "refunded_at", "raw_cancel")
		if err != nil || !moved {
			return err
		}
		if _, err := s.st.setOrderStatus(ctx, tx, pay.OrderID, orderPaid, orderRefunded, now); err != nil {
			return err
		}
		m, err := s.st.orderItems(ctx, tx, []int64{pay.OrderID})
		if err != nil {
			return err
		}
		ev := OrderRefunded{OrderID: pay.OrderID, PaymentID: pay.ID, UserID: pay.UserID, Amount: pay.Amount,
			CourseIDs: []int64{}, RefundedAt: now}
		for _, it := range m[pay.OrderID] {
			ev.CourseIDs = append(ev.CourseIDs, it.CourseIDs.V...)
		}
		if err := s.insertReceipt(ctx, tx, pay, "refund", m[pay.OrderID], b, now); err != nil {
			return err
		}
		return s.bus.Publish(ctx, tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return s.Reload(ctx, pay.ID)
}

// grantAccess is commerce's own subscriber of OrderPaid: learning grants
// every course of the order, for the product's access period, in the
// delivery's transaction (a redelivery grants once).
//
// Deliveries of OrderPaid and OrderRefunded may come in either order (a
// refund right after the payment): both take the order's lock, and a grant
// whose order was refunded meanwhile is not given, so a refund always ends
// the access.
func (s *service) grantAccess(ctx context.Context, tx bun.Tx, d events.Delivery[OrderPaid]) error {
	if err := s.st.lockOrder(ctx, tx, d.Event.OrderID); err != nil {
		return err
	}
	o, err := s.st.order(ctx, tx, 0, d.Event.OrderID, false)
	if err != nil {
		return err
	}
	if o.Status != orderPaid {
		return nil // refunded since
	}
	for _, it := range d.Event.Items {
		for _, cid := range it.CourseIDs {
			_, err := s.grants.GrantInDelivery(ctx, tx, learning.GrantInput{UserID: d.Event.UserID, CourseID: cid,
				Source: learning.SourcePurchase, Ref: GrantRef(d.Event.OrderID), Reason: it.Title, Days: it.AccessDays,
				From: d.Event.PaidAt})
			if apperr.KindOf(err) == apperr.NotFound { // the course was deleted since
				s.logger.Warn("commerce: a paid course is gone; not granted", "order_id", d.Event.OrderID, "course_id", cid)
				continue
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// revokeAccess takes back the grants of a refunded order.
func (s *service) revokeAccess(ctx context.Context, tx bun.Tx, d events.Delivery[OrderRefunded]) error {
	if err := s.st.lockOrder(ctx, tx, d.Event.OrderID); err != nil {
		return err
	}
	_, err := s.grants.RevokeRefInDelivery(ctx, tx, learning.SourcePurchase, GrantRef(d.Event.OrderID), "refunded", 0)
	return err
}

// fullyCancelled says a provider's payment is cancelled for its whole
// amount: a partial cancellation (which we never ask for) is not a refund.
// A provider that reports no cancelled amount is taken at its status.
func fullyCancelled(res *provider.Result, amount int64) bool {
	return res.Status == provider.StatusCancelled && (res.CancelledAmount == 0 || res.CancelledAmount >= amount)
}
