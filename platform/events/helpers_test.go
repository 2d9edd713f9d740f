package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/testkit"
)

// --- test events ---------------------------------------------------------------

type orderPaid struct {
	OrderID int64  `json:"order_id"`
	Buyer   string `json:"buyer"`
}

func (orderPaid) EventName() string { return "commerce.order_paid" }

// orderPaidV2 claims orderPaid's name with another Go type.
type orderPaidV2 struct {
	OrderID string `json:"order_id"`
}

func (orderPaidV2) EventName() string { return "commerce.order_paid" }

type courseCompleted struct {
	CourseID int64 `json:"course_id"`
}

func (courseCompleted) EventName() string { return "learning.course_completed" }

// lessonWatched has a pointer receiver, so subscribers use *lessonWatched.
type lessonWatched struct {
	LessonID int64 `json:"lesson_id"`
}

func (*lessonWatched) EventName() string { return "learning.lesson_watched" }

type badlyNamed struct{}

func (badlyNamed) EventName() string { return "Commerce OrderPaid" }

// unmarshalable cannot be turned into JSON.
type unmarshalable struct {
	Ch chan int `json:"ch"`
}

func (unmarshalable) EventName() string { return "test.unmarshalable" }

// --- environment ---------------------------------------------------------------

// env is a migrated database with a job runner and a bus on it, their logs
// and metrics. Every test builds its own (a fresh database per dialect, and
// per case where cases would interfere), so the tests run in parallel. The runner is stopped when the test ends, before the
// database is closed.
type env struct {
	d    *db.DB
	r    *jobs.Runner
	bus  *Bus
	reg  *prometheus.Registry
	logs *logRecorder
}

func newEnv(t testing.TB, d *db.DB, edit func(*Options)) *env {
	t.Helper()
	return newEnvJobs(t, d, jobs.TestOptions(d), edit)
}

// newEnvJobs is newEnv with the runner's options (Logger and Queues are set
// here unless given).
func newEnvJobs(t testing.TB, d *db.DB, jo jobs.Options, edit func(*Options)) *env {
	t.Helper()
	e := &env{d: d, reg: prometheus.NewRegistry(), logs: &logRecorder{t: t}}
	logger := slog.New(&recHandler{rec: e.logs})
	if jo.Logger == nil {
		jo.Logger = logger
	}
	if jo.Queues == nil {
		jo.Queues = map[string]int{Queue: 4}
	}
	var err error
	e.r, err = jobs.New(context.Background(), jo)
	testkit.Must(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.r.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	o := Options{DB: d, Jobs: e.r, Logger: logger, Metrics: e.reg}
	if edit != nil {
		edit(&o)
	}
	e.bus, err = New(o)
	testkit.Must(t, err)
	return e
}

func (e *env) start(t testing.TB) {
	t.Helper()
	testkit.Must(t, e.r.Start(context.Background()))
}

// publish publishes evs in a transaction of its own and commits it.
func (e *env) publish(t testing.TB, evs ...Event) {
	t.Helper()
	testkit.Must(t, e.d.RunInTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		return e.bus.Publish(ctx, tx, evs...)
	}))
}

// deliveries lists the delivery jobs (any state), oldest first, with their
// decoded arguments.
func (e *env) deliveries(t testing.TB) ([]jobs.Job, []deliverArgs) {
	t.Helper()
	list, err := e.r.List(context.Background(), river.NewJobListParams().Kinds(deliverKind).First(1000))
	testkit.Must(t, err)
	args := make([]deliverArgs, len(list))
	for i, j := range list {
		testkit.Must(t, json.Unmarshal(j.Args, &args[i]))
	}
	return list, args
}

// waitJob waits for a job to reach one of states (any final one if none);
// the deadline only bounds a failure.
func (e *env) waitJob(t testing.TB, id int64, states ...string) jobs.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := e.r.WaitFor(ctx, id, states...)
	testkit.Must(t, err)
	return s
}

// metric returns a counter's value, or a histogram's sample count, for the
// label pairs given ("subscriber", "x", "outcome", "delivered").
func (e *env) metric(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	testkit.Must(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue metrics
				}
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// --- effects: what handlers write through their transaction ------------------

type effect struct {
	bun.BaseModel `bun:"table:events_test_effects"`
	Subscriber    string `bun:"subscriber"`
	EventID       string `bun:"event_id"`
}

// createEffects creates the table handlers record their effects in. It has
// no unique key on purpose: an effect applied twice shows as two rows.
func createEffects(t testing.TB, d *db.DB) {
	t.Helper()
	_, err := d.W.ExecContext(context.Background(),
		"CREATE TABLE events_test_effects (subscriber TEXT NOT NULL, event_id TEXT NOT NULL)")
	testkit.Must(t, err)
}

func recordEffect(ctx context.Context, tx bun.Tx, subscriber, eventID string) error {
	_, err := tx.NewInsert().Model(&effect{Subscriber: subscriber, EventID: eventID}).Exec(ctx)
	return err
}

func countEffects(t testing.TB, d *db.DB, subscriber string) int {
	t.Helper()
	n, err := d.R.NewSelect().Model((*effect)(nil)).Where("subscriber = ?", subscriber).Count(context.Background())
	testkit.Must(t, err)
	return int(n)
}

// --- waiting -----------------------------------------------------------------

// eventually polls cond until it holds: it waits for the state itself,
// and returns as soon as it holds. The 30 s deadline only bounds a failure,
// generous for a slow, loaded machine.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// --- logs ----------------------------------------------------------------------

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// logRecorder keeps the bus's log records for assertions and passes
// warnings and errors (of the bus and of River) to the test log.
type logRecorder struct {
	t    testing.TB
	mu   sync.Mutex
	recs []logRecord
	// added is closed (and replaced) when a record is added.
	added chan struct{}
}

// wait waits until a record with message msg (a prefix is enough) is
// there, woken by each new record; false after timeout.
func (l *logRecorder) wait(msg string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		if l.added == nil {
			l.added = make(chan struct{})
		}
		added := l.added
		l.mu.Unlock()
		if len(l.find(msg)) > 0 {
			return true
		}
		select {
		case <-added:
		case <-deadline:
			return len(l.find(msg)) > 0
		}
	}
}

// find returns the bus's records with message msg (a prefix is enough).
func (l *logRecorder) find(msg string) []logRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logRecord
	for _, r := range l.recs {
		if strings.HasPrefix(r.msg, msg) {
			out = append(out, r)
		}
	}
	return out
}

type recHandler struct {
	rec   *logRecorder
	attrs []slog.Attr
}

func (h *recHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *recHandler) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	if r.Level >= slog.LevelWarn {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range rec.attrs {
				if k != "stack" && !yield(k) {
					return
				}
			}
		})
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%q", k, rec.attrs[k])
		}
		h.rec.t.Log(b.String())
	}
	if strings.HasPrefix(r.Message, "events:") {
		h.rec.mu.Lock()
		h.rec.recs = append(h.rec.recs, rec)
		if h.rec.added != nil {
			close(h.rec.added)
			h.rec.added = nil
		}
		h.rec.mu.Unlock()
	}
	return nil
}

func (h *recHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &recHandler{rec: h.rec, attrs: append(slices.Clip(h.attrs), as...)}
}

func (h *recHandler) WithGroup(string) slog.Handler { return h }

func mustPanic(t testing.TB, what, want string, fn func()) {
	t.Helper()
	defer func() {
		p := recover()
		if p == nil {
			t.Errorf("%s: no panic", what)
		} else if !strings.Contains(fmt.Sprint(p), want) {
			t.Errorf("%s: panic %q, want it to mention %q", what, p, want)
		}
	}()
	fn()
}

// waitAll waits for every delivery job to reach a final state and returns
// them.
func (e *env) waitAll(t testing.TB) []jobs.Job {
	t.Helper()
	list, _ := e.deliveries(t)
	for _, j := range list {
		e.waitJob(t, j.ID)
	}
	list, _ = e.deliveries(t)
	return list
}
