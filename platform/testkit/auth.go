package testkit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
)

// PrincipalHeader carries a test principal ("role:user_id"). Only HeaderAuth
// reads it, and HeaderAuth is only ever wired by tests: the production app
// authenticates with tokens (the auth module).
const PrincipalHeader = "X-Weaverse-Test-Principal"

// EncodePrincipal renders p for PrincipalHeader.
func EncodePrincipal(p *authz.Principal) string {
	return fmt.Sprintf("%s:%d", p.Role, p.UserID)
}

// HeaderAuth is a test authenticator: it trusts PrincipalHeader. It lets the
// platform's guards and the golden matrix be tested before (and independently
// of) the real token authentication.
func HeaderAuth() fiber.Handler {
	return func(c *fiber.Ctx) error {
		v := c.Get(PrincipalHeader)
		if v == "" {
			return c.Next()
		}
		role, id, _ := strings.Cut(v, ":")
		uid, err := strconv.ParseInt(id, 10, 64)
		if err != nil || !authz.Role(role).Valid() {
			return fmt.Errorf("testkit: bad %s %q", PrincipalHeader, v)
		}
		p := &authz.Principal{UserID: uid, Role: authz.Role(role), SessionID: "test"}
		c.SetUserContext(authz.WithPrincipal(c.UserContext(), p))
		return c.Next()
	}
}

// Callers are the standard principals of the golden matrix: an anonymous
// caller, two students (so "another student's resource" can be expressed), a
// tutor and an admin. Tests that create real users map these names to them.
func Callers() map[string]*authz.Principal {
	return map[string]*authz.Principal{
		"anonymous":     nil,
		"student":       {UserID: 1001, Role: authz.Student},
		"other_student": {UserID: 1002, Role: authz.Student},
		"tutor":         {UserID: 2001, Role: authz.Tutor},
		"admin":         {UserID: 3001, Role: authz.Admin},
	}
}
