package httpx

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
)

// The access log's level follows what happened: a fault is an error, a
// documented refusal with 503 (a feature this instance lacks) a warning.
func TestObserveLevels(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		if errors.Is(err, apperr.Unavailable) {
			return c.SendStatus(fiber.StatusServiceUnavailable)
		}
		return c.SendStatus(fiber.StatusInternalServerError)
	}})
	app.Use(Observe(logger, nil))
	app.Get("/fault", func(*fiber.Ctx) error { return errors.New("boom") })
	app.Get("/refused", func(*fiber.Ctx) error {
		return apperr.New(apperr.Unavailable, "media.transcoding_unavailable", "media.transcoding_unavailable")
	})
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	for path, want := range map[string]string{"/fault": "level=ERROR", "/refused": "level=WARN", "/ok": "level=INFO"} {
		buf.Reset()
		resp, err := app.Test(httptest.NewRequest("GET", path, nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.Contains(buf.String(), want) {
			t.Errorf("%s logged %q, want %s", path, buf.String(), want)
		}
	}
}
