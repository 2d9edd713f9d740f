package jobs

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"

	"github.com/riverqueue/river/rivermigrate"

	"github.com/weaverse/weaverse/platform/db"
)

// Migrate brings River's own tables (river_job, river_leader, …) up to the
// version of the linked River. They are not part of the app's migration
// stream: River ships its own per dialect and knows its versions. New calls
// it; `migrate up` may too. It is idempotent.
func Migrate(ctx context.Context, d *db.DB, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	m, err := rivermigrate.New(writerDriver(d), &rivermigrate.Config{Logger: quiet(logger)})
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	report := func(res *rivermigrate.MigrateResult) {
		for _, v := range res.Versions {
			logger.Debug("jobs: applied River migration", "version", v.Version, "name", v.Name)
		}
	}
	if d.IsSQLite() {
		// rivermigrate reads the applied versions and then runs each
		// migration in its own transaction, so two processes (the server
		// and `migrate up`) could both apply one. SQLite has no advisory
		// lock, but its DDL is transactional: run everything in one
		// IMMEDIATE transaction of the writer, which takes the database's
		// write lock first. (MigrateTx is deprecated because some Postgres
		// migrations need their own transaction; none of SQLite's do.)
		tx, err := d.W.DB.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		defer func() { _ = tx.Rollback() }()
		res, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil) //nolint:staticcheck // see above
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		report(res)
		return nil
	}
	up := func() error {
		res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		report(res)
		return nil
	}
	// Postgres: rivermigrate takes no lock of its own, so instances starting
	// together take turns on an advisory lock held on one connection while
	// the migrations run on others (the pool must allow two connections).
	if d.W.DB.Stats().MaxOpenConnections == 1 {
		return up()
	}
	conn, err := d.W.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLockID()); err != nil {
		return fmt.Errorf("jobs: migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: unlock even when ctx was cancelled.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockID())
	}()
	return up()
}

// migrateLockID is the advisory lock key of River's migrations, distinct
// from the app's own migration lock.
func migrateLockID() int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("weaverse:river_migrate"))
	return int64(h.Sum64() >> 1)
}
