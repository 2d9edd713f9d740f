package httpx

import (
	"strings"
	"time"
)

// RouteOption is what a module's routes need from the HTTP platform beyond
// the defaults (http.request_timeout, http.body_limit, gzip, CSRF checks).
// A module declares them for its own paths (see app.RouteOptioner); the app
// applies them, so neither app/ nor the platform names a module's paths.
type RouteOption struct {
	// Path is an exact path ("/api/images/upload"; a trailing slash is
	// ignored) or, ending in "/*", every path below a prefix
	// ("/api/videos/tus/*", "/media/*").
	Path string
	// NoTimeout: the handler runs as long as the client needs (uploads,
	// event streams, long downloads) instead of http.request_timeout.
	NoTimeout bool
	// WriteTimeout, when longer than http.write_timeout, bounds the writing
	// of one response on these paths (a gigabyte MP4 to a slow viewer).
	WriteTimeout time.Duration
	// StreamBody: the body reaches the handler as a stream and may exceed
	// http.body_limit; the handler enforces its own limit (uploads).
	StreamBody bool
	// BodyLimit, when set, replaces http.body_limit for these paths (the body
	// is still read whole before the handler runs).
	BodyLimit int64
	// NoCompress: responses are never gzipped (streamed media, event streams
	// whose every event must reach the client at once).
	NoCompress bool
	// RawBody: the handler reads the exact bytes sent, to check a signature
	// over them (payment webhooks), and authenticates the sender itself;
	// browser cross-origin checks (CSRF) do not apply to these paths.
	RawBody bool
}

// Matches reports whether the option applies to path.
func (o RouteOption) Matches(path string) bool {
	if prefix, ok := strings.CutSuffix(o.Path, "/*"); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return strings.TrimSuffix(path, "/") == strings.TrimSuffix(o.Path, "/")
}

// RouteOptions are every module's options.
type RouteOptions []RouteOption

// For merges the options that apply to path: any flag set by one of them,
// the longest write timeout, the largest body limit.
func (os RouteOptions) For(path string) RouteOption {
	var out RouteOption
	for _, o := range os {
		if !o.Matches(path) {
			continue
		}
		out.NoTimeout = out.NoTimeout || o.NoTimeout
		out.StreamBody = out.StreamBody || o.StreamBody
		out.NoCompress = out.NoCompress || o.NoCompress
		out.RawBody = out.RawBody || o.RawBody
		out.WriteTimeout = max(out.WriteTimeout, o.WriteTimeout)
		out.BodyLimit = max(out.BodyLimit, o.BodyLimit)
	}
	return out
}
