// Package db opens the database — SQLite (modernc, pure Go) or PostgreSQL
// (pgx) — from one URL, and hides the few dialect differences the modules
// meet: case-insensitive matching, row locks, JSON fields, constraint errors.
//
// SQLite gets one writer connection (every write transaction is serialised
// and begins IMMEDIATE, so read-then-write transactions never fail with
// SQLITE_BUSY) and a read-only pool for reads. On Postgres, W and R are the
// same pool.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/extra/bundebug"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/weaverse/weaverse/config"
)

// Dialect names.
const (
	SQLite   = config.SQLite
	Postgres = config.Postgres
)

// Options configures Open.
type Options struct {
	URL string
	// MaxOpenConns bounds the Postgres pool and the SQLite reader pool.
	MaxOpenConns int
	// LogQueries logs every statement (development aid).
	LogQueries bool
	Logger     *slog.Logger
}

// DB is an open database.
type DB struct {
	// W is for writes and transactions. On SQLite it holds a single
	// connection: never use W (or R) inside a W.RunInTx callback — use the tx —
	// or the callback waits for itself until its context deadline.
	W *bun.DB
	// R is for reads outside transactions. On SQLite it is read-only
	// (query_only), so a write through it fails loudly.
	R *bun.DB
	// Dialect is SQLite or Postgres.
	Dialect string
	// Path is the SQLite file (empty on Postgres).
	Path string

	queries atomic.Int64
}

// QueryCount returns how many statements ran through W and R so far. Tests
// take the difference around one request to prove it runs a fixed number
// of queries.
func (d *DB) QueryCount() int64 { return d.queries.Load() }

// sqlitePragmas come first in the DSN: busy_timeout must be set before WAL
// mode is switched on by another connection. Each _pragma runs on every new
// connection of the pool.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)&_pragma=journal_size_limit(67108864)"

// Open opens the database named by opts.URL and checks that it answers.
func Open(ctx context.Context, opts Options) (*DB, error) {
	u, err := config.ParseDatabaseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.MaxOpenConns < 1 {
		opts.MaxOpenConns = 8
	}
	var d *DB
	switch u.Dialect {
	case SQLite:
		d, err = openSQLite(u.Path, opts)
	case Postgres:
		d, err = openPostgres(u.DSN, opts)
	}
	if err != nil {
		return nil, err
	}
	if opts.LogQueries {
		d.W.AddQueryHook(bundebug.NewQueryHook(bundebug.WithVerbose(true)))
		if d.R != d.W {
			d.R.AddQueryHook(bundebug.NewQueryHook(bundebug.WithVerbose(true)))
		}
	}
	d.W.AddQueryHook(counterHook{total: &d.queries})
	if d.R != d.W {
		d.R.AddQueryHook(counterHook{total: &d.queries})
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.Ping(pingCtx); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("database %s is not reachable: %w", d.Dialect, err)
	}
	return d, nil
}

func openSQLite(path string, opts Options) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("cannot create the database directory: %w", err)
		}
	}
	w, err := sql.Open("sqlite", "file:"+path+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The reader must not create the file: open it only after the writer
	// has (the ping in Open runs on the writer first).
	r, err := sql.Open("sqlite", "file:"+path+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(opts.MaxOpenConns)
	r.SetMaxIdleConns(opts.MaxOpenConns)
	r.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{
		W:       bun.NewDB(w, sqlitedialect.New()),
		R:       bun.NewDB(r, sqlitedialect.New()),
		Dialect: SQLite,
		Path:    path,
	}, nil
}

func openPostgres(dsn string, opts Options) (*DB, error) {
	connector, err := newPGConnector(dsn)
	if err != nil {
		return nil, err
	}
	sqldb := sql.OpenDB(connector)
	sqldb.SetMaxOpenConns(opts.MaxOpenConns)
	sqldb.SetMaxIdleConns(opts.MaxOpenConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(time.Hour)
	b := bun.NewDB(sqldb, pgdialect.New())
	return &DB{W: b, R: b, Dialect: Postgres}, nil
}

// Ping checks that the writer (and the reader) answer a query.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.W.PingContext(ctx); err != nil {
		return err
	}
	var one int
	if err := d.W.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
		return err
	}
	if d.R != d.W {
		if err := d.R.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
			return err
		}
	}
	return nil
}

// Close closes both pools.
func (d *DB) Close() error {
	err := d.W.Close()
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	return err
}

// IsSQLite reports whether the database is SQLite.
func (d *DB) IsSQLite() bool { return d.Dialect == SQLite }

// IsPostgres reports whether the database is PostgreSQL.
func (d *DB) IsPostgres() bool { return d.Dialect == Postgres }

// ErrNestedTx is returned by RunInTx called with the context of another
// RunInTx's callback: on SQLite the writer has one connection, so the inner
// transaction would wait for the outer one, which waits for it, until the
// context's deadline — a frozen writer for every request meanwhile. Write
// through the tx you were given (an event handler, a service helper), or
// enqueue a job through it.
var ErrNestedTx = errors.New("db: a write transaction started inside another one (use the tx you were given)")

type inTxKey struct{}

// RunInTx runs fn in a write transaction on W; it commits when fn returns nil
// and rolls back otherwise. Nested calls made with the tx (tx.RunInTx) become
// savepoints; a second RunInTx from inside fn fails at once with ErrNestedTx,
// on both dialects, so the mistake shows in every test run.
func (d *DB) RunInTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if ctx.Value(inTxKey{}) != nil {
		return ErrNestedTx
	}
	return d.W.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(context.WithValue(ctx, inTxKey{}, true), tx)
	})
}

// DBs returns the distinct *bun.DB handles (for stats collectors).
func (d *DB) DBs() map[string]*bun.DB {
	if d.R == d.W {
		return map[string]*bun.DB{"main": d.W}
	}
	return map[string]*bun.DB{"writer": d.W, "reader": d.R}
}

// Backup writes a consistent copy of the SQLite database to path (VACUUM
// INTO: safe under WAL while the server runs, unlike copying the file).
func (d *DB) Backup(ctx context.Context, path string) error {
	if !d.IsSQLite() {
		return errors.New("backup: use pg_dump for PostgreSQL")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	_, err := d.W.ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}

// Redact hides the password of a database URL for logs.
func Redact(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		rest := url[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			cred := rest[:at]
			if c := strings.Index(cred, ":"); c >= 0 {
				return url[:i+3] + cred[:c] + ":***" + rest[at:]
			}
		}
	}
	return url
}
