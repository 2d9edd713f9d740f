package db

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// QueryCounter counts the statements run with a context from WithQueryCounter.
// Tests use it to prove that an endpoint runs a fixed number of queries (no
// N+1), whatever the size of the data.
type QueryCounter struct{ n atomic.Int64 }

// Count returns the number of statements counted so far.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

type counterKey struct{}

// WithQueryCounter returns a context whose queries are counted by the returned counter.
func WithQueryCounter(ctx context.Context) (context.Context, *QueryCounter) {
	c := &QueryCounter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// counterHook is a bun query hook that feeds the counter found in the
// query's context, and the database's running total.
type counterHook struct{ total *atomic.Int64 }

func (counterHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h counterHook) AfterQuery(ctx context.Context, _ *bun.QueryEvent) {
	h.total.Add(1)
	if c, ok := ctx.Value(counterKey{}).(*QueryCounter); ok {
		c.n.Add(1)
	}
}
