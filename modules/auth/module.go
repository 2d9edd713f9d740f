package auth

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml templates
var files embed.FS

// Deps are the module's dependencies.
type Deps struct {
	DB     *db.DB
	Authz  *authz.Enforcer
	Clock  clock.Clock
	Logger *slog.Logger
	Users  accounts.Directory
	// SecretKey signs tokens; PreviousSecretKeys still verify them.
	SecretKey          string
	PreviousSecretKeys []string
	// BaseURL is the token issuer and the base of redirect URLs.
	BaseURL string
	// SecureCookies adds the Secure attribute (outside development).
	SecureCookies bool
	Settings      Settings
	// Google is the social-login provider (any OpenID Connect issuer);
	// disabled when its Issuer is empty.
	Google OIDCProvider
	// HTTPClient talks to the OIDC provider (nil: a client with a timeout).
	HTTPClient *http.Client
	// Keys seal the short-lived social-login state cookie.
	Keys *crypto.Keyring
	// Web renders the sign-in pages.
	Web *web.Web
}

// OIDCProvider configures one OpenID Connect provider.
type OIDCProvider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
}

// Module is the auth module.
type Module struct {
	svc     *service
	authz   *authz.Enforcer
	secure  bool
	logger  *slog.Logger
	deps    Deps
	baseURL string
	web     *web.Web
}

// New builds the module.
func New(d Deps) *Module {
	st := newStore(d.DB)
	svc := &service{db: d.DB, st: st, clock: d.Clock, users: d.Users, sessions: revoker{st: st, clock: d.Clock},
		signer:   newSigner(d.SecretKey, d.PreviousSecretKeys, d.BaseURL, d.Clock),
		throttle: &throttle{db: d.DB, st: st, clock: d.Clock, window: d.Settings.Window},
		devices:  devices{keys: d.Keys, clock: d.Clock},
		cfg:      d.Settings, logger: d.Logger}
	if d.Web != nil {
		d.Web.SetSignInPage("/login")
	}
	return &Module{svc: svc, authz: d.Authz, secure: d.SecureCookies, logger: d.Logger, deps: d, baseURL: d.BaseURL, web: d.Web}
}

// Nav: sign in for visitors, sign out for the signed-in.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuGuest, Href: "/login", Label: "web.nav.login", Order: 10},
		{Menu: web.MenuAccount, Href: "/logout", Label: "web.nav.logout", Icon: "box-arrow-right", Order: 100, Post: true},
	}
}

// Name is "auth".
func (m *Module) Name() string { return "auth" }

// Files are the module's message catalogs (locales/) and pages (templates/).
func (m *Module) Files() fs.FS { return files }

// Policies: signing in is open to everyone; the session endpoints need a
// signed-in caller and act on the caller's own sessions only.
func (m *Module) Policies() []authz.Policy { return nil }

// Sessions ends sign-in sessions inside the accounts service's transaction:
// the app binds it as the accounts module's SessionRevoker.
func (m *Module) Sessions() accounts.SessionRevoker { return m.svc.sessions }

// PasswordAttempts limits guesses of the current password a password
// change asks for: the app binds it as the accounts module's
// PasswordAttempts.
func (m *Module) PasswordAttempts() accounts.PasswordAttempts {
	return passwordAttempts{throttle: m.svc.throttle, max: m.svc.cfg.AccountFailures}
}

// Routes mounts the API (tokens, sessions, social login) and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.socialRoutes(api)
	m.pages(pages)
}

// Cookie names.
const (
	AccessCookie  = "access_token"
	RefreshCookie = "refresh_token"
	refreshPath   = "/api/refresh"
)

// Authenticate is the middleware that reads the access token (the
// Authorization: Bearer header, else the access_token cookie) and puts the
// caller's principal in the request context. An invalid or expired token
// leaves the caller anonymous: public routes answer as for anyone, protected
// ones with 401.
func (m *Module) Authenticate() fiber.Handler {
	return func(c *fiber.Ctx) error {
		raw := ""
		if h := c.Get(fiber.HeaderAuthorization); h != "" {
			scheme, tok, ok := strings.Cut(h, " ")
			if ok && strings.EqualFold(scheme, "Bearer") {
				raw = strings.TrimSpace(tok)
			}
		} else {
			raw = c.Cookies(AccessCookie)
		}
		if raw == "" {
			return c.Next()
		}
		p, err := m.svc.Authenticate(c.UserContext(), raw)
		m.markSession(c, raw, err)
		switch {
		case err == nil:
			c.SetUserContext(authz.WithPrincipal(c.UserContext(), p))
		case errors.Is(err, errTokenInvalid), errors.Is(err, errTokenExpired):
			// anonymous
		default:
			return err // the database failed: a 500, not a silent sign-out
		}
		return c.Next()
	}
}

// StartSession signs a user in (after sign-up or a social login) and
// returns the cookies to set.
func (m *Module) StartSession(ctx context.Context, userID int64, method string, meta Meta) (*Tokens, error) {
	return m.svc.StartSession(ctx, userID, method, meta)
}
