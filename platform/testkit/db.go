// Package testkit helps tests run on the real databases: every database test
// runs on SQLite (a temporary file) and, when WEAVERSE_TEST_POSTGRES_URL is
// set, on PostgreSQL too (a fresh schema per test, dropped afterwards). It
// also has an HTTP client for in-process apps, a principal injector for the
// authorization matrix, and the golden-matrix runner.
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/weaverse/weaverse/migrations"
	"github.com/weaverse/weaverse/platform/db"
)

// PostgresEnv names the variable holding the test Postgres URL.
const PostgresEnv = "WEAVERSE_TEST_POSTGRES_URL"

// Dialects returns the dialects tests run on here: SQLite always, Postgres
// when PostgresEnv is set (.ci/run runs the suite both ways).
func Dialects(t testing.TB) []string {
	t.Helper()
	ds := []string{db.SQLite}
	if os.Getenv(PostgresEnv) != "" {
		ds = append(ds, db.Postgres)
	}
	return ds
}

// EachDialect runs fn as a subtest per dialect.
func EachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// DatabaseURL returns the URL of a fresh, empty database of the dialect,
// removed when the test ends.
func DatabaseURL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case db.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	case db.Postgres:
		return freshSchema(t)
	}
	t.Fatalf("testkit: unknown dialect %q", dialect)
	return ""
}

// freshSchema creates a schema with a random name in the test database and
// returns a URL whose search_path points at it.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("testkit: %s is not set", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("testkit: postgres: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Extensions are per database: install the ones migrations need once, in
	// public (parallel test processes may race; the loser retries).
	for attempt := 0; attempt < 5; attempt++ {
		if _, err = admin.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		_ = admin.Close()
		t.Fatalf("testkit: postgres: pg_trgm: %v", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatalf("testkit: postgres at %s: %v", db.Redact(base), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("testkit: drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testkit: %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// NewDB opens a fresh, empty (unmigrated) database of the dialect.
func NewDB(t testing.TB, dialect string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{URL: DatabaseURL(t, dialect), MaxOpenConns: 4})
	if err != nil {
		t.Fatalf("testkit: open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// MigratedDB opens a fresh database with every migration applied.
func MigratedDB(t testing.TB, dialect string) *db.DB {
	t.Helper()
	d := NewDB(t, dialect)
	m, err := migrations.New(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("testkit: migrate %s: %v", dialect, err)
	}
	return d
}

// EachDB runs fn as a subtest per dialect with a fresh migrated database.
func EachDB(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	EachDialect(t, func(t *testing.T, dialect string) { fn(t, MigratedDB(t, dialect)) })
}

// Must fails the test on err.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(fmt.Sprint(err))
	}
}
