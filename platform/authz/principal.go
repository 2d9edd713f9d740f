package authz

import "context"

// Role is a user's role. The subject of every casbin decision is a role, never
// a user id, so creating users or enrolling students never touches casbin.
type Role string

// The roles of API.md. Anonymous is the role of a caller without a valid token.
const (
	Anonymous Role = "anonymous"
	Student   Role = "student"
	Tutor     Role = "tutor"
	Admin     Role = "admin"
)

// Roles lists every role, least privileged first.
var Roles = []Role{Anonymous, Student, Tutor, Admin}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case Anonymous, Student, Tutor, Admin:
		return true
	}
	return false
}

// Assignable reports whether r may be given to a user: a known role other
// than Anonymous, which only describes callers without a token.
func (r Role) Assignable() bool { return r.Valid() && r != Anonymous }

// Principal is the authenticated caller of a request, a job or a tool call.
// A nil *Principal means anonymous.
type Principal struct {
	UserID    int64
	Role      Role
	SessionID string // the server-side session (refresh family) the token belongs to
	TokenID   string // jti of the access token, for revocation on logout
}

// RoleOf returns p's role, or Anonymous for a nil principal.
func (p *Principal) RoleOf() Role {
	if p == nil || !p.Role.Valid() {
		return Anonymous
	}
	return p.Role
}

type principalKey struct{}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal stored in ctx, or nil (anonymous).
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
