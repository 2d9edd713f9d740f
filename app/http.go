package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/weaverse/weaverse/migrations"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

func (a *App) fiberConfig() fiber.Config {
	h := a.Config.HTTP
	return fiber.Config{
		AppName: "Weaverse",
		// Values taken from the request stay valid after the handler returns
		// (fasthttp reuses buffers otherwise).
		Immutable:     true,
		CaseSensitive: true,
		// Paths are percent-decoded once, before routing, so every route
		// (API operations and pages alike) sees "/courses/web-nanodegree"
		// for "/courses/web%2Dnanodegree". Fiber decodes like a query
		// ("+" would become a space): literalPlus keeps "+" a plus.
		// httpx.CheckRequest refuses a decoded path that holds NUL or is
		// not UTF-8.
		UnescapePath:          true,
		StrictRouting:         false, // "/api/courses" and "/api/courses/" are the same route
		DisableStartupMessage: true,
		Network:               "tcp", // IPv4 and IPv6
		// Bodies reach handlers as streams, so uploads never sit in memory
		// whole; httpx.BodyGuard keeps the body limit on every other route.
		StreamRequestBody: true,
		// Never parse a multipart body before the handler (fasthttp would
		// spool any declared size): the upload handlers stream it.
		DisablePreParseMultipartForm: true,
		BodyLimit:                    h.BodyLimit,
		// The request line and headers must fit (else 431, or 414 for a
		// request line alone); httpx.CheckRequest answers 414 to a URL
		// over httpx.MaxURILength.
		ReadBufferSize: httpx.ReadBufferSize,
		ReadTimeout:    h.ReadTimeout,
		WriteTimeout:   h.WriteTimeout,
		IdleTimeout:    h.IdleTimeout,
		// No ProxyHeader: Fiber would return the header's raw value as the
		// client IP; httpx.Proxies computes it. The trusted-proxy check
		// still governs X-Forwarded-Proto/Host for c.Protocol()/Hostname().
		EnableTrustedProxyCheck: true,
		TrustedProxies:          h.TrustedProxies,
		ErrorHandler:            a.handleError,
		JSONEncoder:             json.Marshal,
		JSONDecoder:             json.Unmarshal,
	}
}

// applyWriteTimeouts gives the routes whose options ask for it a longer
// write deadline than http.write_timeout (large downloads). fasthttp sets the
// connection's write deadline before writing each response, from the
// per-request config HeaderReceived returns (zero keeps the server's); it
// runs before routing, on the raw request URI.
func (a *App) applyWriteTimeouts() {
	longer := false
	for _, o := range a.routeOpts {
		longer = longer || o.WriteTimeout > a.Config.HTTP.WriteTimeout
	}
	if !longer {
		return
	}
	a.Fiber.Server().HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		raw, _, _ := bytes.Cut(h.RequestURI(), []byte("?"))
		path, err := url.PathUnescape(string(raw)) // as routing sees it
		if err != nil {
			path = string(raw)
		}
		if t := a.routeOpts.For(path).WriteTimeout; t > a.Config.HTTP.WriteTimeout {
			return fasthttp.RequestConfig{WriteTimeout: t}
		}
		return fasthttp.RequestConfig{}
	}
}

// literalPlus makes Fiber's path decoding (UnescapePath) treat "+" as the
// literal it is in a path (RFC 3986), not as a space as in a query: it
// escapes "+" in the raw path before Fiber reads it.
func (a *App) literalPlus() {
	srv := a.Fiber.Server()
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		if p := ctx.URI().PathOriginal(); bytes.IndexByte(p, '+') >= 0 {
			ctx.URI().SetPathBytes(bytes.ReplaceAll(p, []byte("+"), []byte("%2B")))
		}
		next(ctx)
	}
}

// mountPlatform installs the middleware every request passes through, in order.
func (a *App) mountPlatform(opts Options) {
	f := a.Fiber
	// What the HTTP server cannot parse is answered and logged like the rest.
	unparsed := httpx.Unparsed(a.Logger, a.I18n, a.proxies, a.Metrics)
	f.Server().ErrorHandler = func(fctx *fasthttp.RequestCtx, err error) {
		c := f.AcquireCtx(fctx)
		defer f.ReleaseCtx(c)
		unparsed(c, err)
	}
	f.Use(httpx.Env(a.Logger, a.I18n, a.proxies))
	f.Use(httpx.Observe(a.Logger, a.Metrics))
	f.Use(httpx.Recover(a.Logger))
	f.Use(httpx.CheckRequest())
	f.Use(httpx.BodyGuard(int64(a.Config.HTTP.BodyLimit), a.routeOpts))
	f.Use(httpx.SecurityHeaders(a.Config.IsProduction() && strings.HasPrefix(a.Config.BaseURL, "https://"), a.mediaOrigins...))
	f.Use(compressLarge(func(c *fiber.Ctx) bool {
		return precompressed(c) || a.routeOpts.For(c.Path()).NoCompress
	}))
	// Uploads, streams and long downloads take as long as they need.
	f.Use(httpx.Timeout(a.Config.HTTP.RequestTimeout, func(c *fiber.Ctx) bool {
		return a.routeOpts.For(c.Path()).NoTimeout
	}))
	f.Use(a.Web.Middleware(func(path string) bool { return a.routeOpts.For(path).RawBody }))
	f.Use(a.mods.auth.Authenticate())
	if opts.Authenticate != nil {
		f.Use(opts.Authenticate)
	}
	f.Use(httpx.DropAmbientPrincipal(a.routeOpts))
	for _, m := range a.modules {
		if mw, ok := m.(Middlewarer); ok {
			f.Use(mw.Middleware())
		}
	}
	a.Web.Mount(f)
}

// minCompress is the smallest response body worth compressing: below it
// (a heartbeat's answer, a problem document) gzip or brotli costs more CPU,
// on both ends, than the bytes it saves, and often saves none.
const minCompress = 1024

// compressLarge compresses responses (brotli or gzip, as the client
// accepts) of at least minCompress bytes, and streams; skip names the
// requests never compressed.
func compressLarge(skip func(c *fiber.Ctx) bool) fiber.Handler {
	compressor := fasthttp.CompressHandlerBrotliLevel(func(*fasthttp.RequestCtx) {},
		fasthttp.CompressBrotliDefaultCompression, fasthttp.CompressDefaultCompression)
	return func(c *fiber.Ctx) error {
		if skip(c) {
			return c.Next()
		}
		if err := c.Next(); err != nil {
			return err
		}
		if res := c.Response(); !res.IsBodyStream() && len(res.Body()) < minCompress {
			return nil
		}
		compressor(c.Context())
		return nil
	}
}

// precompressed skips gzip for formats that are compressed already.
func precompressed(c *fiber.Ctx) bool {
	switch path.Ext(c.Path()) {
	case ".woff2", ".woff", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp4", ".ts", ".m4s", ".zip", ".gz", ".pdf":
		return true
	}
	return false
}

// handleError is the one place errors become responses: problem documents
// for the API (and for clients that do not ask for HTML), the error page for
// browsers. An unexpected error's text never reaches the client.
func (a *App) handleError(c *fiber.Ctx, err error) error {
	ctx := c.UserContext()
	var p *httpx.Problem
	var fe *fiber.Error
	switch {
	case errors.As(err, &p):
	case errors.Is(err, web.ErrCSRF):
		p = httpx.StatusProblem(ctx, http.StatusForbidden, "request.csrf")
	case errors.As(err, &fe):
		code := ""
		switch fe.Code {
		case http.StatusNotFound:
			code = "route.not_found"
		case http.StatusMethodNotAllowed:
			code = "route.method_not_allowed"
		}
		if fe.Code < 400 || fe.Code > 599 {
			fe = fiber.ErrInternalServerError
		}
		p = httpx.StatusProblem(ctx, fe.Code, code)
	default:
		p = httpx.NewProblem(ctx, err)
	}
	for k, vs := range p.GetHeaders() {
		for _, v := range vs {
			c.Set(k, v)
		}
	}
	c.Status(p.Status)
	if httpx.IsAPI(c) {
		body, _ := json.Marshal(p)
		c.Set(fiber.HeaderContentType, httpx.ProblemContentType)
		return c.Send(body)
	}
	if p.Status == http.StatusUnauthorized && c.Method() == fiber.MethodGet {
		if to := a.Web.SignInURL(c.OriginalURL()); to != "" {
			return c.Redirect(to, fiber.StatusSeeOther)
		}
	}
	lang := i18n.LangFrom(ctx)
	return a.Web.RenderError(c, p.Status, a.I18n.T(lang, statusKey(p.Status), nil), p.Detail, p.RequestID)
}

func statusKey(status int) string {
	switch status {
	case 400, 401, 403, 404, 405, 409, 413, 414, 422, 429, 431, 503:
		return "status." + strconv.Itoa(status)
	}
	if status >= 500 {
		return "status.500"
	}
	return "status.400"
}

// mountOperations adds the operational endpoints: health, readiness, metrics
// and the interactive API docs.
func (a *App) mountOperations() {
	huma.Register(a.API, huma.Operation{
		OperationID: "healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "Liveness: the process is up", Tags: []string{"Operations"},
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		out := &healthOutput{}
		out.Body.Status = "ok"
		out.Body.Version = Version()
		return out, nil
	})
	huma.Register(a.API, huma.Operation{
		OperationID: "readyz", Method: http.MethodGet, Path: "/readyz",
		Summary:     "Readiness: the database answers and its migrations are current",
		Description: "200 when ready, 503 otherwise; `checks` tells which part is not ready, and `capabilities` which optional features are available on this instance.",
		Tags:        []string{"Operations"},
	}, a.readyz)
	if a.Config.Metrics.Enabled {
		a.Fiber.Get("/metrics", a.Metrics.Handler(a.Config.Metrics.Token, a.Authz))
	}
	a.Fiber.Get("/api/docs", a.docsPage)
	a.Fiber.Get("/api/docs/assets/*", a.docsAsset)
}

type healthOutput struct {
	Body struct {
		Status  string `json:"status" example:"ok"`
		Version string `json:"version" example:"0.1.0"`
	}
}

type readyOutput struct {
	Status int
	Body   struct {
		Status       string            `json:"status" enum:"ready,not_ready"`
		Checks       map[string]string `json:"checks" doc:"Each check's result: ok, or what is wrong."`
		Capabilities map[string]bool   `json:"capabilities" doc:"Optional features available on this instance."`
	}
}

func (a *App) readyz(ctx context.Context, _ *struct{}) (*readyOutput, error) {
	out := &readyOutput{Status: http.StatusOK}
	out.Body.Status = "ready"
	out.Body.Checks = map[string]string{"database": "ok", "migrations": "ok"}
	// What the modules found at start (ffmpeg, an LLM endpoint…).
	out.Body.Capabilities = a.capabilities()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	// Probes come every few seconds from every orchestrator: they read
	// through the reader pool, never queueing behind SQLite's single writer,
	// and the migration check stops once it has passed (only a deploy
	// changes the migrations an instance expects).
	var one int
	if err := a.DB.R.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
		a.Logger.Warn("readyz: database", "err", err)
		out.Body.Checks["database"] = "unreachable"
		out.Body.Checks["migrations"] = "unknown"
	} else if !a.migrationsCurrent.Load() {
		switch err := a.Migrator.Require(ctx); {
		case err == nil:
			a.migrationsCurrent.Store(true)
		case errors.Is(err, migrations.ErrPending):
			out.Body.Checks["migrations"] = "pending"
		default:
			a.Logger.Warn("readyz: migrations", "err", err)
			out.Body.Checks["migrations"] = "unknown"
		}
	}
	for _, v := range out.Body.Checks {
		if v != "ok" {
			out.Status = http.StatusServiceUnavailable
			out.Body.Status = "not_ready"
		}
	}
	return out, nil
}
