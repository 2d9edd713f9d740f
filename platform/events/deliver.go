package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
)

// deliveryRow is a remembered delivery (platform_event_deliveries).
type deliveryRow struct {
	bun.BaseModel `bun:"table:platform_event_deliveries"`
	Subscriber    string    `bun:"subscriber,pk"`
	EventID       string    `bun:"event_id,pk"`
	DeliveredAt   time.Time `bun:"delivered_at"`
}

// deliverWorker works delivery jobs.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	bus *Bus
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	return w.bus.deliver(ctx, job)
}

// deliver runs one delivery: the dedupe record and the handler in one
// write transaction.
func (b *Bus) deliver(ctx context.Context, job *river.Job[deliverArgs]) error {
	a := job.Args
	log := b.log.With("subscriber", a.Subscriber, "event", a.Event, "event_id", a.EventID,
		"attempt", job.Attempt, "job_id", job.ID)

	sub := b.lookup(a.Event, a.Subscriber)
	if sub == nil {
		// Queued by a binary that has this subscriber. During a rolling
		// deploy that is the newer binary, running on other instances: put
		// the delivery back for them (a snooze counts no attempt). Only
		// once no instance has taken it for UnknownSubscriberPatience is the
		// subscriber taken for gone (removed by a later deploy).
		if age := b.clock.Now().Sub(a.PublishedAt); age < UnknownSubscriberPatience {
			log.WarnContext(ctx, "events: no such subscriber in this binary; leaving the delivery to another instance", "age", age)
			return river.JobSnooze(unknownSubscriberSnooze)
		}
		return b.drop(ctx, log, a, errors.New("no such subscriber of this event in any running binary"))
	}
	call, err := sub.decode(a.Payload)
	if err != nil {
		// The payload will not decode better on the next attempt.
		return b.drop(ctx, log, a, fmt.Errorf("undecodable payload: %w", err))
	}

	var duplicate bool
	err = b.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// The record goes first: on a duplicate the handler is not even
		// called, and on a failure it is rolled back with the handler's
		// writes, so the retry runs the handler again.
		res, err := tx.NewInsert().Model(&deliveryRow{
			Subscriber: a.Subscriber, EventID: a.EventID, DeliveredAt: b.clock.Now(),
		}).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("events: record the delivery: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("events: record the delivery: %w", err)
		}
		if n == 0 {
			duplicate = true
			return nil
		}
		return safeCall(ctx, log, call, tx, deliveryMeta{
			id: a.EventID, subscriber: a.Subscriber, publishedAt: a.PublishedAt, attempt: job.Attempt})
	})

	switch {
	case err == nil && duplicate:
		b.metrics.deliveries.WithLabelValues(a.Subscriber, outcomeDuplicate).Inc()
		log.InfoContext(ctx, "events: duplicate delivery skipped")
		return nil
	case err == nil:
		b.metrics.deliveries.WithLabelValues(a.Subscriber, outcomeDelivered).Inc()
		b.metrics.lag.Observe(max(0, b.clock.Now().Sub(a.PublishedAt).Seconds()))
		return nil
	case interrupted(ctx, err):
		// River puts a job interrupted by shutdown back in the queue without
		// counting the attempt: not a failure of the subscriber.
		log.InfoContext(ctx, "events: delivery interrupted by shutdown; it will run again", "error", err)
		return err
	}
	b.metrics.deliveries.WithLabelValues(a.Subscriber, outcomeFailed).Inc()
	if job.Attempt >= job.MaxAttempts {
		log.ErrorContext(ctx, "events: delivery failed for the last time; giving up",
			"max_attempts", job.MaxAttempts, "error", err)
	} else {
		log.WarnContext(ctx, "events: delivery failed; it will be retried",
			"max_attempts", job.MaxAttempts, "error", err)
	}
	return err
}

// safeCall calls the handler, turning a panic into an error so it is
// logged and counted like any failure (the transaction is rolled back and
// River retries the delivery).
func safeCall(ctx context.Context, log *slog.Logger, call handlerCall, tx bun.Tx, m deliveryMeta) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "events: handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("events: handler panicked: %v", p)
		}
	}()
	return call(ctx, tx, m)
}

// interrupted reports whether err comes from the job's context being
// cancelled by the runner's shutdown (a timeout is a deadline, and a
// failure).
func interrupted(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(ctx.Err(), context.Canceled)
}

// drop cancels a delivery that can never succeed in this binary.
func (b *Bus) drop(ctx context.Context, log *slog.Logger, a deliverArgs, err error) error {
	b.metrics.deliveries.WithLabelValues(a.Subscriber, outcomeDropped).Inc()
	log.ErrorContext(ctx, "events: delivery dropped", "error", err)
	return river.JobCancel(fmt.Errorf("events: %w", err))
}

// cleanupArgs are the periodic cleanup job's (none).
type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return cleanupKind }

func (cleanupArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// cleanupWorker deletes the dedupe records past DedupeRetention.
type cleanupWorker struct {
	river.WorkerDefaults[cleanupArgs]
	bus *Bus
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[cleanupArgs]) error {
	n, err := w.bus.cleanup(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.bus.log.InfoContext(ctx, "events: forgot old deliveries", "count", n, "older_than", DedupeRetention)
	}
	return nil
}

// cleanup deletes the deliveries remembered for longer than DedupeRetention
// and returns how many.
func (b *Bus) cleanup(ctx context.Context) (int64, error) {
	res, err := b.db.W.NewDelete().Model((*deliveryRow)(nil)).
		Where("delivered_at < ?", b.clock.Now().Add(-DedupeRetention)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("events: cleanup: %w", err)
	}
	return res.RowsAffected()
}
