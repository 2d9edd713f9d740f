// Package apptest builds the whole Weaverse app in-process for HTTP table
// tests, on a fresh database of a given dialect, with a fixed clock, an
// in-memory mailer and the test authenticator (testkit.HeaderAuth).
package apptest

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/mail"
	"github.com/weaverse/weaverse/platform/testkit"
)

// Epoch is the fixed clock's starting instant.
var Epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// T is a test app.
type T struct {
	*testkit.Client
	App    *app.App
	Clock  *clock.Fixed
	Mailer *mail.Memory
}

// Option adjusts the config or options before the app is built.
type Option func(cfg *config.Config, o *app.Options)

// New builds a migrated app on a fresh database of the dialect.
func New(t testing.TB, dialect string, opts ...Option) *T {
	t.Helper()
	cfg := Config(t, dialect)
	clk := clock.NewFixed(Epoch)
	mailer := &mail.Memory{}
	o := app.Options{
		Logger:       Logger(t),
		Clock:        clk,
		Mailer:       mailer,
		Authenticate: testkit.HeaderAuth(),
	}
	for _, opt := range opts {
		opt(cfg, &o)
	}
	a, err := app.New(context.Background(), cfg, o)
	if err != nil {
		t.Fatalf("apptest: build app: %v", err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	doc, err := json.Marshal(a.API.OpenAPI())
	if err != nil {
		t.Fatalf("apptest: OpenAPI document: %v", err)
	}
	v, err := testkit.ValidatorFor(doc)
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	// Every response the tests receive from an /api/ route must be the one
	// the OpenAPI document describes.
	client := testkit.NewClient(t, a.Fiber).ValidatedBy(v)
	return &T{Client: client, App: a, Clock: clk, Mailer: mailer}
}

// Each runs fn as a subtest per dialect, each with its own app.
func Each(t *testing.T, fn func(t *testing.T, ta *T), opts ...Option) {
	t.Helper()
	testkit.EachDialect(t, func(t *testing.T, dialect string) { fn(t, New(t, dialect, opts...)) })
}

// Config returns a valid development configuration on a fresh database.
func Config(t testing.TB, dialect string) *config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Database.URL = testkit.DatabaseURL(t, dialect)
	cfg.BaseURL = "http://127.0.0.1:8080"
	cfg.SecretKey = "test-secret-key-0123456789abcdef0123456789"
	cfg.EncryptionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	cfg.Log.Format = "text"
	// Cheap password hashing: tests hash many passwords; the production
	// parameters are checked by config validation.
	cfg.Auth.Argon2 = config.Argon2{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}
	// Tests start from an empty catalog; the default content has its own test.
	cfg.Content.ImportDefault = false
	if err := cfg.Validate(); err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	return &cfg
}

// Logger writes warnings and errors (e.g. an unexpected 500's cause) to the test log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
