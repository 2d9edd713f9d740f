package httpx

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/i18n"
)

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = "X-Request-ID"

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Recover turns a panic in any later handler into an error (a 500 problem),
// logging the stack with the request id.
func Recover(logger *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("panic", "panic", r, "request_id", RequestIDFrom(c.UserContext()),
					"path", c.Path(), "stack", string(debug.Stack()))
				err = errPanic
			}
		}()
		return c.Next()
	}
}

// errPanic is what a recovered panic becomes; it was logged with its stack
// already, so the problem converter does not log it again.
var errPanic = errors.New("panic recovered")

// Env sets up the request: its id (a sane X-Request-ID from a trusted proxy
// is kept, so ids follow a request through the proxy's logs), the client's
// address, and what error conversion needs.
func Env(logger *slog.Logger, bundle *i18n.Bundle, proxies *Proxies) fiber.Handler {
	return func(c *fiber.Ctx) error {
		setupEnv(c, logger, bundle, proxies)
		return c.Next()
	}
}

func setupEnv(c *fiber.Ctx, logger *slog.Logger, bundle *i18n.Bundle, proxies *Proxies) {
	id := c.Get(HeaderRequestID)
	if !requestIDRE.MatchString(id) || !proxies.PeerTrusted(c) {
		id = newRequestID()
	}
	c.Set(HeaderRequestID, id)
	ua := c.Get(fiber.HeaderUserAgent)
	if len(ua) > 256 {
		ua = strings.ToValidUTF8(ua[:256], "")
	}
	env := &reqEnv{logger: logger, i18n: bundle, requestID: id, path: c.Path(),
		query: string(c.Request().URI().QueryString()), ip: proxies.ClientIP(c), userAgent: ua}
	ctx := context.WithValue(c.UserContext(), envKey{}, env)
	// The language, as the web middleware negotiates it later (?lang=, its
	// "lang" cookie, Accept-Language), so that refusals made before it
	// (CheckRequest, BodyGuard) speak the client's language too.
	ctx = i18n.WithLang(ctx, i18n.Negotiate(strings.ToLower(strings.TrimSpace(c.Query("lang"))), c.Cookies("lang"), c.Get(fiber.HeaderAcceptLanguage)))
	c.SetUserContext(withCookieWriter(ctx, c))
}

// MaxURILength is the longest request target (path and query) served: a
// longer one answers 414. Request lines and headers together are read into
// a ReadBufferSize buffer; what does not fit answers 431 (or 414 when the
// request line alone fills it).
const (
	MaxURILength   = 8 << 10
	ReadBufferSize = 16 << 10
)

// CheckRequest refuses, once for every route, request targets no handler
// should see: a URL over MaxURILength (414), a NUL byte in the query, a
// path that decodes to NUL or to bytes that are not UTF-8 (400). It runs
// after Observe, so the refusals are logged like any answer.
func CheckRequest() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if len(c.Request().Header.RequestURI()) > MaxURILength {
			return StatusProblem(c.UserContext(), fiber.StatusRequestURITooLong, "request.uri_too_long")
		}
		// A NUL byte is never legitimate in a URL, and SQL drivers choke on
		// it: refuse it here, once, as bad input.
		if q := c.Request().URI().QueryString(); bytes.Contains(q, []byte("%00")) || bytes.Contains(q, []byte{0}) {
			return apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid")
		}
		// The path was percent-decoded once (the app's UnescapePath): what
		// it decoded to reaches handlers and the database as text.
		if p := c.Path(); strings.IndexByte(p, 0) >= 0 || !utf8.ValidString(p) {
			return apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid")
		}
		return c.Next()
	}
}

// Unparsed answers a request the HTTP server could not parse (a malformed
// request line or header, headers over ReadBufferSize, a body over the
// server's limit, a read timeout) like any other: a problem document in the
// request's language with a request id, and an access-log line. c is a
// context the app acquired for the failed request; the connection is closed
// afterwards.
func Unparsed(logger *slog.Logger, bundle *i18n.Bundle, proxies *Proxies, m *Metrics) func(c *fiber.Ctx, err error) {
	return func(c *fiber.Ctx, err error) {
		start := time.Now()
		setupEnv(c, logger, bundle, proxies)
		c.Context().SetConnectionClose()
		status, code := unparsedStatus(err)
		p := StatusProblem(c.UserContext(), status, code)
		if herr := c.App().ErrorHandler(c, p); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
		logger.DebugContext(c.UserContext(), "unparsed request", "err", err, "request_id", RequestIDFrom(c.UserContext()))
		record(logger, m, c, start, p)
	}
}

// unparsedStatus maps what fasthttp failed with to a status and code.
func unparsedStatus(err error) (int, string) {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.As(err, &small):
		if requestLineFillsBuffer(err.Error()) {
			return fiber.StatusRequestURITooLong, "request.uri_too_long"
		}
		return fiber.StatusRequestHeaderFieldsTooLarge, "request.headers_too_large"
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return fiber.StatusRequestEntityTooLarge, "request.too_large"
	case errors.Is(err, fasthttp.ErrGetOnly):
		return fiber.StatusMethodNotAllowed, "route.method_not_allowed"
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, fasthttp.ErrTimeout):
		return fiber.StatusRequestTimeout, "request.timeout"
	}
	return fiber.StatusBadRequest, "request.invalid"
}

// requestLineFillsBuffer tells, from fasthttp's "small read buffer" error
// (which quotes the buffer's first and last 200 bytes), whether the request
// line alone overflowed it: no line break in either quoted part.
func requestLineFillsBuffer(msg string) bool {
	_, rest, ok := strings.Cut(msg, "contents: ")
	if !ok {
		return false
	}
	for i := 0; i < 2; i++ {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return i > 0
		}
		if s, err := strconv.Unquote(q); err != nil || strings.Contains(s, "\n") {
			return false
		}
		rest, ok = strings.CutPrefix(rest[len(q):], "...")
		if !ok {
			return true
		}
	}
	return true
}

// Observe writes one structured access-log line and records the request's
// metrics. Errors returned by later handlers are rendered here (through the
// app's ErrorHandler) so that the log and metrics see the final status.
func Observe(logger *slog.Logger, m *Metrics) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if m != nil {
			m.inFlight.Inc()
			m.active.Add(1)
			defer m.inFlight.Dec()
			defer m.active.Done()
		}
		err := c.Next()
		if err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		record(logger, m, c, start, err)
		return nil
	}
}

// record writes the access-log line of a finished request and observes its
// metrics.
func record(logger *slog.Logger, m *Metrics, c *fiber.Ctx, start time.Time, err error) {
	status := c.Response().StatusCode()
	route := RouteTemplate(c)
	elapsed := time.Since(start)
	if m != nil {
		m.observe(c.Method(), route, status, elapsed)
	}
	level := slog.LevelInfo
	switch {
	case status >= 500 && errors.Is(err, apperr.Unavailable):
		// A documented refusal (no video converter here, a feature
		// switched off): worth noticing, not a fault.
		level = slog.LevelWarn
	case status >= 500:
		level = slog.LevelError
	case strings.HasPrefix(c.Path(), "/static/") || c.Path() == "/healthz" || c.Path() == "/readyz" || c.Path() == "/metrics":
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
		slog.Int("bytes", bodySize(c.Response())),
		slog.String("ip", ClientIPFrom(c.UserContext())),
		slog.String("request_id", RequestIDFrom(c.UserContext())),
	}
	if uid := principalID(c.UserContext()); uid != 0 {
		attrs = append(attrs, slog.Int64("user_id", uid))
	}
	logger.LogAttrs(c.UserContext(), level, "request", attrs...)
}

// bodySize is the size of a response's body as sent (compressed, when it
// was): the buffered body's length, or for a streamed response (media
// files) the declared length (-1 when chunked) — reading Body() would pull
// the whole stream into memory. Content-Length itself is only set when
// fasthttp writes the response, after the access log.
func bodySize(r *fasthttp.Response) int {
	if r.IsBodyStream() {
		return r.Header.ContentLength()
	}
	return len(r.Body())
}

// RouteTemplate returns the matched route's template ("/api/courses/:id"),
// or "unmatched": metrics and logs must never be labelled with raw paths.
func RouteTemplate(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || r.Method == "USE" || r.Path == "" {
		return "unmatched"
	}
	if r.Path == "/" && c.Path() != "/" {
		return "unmatched"
	}
	return r.Path
}

// Timeout gives every request a deadline. Handlers pass c.UserContext() to the
// database, so a slow query is cancelled and the request ends with a 503
// problem. skip exempts long-running routes (uploads, event streams).
func Timeout(d time.Duration, skip func(c *fiber.Ctx) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if skip != nil && skip(c) {
			return c.Next()
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		err := c.Next()
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && apperr.KindOf(err) == nil {
			return apperr.New(apperr.Timeout, "request.timeout", "problem.request.timeout").Because(err)
		}
		return err
	}
}

// SecurityHeaders sets conservative headers on every response. The content
// security policy allows only our own origin: every script, style and font is
// embedded and served from /static. mediaOrigins ("https://bucket.s3.…")
// may also serve images, media and the HLS files players fetch.
func SecurityHeaders(hsts bool, mediaOrigins ...string) fiber.Handler {
	media := ""
	for _, o := range mediaOrigins {
		media += " " + o
	}
	csp := "default-src 'self'; img-src 'self' data: blob:" + media + "; media-src 'self' blob:" + media + "; " +
		"font-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'" + media + "; " +
		"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Content-Security-Policy", csp)
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return c.Next()
	}
}

// IsAPI reports whether the request is for the JSON API (or asks for JSON
// rather than a page), and so gets problem documents instead of HTML pages.
func IsAPI(c *fiber.Ctx) bool {
	p := c.Path()
	if strings.HasPrefix(p, "/api/") || p == "/api" || p == "/healthz" || p == "/readyz" || p == "/metrics" {
		return true
	}
	accept := c.Get(fiber.HeaderAccept)
	return !strings.Contains(accept, "text/html")
}

// BodyGuard keeps request bodies within limit (or the BodyLimit a route
// option sets) everywhere but on the paths whose options say StreamBody
// (uploads), whose handlers stream them under their own limits. With fiber's StreamRequestBody every body
// arrives as a stream of which fasthttp has read at most 8 KiB, and whatever
// a handler leaves unread would be parsed as the next request on the
// connection (valyala/fasthttp#2368: request smuggling). So elsewhere the
// guard reads the whole body now (declared length or chunked, within limit)
// and hands it on as a stream of those bytes (huma reads BodyStream itself
// when streaming is on; c.Body works too); after an upload handler it
// discards what is left, up to 256 KiB, or closes the connection.
func BodyGuard(defaultLimit int64, opts RouteOptions) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req := c.Request()
		o := opts.For(c.Path())
		if o.StreamBody {
			err := c.Next()
			if req.IsBodyStream() {
				discardBody(c)
			}
			return err
		}
		limit := defaultLimit
		if o.BodyLimit > 0 {
			limit = o.BodyLimit
		}
		if int64(req.Header.ContentLength()) > limit {
			refuseBody(c, limit)
			return apperr.New(apperr.TooLarge, "request.too_large", "problem.request.too_large")
		}
		if req.IsBodyStream() {
			body, err := io.ReadAll(io.LimitReader(req.BodyStream(), limit+1))
			if err != nil {
				c.Context().SetConnectionClose()
				return apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid").Because(err)
			}
			if int64(len(body)) > limit {
				refuseBody(c, limit)
				return apperr.New(apperr.TooLarge, "request.too_large", "problem.request.too_large")
			}
			req.SetBodyStream(bytes.NewReader(body), len(body))
		}
		return c.Next()
	}
}

// refuseBody closes the connection after a too-large body's 413. A body
// declared at most 256 KiB over the limit is read and dropped
// first: closing a socket with unread bytes sends a TCP reset, and a client
// still writing the body would then see "connection reset" instead of the
// problem document. Larger bodies are not worth reading.
func refuseBody(c *fiber.Ctx, limit int64) {
	c.Context().SetConnectionClose()
	req := c.Request()
	if !req.IsBodyStream() || req.Header.ContentLength() < 0 {
		return // nothing unread, or chunked (see discardBody)
	}
	const max = 256 << 10
	if int64(req.Header.ContentLength()) <= limit+max {
		_, _ = io.CopyN(io.Discard, req.BodyStream(), limit+max)
	}
}

// discardBody drops what an upload handler left of a streamed body, or has
// the connection closed after the response.
func discardBody(c *fiber.Ctx) {
	req := c.Request()
	if req.Header.ContentLength() < 0 {
		// Chunked: reading past its end would wait for another chunk
		// (valyala/fasthttp#2379).
		c.Context().SetConnectionClose()
		return
	}
	const max = 256 << 10
	if n, err := io.CopyN(io.Discard, req.BodyStream(), max); n == max || !errors.Is(err, io.EOF) {
		c.Context().SetConnectionClose()
	}
}
