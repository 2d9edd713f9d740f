package events

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/testkit"
)

// BenchmarkPublish measures a write transaction that publishes events to
// subscribers, against the same transaction writing one plain row instead
// (the runner is not started: publication cost only).
func BenchmarkPublish(b *testing.B) {
	for _, dialect := range testkit.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			cases := []struct {
				name  string
				subs  int
				evs   int
				plain bool
			}{
				{name: "tx+row, no event", plain: true},
				{name: "1 event, 1 subscriber", subs: 1, evs: 1},
				{name: "1 event, 3 subscribers", subs: 3, evs: 1},
				{name: "10 events, 3 subscribers", subs: 3, evs: 10},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					d := testkit.MigratedDB(b, dialect)
					createEffects(b, d)
					e := newEnv(b, d, nil)
					for i := range c.subs {
						Subscribe(e.bus, fmt.Sprintf("bench.sub%d", i), func(context.Context, bun.Tx, Delivery[orderPaid]) error { return nil })
					}
					evs := make([]Event, c.evs)
					for i := range evs {
						evs[i] = orderPaid{OrderID: int64(i), Buyer: "benchmark"}
					}
					ctx := context.Background()
					for b.Loop() {
						err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
							if c.plain {
								return recordEffect(ctx, tx, "bench.plain", "x")
							}
							return e.bus.Publish(ctx, tx, evs...)
						})
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// benchRunners are the runner settings the delivery benchmarks compare:
// the tests' fast polling, and the production defaults.
func benchRunners(d *db.DB) map[string]jobs.Options {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	test := jobs.TestOptions(d)
	test.Logger = quiet
	return map[string]jobs.Options{
		"test-polling":    test,
		"default-polling": {DB: d, Logger: quiet},
	}
}

// BenchmarkDeliveryLatency measures one event at a time, from the start of
// the publishing transaction to the handler's call: mostly the wait for the
// next poll (no LISTEN/NOTIFY on either driver).
func BenchmarkDeliveryLatency(b *testing.B) {
	for _, dialect := range testkit.Dialects(b) {
		for _, name := range []string{"test-polling", "default-polling"} {
			b.Run(dialect+"/"+name, func(b *testing.B) {
				d := testkit.MigratedDB(b, dialect)
				e := newEnvJobs(b, d, benchRunners(d)[name], nil)
				got := make(chan struct{}, 1)
				Subscribe(e.bus, "bench.latency", func(context.Context, bun.Tx, Delivery[orderPaid]) error {
					got <- struct{}{}
					return nil
				})
				e.start(b)
				deliver := func() {
					e.publish(b, orderPaid{OrderID: 1})
					select {
					case <-got:
					case <-time.After(10 * time.Second):
						b.Fatal("no delivery in 10 s")
					}
				}
				deliver() // warm up: leader election, first fetch
				for b.Loop() {
					deliver()
				}
			})
		}
	}
}

// BenchmarkDeliveryThroughput publishes b.N events (one transaction each,
// 4 workers) while the runner delivers them, and reports deliveries per
// second until the last is handled.
func BenchmarkDeliveryThroughput(b *testing.B) {
	for _, dialect := range testkit.Dialects(b) {
		for _, name := range []string{"test-polling", "default-polling"} {
			b.Run(dialect+"/"+name, func(b *testing.B) {
				d := testkit.MigratedDB(b, dialect)
				createEffects(b, d)
				e := newEnvJobs(b, d, benchRunners(d)[name], nil)
				var n atomic.Int64
				Subscribe(e.bus, "bench.throughput", func(ctx context.Context, tx bun.Tx, dl Delivery[orderPaid]) error {
					n.Add(1)
					return recordEffect(ctx, tx, dl.Subscriber, dl.ID)
				})
				e.start(b)
				e.publish(b, orderPaid{})
				eventually(b, "the warm-up delivery", func() bool { return n.Load() == 1 })
				b.ResetTimer()
				began := time.Now()
				for i := range b.N {
					e.publish(b, orderPaid{OrderID: int64(i)})
				}
				deadline := time.Now().Add(5 * time.Minute)
				for n.Load() < int64(b.N)+1 {
					if time.Now().After(deadline) {
						b.Fatalf("%d of %d delivered", n.Load()-1, b.N)
					}
					time.Sleep(2 * time.Millisecond)
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "deliveries/s")
			})
		}
	}
}
