package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DatabaseURL is a parsed database.url.
type DatabaseURL struct {
	Dialect string // SQLite or Postgres
	// Path is the SQLite file path (for SQLite).
	Path string
	// DSN is the connection string for the driver (for Postgres, the URL as given).
	DSN string
}

// ParseDatabaseURL accepts "sqlite:PATH", "sqlite://PATH" (sqlite:///abs/path
// for an absolute path), "file:PATH" and "postgres://…" / "postgresql://…".
func ParseDatabaseURL(raw string) (DatabaseURL, error) {
	raw = strings.TrimSpace(raw)
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return DatabaseURL{}, fmt.Errorf("not a valid postgres URL: %v", redact(err))
		}
		if u.Host == "" {
			return DatabaseURL{}, fmt.Errorf("the postgres URL has no host (postgres://user:password@host:5432/db)")
		}
		if strings.Trim(u.Path, "/") == "" {
			return DatabaseURL{}, fmt.Errorf("the postgres URL names no database (postgres://user:password@host:5432/db)")
		}
		return DatabaseURL{Dialect: Postgres, DSN: raw}, nil
	case strings.HasPrefix(lower, "sqlite:"), strings.HasPrefix(lower, "file:"):
		p := raw[strings.Index(raw, ":")+1:]
		p = strings.TrimPrefix(p, "//")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			return DatabaseURL{}, fmt.Errorf("sqlite options are set by Weaverse; remove %q", p[i:])
		}
		if p == "" {
			return DatabaseURL{}, fmt.Errorf("the sqlite URL names no file (sqlite:./data/weaverse.db)")
		}
		if strings.Contains(p, ":memory:") || strings.HasPrefix(p, "file:") {
			// The writer and the reader pool would open two different databases.
			return DatabaseURL{}, fmt.Errorf("in-memory SQLite is not supported; name a file (sqlite:./data/weaverse.db)")
		}
		return DatabaseURL{Dialect: SQLite, Path: p}, nil
	case raw == "":
		return DatabaseURL{}, fmt.Errorf("empty")
	default:
		scheme := raw
		if i := strings.Index(raw, ":"); i >= 0 {
			scheme = raw[:i]
		} else {
			scheme = "(none)"
		}
		return DatabaseURL{}, fmt.Errorf("unsupported scheme %q: use sqlite:PATH or postgres://…", scheme)
	}
}

// redact hides credentials in a url.Parse error, which quotes the input.
func redact(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return "parse error"
}
