package db

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres connections: pgx's database/sql driver, with one change for
// the queries bun builds.
//
// bun writes every value into the SQL text and sends no arguments, so each
// query's text is new. pgx's default mode (a statement cache keyed by the
// text) then prepares each one under a name of its own — an extra round trip
// and a server-side plan per query, evicted again from a full cache — for a
// statement used once. A query without arguments is therefore sent over the
// simple protocol: one round trip, nothing prepared (it already is what pgx
// does for an Exec without arguments).
//
// A query with arguments (River's: constant texts, where the cache pays)
// keeps pgx's default mode. It cannot move to the simple protocol, nor to
// pgx's exec mode: both guess a parameter's type from its Go type, and River
// passes jsonb as []byte, which they would send as bytea.

// simpleProtocol, passed as the first argument, is how pgx is told the mode
// of one query.
var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

// pgConnector opens pgx connections that send queries without arguments
// over the simple protocol.
type pgConnector struct{ driver.Connector }

func newPGConnector(dsn string) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	// Over the simple protocol results come back as text, which pgx parses
	// in the server's default formats only: a database or role set to
	// another DateStyle would make every timestamp unreadable. Startup
	// parameters win over those defaults.
	cfg.RuntimeParams["datestyle"] = "ISO, YMD"
	cfg.RuntimeParams["intervalstyle"] = "postgres"
	cfg.RuntimeParams["bytea_output"] = "hex"
	cfg.RuntimeParams["extra_float_digits"] = "3" // exact floats before PostgreSQL 12 too
	return pgConnector{stdlib.GetConnector(*cfg)}, nil
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("db: pgx returned a %T connection", conn)
	}
	return pgConn{sc}, nil
}

// stdlibConn names the embedded connection so that its Conn method (the
// pgx connection) stays promoted.
type stdlibConn = stdlib.Conn

// pgConn is pgx's connection (every driver interface it implements is
// promoted) with QueryContext choosing the mode.
type pgConn struct{ *stdlibConn }

func (c pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		args = simpleProtocol
	}
	return c.stdlibConn.QueryContext(ctx, query, args)
}
