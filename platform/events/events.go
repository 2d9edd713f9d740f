// Package events is the durable event outbox modules talk through: a module
// publishes a typed fact ("commerce.order_paid") inside the transaction that
// made it true, and every subscriber of that fact receives it after commit,
// at least once, in a transaction of its own.
//
// Publish writes one River job per subscriber of each event on the
// publisher's transaction, so the deliveries exist exactly when the fact
// does: a rolled-back transaction publishes nothing, and a process killed
// after the commit delivers after the restart (or on another instance). One
// job per (subscriber, event) keeps subscribers independent: one that keeps
// failing retries with River's backoff while the others are done.
//
// At least once means a handler may see an event twice (a retry after its
// transaction committed but before River recorded the job as completed). The
// bus makes that harmless: the handler runs in a write transaction that first
// inserts (subscriber, event id) into platform_event_deliveries; if the row
// is already there the delivery is a duplicate and the handler is not called.
// So a handler that writes only through its tx takes effect exactly once.
//
// Wiring: events.New (registers the delivery and cleanup workers on the
// runner) → modules call Subscribe in their constructors → the runner
// starts, with Queue among its queues. There are no globals: the Bus is a
// value handed to the modules that publish or subscribe.
package events

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/jobs"
)

// Event is a fact a module publishes, a plain Go struct declared in the
// publishing module's api.go, serialised as JSON. EventName is stable across
// deploys ("<module>.<fact>", e.g. "commerce.order_paid"): it is stored in
// queued deliveries, which a later binary must still recognise. It must not
// depend on the value: the bus calls it on the zero value of the type.
//
// Change an event's fields compatibly (add fields; never change one's
// meaning or type): deliveries queued by the previous binary are decoded
// into the new type.
type Event interface{ EventName() string }

// Queue is the River queue deliveries (and the dedupe cleanup) run in. The
// app gives it workers in jobs.Options.Queues; tests add it there too.
const Queue = "events"

// Job kinds. They are stored in River's rows: never rename them.
const (
	deliverKind = "events.deliver"
	cleanupKind = "events.cleanup"
)

// Defaults.
const (
	// DefaultMaxAttempts is the attempts a delivery gets. River's backoff
	// waits about attempt⁴ seconds between attempts, so 20 attempts span
	// about 4 days: a subscriber broken by a bad deploy, or a dependency down
	// for a weekend, still gets its events once fixed.
	DefaultMaxAttempts = 20
	// UnknownSubscriberPatience is how long a delivery for a subscriber
	// this binary does not have waits for an instance that has it (a
	// rolling deploy's newer binary) before it is dropped.
	UnknownSubscriberPatience = 6 * time.Hour
	// unknownSubscriberSnooze is how long such a delivery waits between
	// two looks.
	unknownSubscriberSnooze = time.Minute
	// DedupeRetention is how long a delivery is remembered. It must outlast
	// any retry of the same job (see DefaultMaxAttempts); 30 days does with
	// a wide margin.
	DedupeRetention = 30 * 24 * time.Hour
	// CleanupInterval is how often remembered deliveries older than
	// DedupeRetention are deleted.
	CleanupInterval = 24 * time.Hour
)

// Options configures New.
type Options struct {
	DB   *db.DB
	Jobs *jobs.Runner
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// Metrics: nil means the bus registers no metrics.
	Metrics prometheus.Registerer
	// Clock: nil means clock.System{}. It stamps publication and delivery
	// times and the cleanup's cutoff.
	Clock clock.Clock
	// MaxAttempts per delivery; zero means DefaultMaxAttempts.
	MaxAttempts int
}

// Bus publishes events and delivers them to their subscribers.
type Bus struct {
	db          *db.DB
	jobs        *jobs.Runner
	log         *slog.Logger
	clock       clock.Clock
	maxAttempts int
	metrics     *metrics

	// mu guards the registry: Subscribe writes it while the app is wired,
	// Publish and the workers read it afterwards.
	mu sync.RWMutex
	// types maps an event name to the Go type its subscribers decode.
	types map[string]reflect.Type
	// subs maps an event name to its subscriptions by subscriber name.
	subs map[string]map[string]*subscription
}

// subscription is one subscriber of one event name: its typed handler
// behind an untyped face, so one registry holds every event type.
type subscription struct {
	// decode turns a stored payload into a call of the typed handler. It is
	// separate from the call so an undecodable payload is known before any
	// transaction is opened.
	decode func(payload []byte) (handlerCall, error)
}

// handlerCall runs the typed handler on a decoded event.
type handlerCall func(ctx context.Context, tx bun.Tx, m deliveryMeta) error

// deliveryMeta is what a Delivery carries besides the event.
type deliveryMeta struct {
	id, subscriber string
	publishedAt    time.Time
	attempt        int
}

// New creates the bus and registers its workers (and the daily cleanup) on
// o.Jobs, so it must be called before the runner starts, and once per
// runner: a second bus on the same runner panics, as its job kinds are
// already registered (jobs.AddWorker).
func New(o Options) (*Bus, error) {
	if o.DB == nil || o.Jobs == nil {
		return nil, errors.New("events: Options.DB and Options.Jobs are required")
	}
	if o.MaxAttempts < 0 {
		return nil, fmt.Errorf("events: Options.MaxAttempts is %d", o.MaxAttempts)
	}
	if o.Jobs.Started() {
		return nil, errors.New("events: New after the job runner started")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	m, err := newMetrics(o.Metrics)
	if err != nil {
		return nil, err
	}
	b := &Bus{
		db:          o.DB,
		jobs:        o.Jobs,
		log:         o.Logger,
		clock:       o.Clock,
		maxAttempts: o.MaxAttempts,
		metrics:     m,
		types:       map[string]reflect.Type{},
		subs:        map[string]map[string]*subscription{},
	}
	jobs.AddWorker(o.Jobs, &deliverWorker{bus: b})
	jobs.AddWorker(o.Jobs, &cleanupWorker{bus: b})
	// RunOnStart: with an interval of a day, a server restarted more often
	// (every deploy) would otherwise never reach its first run.
	o.Jobs.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(CleanupInterval),
		func() (river.JobArgs, *river.InsertOpts) { return cleanupArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
	return b, nil
}

// nameRE is the form of event and subscriber names: "<module>.<name>".
var nameRE = regexp.MustCompile(`\A[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\z`)

const maxNameLen = 100

func validName(s string) bool { return len(s) <= maxNameLen && nameRE.MatchString(s) }

// Delivery is what a handler receives.
type Delivery[T Event] struct {
	// ID is the event's id (random, unique per Publish): the idempotency key
	// for effects outside the handler's transaction (an e-mail provider's
	// idempotency header, a payment API's key).
	ID         string
	Subscriber string
	Event      T
	// PublishedAt is when the event was published (the bus's clock).
	PublishedAt time.Time
	// Attempt is 1 on the first delivery, 2 on the first retry, …
	Attempt int
}

// Handler handles one event for one subscriber. It runs inside a write
// transaction that also records (subscriber, event id) as delivered, so a
// duplicate delivery is skipped and the handler's writes commit exactly once
// with that record; an error (or a panic) rolls them back and the delivery
// is retried. A handler writes only through tx — never through db.W/R or
// another module's write method: on SQLite the writer has one connection,
// held by tx, and a write through anything else waits for itself. Slow work
// (PDFs, HTTP calls) should enqueue its own job through tx and return, since
// the transaction holds SQLite's only writer while the handler runs.
// ctx is the job's: River cancels it on shutdown and at the runner's job
// timeout (jobs.Options.JobTimeout, a minute by default), after which the
// attempt counts as failed.
type Handler[T Event] func(ctx context.Context, tx bun.Tx, d Delivery[T]) error

// Subscribe registers fn as the subscriber named subscriber ("<module>.<what>",
// e.g. "learning.grant_access") of events of type T. Modules call it in their
// constructors, before the runner starts. The name is stored in queued
// deliveries and in the dedupe records: keep it stable across deploys.
//
// It panics on programming errors: a malformed subscriber or event name, a
// nil fn, the same (subscriber, event name) twice, two Go types for one
// event name, or a call after the runner started.
func Subscribe[T Event](b *Bus, subscriber string, fn Handler[T]) {
	typ := reflect.TypeFor[T]()
	if typ.Kind() == reflect.Interface {
		panic(fmt.Sprintf("events: Subscribe(%q): T must be a concrete event type, not %s", subscriber, typ))
	}
	var zero T
	if typ.Kind() == reflect.Pointer {
		// EventName may have a value receiver: call it on a valid pointer.
		zero = reflect.New(typ.Elem()).Interface().(T)
	}
	event := zero.EventName()
	switch {
	case !validName(subscriber):
		panic(fmt.Sprintf("events: subscriber name %q should be <module>.<name> matching %s", subscriber, nameRE))
	case !validName(event):
		panic(fmt.Sprintf("events: event name %q of %s should be <module>.<fact> matching %s", event, typ, nameRE))
	case fn == nil:
		panic(fmt.Sprintf("events: Subscribe(%q, %q) with a nil handler", subscriber, event))
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.jobs.Started() {
		// The workers read the registry while they run; it is fixed once
		// they do, and a subscriber added now would miss earlier events.
		panic(fmt.Sprintf("events: Subscribe(%q, %q) after the job runner started", subscriber, event))
	}
	if prev, ok := b.types[event]; ok && prev != typ {
		panic(fmt.Sprintf("events: event %q is %s for its other subscribers, not %s", event, prev, typ))
	}
	if _, dup := b.subs[event][subscriber]; dup {
		panic(fmt.Sprintf("events: %q already subscribes to %q", subscriber, event))
	}
	b.types[event] = typ
	if b.subs[event] == nil {
		b.subs[event] = map[string]*subscription{}
	}
	b.subs[event][subscriber] = &subscription{
		decode: func(payload []byte) (handlerCall, error) {
			var ev T
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, err
			}
			return func(ctx context.Context, tx bun.Tx, m deliveryMeta) error {
				return fn(ctx, tx, Delivery[T]{ID: m.id, Subscriber: m.subscriber, Event: ev,
					PublishedAt: m.publishedAt, Attempt: m.attempt})
			}, nil
		},
	}
}

// deliverArgs are a delivery job's arguments: everything the worker needs,
// so a delivery does not depend on any other row still existing.
type deliverArgs struct {
	Subscriber  string          `json:"subscriber"`
	Event       string          `json:"event"`
	EventID     string          `json:"event_id"`
	PublishedAt time.Time       `json:"published_at"`
	Payload     json.RawMessage `json:"payload"`
}

func (deliverArgs) Kind() string { return deliverKind }

func (deliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// Publish writes one delivery job per subscriber of each event inside tx
// (on tx's own connection), so the deliveries exist only if tx commits. The
// subscribers are those of this binary, at the time of publishing: an event
// nobody subscribes to is published to nobody (a subscriber added by a later
// deploy receives only the events published after it).
//
// It returns an error, and writes nothing, if an event is nil, has a
// malformed name, is not of the Go type its subscribers registered for its
// name, or cannot be marshalled. The caller should then roll tx back.
func (b *Bus) Publish(ctx context.Context, tx bun.Tx, evs ...Event) error {
	if tx.Tx == nil {
		// Without a transaction River would commit the jobs at once, before
		// (or without) the fact they announce.
		return errors.New("events: Publish needs the transaction that makes the events true")
	}
	params, names, err := b.deliveriesOf(evs, b.clock.Now())
	if err != nil {
		return err
	}
	if _, err := b.jobs.InsertMany(ctx, &tx, params); err != nil {
		return fmt.Errorf("events: Publish: %w", err)
	}
	// Counted when written: a transaction that rolls back afterwards still
	// counts (the bus cannot see the outcome of its caller's transaction).
	for _, name := range names {
		b.metrics.published.WithLabelValues(name).Inc()
	}
	return nil
}

// deliveriesOf checks the events and returns the delivery jobs to insert
// for them, and their names (for the metric), without writing anything.
func (b *Bus) deliveriesOf(evs []Event, now time.Time) ([]river.InsertManyParams, []string, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	params := make([]river.InsertManyParams, 0, len(evs))
	names := make([]string, 0, len(evs))
	for i, ev := range evs {
		if ev == nil {
			return nil, nil, fmt.Errorf("events: Publish: event %d is nil", i)
		}
		name := ev.EventName()
		if !validName(name) {
			return nil, nil, fmt.Errorf("events: Publish: event name %q of %T should be <module>.<fact>", name, ev)
		}
		if want, ok := b.types[name]; ok && reflect.TypeOf(ev) != want {
			return nil, nil, fmt.Errorf("events: Publish: event %q is %T, but its subscribers expect %s", name, ev, want)
		}
		// Marshalled even without subscribers: a type that cannot be
		// marshalled fails its first test, not its first subscriber's.
		payload, err := json.Marshal(ev)
		if err != nil {
			return nil, nil, fmt.Errorf("events: Publish %q: %w", name, err)
		}
		names = append(names, name)
		subs := b.subs[name]
		if len(subs) == 0 {
			continue
		}
		// 130 random bits in 26 characters: unique without coordination
		// between instances, and safe to show in logs.
		id := rand.Text()
		// Sorted, so the jobs of one event are written in a stable order.
		for _, sub := range slices.Sorted(maps.Keys(subs)) {
			params = append(params, river.InsertManyParams{
				Args:       deliverArgs{Subscriber: sub, Event: name, EventID: id, PublishedAt: now, Payload: payload},
				InsertOpts: &river.InsertOpts{Queue: Queue, MaxAttempts: b.maxAttempts},
			})
		}
	}
	return params, names, nil
}

// lookup returns the subscription of subscriber to event, or nil.
func (b *Bus) lookup(event, subscriber string) *subscription {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.subs[event][subscriber]
}
