package events

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/migrations"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/testkit"
)

// helperDBEnv, when set, makes TestHelperProcess act as the publishing
// process of TestDeliveredAfterPublisherIsKilled, on that database URL.
const helperDBEnv = "WEAVERSE_EVENTS_HELPER_DB"

// TestHelperProcess is not a test: TestDeliveredAfterPublisherIsKilled runs
// the test binary again with only this function selected, as a second
// process. It publishes an event, commits, and kills itself before any
// delivery can happen (it never starts its runner).
func TestHelperProcess(t *testing.T) {
	url := os.Getenv(helperDBEnv)
	if url == "" {
		t.Skip("helper process of TestDeliveredAfterPublisherIsKilled")
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{URL: url})
	if err != nil {
		fail(err)
	}
	r, err := jobs.New(ctx, jobs.Options{DB: d, Queues: map[string]int{Queue: 1}})
	if err != nil {
		fail(err)
	}
	bus, err := New(Options{DB: d, Jobs: r})
	if err != nil {
		fail(err)
	}
	// The publisher knows its subscribers (they are in the same binary):
	// that is how Publish knows which deliveries to write.
	Subscribe(bus, "learning.grant_access", func(context.Context, bun.Tx, Delivery[orderPaid]) error {
		fail(errors.New("the handler ran in the process that was to die first"))
		return nil
	})
	err = d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return bus.Publish(ctx, tx, orderPaid{OrderID: 42, Buyer: "lee"})
	})
	if err != nil {
		fail(err)
	}
	fmt.Println("committed")
	// Die at once, as a crash or an OOM kill would: no deferred function, no
	// runner shutdown, no database close.
	self, err := os.FindProcess(os.Getpid())
	if err == nil {
		err = self.Kill()
	}
	fail(fmt.Errorf("still alive: %v", err))
}

// An event committed by a process killed before delivering it is delivered
// by the next process on the same database.
func TestDeliveredAfterPublisherIsKilled(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		// SQLite: a file path; Postgres: the fresh schema's URL.
		url := testkit.DatabaseURL(t, dialect)
		d, err := db.Open(context.Background(), db.Options{URL: url, MaxOpenConns: 4})
		testkit.Must(t, err)
		t.Cleanup(func() { _ = d.Close() })
		m, err := migrations.New(d)
		testkit.Must(t, err)
		_, err = m.Up(context.Background())
		testkit.Must(t, err)

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperDBEnv+"="+url)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 || exit.ExitCode() == 2 ||
			strings.TrimSpace(string(out)) != "committed" {
			t.Fatalf("helper process: %v (stdout %q, stderr %q)", err, out, stderr.String())
		}
		t.Logf("helper process: %v", exit.ProcessState)

		// The dead process left its delivery queued, never attempted.
		e := newEnv(t, d, nil)
		list, args := e.deliveries(t)
		if len(list) != 1 || list[0].State != jobs.StateQueued || list[0].Attempt != 0 ||
			args[0].Subscriber != "learning.grant_access" {
			t.Fatalf("deliveries after the kill: %+v %+v", list, args)
		}

		got := make(chan Delivery[orderPaid], 1)
		Subscribe(e.bus, "learning.grant_access", func(_ context.Context, _ bun.Tx, dl Delivery[orderPaid]) error {
			got <- dl
			return nil
		})
		e.start(t)
		select {
		case dl := <-got:
			if dl.Event != (orderPaid{OrderID: 42, Buyer: "lee"}) || dl.ID != args[0].EventID || dl.Attempt != 1 {
				t.Errorf("delivery after restart: %+v", dl)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the event was not delivered after the restart")
		}
		e.waitJob(t, list[0].ID, jobs.StateCompleted)
	})
}
