package httpx

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
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

// Validate refuses options that would change the platform's defaults for
// paths their module does not serve: a path must be absolute and more than
// "/" or "/*" (a module declaring those would lift the body limit or the
// timeout everywhere), and must match one of the routes mounted (given as
// Fiber paths, "/api/videos/tus/:id").
func (os RouteOptions) Validate(routes []string) error {
	for _, o := range os {
		prefix, wildcard := strings.CutSuffix(o.Path, "/*")
		if !strings.HasPrefix(o.Path, "/") || strings.TrimSuffix(prefix, "/") == "" {
			return fmt.Errorf("httpx: route option %q: a module may only set options for its own paths", o.Path)
		}
		found := false
		for _, r := range routes {
			r = strings.TrimSuffix(r, "/")
			if r == strings.TrimSuffix(prefix, "/") || wildcard && strings.HasPrefix(r, prefix+"/") {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("httpx: route option %q matches no route", o.Path)
		}
	}
	return nil
}

// DropAmbientPrincipal forgets a principal that came from a cookie on the
// paths whose options say RawBody: those routes are exempt from the CSRF
// check (a payment provider posts to them from its own site) and
// authenticate their sender themselves, so a browser's cookie session must
// not act there — a cross-site form could ride it. A bearer token
// (Authorization) is not ambient and stays.
func DropAmbientPrincipal(opts RouteOptions) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if opts.For(c.Path()).RawBody && len(c.Request().Header.Peek(fiber.HeaderAuthorization)) == 0 {
			c.SetUserContext(authz.WithPrincipal(c.UserContext(), nil))
		}
		return c.Next()
	}
}
