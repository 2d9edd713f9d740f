package web

import (
	"context"
	"time"
)

// SessionHint tells the layout about the browser's sign-in session, so that
// the page script (static/js/session.js) can keep it alive without a visible
// sign-out:
//
//   - Stale: the request carried an access cookie whose token has expired
//     (the refresh token, in its own cookie, may still be good). The page is
//     rendered for an anonymous visitor and marked data-session="stale"; the
//     script calls POST /api/refresh once and reloads the page on success.
//   - ExpiresIn: the caller is signed in and the access token expires in this
//     long. The page is marked data-session="active" with
//     data-session-expires-in (seconds); the script refreshes a minute before.
//
// The authentication middleware sets it with WithSessionHint; Render reads it.
type SessionHint struct {
	Stale     bool
	ExpiresIn time.Duration
}

type sessionHintKey struct{}

// WithSessionHint stores h in ctx (set it on c.UserContext() before the
// handler renders).
func WithSessionHint(ctx context.Context, h SessionHint) context.Context {
	return context.WithValue(ctx, sessionHintKey{}, h)
}

// SessionHintFrom returns the hint stored in ctx (zero if none).
func SessionHintFrom(ctx context.Context) SessionHint {
	h, _ := ctx.Value(sessionHintKey{}).(SessionHint)
	return h
}

// SessionState is the value of <body data-session>: "active" for a signed-in
// page, "stale" for an anonymous page whose access cookie has expired, ""
// otherwise.
func (v *View) SessionState() string {
	switch {
	case v.SignedIn():
		return "active"
	case v.Session.Stale:
		return "stale"
	}
	return ""
}

// SessionExpiresIn is the access token's remaining lifetime in whole seconds
// for a signed-in page (0 when unknown).
func (v *View) SessionExpiresIn() int {
	if !v.SignedIn() || v.Session.ExpiresIn <= 0 {
		return 0
	}
	return int(v.Session.ExpiresIn / time.Second)
}
