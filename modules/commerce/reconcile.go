package commerce

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/commerce/provider"
)

// The reconciler settles payments left between two states: approving (the
// provider was asked to charge, and the answer never reached us or our
// commit: a timeout, a crash) and refund_requested (the same for a refund).
// It asks the provider (Lookup) and records what it says; a payment the
// provider still holds as pending is asked again next time, and failed once
// it is older than Settings.AbandonAfter. It also cancels payments left
// ready that long (the payer never came back; nothing was charged) and
// forgets idempotency keys past their TTL.

const (
	// reconcileEvery is how often the reconciler runs (and once at start).
	reconcileEvery = time.Minute
	// reconcileBatch bounds the payments one run looks at per state.
	reconcileBatch = 100
	// reconcileTimeout bounds one run (the next one goes on).
	reconcileTimeout = 15 * time.Minute
)

type reconcileArgs struct{}

func (reconcileArgs) Kind() string { return "commerce.reconcile" }

type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	s *service
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[reconcileArgs]) error {
	_, err := w.s.Reconcile(ctx)
	return err
}

func periodicReconcile() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(reconcileEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return reconcileArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: reconcileEvery}}
		}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Reconcile settles stale payments and returns how many it looked at.
func (s *service) Reconcile(ctx context.Context) (int, error) {
	now := s.clock.Now()
	cutoff := now.Add(-s.settings.StaleAfter)
	n := 0
	approving, err := s.st.stalePayments(ctx, s.db.R, payApproving, cutoff, reconcileBatch)
	if err != nil {
		return 0, err
	}
	for i := range approving {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		pay := &approving[i]
		prov, ok := s.providers[pay.Provider]
		if !ok {
			continue // a provider switched off: settled where it is on
		}
		n++
		pctx, done := s.ctxProvider(ctx)
		res, perr := prov.Lookup(pctx, provider.LookupInput{TID: pay.tid(), OrderID: pay.ProviderOrderID})
		done()
		if _, err := s.settle(ctx, prov, pay, res, perr, true); err != nil {
			s.logger.Warn("commerce: reconciling a payment", "payment_id", pay.ID, "err", err)
		}
	}
	refunding, err := s.st.stalePayments(ctx, s.db.R, payRefundRequested, cutoff, reconcileBatch)
	if err != nil {
		return n, err
	}
	for i := range refunding {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		pay := &refunding[i]
		prov, ok := s.providers[pay.Provider]
		if !ok {
			continue
		}
		n++
		pctx, done := s.ctxProvider(ctx)
		res, perr := prov.Lookup(pctx, provider.LookupInput{TID: pay.tid(), OrderID: pay.ProviderOrderID})
		done()
		switch {
		case perr == nil && fullyCancelled(res, pay.Amount):
			_, err = s.markRefunded(ctx, pay, res)
		case perr == nil && res.Status == provider.StatusPaid:
			_, err = s.cancelPaid(ctx, prov, pay, "refund requested")
		}
		if err != nil {
			s.logger.Warn("commerce: reconciling a refund", "payment_id", pay.ID, "err", err)
		}
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.st.abandonReady(ctx, tx, now.Add(-s.settings.AbandonAfter), now); err != nil {
			return err
		}
		return s.st.pruneKeys(ctx, tx, now.Add(-s.settings.KeyTTL))
	})
	return n, err
}
