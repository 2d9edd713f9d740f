package auth

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
)

// UserSummary is the signed-in user in a login answer.
type UserSummary struct {
	ID       int64      `json:"id"`
	Email    string     `json:"email"`
	Nickname string     `json:"nickname"`
	Role     authz.Role `json:"role" enum:"student,tutor,admin"`
}

func summary(u accounts.User) UserSummary {
	return UserSummary{ID: u.ID, Email: u.Email, Nickname: u.Nickname, Role: u.Role}
}

type loginInput struct {
	KnownDevice string `cookie:"known_device" doc:"Set by a successful sign-in on this device (HttpOnly): a device the account signed in on before is not locked out by others' failed attempts."`
	Body        struct {
		Email    string `json:"email" maxLength:"254" example:"learner@example.com"`
		Password string `json:"password" maxLength:"256"`
	}
}

type tokenOutput struct {
	Body struct {
		Tokens
		User *UserSummary `json:"user,omitempty"`
	}
}

type refreshInput struct {
	Cookie string `cookie:"refresh_token" doc:"The HttpOnly cookie set at login (browsers)."`
	Body   *struct {
		RefreshToken string `json:"refresh_token,omitempty" maxLength:"2048" doc:"The refresh token (API clients)."`
	} `required:"false"`
}

type sessionsOutput struct {
	Body []SessionInfo
}

type sessionIDInput struct {
	ID string `path:"id" maxLength:"64"`
}

var tags = []string{"Auth"}

func meta(ctx context.Context) Meta {
	return Meta{IP: httpx.ClientIPFrom(ctx), UserAgent: httpx.UserAgentFrom(ctx)}
}

// cookies returns the session cookies for a token pair: both HttpOnly; the
// refresh cookie is sent only to the refresh endpoint. The access cookie
// lives as long as the refresh token, so a browser whose access token has
// expired still shows it, and the page can refresh instead of signing out.
// After a password sign-in, the known-device cookie too (see devices.go).
func (m *Module) cookies(t *Tokens) []http.Cookie {
	maxAge := max(int(t.RefreshExpiresAt.Sub(m.svc.clock.Now()).Seconds()), 1)
	cks := []http.Cookie{
		{Name: AccessCookie, Value: t.AccessToken, Path: "/", HttpOnly: true, Secure: m.secure,
			SameSite: http.SameSiteLaxMode, MaxAge: maxAge},
		{Name: RefreshCookie, Value: t.RefreshToken, Path: refreshPath, HttpOnly: true, Secure: m.secure,
			SameSite: http.SameSiteStrictMode, MaxAge: maxAge},
	}
	if t.KnownDevice != "" {
		cks = append(cks, http.Cookie{Name: deviceCookie, Value: t.KnownDevice, Path: "/", HttpOnly: true,
			Secure: m.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(deviceTTL.Seconds())})
	}
	return cks
}

// private marks a response as personal (tokens, sessions): no cache,
// shared or the browser's, may keep it.
func private(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "private, no-store")
	next(ctx)
}

// setCookies writes cookies on the response of the request behind ctx.
func (m *Module) setCookies(ctx context.Context, cks []http.Cookie) {
	for i := range cks {
		httpx.SetCookie(ctx, &cks[i])
	}
}

// Cookies returns the session cookies for a token pair (for the pages).
func (m *Module) Cookies(t *Tokens) []http.Cookie { return m.cookies(t) }

// ClearCookies returns cookies that remove the session cookies.
func (m *Module) ClearCookies() []http.Cookie {
	return []http.Cookie{
		{Name: AccessCookie, Value: "", Path: "/", HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1},
		{Name: RefreshCookie, Value: "", Path: refreshPath, HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteStrictMode, MaxAge: -1},
	}
}

func (m *Module) routes(api huma.API) {
	s := m.svc
	authed := huma.Middlewares{private, httpx.Authenticated(api)}
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}

	huma.Register(api, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/api/login",
		Summary: "Sign in with e-mail and password", Tags: tags,
		Description: "Returns an access token (15 min) and a refresh token (14 days), also set as HttpOnly cookies. " +
			"Wrong credentials → 401 (the same for an unknown e-mail). Too many failures for the account or the " +
			"client address → 429 with Retry-After; a device the account signed in on before (the known_device " +
			"cookie) has its own allowance, so others' failures do not lock its owner out. Too many sign-ins " +
			"being checked at once → 503 password.busy with Retry-After.",
		Errors: []int{401, 422, 429, 503}, Middlewares: huma.Middlewares{private},
	}, func(ctx context.Context, in *loginInput) (*tokenOutput, error) {
		mt := meta(ctx)
		mt.KnownDevice = in.KnownDevice
		tok, u, err := s.Login(ctx, in.Body.Email, in.Body.Password, mt)
		if err != nil {
			return nil, err
		}
		m.setCookies(ctx, m.cookies(tok))
		out := &tokenOutput{}
		out.Body.Tokens = *tok
		sum := summary(u)
		out.Body.User = &sum
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "refresh", Method: http.MethodPost, Path: "/api/refresh",
		Summary: "Exchange a refresh token for a new pair", Tags: tags,
		Description: "Rotation: the presented refresh token dies and a new pair is returned (and set as cookies). " +
			"Presenting a refresh token that was already exchanged revokes its whole session (401).",
		Errors: []int{401}, Middlewares: huma.Middlewares{private},
	}, func(ctx context.Context, in *refreshInput) (*tokenOutput, error) {
		raw := in.Cookie
		if in.Body != nil && in.Body.RefreshToken != "" {
			raw = in.Body.RefreshToken
		}
		if raw == "" {
			return nil, errRefreshInvalid
		}
		tok, err := s.Refresh(ctx, raw, meta(ctx))
		if err != nil {
			return nil, err
		}
		m.setCookies(ctx, m.cookies(tok))
		out := &tokenOutput{}
		out.Body.Tokens = *tok
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/api/logout",
		Summary: "Sign out", Tags: tags, Security: bearer, Middlewares: authed, DefaultStatus: http.StatusNoContent,
		Description: "Ends the session: its refresh token and every access token issued in it stop working at once. " +
			"404 auth.session_not_found when the session has already ended (signed out elsewhere at the same moment).",
		Errors: []int{401, 404},
	}, func(ctx context.Context, _ *struct{}) (*struct{}, error) {
		if err := s.Logout(ctx, authz.PrincipalFrom(ctx)); err != nil {
			return nil, err
		}
		m.setCookies(ctx, m.ClearCookies())
		return nil, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-sessions", Method: http.MethodGet, Path: "/api/sessions",
		Summary: "My signed-in sessions", Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401},
	}, func(ctx context.Context, _ *struct{}) (*sessionsOutput, error) {
		list, err := s.List(ctx, authz.PrincipalFrom(ctx))
		return &sessionsOutput{Body: list}, err
	})

	huma.Register(api, huma.Operation{
		OperationID: "revoke-session", Method: http.MethodDelete, Path: "/api/sessions/{id}",
		Summary: "Sign out one of my sessions", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusNoContent, Errors: []int{401, 404},
	}, func(ctx context.Context, in *sessionIDInput) (*struct{}, error) {
		return nil, s.RevokeSession(ctx, authz.PrincipalFrom(ctx), in.ID)
	})
}
