package learning

import (
	"context"
	"errors"
	"sync"
	"testing"

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
		_, err := d.W.ExecContext(ctx, "CREATE TABLE group_test (n INTEGER NOT NULL)")
		testkit.Must(t, err)
		s := &service{db: d}
		s.startGroups()
		t.Cleanup(func() { testkit.Must(t, s.stopGroups(context.Background())) })
		const n = 200
		errBad := errors.New("bad")
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
				errs[i] = s.groupTx(c, int64(i%7), func(ctx context.Context, tx bun.Tx) error {
					if _, err := tx.NewRaw("INSERT INTO group_test (n) VALUES (?)", i).Exec(ctx); err != nil {
						return err
					}
					if i == 7 || i == 99 {
						return errBad
					}
					return nil
				})
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
	})
}

// Stopping lets the committers finish what they were given; calls after
// it run alone, and a second start and stop work.
func TestGroupStop(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insert := scratchTable(t, d, "group_stop")
		s := &service{db: d}
		s.startGroups()
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() { testkit.Must(t, s.groupTx(ctx, int64(i), insert(i))) })
		}
		wg.Wait()
		testkit.Must(t, s.stopGroups(ctx))
		testkit.Must(t, s.groupTx(ctx, 1, insert(50))) // alone
		s.startGroups()
		testkit.Must(t, s.groupTx(ctx, 1, insert(51)))
		testkit.Must(t, s.stopGroups(ctx))
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
		insert := scratchTable(t, d, "group_panic")
		s := &service{db: d}
		s.startGroups()
		t.Cleanup(func() { testkit.Must(t, s.stopGroups(context.Background())) })
		errs := make([]error, 40)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				errs[i] = s.groupTx(ctx, int64(i), func(ctx context.Context, tx bun.Tx) error {
					if err := insert(i)(ctx, tx); err != nil {
						return err
					}
					if i == 17 {
						panic("boom")
					}
					return nil
				})
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

// scratchTable creates a table of numbers and returns a call inserting one.
func scratchTable(t *testing.T, d *db.DB, name string) func(i int) func(context.Context, bun.Tx) error {
	t.Helper()
	_, err := d.W.ExecContext(context.Background(), "CREATE TABLE "+name+" (n INTEGER NOT NULL)")
	testkit.Must(t, err)
	return func(i int) func(context.Context, bun.Tx) error {
		return func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewRaw("INSERT INTO "+name+" (n) VALUES (?)", i).Exec(ctx)
			return err
		}
	}
}

// countRows counts a scratch table's rows.
func countRows(t *testing.T, d *db.DB, name string) int {
	t.Helper()
	var n int
	testkit.Must(t, d.R.NewRaw("SELECT COUNT(*) FROM "+name).Scan(context.Background(), &n))
	return n
}
