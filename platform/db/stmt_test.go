package db_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/testkit"
)

// Statements run through the pool, a transaction and a connection on both
// databases, scan into models like bun's queries, and are counted.
func TestStmt(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		setup(t, d)
		ctx := context.Background()
		for _, n := range []string{"하나", "둘", "셋"} {
			_, err := d.W.NewInsert().Model(&item{Name: n, N: len(n), Meta: map[string]any{"k": n}}).Exec(ctx)
			testkit.Must(t, err)
		}
		byName := d.SelectStmt((*item)(nil), `"item"."name" = ?`)
		byN := d.SelectStmt((*item)(nil), `"item"."n" >= ? ORDER BY "item"."id"`)
		bump := db.NewStmt(`UPDATE items SET n = n + ? WHERE name = ?`)

		before := d.QueryCount()
		var it item
		testkit.Must(t, d.Get(ctx, d.R, byName, &it, "둘"))
		if it.Name != "둘" || it.N != len("둘") || it.Meta["k"] != "둘" || it.ID == 0 {
			t.Fatalf("Get: %+v", it)
		}
		if err := d.Get(ctx, d.R, byName, &it, "넷"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("Get of nothing: %v, want sql.ErrNoRows", err)
		}
		var all []item
		testkit.Must(t, d.Select(ctx, d.R, byN, &all, 0))
		if len(all) != 3 || all[0].Name != "하나" || all[2].Name != "셋" {
			t.Fatalf("Select: %+v", all)
		}
		if got := d.QueryCount() - before; got != 3 {
			t.Errorf("%d statements counted, want 3", got)
		}

		// In a transaction: its writes are its own until it commits, and a
		// rollback undoes them.
		errUndo := errors.New("undo")
		err := d.W.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			res, err := d.Exec(ctx, tx, bump, 100, "하나")
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Errorf("Exec affected %d rows", n)
			}
			var in item
			if err := d.Get(ctx, tx, byName, &in, "하나"); err != nil {
				return err
			}
			if in.N != len("하나")+100 {
				t.Errorf("inside the transaction n = %d", in.N)
			}
			return errUndo
		})
		if !errors.Is(err, errUndo) {
			t.Fatal(err)
		}
		testkit.Must(t, d.Get(ctx, d.R, byName, &it, "하나"))
		if it.N != len("하나") {
			t.Errorf("after the rollback n = %d", it.N)
		}

		// On a connection.
		conn, err := d.W.Conn(ctx)
		testkit.Must(t, err)
		defer conn.Close()
		testkit.Must(t, d.Get(ctx, conn, byName, &it, "셋"))
		if it.Name != "셋" {
			t.Fatalf("on a connection: %+v", it)
		}

		// A value is a value, never SQL.
		if err := d.Get(ctx, d.R, byName, &it, "' OR 1=1 --"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("a quote in a value: %v", err)
		}
		// A broken statement is an error, not a panic.
		if err := d.Get(ctx, d.R, db.NewStmt("SELECT * FROM no_such_table WHERE id = ?"), &it, 1); err == nil {
			t.Fatal("a statement on a missing table succeeded")
		}
	})
}

// On Postgres, a query without arguments (every query bun builds) is not
// prepared — it would be a prepared statement per query text — while a
// statement with arguments is prepared once per connection and reused, and
// jsonb still accepts []byte (as River passes it).
func TestPostgresQueryModes(t *testing.T) {
	if !slices.Contains(testkit.Dialects(t), db.Postgres) {
		t.Skip("PostgreSQL only: " + testkit.PostgresEnv + " is not set")
	}
	d := testkit.NewDB(t, db.Postgres)
	ctx := context.Background()
	conn, err := d.W.Conn(ctx)
	testkit.Must(t, err)
	defer conn.Close()
	prepared := func() int {
		var n int
		testkit.Must(t, conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&n))
		return n
	}
	base := prepared()
	for i := range 5 {
		var n int
		testkit.Must(t, conn.NewSelect().ColumnExpr("? + 1", i).Scan(ctx, &n))
		if n != i+1 {
			t.Fatalf("bun query: %d", n)
		}
	}
	if got := prepared(); got != base {
		t.Errorf("5 bun queries prepared %d statements", got-base)
	}
	st := db.NewStmt("SELECT ?::bigint + 1 AS n")
	for i := range 5 {
		var out struct {
			N int64 `bun:"n"`
		}
		testkit.Must(t, d.Get(ctx, conn, st, &out, i))
		if out.N != int64(i+1) {
			t.Fatalf("statement: %d", out.N)
		}
	}
	if got := prepared(); got != base+1 {
		t.Errorf("one statement run 5 times prepared %d statements, want 1", got-base)
	}
	var v string
	testkit.Must(t, conn.Conn.QueryRowContext(ctx, "SELECT ($1::jsonb)->>'a'", []byte(`{"a":"b"}`)).Scan(&v))
	if v != "b" {
		t.Errorf("jsonb from []byte: %q", v)
	}

	// Text results are read in the formats the connection asks for, whatever
	// the database's or role's defaults (here the URL's) say.
	odd, err := db.Open(ctx, db.Options{URL: testkit.DatabaseURL(t, db.Postgres) + "&datestyle=SQL,%20DMY&intervalstyle=sql_standard",
		MaxOpenConns: 2})
	testkit.Must(t, err)
	defer odd.Close()
	var at time.Time
	testkit.Must(t, odd.R.NewSelect().ColumnExpr("TIMESTAMPTZ '2026-01-02 03:04:05+00'").Scan(ctx, &at))
	if want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC); !at.Equal(want) {
		t.Errorf("timestamp read as %v, want %v", at, want)
	}
}

func TestNewStmtPlaceholders(t *testing.T) {
	for _, c := range []struct{ in, pg string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b = ?`, `a = $1 AND b = $2`},
		{`"t"."a" = ? AND "t"."b" IN (?, ?)`, `"t"."a" = $1 AND "t"."b" IN ($2, $3)`},
		{`a = ?)`, `a = $1)`},
	} {
		if got := db.StmtText(db.NewStmt(c.in)); got != c.pg {
			t.Errorf("NewStmt(%q) = %q, want %q", c.in, got, c.pg)
		}
	}
	for _, q := range []string{"a = ?0", "a = ?1 AND b = ?", "a = ?name", "a = '?' AND b = ?", "a = ? -- don't",
		"a = ? /* x */", `"we?ird" = ?`, "a = $1", `a = ? ESCAPE '\'`, `a = E'\'' AND b = ?`} {
		if !refused(q) {
			t.Errorf("NewStmt(%q) accepted", q)
		}
	}
}

// refused reports whether NewStmt refuses q.
func refused(q string) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	db.NewStmt(q)
	return false
}

// FuzzNewStmt checks NewStmt against a plain statement of its rule: a
// query with a quote, comment, backslash or $, a ? in a quoted identifier
// or a ? before a word character is refused; any other has its n-th ?
// replaced by $n and nothing else changed.
func FuzzNewStmt(f *testing.F) {
	for _, s := range []string{"a = ?", "'?' ?", `"?" ? '' ?`, "???", "'unterminated ?", "?0", "-- ?\n?",
		`"a"."b" = ?`, "x = $1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		want := !strings.ContainsAny(q, `'\$`) && !strings.Contains(q, "--") && !strings.Contains(q, "/*")
		parts := strings.Split(q, `"`)
		for i, p := range parts {
			if i%2 == 1 && i < len(parts)-1 && strings.Contains(p, "?") {
				want = false // a ? between a pair of double quotes
			}
		}
		if len(parts)%2 == 0 && strings.Contains(parts[len(parts)-1], "?") {
			want = false // a ? after an unclosed double quote
		}
		for i := 0; i+1 < len(q); i++ {
			if c := q[i+1]; q[i] == '?' && (c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				want = false
			}
		}
		if refused(q) == want {
			t.Fatalf("NewStmt(%q): refused = %v, want refused = %v", q, want, !want)
		}
		if !want {
			return
		}
		pieces := strings.Split(q, "?")
		var exp strings.Builder
		for i, p := range pieces {
			if i > 0 {
				exp.WriteString("$" + strconv.Itoa(i))
			}
			exp.WriteString(p)
		}
		if got := db.StmtText(db.NewStmt(q)); got != exp.String() {
			t.Fatalf("NewStmt(%q) = %q, want %q", q, got, exp.String())
		}
	})
}
