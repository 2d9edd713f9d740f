package learning

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/testkit"
)

// Concurrent calls share transactions; a failing call fails alone and
// leaves nothing, the others commit; each caller hears after the commit;
// a caller gone before its turn stores nothing.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const n = 200
		errBad := errors.New("bad")
		var grouped atomic.Int64
		g := scratchGrouper(t, d, "group_test", func(jobs []int) error {
			if len(jobs) > 1 {
				grouped.Add(1)
			} else {
				// Slow enough alone that the calls arriving meanwhile
				// queue, and go together next.
				time.Sleep(2 * time.Millisecond)
			}
			if slices.Contains(jobs, 7) || slices.Contains(jobs, 99) {
				return errBad
			}
			return nil
		})
		g.start()
		t.Cleanup(func() { testkit.Must(t, g.stop(context.Background())) })
		gone, cancel := context.WithCancel(ctx)
		cancel()
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c := ctx
				if i == 13 {
					c = gone
				}
				errs[i] = g.do(c, int64(i%7), i)
			})
		}
		wg.Wait()
		var stored []int
		testkit.Must(t, d.R.NewRaw("SELECT n FROM group_test ORDER BY n").Scan(ctx, &stored))
		want := 0
		for i, err := range errs {
			switch i {
			case 7, 99:
				if !errors.Is(err, errBad) {
					t.Errorf("call %d: %v, want its own error", i, err)
				}
			case 13:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("call %d (gone): %v", i, err)
				}
			default:
				want++
				if err != nil {
					t.Errorf("call %d: %v", i, err)
				}
			}
		}
		if len(stored) != want {
			t.Fatalf("%d rows stored, %d calls succeeded", len(stored), want)
		}
		for _, v := range stored {
			if v == 7 || v == 99 || v == 13 {
				t.Errorf("the rows of call %d were stored", v)
			}
		}
		if grouped.Load() == 0 {
			t.Error("200 concurrent calls were never written together")
		}
		if g.failed.Load() == 0 {
			t.Error("no failed group was counted")
		}
	})
}

// Stopping lets the committers finish what they were given; calls after
// it run alone, and a second start and stop work.
func TestGroupStop(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		g := scratchGrouper(t, d, "group_stop", nil)
		g.start()
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() { testkit.Must(t, g.do(ctx, int64(i), i)) })
		}
		wg.Wait()
		testkit.Must(t, g.stop(ctx))
		testkit.Must(t, g.do(ctx, 1, 50)) // alone
		g.start()
		testkit.Must(t, g.do(ctx, 1, 51))
		testkit.Must(t, g.stop(ctx))
		if n := countRows(t, d, "group_stop"); n != 52 {
			t.Fatalf("%d rows, want 52", n)
		}
	})
}

// A call that panics fails alone (an error, not a crash); the others of its
// group commit.
func TestGroupPanicFailsAlone(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		g := scratchGrouper(t, d, "group_panic", func(jobs []int) error {
			if slices.Contains(jobs, 17) {
				panic("boom")
			}
			return nil
		})
		g.start()
		t.Cleanup(func() { testkit.Must(t, g.stop(context.Background())) })
		errs := make([]error, 40)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				errs[i] = g.do(ctx, int64(i), i)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if (i == 17) != (err != nil) {
				t.Errorf("call %d: %v", i, err)
			}
		}
		if n := countRows(t, d, "group_panic"); n != 39 {
			t.Fatalf("%d rows, want 39", n)
		}
	})
}

// scratchGrouper creates a table of numbers and returns a grouper that
// inserts its calls' numbers in one statement, then asks check (when set)
// whether the group fails.
func scratchGrouper(t *testing.T, d *db.DB, name string, check func(jobs []int) error) *grouper[int] {
	t.Helper()
	_, err := d.W.ExecContext(context.Background(), "CREATE TABLE "+name+" (n INTEGER NOT NULL)")
	testkit.Must(t, err)
	return newGrouper(d, nil, func(ctx context.Context, tx bun.Tx, jobs []int) error {
		values := make([]string, len(jobs))
		for i, n := range jobs {
			values[i] = "(" + strconv.Itoa(n) + ")"
		}
		if _, err := tx.NewRaw("INSERT INTO " + name + " (n) VALUES " + strings.Join(values, ", ")).Exec(ctx); err != nil {
			return err
		}
		if check != nil {
			return check(jobs)
		}
		return nil
	})
}

// countRows counts a scratch table's rows.
func countRows(t *testing.T, d *db.DB, name string) int {
	t.Helper()
	var n int
	testkit.Must(t, d.R.NewRaw("SELECT COUNT(*) FROM "+name).Scan(context.Background(), &n))
	return n
}
