package db

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// likeEscaper escapes LIKE wildcards so user input matches literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ContainsPattern returns a LIKE pattern matching values that contain term
// literally.
func ContainsPattern(term string) string {
	return "%" + likeEscaper.Replace(term) + "%"
}

// WhereContains adds "column contains term, ignoring case" to q. Postgres
// uses ILIKE; SQLite's LIKE already ignores ASCII case (Hangul has no case).
// Wildcards in term match literally. column is an identifier, never user input.
func (d *DB) WhereContains(q *bun.SelectQuery, column, term string) *bun.SelectQuery {
	op := "LIKE"
	if d.IsPostgres() {
		op = "ILIKE"
	}
	return q.Where("? "+op+` ? ESCAPE '\'`, bun.Ident(column), ContainsPattern(term))
}

// ContainsExpr returns the SQL condition and argument of WhereContains, for
// use inside WhereGroup / WhereOr: q.WhereOr(d.ContainsExpr("title", term)).
func (d *DB) ContainsExpr(column, term string) (string, bun.Ident, string) {
	op := "LIKE"
	if d.IsPostgres() {
		op = "ILIKE"
	}
	return "? " + op + ` ? ESCAPE '\'`, bun.Ident(column), ContainsPattern(term)
}

// ForUpdate locks the selected rows until the transaction ends. On SQLite it
// does nothing: the IMMEDIATE write transaction already holds the database's
// write lock.
func (d *DB) ForUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if d.IsPostgres() {
		return q.For("UPDATE")
	}
	return q
}

// LockKey takes, until tx ends, an exclusive lock named key ("catalog.media:
// media:video:7"), for two transactions that must not interleave although
// they may touch no common row yet (a media deletion and an attachment of
// the same media). On Postgres it is a transaction-level advisory lock on a
// 64-bit hash of key (a collision only makes two unrelated keys wait for
// each other). On SQLite write transactions already run one at a time (one
// writer connection, BEGIN IMMEDIATE), so there is nothing to take. Call it
// inside a transaction on W only.
func (d *DB) LockKey(ctx context.Context, tx bun.IDB, key string) error {
	if !d.IsPostgres() {
		return nil
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(h.Sum64()))
	return err
}

var jsonKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// JSONText returns an expression reading the text of key from the JSON column
// (Postgres col->>'key', SQLite json_extract(col, '$.key')). Both names are
// checked to be plain identifiers, so the expression is safe to embed.
// Compare it with strings only: for a JSON number or boolean, Postgres
// yields text ('1', 'true') while SQLite yields the typed value.
func (d *DB) JSONText(column, key string) (bun.Safe, error) {
	if !jsonKeyRE.MatchString(column) || !jsonKeyRE.MatchString(key) {
		return "", fmt.Errorf("db: invalid JSON path %q.%q", column, key)
	}
	if d.IsPostgres() {
		return bun.Safe(fmt.Sprintf(`"%s"->>'%s'`, column, key)), nil
	}
	return bun.Safe(fmt.Sprintf(`json_extract("%s", '$.%s')`, column, key)), nil
}

// IsUniqueViolation reports whether err is a unique (or primary key)
// constraint violation, on either dialect.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign key violation.
func IsForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// IsRetryable reports whether err is a transient conflict between
// concurrent transactions that a retry of the whole transaction resolves:
// a Postgres deadlock or serialization failure, or SQLITE_BUSY.
func IsRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	return false
}

// DayOf returns an expression giving the calendar day ("2006-01-02") of the
// timestamp column at offset seconds east of UTC, for GROUP BY: on SQLite
// date(col, '+N seconds') (the driver stores times as text with their zone,
// which date() reads), on Postgres to_char of the UTC time plus the offset.
// column is an identifier ("created_at", "e.occurred_at"), never user input.
func (d *DB) DayOf(column string, offset int) (bun.Safe, error) {
	if !columnRE.MatchString(column) {
		return "", fmt.Errorf("db: invalid column %q", column)
	}
	if d.IsPostgres() {
		return bun.Safe(fmt.Sprintf(`to_char((%s AT TIME ZONE 'UTC') + make_interval(secs => %d), 'YYYY-MM-DD')`, column, offset)), nil
	}
	return bun.Safe(fmt.Sprintf(`date(%s, '%+d seconds')`, column, offset)), nil
}

var columnRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$`)
