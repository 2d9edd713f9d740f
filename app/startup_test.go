package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// A first start (fresh database: our migrations, River's, the default
// content) logs nothing at INFO before the server prints its URL, so the
// URL is the first line a newcomer sees, as the README says; with
// log.level debug the routine messages are still there.
func TestFirstStartIsQuietUntilTheURL(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		cfg := apptest.Config(t, dialect)
		cfg.Content.ImportDefault = true
		var info, debug bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&info, &slog.HandlerOptions{Level: slog.LevelInfo}))
		a, err := app.New(context.Background(), cfg, app.Options{Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		_ = a.Close(context.Background())
		if info.Len() > 0 {
			t.Fatalf("start-up logged at INFO before the URL:\n%s", info.String())
		}
		// Started again on a fresh database at DEBUG: the messages exist.
		cfg = apptest.Config(t, dialect)
		logger = slog.New(slog.NewTextHandler(&debug, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if a, err = app.New(context.Background(), cfg, app.Options{Logger: logger}); err != nil {
			t.Fatal(err)
		}
		_ = a.Close(context.Background())
		if !strings.Contains(debug.String(), "applied River migration") || !strings.Contains(debug.String(), "migrations applied") {
			t.Fatalf("log.level debug lacks the start-up messages:\n%s", debug.String())
		}
	})
}
