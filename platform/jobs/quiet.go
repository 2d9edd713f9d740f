package jobs

import (
	"context"
	"log/slog"
)

// quiet returns a logger for River that passes its warnings and errors on
// but lowers its informational messages (migrations applied, client
// started, leader elected) to DEBUG: they are routine, and at start-up they
// would bury the line that matters to the person who started the server,
// its URL. log.level debug shows them.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(quietHandler{l.Handler()})
}

type quietHandler struct{ h slog.Handler }

func (q quietHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return q.h.Enabled(ctx, demote(level))
}

func (q quietHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return q.h.Handle(ctx, r)
}

func (q quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{q.h.WithAttrs(attrs)}
}

func (q quietHandler) WithGroup(name string) slog.Handler { return quietHandler{q.h.WithGroup(name)} }

func demote(level slog.Level) slog.Level {
	if level >= slog.LevelInfo && level < slog.LevelWarn {
		return slog.LevelDebug
	}
	return level
}
