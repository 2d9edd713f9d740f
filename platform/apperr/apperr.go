// Package apperr holds the domain error vocabulary. Domain code returns (or
// wraps) these errors; platform/httpx turns them into RFC 9457 problem
// documents. Nothing here knows about HTTP beyond the status each kind implies.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind sentinels. Match with errors.Is(err, apperr.NotFound).
var (
	Invalid         = errors.New("invalid input")              // 422 (400 for unparseable input)
	Unauthenticated = errors.New("authentication required")    // 401
	Forbidden       = errors.New("forbidden")                  // 403
	NotFound        = errors.New("not found")                  // 404
	Conflict        = errors.New("conflict")                   // 409
	TooLarge        = errors.New("content too large")          // 413
	Unsupported     = errors.New("unsupported media type")     // 415
	RateLimited     = errors.New("rate limited")               // 429
	Unavailable     = errors.New("temporarily unavailable")    // 503
	Malformed       = errors.New("malformed request")          // 400
	Timeout         = errors.New("request processing timeout") // 503 (the request's deadline passed)
	// Stale is a write based on an old version of a row (If-Match that no
	// longer matches): 412.
	Stale = errors.New("precondition failed")
)

// ErrAuthRequired is the one "sign in first" error: a protected operation
// called without a valid token (401 with WWW-Authenticate for the API, a
// redirect to the sign-in page for pages). Errors are never mutated (With and
// Because copy), so sharing it is safe.
var ErrAuthRequired = New(Unauthenticated, "auth.required", "problem.unauthenticated")

// FieldError is one invalid input field. Location is path-like:
// "body.email", "query.page", "path.id".
type FieldError struct {
	Location string `json:"location,omitempty"`
	Message  string `json:"message"`
	Value    any    `json:"value,omitempty"`
}

// Error is a domain error with a stable machine code ("auth.invalid_credentials")
// and an optional message key for the human text. It wraps one of the kind
// sentinels so errors.Is works.
type Error struct {
	Kind   error          // one of the sentinels above
	Code   string         // stable machine code, e.g. "commerce.already_owned"
	Msg    string         // message id in the i18n catalogs, or plain text when no such id exists
	Data   map[string]any // template data for Msg
	Fields []FieldError   // for Invalid
	// RetryAfter is sent as Retry-After for RateLimited / Unavailable.
	RetryAfter time.Duration
	// Cause is an internal error kept for logs; it is never shown to clients.
	Cause error
}

func (e *Error) Error() string {
	s := e.Code
	if s == "" && e.Kind != nil {
		s = e.Kind.Error()
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap lets errors.Is match both the kind and the cause.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

// New returns an *Error of the given kind with a machine code and message id.
func New(kind error, code, msg string) *Error {
	return &Error{Kind: kind, Code: code, Msg: msg}
}

// With returns a copy of e with template data for its message.
func (e *Error) With(data map[string]any) *Error {
	c := *e
	c.Data = data
	return &c
}

// Because returns a copy of e that records an internal cause (logged, never shown).
func (e *Error) Because(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// Invalidf returns an Invalid error with field errors.
func InvalidFields(code string, fields ...FieldError) *Error {
	return &Error{Kind: Invalid, Code: code, Fields: fields}
}

// NotFoundf is a convenience for a NotFound with a formatted internal cause.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Kind: NotFound, Code: "not_found", Cause: fmt.Errorf(format, args...)}
}

// Limited returns a RateLimited error that asks the client to retry after d.
func Limited(code string, d time.Duration) *Error {
	return &Error{Kind: RateLimited, Code: code, RetryAfter: d}
}

// KindOf returns the sentinel kind of err, or nil for an unexpected error.
func KindOf(err error) error {
	for _, k := range []error{Invalid, Unauthenticated, Forbidden, NotFound, Conflict, TooLarge,
		Unsupported, RateLimited, Unavailable, Malformed, Timeout, Stale} {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}
