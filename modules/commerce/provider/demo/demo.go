// Package demo is the local payment provider for self-hosting demos and
// tests: no money moves and nothing leaves the process. Its "payment page"
// is commerce's own demo approval page (Ready returns no redirect URL);
// approving there runs commerce's approval path, which calls Approve here
// as it would call KakaoPay or Toss.
//
// It keeps the payments it started in memory, so a payment started before
// a restart is unknown afterwards (Lookup and Approve refuse it, and the
// reconciler fails it): right for a demo, and the reason production keeps it
// off.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
)

// Name is the provider's name in the API.
const Name = "demo"

// Provider is the demo provider. The zero value is not usable: call New.
type Provider struct {
	now func() time.Time

	mu       sync.Mutex
	payments map[string]*payment // by tid
}

type payment struct {
	orderID, userID string
	amount          int64
	status          provider.Status
	approvedAt      time.Time
	cancelledAt     time.Time
}

// New returns a demo provider reading the time from now (nil: time.Now).
func New(now func() time.Time) *Provider {
	if now == nil {
		now = time.Now
	}
	return &Provider{now: now, payments: map[string]*payment{}}
}

var _ provider.Provider = (*Provider)(nil)

// Name is "demo".
func (p *Provider) Name() string { return Name }

// Ready registers the payment and returns its tid.
func (p *Provider) Ready(_ context.Context, in provider.ReadyInput) (*provider.Ready, error) {
	if in.OrderID == "" || in.Amount < 0 {
		return nil, p.refusal(400, "INVALID_REQUEST", "order id and amount are required")
	}
	tid := "D" + rand.Text()[:19]
	p.mu.Lock()
	p.payments[tid] = &payment{orderID: in.OrderID, userID: in.UserID, amount: in.Amount, status: provider.StatusPending}
	p.mu.Unlock()
	raw, _ := json.Marshal(map[string]any{"tid": tid, "order_id": in.OrderID, "amount": in.Amount})
	return &provider.Ready{TID: tid, Raw: raw}, nil
}

// Approve charges the payment (nothing is charged: it is a demo).
func (p *Provider) Approve(_ context.Context, in provider.ApproveInput) (*provider.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pay, ok := p.payments[in.TID]
	switch {
	case !ok || pay.orderID != in.OrderID:
		return nil, p.refusal(404, "NOT_FOUND_PAYMENT", "no such payment")
	case pay.status == provider.StatusPaid || pay.status == provider.StatusCancelled:
		e := p.refusal(409, "ALREADY_PROCESSED_PAYMENT", "the payment was already approved")
		e.AlreadyDone = true
		return nil, e
	}
	pay.status, pay.approvedAt = provider.StatusPaid, p.now().UTC()
	return p.result(in.TID, pay), nil
}

// Lookup says where a payment stands.
func (p *Provider) Lookup(_ context.Context, in provider.LookupInput) (*provider.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for tid, pay := range p.payments {
		if (in.TID == "" || tid == in.TID) && pay.orderID == in.OrderID {
			return p.result(tid, pay), nil
		}
	}
	return nil, p.refusal(404, "NOT_FOUND_PAYMENT", "no such payment")
}

// Cancel refunds a payment in full.
func (p *Provider) Cancel(_ context.Context, in provider.CancelInput) (*provider.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pay, ok := p.payments[in.TID]
	switch {
	case !ok:
		return nil, p.refusal(404, "NOT_FOUND_PAYMENT", "no such payment")
	case pay.status == provider.StatusCancelled:
		e := p.refusal(409, "ALREADY_CANCELED_PAYMENT", "the payment was already cancelled")
		e.AlreadyDone = true
		return nil, e
	case in.Amount != pay.amount:
		return nil, p.refusal(400, "INVALID_CANCEL_AMOUNT", fmt.Sprintf("the payment's amount is %d", pay.amount))
	}
	pay.status, pay.cancelledAt = provider.StatusCancelled, p.now().UTC()
	return p.result(in.TID, pay), nil
}

func (p *Provider) result(tid string, pay *payment) *provider.Result {
	r := &provider.Result{TID: tid, OrderID: pay.orderID, Status: pay.status, Amount: pay.amount, Method: Name,
		ApprovedAt: pay.approvedAt, CancelledAt: pay.cancelledAt}
	if pay.status == provider.StatusCancelled {
		r.CancelledAmount = pay.amount
	}
	if pay.status == provider.StatusPending {
		r.Amount = 0 // nothing charged yet
	}
	r.Raw, _ = json.Marshal(map[string]any{"tid": tid, "order_id": pay.orderID, "status": pay.status,
		"amount": pay.amount, "approved_at": pay.approvedAt, "cancelled_at": pay.cancelledAt})
	return r
}

func (p *Provider) refusal(status int, code, msg string) *provider.Error {
	raw, _ := json.Marshal(map[string]string{"code": code, "message": msg})
	return &provider.Error{Provider: Name, HTTPStatus: status, Code: code, Message: msg, Raw: raw}
}
