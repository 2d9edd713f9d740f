package db_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

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
}

// bunPlaceholder reports whether q has a ? followed by a word character
// outside quotes.
func bunPlaceholder(q string) bool {
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?' && i+1 < len(q):
			n := q[i+1]
			if n == '_' || n >= '0' && n <= '9' || n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z' {
				return true
			}
		}
	}
	return false
}

func TestNewStmtPlaceholders(t *testing.T) {
	for _, c := range []struct{ in, pg string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b = ?`, `a = $1 AND b = $2`},
		{`name = '?' AND x = ?`, `name = '?' AND x = $1`},
		{`"we?ird" = ? AND y = 'it''s ?' AND z = ?`, `"we?ird" = $1 AND y = 'it''s ?' AND z = $2`},
	} {
		if got := db.StmtText(db.NewStmt(c.in)); got != c.pg {
			t.Errorf("NewStmt(%q) = %q, want %q", c.in, got, c.pg)
		}
	}
	for _, q := range []string{"a = ?0", "a = ?1 AND b = ?", "a = ?name"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewStmt(%q) accepted bun's indexed or named form", q)
				}
			}()
			db.NewStmt(q)
		}()
	}
}

// FuzzNewStmt: outside quotes every ? becomes the next $n, and nothing
// else changes.
func FuzzNewStmt(f *testing.F) {
	for _, s := range []string{"a = ?", "'?' ?", `"?" ? '' ?`, "???", "'unterminated ?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if strings.Contains(q, "$") {
			return
		}
		var pg string
		func() {
			defer func() {
				if r := recover(); r != nil {
					// Refused: a ? outside quotes followed by a word character.
					if !bunPlaceholder(q) {
						t.Fatalf("%q refused: %v", q, r)
					}
				}
			}()
			pg = db.StmtText(db.NewStmt(q))
			if bunPlaceholder(q) {
				t.Fatalf("%q: bun's ?0 or ?name form accepted", q)
			}
		}()
		if bunPlaceholder(q) {
			return
		}
		n := 0
		var quote byte
		var back strings.Builder
		for i := 0; i < len(pg); i++ {
			c := pg[i]
			if quote == 0 && c == '$' {
				n++
				j := i + 1
				for j < len(pg) && pg[j] >= '0' && pg[j] <= '9' {
					j++
				}
				if want := strconv.Itoa(n); pg[i+1:j] != want {
					t.Fatalf("%q → %q: placeholder %q, want $%s", q, pg, pg[i:j], want)
				}
				back.WriteByte('?')
				i = j - 1
				continue
			}
			switch {
			case quote != 0 && c == quote:
				quote = 0
			case quote == 0 && (c == '\'' || c == '"'):
				quote = c
			}
			back.WriteByte(c)
		}
		if back.String() != q {
			t.Fatalf("%q → %q → %q", q, pg, back.String())
		}
	})
}
