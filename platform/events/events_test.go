package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/testkit"
)

// A transaction that rolls back publishes nothing: no job row, no handler
// call, even with the runner working.
func TestRolledBackTransactionPublishesNothing(t *testing.T) {
	t.Parallel()
	errRollback := errors.New("rollback")
	cases := []struct {
		name string
		// fn runs in the transaction after Publish; its error rolls it back.
		fn      func(ctx context.Context, tx bun.Tx) error
		wantErr string
	}{
		{"the callback returns an error", func(context.Context, bun.Tx) error { return errRollback }, "rollback"},
		{"a later statement fails", func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO no_such_table VALUES (1)")
			return err
		}, "no_such_table"},
	}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.MigratedDB(t, dialect)
		e := newEnv(t, d, nil)
		var mu sync.Mutex
		var seen []int64
		Subscribe(e.bus, "learning.grant_access", func(_ context.Context, _ bun.Tx, dl Delivery[orderPaid]) error {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, dl.Event.OrderID)
			return nil
		})
		e.start(t)
		ctx := context.Background()
		for i, c := range cases {
			err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				if err := e.bus.Publish(ctx, tx, orderPaid{OrderID: int64(i + 1)}); err != nil {
					t.Fatalf("%s: publish: %v", c.name, err)
				}
				return c.fn(ctx, tx)
			})
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("%s: RunInTx returned %v", c.name, err)
			}
		}
		if list, _ := e.deliveries(t); len(list) != 0 {
			t.Fatalf("rolled-back transactions left %d delivery jobs", len(list))
		}

		// A committed event published after them is the only one delivered.
		e.publish(t, orderPaid{OrderID: 100})
		list, _ := e.deliveries(t)
		if len(list) != 1 {
			t.Fatalf("%d delivery jobs, want 1", len(list))
		}
		e.waitJob(t, list[0].ID, jobs.StateCompleted)
		// Nothing else shows up: an event published after them all is
		// delivered, and by then the handler has seen the committed one and
		// it alone.
		e.publish(t, orderPaid{OrderID: 101})
		list, _ = e.deliveries(t)
		if len(list) != 2 {
			t.Fatalf("%d delivery jobs, want 2", len(list))
		}
		e.waitJob(t, list[1].ID, jobs.StateCompleted)
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(seen, []int64{100, 101}) {
			t.Errorf("handler saw orders %v, want [100 101] (101 the sentinel)", seen)
		}
	})
}

// A handler that fails (returns an error or panics) on its first two
// attempts is retried; its writes of the failed attempts are rolled back, and
// the third attempt's commit exactly once.
func TestFailingHandlerIsRetriedThenDeliveredOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		fail    func(attempt int) error
		lastErr string
	}{
		{"error", func(n int) error { return fmt.Errorf("not yet (attempt %d)", n) }, "not yet (attempt 2)"},
		{"panic", func(n int) error { panic(fmt.Sprintf("kaboom %d", n)) }, "events: handler panicked: kaboom 2"},
	}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				d := testkit.MigratedDB(t, dialect)
				createEffects(t, d)
				fixed := clock.NewFixed(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
				e := newEnv(t, d, func(o *Options) { o.Clock = fixed })
				var mu sync.Mutex
				var got []Delivery[orderPaid]
				const sub = "learning.grant_access"
				Subscribe(e.bus, sub, func(ctx context.Context, tx bun.Tx, dl Delivery[orderPaid]) error {
					mu.Lock()
					got = append(got, dl)
					mu.Unlock()
					// Written on every attempt: only the successful one's
					// may survive.
					if err := recordEffect(ctx, tx, dl.Subscriber, dl.ID); err != nil {
						return err
					}
					if dl.Attempt < 3 {
						return c.fail(dl.Attempt)
					}
					fixed.Advance(1500 * time.Millisecond) // the lag the histogram sees
					return nil
				})
				e.start(t)
				e.publish(t, orderPaid{OrderID: 7, Buyer: "kim"})
				list, args := e.deliveries(t)
				if len(list) != 1 {
					t.Fatalf("%d delivery jobs, want 1", len(list))
				}
				s := e.waitJob(t, list[0].ID, jobs.StateCompleted)
				if s.Attempt != 3 || s.LastError != c.lastErr {
					t.Errorf("job: attempt %d, last error %q; want 3, %q", s.Attempt, s.LastError, c.lastErr)
				}

				mu.Lock()
				defer mu.Unlock()
				var attempts []int
				for _, dl := range got {
					attempts = append(attempts, dl.Attempt)
					want := Delivery[orderPaid]{ID: args[0].EventID, Subscriber: sub, Event: orderPaid{OrderID: 7, Buyer: "kim"},
						PublishedAt: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC), Attempt: dl.Attempt}
					if dl.ID == "" || !dl.PublishedAt.Equal(want.PublishedAt) {
						t.Errorf("delivery %+v, want %+v", dl, want)
					}
					dl.PublishedAt = want.PublishedAt
					if dl != want {
						t.Errorf("delivery %+v, want %+v", dl, want)
					}
				}
				if !slices.Equal(attempts, []int{1, 2, 3}) {
					t.Errorf("attempts seen %v, want [1 2 3]", attempts)
				}
				if n := countEffects(t, d, sub); n != 1 {
					t.Errorf("%d effects, want 1", n)
				}
				if f := e.metric(t, "weaverse_event_deliveries_total", "subscriber", sub, "outcome", "failed"); f != 2 {
					t.Errorf("failed deliveries metric %v, want 2", f)
				}
				if n := e.metric(t, "weaverse_event_deliveries_total", "subscriber", sub, "outcome", "delivered"); n != 1 {
					t.Errorf("delivered metric %v, want 1", n)
				}
				if n := e.metric(t, "weaverse_events_published_total", "event", "commerce.order_paid"); n != 1 {
					t.Errorf("published metric %v, want 1", n)
				}
				if n := e.metric(t, "weaverse_event_delivery_lag_seconds"); n != 1 {
					t.Errorf("lag histogram has %v samples, want 1", n)
				}
				warns := e.logs.find("events: delivery failed; it will be retried")
				if len(warns) != 2 {
					t.Fatalf("%d warnings of failed attempts, want 2", len(warns))
				}
				for i, w := range warns {
					if w.attrs["attempt"] != fmt.Sprint(i+1) || w.attrs["subscriber"] != sub ||
						w.attrs["event"] != "commerce.order_paid" || w.attrs["event_id"] != args[0].EventID || w.attrs["error"] == "" {
						t.Errorf("warning %d: %+v", i, w)
					}
				}
				if f, err := e.bus.Failures(context.Background(), 10); err != nil || len(f) != 0 {
					t.Errorf("Failures after success: %+v, %v", f, err)
				}
			})
		}
	})
}

// Every subscriber of an event gets its own delivery: one that keeps
// failing shows in Failures while another is delivered at once, and is
// delivered once when it recovers.
func TestSubscribersFailAndSucceedIndependently(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.MigratedDB(t, dialect)
		createEffects(t, d)
		e := newEnv(t, d, nil)
		const good, bad = "learning.grant_access", "certificates.prepare"
		var down atomic.Bool
		down.Store(true)
		Subscribe(e.bus, good, func(ctx context.Context, tx bun.Tx, dl Delivery[orderPaid]) error {
			return recordEffect(ctx, tx, dl.Subscriber, dl.ID)
		})
		Subscribe(e.bus, bad, func(ctx context.Context, tx bun.Tx, dl Delivery[orderPaid]) error {
			if err := recordEffect(ctx, tx, dl.Subscriber, dl.ID); err != nil {
				return err
			}
			if down.Load() {
				return fmt.Errorf("certificate service down (attempt %d)", dl.Attempt)
			}
			return nil
		})
		e.start(t)
		e.publish(t, orderPaid{OrderID: 1})
		list, args := e.deliveries(t)
		if len(list) != 2 {
			t.Fatalf("%d delivery jobs, want one per subscriber", len(list))
		}
		byName := map[string]int64{}
		for i, a := range args {
			byName[a.Subscriber] = list[i].ID
			if a.EventID != args[0].EventID {
				t.Errorf("the subscribers' deliveries carry different event ids: %+v", args)
			}
		}
		e.waitJob(t, byName[good], jobs.StateCompleted)

		// The failing one shows in Failures once it failed twice.
		var failures []Failure
		eventually(t, "the failing delivery in Failures", func() bool {
			var err error
			failures, err = e.bus.Failures(context.Background(), 10)
			testkit.Must(t, err)
			return len(failures) == 1 && failures[0].Attempt >= 2
		})
		f := failures[0]
		if f.Subscriber != bad || f.Event != "commerce.order_paid" || f.EventID != args[0].EventID || f.JobID != byName[bad] ||
			f.GaveUp || f.NextAttempt == nil || f.FinishedAt != nil || f.MaxAttempts != DefaultMaxAttempts ||
			!strings.HasPrefix(f.LastError, "certificate service down (attempt ") {
			t.Errorf("failure %+v", f)
		}
		if n := countEffects(t, d, good); n != 1 {
			t.Errorf("good subscriber: %d effects, want 1", n)
		}
		if n := countEffects(t, d, bad); n != 0 {
			t.Errorf("failing subscriber: %d effects committed, want 0", n)
		}

		down.Store(false)
		s := e.waitJob(t, byName[bad], jobs.StateCompleted)
		if n := countEffects(t, d, bad); n != 1 {
			t.Errorf("recovered subscriber: %d effects, want 1", n)
		}
		if f := e.metric(t, "weaverse_event_deliveries_total", "subscriber", bad, "outcome", "failed"); int(f) != s.Attempt-1 {
			t.Errorf("failed metric %v after %d attempts", f, s.Attempt)
		}
		if f := e.metric(t, "weaverse_event_deliveries_total", "subscriber", good, "outcome", "failed"); f != 0 {
			t.Errorf("good subscriber failed %v times", f)
		}
		if failures, err := e.bus.Failures(context.Background(), 10); err != nil || len(failures) != 0 {
			t.Errorf("Failures after recovery: %+v, %v", failures, err)
		}
	})
}

// A delivery that fails its last attempt gives up: it is logged at error
// level and stays in Failures as given up.
func TestDeliveryGivesUp(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.MigratedDB(t, dialect)
		e := newEnv(t, d, func(o *Options) { o.MaxAttempts = 2 })
		Subscribe(e.bus, "certificates.prepare", func(_ context.Context, _ bun.Tx, dl Delivery[courseCompleted]) error {
			return fmt.Errorf("font missing (attempt %d)", dl.Attempt)
		})
		e.start(t)
		e.publish(t, courseCompleted{CourseID: 3})
		e.publish(t, courseCompleted{CourseID: 4})
		list, args := e.deliveries(t)
		if len(list) != 2 {
			t.Fatalf("%d delivery jobs, want 2", len(list))
		}
		for _, j := range list {
			e.waitJob(t, j.ID, jobs.StateFailed)
		}
		failures, err := e.bus.Failures(context.Background(), 10)
		testkit.Must(t, err)
		if len(failures) != 2 {
			t.Fatalf("failures %+v, want 2", failures)
		}
		// Newest first.
		if failures[0].JobID != list[1].ID || failures[1].JobID != list[0].ID || failures[0].EventID != args[1].EventID {
			t.Errorf("failures not newest first: %+v", failures)
		}
		for _, f := range failures {
			if !f.GaveUp || f.FinishedAt == nil || f.NextAttempt != nil || f.Attempt != 2 || f.MaxAttempts != 2 ||
				f.LastError != "font missing (attempt 2)" || f.Subscriber != "certificates.prepare" {
				t.Errorf("failure %+v", f)
			}
		}
		if one, err := e.bus.Failures(context.Background(), 1); err != nil || len(one) != 1 || one[0].JobID != list[1].ID {
			t.Errorf("Failures(limit 1) = %+v, %v", one, err)
		}
		if errs := e.logs.find("events: delivery failed for the last time"); len(errs) != 2 || errs[0].level != slog.LevelError {
			t.Errorf("final failures logged: %+v", errs)
		}
		if warns := e.logs.find("events: delivery failed; it will be retried"); len(warns) != 2 {
			t.Errorf("%d warnings of retried attempts, want 2", len(warns))
		}
	})
}

// A delivery that happens again — a second job for the same event, or the
// same job run again after its handler committed (a process dying before
// River records the completion) — is skipped: the effect happens once.
func TestDuplicateDeliveryIsHandledOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		repeat func(t *testing.T, e *env, job jobs.Job, args deliverArgs) int64
	}{
		{"second job with the same event", func(t *testing.T, e *env, _ jobs.Job, args deliverArgs) int64 {
			id, err := e.r.Insert(context.Background(), nil, args, nil)
			testkit.Must(t, err)
			return id
		}},
		{"the completed job run again", func(t *testing.T, e *env, job jobs.Job, _ deliverArgs) int64 {
			_, err := e.d.W.NewUpdate().Table("river_job").
				Set("state = 'available'").Set("finalized_at = NULL").
				Where("id = ?", job.ID).Exec(context.Background())
			testkit.Must(t, err)
			return job.ID
		}},
	}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				d := testkit.MigratedDB(t, dialect)
				createEffects(t, d)
				e := newEnv(t, d, nil)
				const sub = "learning.grant_access"
				var calls atomic.Int64
				Subscribe(e.bus, sub, func(ctx context.Context, tx bun.Tx, dl Delivery[orderPaid]) error {
					calls.Add(1)
					return recordEffect(ctx, tx, dl.Subscriber, dl.ID)
				})
				e.start(t)
				e.publish(t, orderPaid{OrderID: 5})
				list, args := e.deliveries(t)
				e.waitJob(t, list[0].ID, jobs.StateCompleted)

				again := c.repeat(t, e, list[0], args[0])
				eventually(t, "the repeated delivery", func() bool {
					return e.metric(t, "weaverse_event_deliveries_total", "subscriber", sub, "outcome", "duplicate") == 1
				})
				e.waitJob(t, again, jobs.StateCompleted)
				if n := calls.Load(); n != 1 {
					t.Errorf("handler called %d times, want 1", n)
				}
				if n := countEffects(t, d, sub); n != 1 {
					t.Errorf("%d effects, want 1", n)
				}
				if n := e.metric(t, "weaverse_event_deliveries_total", "subscriber", sub, "outcome", "delivered"); n != 1 {
					t.Errorf("delivered metric %v, want 1", n)
				}
				if dup := e.logs.find("events: duplicate delivery skipped"); len(dup) != 1 || dup[0].attrs["event_id"] != args[0].EventID {
					t.Errorf("duplicate log: %+v", dup)
				}
			})
		}
	})
}

// Subscribe refuses programming errors at wiring time.
func TestSubscribePanics(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, testkit.MigratedDB(t, dialect), nil)
		ok := func(context.Context, bun.Tx, Delivery[orderPaid]) error { return nil }
		Subscribe(e.bus, "learning.grant_access", ok)
		// The same subscriber may follow other events; several subscribers
		// may follow one event; pointer event types work.
		Subscribe(e.bus, "learning.grant_access", func(context.Context, bun.Tx, Delivery[courseCompleted]) error { return nil })
		Subscribe(e.bus, "dashboard.count_sales", ok)
		Subscribe(e.bus, "dashboard.count_views", func(context.Context, bun.Tx, Delivery[*lessonWatched]) error { return nil })

		cases := []struct {
			name, want string
			fn         func()
		}{
			{"empty subscriber name", "subscriber name", func() { Subscribe(e.bus, "", ok) }},
			{"subscriber name without module", "subscriber name", func() { Subscribe(e.bus, "grant_access", ok) }},
			{"subscriber name with capitals", "subscriber name", func() { Subscribe(e.bus, "Learning.Grant", ok) }},
			{"subscriber name with two dots", "subscriber name", func() { Subscribe(e.bus, "learning.grant.access", ok) }},
			{"subscriber name too long", "subscriber name", func() { Subscribe(e.bus, "a."+strings.Repeat("b", maxNameLen), ok) }},
			{"malformed event name", "event name", func() {
				Subscribe(e.bus, "learning.x", func(context.Context, bun.Tx, Delivery[badlyNamed]) error { return nil })
			}},
			{"interface event type", "concrete", func() {
				Subscribe(e.bus, "learning.x", func(context.Context, bun.Tx, Delivery[Event]) error { return nil })
			}},
			{"nil handler", "nil handler", func() { Subscribe[orderPaid](e.bus, "learning.x", nil) }},
			{"duplicate subscription", "already subscribes", func() { Subscribe(e.bus, "learning.grant_access", ok) }},
			{"second Go type for an event name", "commerce.order_paid", func() {
				Subscribe(e.bus, "learning.other", func(context.Context, bun.Tx, Delivery[orderPaidV2]) error { return nil })
			}},
			{"pointer and value of one type", "commerce.order_paid", func() {
				Subscribe(e.bus, "learning.other", func(context.Context, bun.Tx, Delivery[*orderPaid]) error { return nil })
			}},
		}
		for _, c := range cases {
			mustPanic(t, c.name, c.want, c.fn)
		}
		e.start(t)
		mustPanic(t, "after Start", "after the job runner started", func() { Subscribe(e.bus, "learning.late", ok) })
		if _, err := New(Options{DB: e.d, Jobs: e.r}); err == nil {
			t.Error("New after Start succeeded")
		}
	})
}

// Publish refuses events it cannot deliver faithfully, writing nothing at
// all (not even the valid events of the same call); an event nobody
// subscribes to is fine and writes nothing.
func TestPublishErrors(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.MigratedDB(t, dialect)
		e := newEnv(t, d, nil)
		Subscribe(e.bus, "learning.grant_access", func(context.Context, bun.Tx, Delivery[orderPaid]) error { return nil })
		Subscribe(e.bus, "learning.count_views", func(context.Context, bun.Tx, Delivery[*lessonWatched]) error { return nil })
		ctx := context.Background()
		cases := []struct {
			name, want string
			evs        []Event
		}{
			{"another Go type under a subscribed name", "subscribers expect", []Event{orderPaidV2{OrderID: "x"}}},
			{"a pointer to the subscribed type", "subscribers expect", []Event{&orderPaid{}}},
			{"valid events with a mismatched one", "subscribers expect", []Event{orderPaid{OrderID: 1}, orderPaidV2{}}},
			{"nil event", "nil", []Event{orderPaid{}, nil}},
			{"malformed name", "event name", []Event{badlyNamed{}}},
			{"cannot be marshalled", "unsupported type", []Event{orderPaid{}, unmarshalable{Ch: make(chan int)}}},
		}
		for _, c := range cases {
			var pubErr error
			err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				pubErr = e.bus.Publish(ctx, tx, c.evs...)
				return nil // commit anyway: Publish must have written nothing
			})
			testkit.Must(t, err)
			if pubErr == nil || !strings.Contains(pubErr.Error(), c.want) {
				t.Errorf("%s: Publish returned %v, want an error mentioning %q", c.name, pubErr, c.want)
			}
			if list, _ := e.deliveries(t); len(list) != 0 {
				t.Fatalf("%s: %d delivery jobs written", c.name, len(list))
			}
		}
		if err := e.bus.Publish(ctx, bun.Tx{}, orderPaid{}); err == nil || !strings.Contains(err.Error(), "transaction") {
			t.Errorf("Publish without a transaction: %v", err)
		}

		// No subscriber: no job, no error. Several events at once: one job
		// per (subscriber, event), each event with its own id.
		e.publish(t, courseCompleted{CourseID: 1})
		if list, _ := e.deliveries(t); len(list) != 0 {
			t.Fatalf("an event without subscribers wrote %d jobs", len(list))
		}
		e.publish(t, orderPaid{OrderID: 1}, courseCompleted{CourseID: 2}, &lessonWatched{LessonID: 3}, orderPaid{OrderID: 4})
		_, args := e.deliveries(t)
		var got []string
		ids := map[string]bool{}
		for _, a := range args {
			// Postgres stores args as jsonb, which reorders keys: compare
			// the decoded payloads.
			var payload map[string]any
			testkit.Must(t, json.Unmarshal(a.Payload, &payload))
			canonical, err := json.Marshal(payload)
			testkit.Must(t, err)
			got = append(got, a.Subscriber+" "+string(canonical))
			ids[a.EventID] = true
		}
		slices.Sort(got)
		want := []string{
			`learning.count_views {"lesson_id":3}`,
			`learning.grant_access {"buyer":"","order_id":1}`,
			`learning.grant_access {"buyer":"","order_id":4}`,
		}
		if !slices.Equal(got, want) || len(ids) != 3 {
			t.Errorf("deliveries %q (%d event ids), want %q", got, len(ids), want)
		}
		if n := e.metric(t, "weaverse_events_published_total", "event", "learning.course_completed"); n != 2 {
			t.Errorf("published metric of an event without subscribers: %v, want 2", n)
		}
	})
}

// A delivery this binary can never make — its subscriber or event has been
// unknown to every instance for UnknownSubscriberPatience (removed in a later
// deploy), or its payload does not decode — is logged and cancelled after
// one attempt, not retried for days. A fresh one for a subscriber this binary
// lacks is left (snoozed) for the instances of a newer binary.
func TestUndeliverableJobsAreCancelled(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, subscriber, event, payload, want string
	}{
		{"unknown subscriber", "gone.away", "commerce.order_paid", `{"order_id":1}`, "no such subscriber"},
		{"unknown event", "learning.grant_access", "commerce.order_refunded", `{"order_id":1}`, "no such subscriber"},
		{"undecodable payload", "learning.grant_access", "commerce.order_paid", `{"order_id":"one"}`, "undecodable payload"},
	}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.MigratedDB(t, dialect)
		e := newEnv(t, d, nil)
		var calls atomic.Int64
		Subscribe(e.bus, "learning.grant_access", func(context.Context, bun.Tx, Delivery[orderPaid]) error {
			calls.Add(1)
			return nil
		})
		e.start(t)
		long := time.Now().Add(-UnknownSubscriberPatience - time.Minute)
		for _, c := range cases {
			id, err := e.r.Insert(context.Background(), nil, deliverArgs{Subscriber: c.subscriber, Event: c.event,
				EventID: "e-" + c.subscriber, PublishedAt: long, Payload: []byte(c.payload)}, nil)
			testkit.Must(t, err)
			s := e.waitJob(t, id)
			if s.State != jobs.StateCancelled || s.Attempt != 1 || !strings.Contains(s.LastError, c.want) {
				t.Errorf("%s: job %+v", c.name, s)
			}
		}
		// Published a moment ago for a subscriber only a newer binary has.
		id, err := e.r.Insert(context.Background(), nil, deliverArgs{Subscriber: "newer.binary", Event: "commerce.order_paid",
			EventID: "e-newer", PublishedAt: time.Now(), Payload: []byte(`{"order_id":9}`)}, nil)
		testkit.Must(t, err)
		if !e.logs.wait("events: no such subscriber in this binary; leaving the delivery to another instance", 30*time.Second) {
			t.Fatal("the fresh delivery for an unknown subscriber was not snoozed")
		}
		// River records the snooze a little after Work returns.
		s, err := e.r.WaitFor(context.Background(), id, jobs.StateQueued)
		if err != nil || s.Attempt > 1 || !s.ScheduledAt.After(time.Now().Add(30*time.Second)) {
			t.Errorf("a fresh delivery for an unknown subscriber: %+v (%v), want queued for later", s, err)
		}
		if n := calls.Load(); n != 0 {
			t.Errorf("handler called %d times", n)
		}
		if n := e.metric(t, "weaverse_event_deliveries_total", "subscriber", "gone.away", "outcome", "dropped"); n != 1 {
			t.Errorf("dropped metric of gone.away: %v", n)
		}
		if n := e.metric(t, "weaverse_event_deliveries_total", "subscriber", "learning.grant_access", "outcome", "dropped"); n != 2 {
			t.Errorf("dropped metric of learning.grant_access: %v", n)
		}
		if errs := e.logs.find("events: delivery dropped"); len(errs) != 3 || errs[0].level != slog.LevelError || errs[0].attrs["subscriber"] != "gone.away" {
			t.Errorf("dropped deliveries logged: %+v", errs)
		}
		// Cancelled deliveries are not failures waiting for anything.
		if f, err := e.bus.Failures(context.Background(), 10); err != nil || len(f) != 0 {
			t.Errorf("Failures: %+v, %v", f, err)
		}
	})
}

// The periodic cleanup (run at start, then daily) forgets deliveries older
// than DedupeRetention, and only those.
func TestCleanupDeletesOnlyOldDeliveries(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.MigratedDB(t, dialect)
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		e := newEnv(t, d, func(o *Options) { o.Clock = clock.NewFixed(now) })
		ctx := context.Background()
		rows := []deliveryRow{
			{Subscriber: "a.b", EventID: "ancient", DeliveredAt: now.Add(-365 * 24 * time.Hour)},
			{Subscriber: "a.b", EventID: "just-too-old", DeliveredAt: now.Add(-DedupeRetention - time.Second)},
			{Subscriber: "a.b", EventID: "just-young-enough", DeliveredAt: now.Add(-DedupeRetention + time.Second)},
			{Subscriber: "a.c", EventID: "recent", DeliveredAt: now.Add(-time.Hour)},
		}
		_, err := d.W.NewInsert().Model(&rows).Exec(ctx)
		testkit.Must(t, err)
		remaining := func() []string {
			var ids []string
			testkit.Must(t, d.R.NewSelect().Model((*deliveryRow)(nil)).Column("event_id").OrderExpr("event_id").Scan(ctx, &ids))
			return ids
		}
		e.start(t)
		eventually(t, "the cleanup", func() bool { return len(remaining()) == 2 })
		if got := remaining(); !slices.Equal(got, []string{"just-young-enough", "recent"}) {
			t.Errorf("left %v", got)
		}
		list, err := e.r.List(ctx, river.NewJobListParams().Kinds(cleanupKind))
		testkit.Must(t, err)
		if len(list) != 1 || list[0].Queue != Queue {
			t.Errorf("cleanup jobs %+v", list)
		}
		if n, err := e.bus.cleanup(ctx); err != nil || n != 0 {
			t.Errorf("second cleanup: %d, %v", n, err)
		}
	})
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	d := testkit.MigratedDB(t, "sqlite")
	if _, err := New(Options{DB: d}); err == nil {
		t.Error("New without a runner succeeded")
	}
	e := newEnv(t, d, nil)
	if _, err := New(Options{DB: d, Jobs: e.r, MaxAttempts: -1}); err == nil {
		t.Error("New with MaxAttempts -1 succeeded")
	}
	// One bus per runner: its job kinds are registered once.
	mustPanic(t, "second bus on a runner", deliverKind, func() { _, _ = New(Options{DB: d, Jobs: e.r}) })
}

// A handler may publish follow-up events through its transaction (an order
// paid → access granted): they are written with its other effects, so a
// failed attempt's follow-ups vanish with it, and on SQLite nothing waits
// for the writer the handler holds.
func TestHandlerPublishesThroughItsTransaction(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.MigratedDB(t, dialect)
		e := newEnv(t, d, nil)
		Subscribe(e.bus, "learning.grant_access", func(ctx context.Context, tx bun.Tx, dl Delivery[orderPaid]) error {
			if err := e.bus.Publish(ctx, tx, courseCompleted{CourseID: dl.Event.OrderID * 10}); err != nil {
				return err
			}
			if dl.Attempt == 1 {
				return errors.New("first attempt fails after publishing")
			}
			return nil
		})
		var got atomic.Int64
		var calls atomic.Int64
		Subscribe(e.bus, "certificates.issue", func(_ context.Context, _ bun.Tx, dl Delivery[courseCompleted]) error {
			calls.Add(1)
			got.Store(dl.Event.CourseID)
			return nil
		})
		e.start(t)
		e.publish(t, orderPaid{OrderID: 4})
		eventually(t, "the follow-up event", func() bool { return calls.Load() == 1 })
		for _, j := range e.waitAll(t) {
			if j.State != jobs.StateCompleted {
				t.Errorf("job %+v", j.Status)
			}
		}
		_, args := e.deliveries(t)
		if len(args) != 2 || got.Load() != 40 || calls.Load() != 1 {
			t.Errorf("deliveries %+v; follow-up course %d, %d calls", args, got.Load(), calls.Load())
		}
	})
}

// Handlers get the job's context: River cancels it at the job's timeout (a
// failed attempt, retried) and on shutdown (an interrupted attempt, not a
// failure: River queues it again without counting it).
func TestHandlerGetsTheJobContext(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		t.Run("timeout", func(t *testing.T) {
			d := testkit.MigratedDB(t, dialect)
			jo := jobs.TestOptions(d)
			jo.JobTimeout = 100 * time.Millisecond
			e := newEnvJobs(t, d, jo, nil)
			Subscribe(e.bus, "learning.grant_access", func(ctx context.Context, _ bun.Tx, dl Delivery[orderPaid]) error {
				if dl.Attempt == 1 {
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			})
			e.start(t)
			e.publish(t, orderPaid{OrderID: 1})
			list, _ := e.deliveries(t)
			s := e.waitJob(t, list[0].ID, jobs.StateCompleted)
			if s.Attempt != 2 || !strings.Contains(s.LastError, "deadline exceeded") {
				t.Errorf("job %+v", s)
			}
			if n := e.metric(t, "weaverse_event_deliveries_total", "outcome", "failed"); n != 1 {
				t.Errorf("failed metric %v, want 1", n)
			}
		})
		t.Run("shutdown", func(t *testing.T) {
			d := testkit.MigratedDB(t, dialect)
			e := newEnv(t, d, nil)
			started := make(chan struct{})
			Subscribe(e.bus, "learning.grant_access", func(ctx context.Context, _ bun.Tx, _ Delivery[orderPaid]) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			})
			e.start(t)
			e.publish(t, orderPaid{OrderID: 1})
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("the handler never ran")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			testkit.Must(t, e.r.Stop(ctx)) // at the deadline, running jobs are cancelled
			list, _ := e.deliveries(t)
			if list[0].State != jobs.StateQueued || list[0].Attempt != 0 {
				t.Errorf("interrupted delivery %+v", list[0].Status)
			}
			if n := e.metric(t, "weaverse_event_deliveries_total", "outcome", "failed"); n != 0 {
				t.Errorf("failed metric %v, want 0", n)
			}
			if logs := e.logs.find("events: delivery interrupted by shutdown"); len(logs) != 1 {
				t.Errorf("interruption logs: %+v", logs)
			}
		})
	})
}
