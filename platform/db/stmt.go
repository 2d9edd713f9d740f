package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// Stmt is a statement for the hot paths — the ones every request runs
// (authentication) or that run thousands of times a second (heartbeats).
//
// bun writes the values into the text of each query, so on Postgres every
// query is new to the server: parsed, planned and sent back as text each
// time. A Stmt keeps one constant text and passes its values apart: pgx
// prepares it once per connection and then runs it in one round trip, with
// the plan cached and values in binary. Measured on the 2-core machine, a
// primary-key read goes from about 20k to 45k a second. Elsewhere bun's
// builder stays the rule: a Stmt is for the few statements where that
// counts, and takes only scalar values.
//
// On SQLite (in-process, nothing to prepare across calls) it runs through
// bun like any other query, so values are written exactly as bun writes
// them everywhere else.
type Stmt struct {
	query string // ? placeholders (bun's form)
	pg    string // $n placeholders
}

// NewStmt makes a statement of query, whose values are ? placeholders
// and nothing else like them. So that SQLite (where bun reads the ?) and
// Postgres (which gets $1, $2…) see the same statement, query may hold no
// string literal, comment, backslash or $, no ? inside a quoted identifier,
// and none of bun's indexed or named forms (?0, ?name: "?1" would become
// "$11"); values go in as arguments. A statement is a constant of the
// code, so a refused one is a panic, at start-up.
func NewStmt(query string) Stmt {
	refuse := func(why string) {
		panic(fmt.Sprintf("db: NewStmt(%q): %s", query, why))
	}
	for _, bad := range []string{"'", "--", "/*", `\`, "$"} {
		if strings.Contains(query, bad) {
			refuse("no " + bad + " in a statement: pass values as arguments")
		}
	}
	var b strings.Builder
	n := 0
	quoted := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '?' && quoted:
			refuse("a ? in a quoted identifier")
		case c == '?':
			if i+1 < len(query) && isWordByte(query[i+1]) {
				refuse("only bare ? placeholders")
			}
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return Stmt{query: query, pg: b.String()}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// SelectStmt makes "SELECT <model's columns> FROM <its table> AS <alias>
// WHERE where" (and the rest of where: ORDER BY, FOR UPDATE…), as bun's
// builder would select the model.
func (d *DB) SelectStmt(model any, where string) Stmt {
	return NewStmt(d.R.NewSelect().Model(model).String() + " WHERE " + where)
}

// Get runs s through idb and scans its first row into dest (a model, as
// bun's Scan does); sql.ErrNoRows when there is none.
func (d *DB) Get(ctx context.Context, idb bun.IDB, s Stmt, dest any, args ...any) error {
	if !d.IsPostgres() {
		return idb.NewRaw(s.query, args...).Scan(ctx, dest)
	}
	rows, err := d.queryStmt(ctx, idb, s, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := idb.NewSelect().DB().ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	for rows.Next() { // the rest is discarded, its errors are not
	}
	return rows.Err()
}

// Select runs s through idb and scans every row into dest (a slice of
// models).
func (d *DB) Select(ctx context.Context, idb bun.IDB, s Stmt, dest any, args ...any) error {
	if !d.IsPostgres() {
		return idb.NewRaw(s.query, args...).Scan(ctx, dest)
	}
	rows, err := d.queryStmt(ctx, idb, s, args)
	if err != nil {
		return err
	}
	return idb.NewSelect().DB().ScanRows(ctx, rows, dest)
}

// Exec runs s through idb.
func (d *DB) Exec(ctx context.Context, idb bun.IDB, s Stmt, args ...any) (sql.Result, error) {
	if !d.IsPostgres() {
		return idb.NewRaw(s.query, args...).Exec(ctx)
	}
	q, err := rawOf(idb)
	if err != nil {
		return nil, err
	}
	d.count(ctx)
	return q.ExecContext(ctx, s.pg, args...)
}

func (d *DB) queryStmt(ctx context.Context, idb bun.IDB, s Stmt, args []any) (*sql.Rows, error) {
	q, err := rawOf(idb)
	if err != nil {
		return nil, err
	}
	d.count(ctx)
	return q.QueryContext(ctx, s.pg, args...)
}

// count counts a statement as bun's hook counts the others (which it does
// not see): in the running total and the context's counter.
func (d *DB) count(ctx context.Context) {
	d.queries.Add(1)
	if c, ok := ctx.Value(counterKey{}).(*QueryCounter); ok {
		c.n.Add(1)
	}
}

// rawQuerier is database/sql under bun: it passes values to the driver.
type rawQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// rawOf returns what a bun handle runs on: its pool, transaction or
// connection. (bun's own QueryContext would write the values into the text.)
func rawOf(idb bun.IDB) (rawQuerier, error) {
	switch v := idb.(type) {
	case *bun.DB:
		return v.DB, nil
	case bun.Tx:
		return v.Tx, nil
	case *bun.Tx:
		return v.Tx, nil
	case bun.Conn:
		return v.Conn, nil
	case *bun.Conn:
		return v.Conn, nil
	}
	return nil, fmt.Errorf("db: a statement cannot run through %T", idb)
}
