package httpx

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// cookieKey holds the request's cookie writer in its context.
type cookieKey struct{}

// withCookieWriter lets handlers that only see a context (huma operations)
// set cookies on the response. (Setting "Set-Cookie" as a header through
// huma joins several cookies into one header line, which browsers misread.)
func withCookieWriter(ctx context.Context, c *fiber.Ctx) context.Context {
	return context.WithValue(ctx, cookieKey{}, c)
}

// SetCookie adds a cookie to the response of the request behind ctx. It
// reports false outside a request.
func SetCookie(ctx context.Context, ck *http.Cookie) bool {
	c, ok := ctx.Value(cookieKey{}).(*fiber.Ctx)
	if !ok {
		return false
	}
	c.Cookie(FiberCookie(ck))
	return true
}

// FiberCookie converts a net/http cookie to Fiber's.
func FiberCookie(ck *http.Cookie) *fiber.Cookie {
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
		// Fiber deletes a cookie with MaxAge -1 and an expiry in the past.
		fc.MaxAge = -1
		fc.Expires = time.Unix(0, 0)
	}
	return fc
}
