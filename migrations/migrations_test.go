package migrations_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/migrations"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/testkit"
)

var nameRE = regexp.MustCompile(`^\d{14}_[a-z]+_[a-z0-9_]+\.tx\.(up|down)\.sql$`)

// Every migration is transactional, named by the convention, and has both halves.
func TestFileNames(t *testing.T) {
	files, err := fs.Glob(migrations.Files(), "*.sql")
	testkit.Must(t, err)
	halves := map[string]int{}
	for _, f := range files {
		if !nameRE.MatchString(f) {
			t.Errorf("%s: name must be <14-digit timestamp>_<module>_<what>.tx.up.sql / .tx.down.sql", f)
		}
		halves[strings.TrimSuffix(strings.TrimSuffix(f, ".up.sql"), ".down.sql")]++
	}
	for base, n := range halves {
		if n != 2 {
			t.Errorf("%s: needs both an up and a down file", base)
		}
	}
}

// structure returns table → "column type null" lines with types reduced to
// a dialect-neutral family, so SQLite and Postgres schemas can be compared.
func structure(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	s, err := d.Schema(context.Background())
	testkit.Must(t, err)
	out := map[string][]string{}
	for table, cols := range s {
		for _, c := range cols {
			out[table] = append(out[table], fmt.Sprintf("%s %s null=%v", c.Name, family(c.Type), c.Nullable))
		}
		sort.Strings(out[table])
	}
	return out
}

func family(typ string) string {
	switch {
	case strings.Contains(typ, "int"):
		return "integer"
	case strings.Contains(typ, "timestamp"):
		return "timestamp"
	case strings.Contains(typ, "bool"):
		return "bool"
	case strings.Contains(typ, "json"):
		return "json"
	case strings.Contains(typ, "blob"), strings.Contains(typ, "bytea"):
		return "bytes"
	case strings.Contains(typ, "char"), strings.Contains(typ, "text"):
		return "text"
	case strings.Contains(typ, "numeric"), strings.Contains(typ, "real"), strings.Contains(typ, "double"):
		return "number"
	}
	return typ
}

// Up → down → up on every dialect, and both dialects end with the same tables
// and columns.
func TestUpDownUpSameSchemaOnEveryDialect(t *testing.T) {
	schemas := map[string]map[string][]string{}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		d := testkit.NewDB(t, dialect)
		m, err := migrations.New(d)
		testkit.Must(t, err)

		if ok, err := m.Current(ctx); err == nil && ok {
			t.Fatal("an empty database reported current")
		}
		applied, err := m.Up(ctx)
		testkit.Must(t, err)
		if len(applied) == 0 {
			t.Fatal("nothing applied")
		}
		testkit.Must(t, m.Require(ctx))
		first := structure(t, d)
		if len(first) == 0 {
			t.Fatal("no tables after up")
		}
		again, err := m.Up(ctx)
		testkit.Must(t, err)
		if len(again) != 0 {
			t.Fatalf("second up applied %v", again)
		}

		rolled, err := m.Down(ctx, 0)
		testkit.Must(t, err)
		if len(rolled) != len(applied) {
			t.Fatalf("down rolled back %d of %d", len(rolled), len(applied))
		}
		if err := m.Require(ctx); !errors.Is(err, migrations.ErrPending) {
			t.Fatalf("after down: %v, want ErrPending", err)
		}
		left := structure(t, d)
		for table := range left {
			if !strings.HasPrefix(table, migrations.Table) {
				t.Errorf("down left table %s behind", table)
			}
		}

		_, err = m.Up(ctx)
		testkit.Must(t, err)
		second := structure(t, d)
		if fmt.Sprint(first) != fmt.Sprint(second) {
			t.Fatalf("up → down → up changed the schema:\n%v\n%v", first, second)
		}
		st, err := m.Status(ctx)
		testkit.Must(t, err)
		if len(st.Pending) != 0 || len(st.Applied) != len(applied) {
			t.Fatalf("status %+v", st)
		}
		schemas[dialect] = second
	})
	if len(schemas) == 2 {
		sq, pg := schemas[db.SQLite], schemas[db.Postgres]
		for table := range sq {
			if fmt.Sprint(sq[table]) != fmt.Sprint(pg[table]) {
				t.Errorf("table %s differs:\n  sqlite:   %v\n  postgres: %v", table, sq[table], pg[table])
			}
		}
		for table := range pg {
			if _, ok := sq[table]; !ok {
				t.Errorf("table %s exists only on postgres", table)
			}
		}
	}
}

// Instances starting together on Postgres take turns: all succeed and the
// migrations are applied once. (SQLite is one process by design.)
func TestConcurrentUpOnPostgres(t *testing.T) {
	if os.Getenv(testkit.PostgresEnv) == "" {
		t.Skipf("%s is not set", testkit.PostgresEnv)
	}
	{
		url := testkit.DatabaseURL(t, db.Postgres)
		ctx := context.Background()
		errs := make(chan error, 3)
		for range 3 {
			go func() {
				d, err := db.Open(ctx, db.Options{URL: url, MaxOpenConns: 2})
				if err != nil {
					errs <- err
					return
				}
				defer d.Close()
				m, err := migrations.New(d)
				if err == nil {
					_, err = m.Up(ctx)
				}
				errs <- err
			}()
		}
		for range 3 {
			if err := <-errs; err != nil {
				t.Fatalf("concurrent up: %v", err)
			}
		}
	}
}
