// Package web is the server-rendered side of Weaverse: the shared page layout
// (html/template), the embedded and fingerprinted static files (Bootstrap,
// Bootstrap Icons, Pretendard, our own CSS/JS), language negotiation, flash
// messages and CSRF protection for cookie-authenticated requests.
//
// Modules register their page templates with AddTemplates and render them with
// Render; a page only defines {{define "title"}} and {{define "content"}}
// (optionally "head" and "scripts"), the layout does the rest.
package web

import (
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/i18n"
)

//go:embed all:static
var staticFS embed.FS

//go:embed templates
var templateFS embed.FS

//go:embed locales/*.toml
var localeFS embed.FS

// ErrCSRF is returned (wrapped) by the middleware when a cross-origin request
// with an unsafe method is refused. The app's error handler maps it to 403.
var ErrCSRF = errors.New("cross-origin request refused")

// Options configures New.
type Options struct {
	// Dev is development mode: plain (not fingerprinted) static files are
	// revalidated on every request and cookies are not marked Secure.
	// Everything is still embedded.
	Dev bool
	// BaseURL is the public URL ("https://learn.example.com"). Its origin is
	// trusted by the CSRF check (useful behind a proxy that rewrites Host).
	BaseURL string
	// I18n is the shared message bundle; New loads the web catalogs into it.
	I18n *i18n.Bundle
	// Logger receives render failures. Defaults to slog.Default().
	Logger *slog.Logger
	// SiteName is shown in the navbar and page titles. Defaults to "Weaverse".
	SiteName string
	// Secret is the HMAC key for flash cookies (e.g. the app secret from
	// config). Optional: when empty a random per-process key is used, which is
	// fine for one instance (a flash set on one instance and read on another is
	// then dropped, never trusted).
	Secret []byte
}

// Web renders pages and serves static files. It is safe for concurrent use
// once all AddTemplates calls have been made (they are meant for start-up).
type Web struct {
	opts   Options
	log    *slog.Logger
	i18n   *i18n.Bundle
	assets *assets
	csrf   *http.CrossOriginProtection
	secure bool // Secure attribute on our cookies
	flashK []byte

	mu     sync.RWMutex
	base   *baseTemplates
	pages  map[string]map[string]*pageTemplate // page → lang → template
	menus  map[string][]NavEntry               // menu → entries in order (SetNav)
	authz  *authz.Enforcer                     // decides Nav and Can (SetNav)
	signIn string                              // the sign-in page (SetSignInPage)
}

// New builds the renderer: it loads the web catalogs into opts.I18n, indexes
// and fingerprints the embedded static files and parses the shared layout.
func New(opts Options) (*Web, error) {
	if opts.I18n == nil {
		return nil, errors.New("web: Options.I18n is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SiteName == "" {
		opts.SiteName = "Weaverse"
	}
	if err := opts.I18n.Load(localeFS); err != nil {
		return nil, fmt.Errorf("web: locales: %w", err)
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	w := &Web{
		opts:  opts,
		log:   opts.Logger,
		i18n:  opts.I18n,
		pages: map[string]map[string]*pageTemplate{},
		// Browsers drop Secure cookies on plain-http origins other than
		// localhost, so an explicit http:// base URL also disables it.
		secure: !opts.Dev && !strings.HasPrefix(strings.ToLower(opts.BaseURL), "http://"),
	}
	if w.assets, err = newAssets(static); err != nil {
		return nil, err
	}
	w.flashK = opts.Secret
	if len(w.flashK) == 0 {
		w.flashK = make([]byte, 32)
		if _, err := rand.Read(w.flashK); err != nil {
			return nil, err
		}
	}
	w.csrf = http.NewCrossOriginProtection()
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("web: BaseURL %q is not an absolute URL", opts.BaseURL)
		}
		if err := w.csrf.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("web: BaseURL: %w", err)
		}
	}
	if w.base, err = w.parseBase(); err != nil {
		return nil, err
	}
	tfs, err := fs.Sub(templateFS, "templates/pages")
	if err != nil {
		return nil, err
	}
	if err := w.AddTemplates("web", tfs); err != nil {
		return nil, err
	}
	return w, nil
}

// T translates message id into the request's language. kv are optional
// template-data pairs: w.T(c, "catalog.price", "Price", 50000).
func (w *Web) T(c *fiber.Ctx, id string, kv ...any) string {
	return w.i18n.T(i18n.LangFrom(c.UserContext()), id, pairs(kv))
}

// Asset returns the fingerprinted URL of a static file:
// Asset("css/app.css") → "/static/css/app.3fa2b1c4d5.css". An unknown path is
// logged and returned unfingerprinted (it will 404).
func (w *Web) Asset(path string) string {
	u, ok := w.assets.url(path)
	if !ok {
		w.log.Error("web: unknown asset", "path", path)
	}
	return u
}

// Mount registers GET/HEAD /static/* (the embedded static files) on r.
func (w *Web) Mount(r fiber.Router) {
	r.Get("/static/*", w.assets.handler(w.opts.Dev))
}

// pairs turns ("Name", v, "Count", n) into a map for message templates.
func pairs(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}
