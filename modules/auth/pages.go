package auth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/web"
)

// pages mounts the sign-in pages: log in, log out, and the list of the
// signed-in devices.
func (m *Module) pages(r fiber.Router) {
	r.Get("/login", m.loginPage)
	r.Post("/login", m.loginSubmit)
	r.Post("/logout", m.logoutSubmit)
	r.Get("/me/sessions", privatePage, m.sessionsPage)
	r.Post("/me/sessions/revoke-others", m.revokeOthersSubmit)
	r.Post("/me/sessions/:id/revoke", m.revokeSubmit)
}

var loginFields = []string{"email", "password"}

// privatePage marks a page with personal data: no cache, shared or the
// browser's, may keep it.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

// loginView is the data of "auth/login".
type loginView struct {
	Form      *web.Form
	Next      string // a local path to return to, or ""
	GoogleURL string // "" when social login is off
	SignupURL string
	ResetURL  string
}

func (m *Module) loginPage(c *fiber.Ctx) error {
	next := web.SafeRedirect(c.Query("next"), "")
	if authz.PrincipalFrom(c.UserContext()) != nil {
		// Signed in already (or again, after session.js refreshed a stale
		// session and reloaded): go where the visitor was heading.
		return c.Redirect(web.SafeRedirect(next, "/"), fiber.StatusSeeOther)
	}
	f := web.NewForm(loginFields...)
	if email := clip(strings.TrimSpace(c.Query("email")), 320); email != "" {
		f.Set("email", email).Focus("password") // just signed up: the password is what is left to type
	}
	return m.renderLogin(c, fiber.StatusOK, f, next)
}

func (m *Module) renderLogin(c *fiber.Ctx, status int, f *web.Form, next string) error {
	page := loginView{Form: f, Next: next, SignupURL: "/signup", ResetURL: "/password/reset"}
	if next != "" {
		page.SignupURL += "?next=" + url.QueryEscape(next)
	}
	if email := f.Value("email"); email != "" {
		page.ResetURL += "?email=" + url.QueryEscape(email)
	}
	if m.deps.Google.Issuer != "" {
		page.GoogleURL = "/api/social-login/google"
		if next != "" {
			page.GoogleURL += "?next=" + url.QueryEscape(next)
		}
	}
	return m.web.Render(c, status, "auth/login", page)
}

func (m *Module) loginSubmit(c *fiber.Ctx) error {
	next := web.SafeRedirect(c.FormValue("next"), "")
	email := clip(strings.TrimSpace(c.FormValue("email")), 320)
	password := clip(c.FormValue("password"), 1024)
	f := web.NewForm(loginFields...)
	f.Set("email", email) // never the password
	if email == "" {
		f.Fail("email", m.web.T(c, "auth.page.login.email_required"))
	}
	if password == "" {
		f.Fail("password", m.web.T(c, "auth.page.login.password_required"))
	}
	if f.Invalid() {
		return m.renderLogin(c, fiber.StatusUnprocessableEntity, f, next)
	}
	ctx := c.UserContext()
	mt := meta(ctx)
	mt.KnownDevice = c.Cookies(deviceCookie)
	tok, _, err := m.svc.Login(ctx, email, password, mt)
	if err != nil {
		var ae *apperr.Error
		status := fiber.StatusTooManyRequests
		switch {
		case errors.Is(err, apperr.Unauthenticated):
			// The same answer for an unknown e-mail and a wrong password.
			f.Message = m.web.T(c, "auth.invalid_credentials")
			f.Focus("password")
			return m.renderLogin(c, fiber.StatusUnauthorized, f, next)
		case errors.Is(err, apperr.Unavailable) && errors.As(err, &ae):
			status = fiber.StatusServiceUnavailable // too many sign-ins at once: try again shortly
			fallthrough
		case errors.Is(err, apperr.RateLimited) && errors.As(err, &ae):
			f.Message = m.web.T(c, ae.Msg, "Minutes", ae.Data["Minutes"])
			if secs := int(ae.RetryAfter.Seconds() + 0.999); secs > 0 {
				c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
			}
			return m.renderLogin(c, status, f, next)
		}
		return err
	}
	setCookies(c, m.cookies(tok))
	return c.Redirect(web.SafeRedirect(next, "/"), fiber.StatusSeeOther)
}

// logoutSubmit ends the session. It also works when the access token has
// expired (the page showed the user signed in, the tab then slept): the
// session it names is still ended. Without any session cookie it only
// clears cookies (session.js uses it to drop dead ones).
func (m *Module) logoutSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ended := false
	if p := authz.PrincipalFrom(ctx); p != nil {
		if err := m.svc.Logout(ctx, p); err != nil && !errors.Is(err, apperr.NotFound) {
			return err
		}
		ended = true
	} else if raw := c.Cookies(AccessCookie); raw != "" {
		if uid, sid, ok := m.expiredSession(raw); ok {
			if err := m.svc.revoke(ctx, uid, sid, "logout"); err == nil {
				ended = true
			} else if !errors.Is(err, apperr.NotFound) {
				return err
			}
		}
	}
	setCookies(c, m.ClearCookies())
	if ended {
		web.SetFlash(c, "success", m.web.T(c, "auth.page.logout.done"))
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// expiredSession reads the user and session of an access token whose only
// fault may be its age: signature, issuer, audience and type are checked,
// expiry is not. Only logout uses it (ending a session is harmless).
func (m *Module) expiredSession(raw string) (int64, string, bool) {
	s := m.svc.signer
	c := &claims{}
	_, err := jwt.ParseWithClaims(raw, c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := s.keys[kid]
		if !ok {
			return nil, errTokenInvalid
		}
		return key, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	if err != nil || c.Issuer != s.issuer || c.Typ != typAccess || c.Sid == "" {
		return 0, "", false
	}
	audOK := false
	for _, a := range c.Audience {
		audOK = audOK || a == audience
	}
	uid, err := strconv.ParseInt(c.Subject, 10, 64)
	if !audOK || err != nil || uid <= 0 {
		return 0, "", false
	}
	return uid, c.Sid, true
}

// markSession tells the page layout about the request's sign-in session
// (web.SessionHint): how long the access token has left, or that it has
// expired and a refresh may bring the session back. Authenticate calls it
// with the result of checking the token; only browser page requests that
// carry the access cookie (no Authorization header) are marked.
func (m *Module) markSession(c *fiber.Ctx, raw string, err error) {
	if raw == "" || httpx.IsAPI(c) || c.Get(fiber.HeaderAuthorization) != "" {
		return
	}
	var h web.SessionHint
	switch {
	case err == nil:
		cl, _, perr := m.svc.signer.parse(raw, typAccess)
		if perr != nil || cl.ExpiresAt == nil {
			return
		}
		h.ExpiresIn = cl.ExpiresAt.Sub(m.svc.clock.Now())
	case errors.Is(err, errTokenExpired):
		h.Stale = true
	default:
		return
	}
	c.SetUserContext(web.WithSessionHint(c.UserContext(), h))
}

// ---- signed-in devices -----------------------------------------------------

// sessionsView is the data of "auth/sessions".
type sessionsView struct {
	Sessions []sessionView
	Others   int // sessions other than the current one
	Days     int // a session ends this many days after its last use
}

// sessionView is one session as the page shows it.
type sessionView struct {
	SessionInfo
	Browser string // "Chrome", "Safari"… or ""
	OS      string // "Windows", "iOS"… or ""
	Mobile  bool
	Icon    string // Bootstrap Icons name
}

func (m *Module) sessionsPage(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	list, err := m.svc.List(c.UserContext(), p) // anonymous: Unauthenticated → /login?next=…
	if err != nil {
		return err
	}
	page := sessionsView{Days: int(m.svc.cfg.RefreshTTL.Hours() / 24)}
	for _, s := range list {
		v := sessionView{SessionInfo: s}
		v.Browser, v.OS, v.Mobile = describeAgent(s.UserAgent)
		v.Icon = "laptop"
		if v.Mobile {
			v.Icon = "phone"
		}
		if !s.Current {
			page.Others++
		}
		page.Sessions = append(page.Sessions, v)
	}
	// This device first, then the most recently used.
	slices.SortStableFunc(page.Sessions, func(a, b sessionView) int {
		switch {
		case a.Current == b.Current:
			return 0
		case a.Current:
			return -1
		}
		return 1
	})
	return m.web.Render(c, fiber.StatusOK, "auth/sessions", page)
}

func (m *Module) revokeSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	if p == nil {
		return apperr.ErrAuthRequired
	}
	sid := c.Params("id")
	if len(sid) > 64 {
		return apperr.New(apperr.NotFound, "auth.session_not_found", "auth.session_not_found")
	}
	if err := m.svc.RevokeSession(ctx, p, sid); err != nil {
		return err
	}
	if sid == p.SessionID {
		setCookies(c, m.ClearCookies())
		web.SetFlash(c, "success", m.web.T(c, "auth.page.logout.done"))
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	web.SetFlash(c, "success", m.web.T(c, "auth.page.sessions.revoked"))
	return c.Redirect("/me/sessions", fiber.StatusSeeOther)
}

func (m *Module) revokeOthersSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	list, err := m.svc.List(ctx, p)
	if err != nil {
		return err
	}
	n := 0
	for _, s := range list {
		if s.Current {
			continue
		}
		if err := m.svc.RevokeSession(ctx, p, s.ID); err != nil && !errors.Is(err, apperr.NotFound) {
			return err
		}
		n++
	}
	web.SetFlash(c, "success", m.web.T(c, "auth.page.sessions.revoked_others", "Count", n))
	return c.Redirect("/me/sessions", fiber.StatusSeeOther)
}

// describeAgent names the browser and system of a User-Agent, roughly: it
// is for recognising one's own devices, not for analytics.
func describeAgent(ua string) (browser, os string, mobile bool) {
	has := func(s string) bool { return strings.Contains(ua, s) }
	switch {
	case has("Edg/") || has("EdgA/") || has("EdgiOS/"):
		browser = "Edge"
	case has("Whale/"):
		browser = "Whale"
	case has("SamsungBrowser/"):
		browser = "Samsung Internet"
	case has("OPR/") || has("Opera"):
		browser = "Opera"
	case has("Firefox/") || has("FxiOS/"):
		browser = "Firefox"
	case has("Chrome/") || has("CriOS/") || has("Chromium/"):
		browser = "Chrome"
	case has("Safari/") && has("Version/"):
		browser = "Safari"
	case has("curl/"):
		browser = "curl"
	}
	switch {
	case has("iPhone") || has("iPad") || has("iPod"):
		os, mobile = "iOS", true
	case has("Android"):
		os, mobile = "Android", true
	case has("CrOS"):
		os = "ChromeOS"
	case has("Windows"):
		os = "Windows"
	case has("Mac OS X") || has("Macintosh"):
		os = "macOS"
	case has("Linux"):
		os = "Linux"
	}
	if has("Mobile") {
		mobile = true
	}
	return browser, os, mobile
}

// setCookies sets net/http cookies on a Fiber response.
func setCookies(c *fiber.Ctx, cks []http.Cookie) {
	for _, ck := range cks {
		fc := &fiber.Cookie{Name: ck.Name, Value: ck.Value, Path: ck.Path, Domain: ck.Domain, MaxAge: ck.MaxAge,
			Expires: ck.Expires, Secure: ck.Secure, HTTPOnly: ck.HttpOnly}
		switch ck.SameSite {
		case http.SameSiteStrictMode:
			fc.SameSite = fiber.CookieSameSiteStrictMode
		case http.SameSiteNoneMode:
			fc.SameSite = fiber.CookieSameSiteNoneMode
		default:
			fc.SameSite = fiber.CookieSameSiteLaxMode
		}
		if ck.MaxAge < 0 {
			fc.Expires = time.Unix(0, 0)
		}
		c.Cookie(fc)
	}
}

func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && s[max]&0xC0 == 0x80 {
		max--
	}
	return s[:max]
}
