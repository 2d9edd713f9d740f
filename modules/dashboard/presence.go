package dashboard

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/rollup"
)

// Presence: a signed-in request marks its user as seen in memory (a map
// look-up under a mutex: no write on the request's path); a flusher writes
// the marks every flushEvery in one transaction. A user is written at most
// once per writeEvery by an instance, so a busy learner costs one row write
// a minute however many heartbeats they send; several instances each write
// their own marks, and the later time wins. "Active now" is seen within
// ActiveWindow; a user seen on a day is active that day (DAU, MAU).
const (
	writeEvery   = time.Minute
	flushEvery   = 15 * time.Second
	ActiveWindow = 5 * time.Minute
	// maxPending bounds the marks waiting for a flush (a flood of distinct
	// users between two flushes drops the excess, never the server).
	maxPending = 100_000
)

type presence struct {
	db     *db.DB
	st     store
	clock  clock.Clock
	logger *slog.Logger
	offset func(time.Time) int

	mu      sync.Mutex
	written map[int64]time.Time // user → when this instance last wrote them
	pending map[int64]time.Time // user → latest time seen, not yet written

	stop chan struct{}
	done chan struct{}
}

func newPresence(d *db.DB, clk clock.Clock, logger *slog.Logger, offset func(time.Time) int) *presence {
	return &presence{db: d, st: store{d: d}, clock: clk, logger: logger, offset: offset,
		written: map[int64]time.Time{}, pending: map[int64]time.Time{}}
}

// middleware marks the request's user as seen.
func (pr *presence) middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if p := authz.PrincipalFrom(c.UserContext()); p != nil && p.UserID > 0 {
			pr.touch(p.UserID, pr.clock.Now())
		}
		return c.Next()
	}
}

// touch marks userID seen at t, unless this instance wrote them less than
// writeEvery ago.
func (pr *presence) touch(userID int64, t time.Time) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	// A new day is a new active day, however recent the last write.
	if last, ok := pr.written[userID]; ok && t.Sub(last) < writeEvery &&
		rollup.Day(last, pr.offset(last)) == rollup.Day(t, pr.offset(t)) {
		return
	}
	if _, ok := pr.pending[userID]; !ok && len(pr.pending) >= maxPending {
		return
	}
	pr.pending[userID] = t
}

// flush writes the pending marks.
func (pr *presence) flush(ctx context.Context) error {
	pr.mu.Lock()
	batch := pr.pending
	pr.pending = map[int64]time.Time{}
	now := pr.clock.Now()
	for id, t := range pr.written { // forget what no longer throttles
		if now.Sub(t) >= writeEvery {
			delete(pr.written, id)
		}
	}
	for id, t := range batch {
		pr.written[id] = t
	}
	pr.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	rows := make([]presenceRow, 0, len(batch))
	days := make([]activeDayRow, 0, len(batch))
	for id, t := range batch {
		rows = append(rows, presenceRow{UserID: id, SeenAt: t})
		days = append(days, activeDayRow{Day: rollup.Day(t, pr.offset(t)), UserID: id})
	}
	err := pr.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error { return pr.st.seen(ctx, tx, rows, days) })
	if err != nil {
		// Written again next time: the marks go back unless newer ones came.
		pr.mu.Lock()
		for id, t := range batch {
			delete(pr.written, id)
			if cur, ok := pr.pending[id]; !ok || cur.Before(t) {
				pr.pending[id] = t
			}
		}
		pr.mu.Unlock()
	}
	return err
}

// start flushes every flushEvery until stop.
func (pr *presence) start() {
	pr.stop, pr.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(pr.done)
		tick := time.NewTicker(flushEvery)
		defer tick.Stop()
		for {
			select {
			case <-pr.stop:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), flushEvery)
				if err := pr.flush(ctx); err != nil {
					pr.logger.Warn("dashboard: presence not written; retrying", "err", err)
				}
				cancel()
			}
		}
	}()
}

// shutdown stops the flusher and writes what is pending.
func (pr *presence) shutdown(ctx context.Context) error {
	if pr.stop != nil {
		close(pr.stop)
		<-pr.done
		pr.stop = nil
	}
	return pr.flush(ctx)
}
