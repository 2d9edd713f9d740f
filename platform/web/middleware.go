package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/i18n"
)

const langCookie = "lang"

type webKey struct{}

// Middleware returns the middleware for every request (pages and /api):
//
//  1. language: ?lang=ko|en (remembered in the "lang" cookie for pages), then
//     the cookie, then Accept-Language; stored with i18n.WithLang in
//     c.UserContext() for templates and localized API problem details;
//  2. flash messages: the flash cookie is verified and made available to
//     Render (which shows and clears it) and SetFlash;
//  3. CSRF: unsafe methods are checked with net/http.CrossOriginProtection
//     (see checkCSRF). A refused request returns an error wrapping ErrCSRF
//     and nothing is written. Paths for which crossSiteOK returns true (a
//     payment webhook that authenticates its sender by signature) are not
//     checked; nil checks every path.
func (w *Web) Middleware(crossSiteOK func(path string) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(webKey{}, w)
		api := isAPI(c.Path())

		explicit := strings.ToLower(strings.TrimSpace(c.Query("lang")))
		cookie := c.Cookies(langCookie)
		lang := i18n.Negotiate(explicit, cookie, c.Get(fiber.HeaderAcceptLanguage))
		if (explicit == i18n.KO || explicit == i18n.EN) && explicit != cookie && !api {
			c.Cookie(w.cookie(langCookie, explicit, 365*24*3600))
		}
		c.SetUserContext(i18n.WithLang(c.UserContext(), lang))

		w.loadFlash(c)

		if crossSiteOK == nil || !crossSiteOK(c.Path()) {
			if err := w.checkCSRF(c, api); err != nil {
				return err
			}
		}
		return c.Next()
	}
}

func isAPI(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// checkCSRF refuses cross-origin unsafe requests made by browsers.
//
// net/http.CrossOriginProtection is stateless (no token, works across
// instances): it lets safe methods through, trusts Sec-Fetch-Site
// same-origin|none, otherwise compares Origin with Host (and the trusted
// BaseURL origin). A request with neither header passes: it comes from a
// non-browser client (curl, an SDK, a test), which holds no victim's cookies,
// or from a browser too old to send them — and our session cookies are
// SameSite=Lax, so such a browser does not attach them to a cross-site POST
// either. Together the two close CSRF without tokens in every form.
//
// Page routes are always checked. /api routes are checked only when the
// request has no Authorization header: a bearer token is not ambient
// authority (a cross-site page cannot make the browser attach it), so only
// cookie-authenticated API calls need the origin check.
func (w *Web) checkCSRF(c *fiber.Ctx, api bool) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return nil
	}
	if api && len(c.Request().Header.Peek(fiber.HeaderAuthorization)) > 0 {
		return nil
	}
	req := &http.Request{
		Method: c.Method(),
		URL:    &url.URL{Path: c.Path()},
		Host:   string(c.Request().Host()),
		Header: make(http.Header, 2),
	}
	if v := c.Get("Sec-Fetch-Site"); v != "" {
		req.Header.Set("Sec-Fetch-Site", v)
	}
	if v := c.Get(fiber.HeaderOrigin); v != "" {
		req.Header.Set(fiber.HeaderOrigin, v)
	}
	if err := w.csrf.Check(req); err != nil {
		return fmt.Errorf("%w: %v", ErrCSRF, err)
	}
	return nil
}

// cookie builds one of our cookies: HttpOnly, SameSite=Lax, Secure outside
// Dev (unless BaseURL is plain http). maxAge < 0 deletes it.
func (w *Web) cookie(name, value string, maxAge int) *fiber.Cookie {
	ck := &fiber.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HTTPOnly: true,
		Secure:   w.secure,
		SameSite: fiber.CookieSameSiteLaxMode,
	}
	if maxAge < 0 {
		ck.Value = ""
		ck.MaxAge = -1
	}
	return ck
}
