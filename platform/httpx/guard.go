package httpx

import (
	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// Guard is a huma operation middleware.
type Guard = func(ctx huma.Context, next func(huma.Context))

// Require returns a route-level guard: the caller's role must be allowed to
// do act on obj without any relation (rules with Rel authz.Any). Ownership
// and enrollment are checked by the service, in SQL. Anonymous callers get
// 401 with WWW-Authenticate; known callers 403.
func Require(api huma.API, en *authz.Enforcer, obj, act string) Guard {
	return func(ctx huma.Context, next func(huma.Context)) {
		if err := en.Check(authz.PrincipalFrom(ctx.Context()), obj, act, authz.None); err != nil {
			WriteError(api, ctx, err)
			return
		}
		next(ctx)
	}
}

// Authenticated returns a guard that only requires a signed-in caller.
func Authenticated(api huma.API) Guard {
	return func(ctx huma.Context, next func(huma.Context)) {
		if authz.PrincipalFrom(ctx.Context()) == nil {
			WriteError(api, ctx, apperr.ErrAuthRequired)
			return
		}
		next(ctx)
	}
}

// WriteError writes err as a problem document from a huma middleware.
func WriteError(api huma.API, ctx huma.Context, err error) {
	p := NewProblem(ctx.Context(), err)
	for k, vs := range p.GetHeaders() {
		for _, v := range vs {
			ctx.SetHeader(k, v)
		}
	}
	_ = huma.WriteErr(api, ctx, p.Status, p.Detail, p)
}

// RequirePage is the guard for server-rendered pages (plain Fiber routes).
func RequirePage(en *authz.Enforcer, obj, act string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := en.Check(authz.PrincipalFrom(c.UserContext()), obj, act, authz.None); err != nil {
			return err
		}
		return c.Next()
	}
}
