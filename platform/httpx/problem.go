// Package httpx is the HTTP plumbing shared by every module: RFC 9457 problem
// documents for every error (never an internal error's text), the huma API
// configuration, request ids, access logs, timeouts, security headers,
// metrics, route guards and paging.
package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/i18n"
)

// ProblemContentType is the media type of problem documents.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem document with Weaverse's extensions: a stable
// machine `code`, the `request_id` to quote to support, and field `errors`.
type Problem struct {
	Type      string              `json:"type" doc:"A URI reference that identifies the problem type." example:"about:blank"`
	Title     string              `json:"title" doc:"A short summary of the problem type (the HTTP status text)." example:"Unprocessable Entity"`
	Status    int                 `json:"status" doc:"The HTTP status code." example:"422"`
	Detail    string              `json:"detail,omitempty" doc:"Human text about this occurrence, in the request's language (Accept-Language: ko or en)." example:"입력값을 확인해 주세요."`
	Code      string              `json:"code" doc:"A stable machine-readable code." example:"request.validation"`
	Instance  string              `json:"instance,omitempty" doc:"The request path." example:"/api/courses"`
	RequestID string              `json:"request_id,omitempty" doc:"The request id, also in the X-Request-ID header." example:"01J9Z6Q2X4K3"`
	Errors    []*huma.ErrorDetail `json:"errors,omitempty" doc:"Individual problems with the input, each with its location (e.g. body.email) and a message in the request's language."`

	headers http.Header
}

func (p *Problem) Error() string { return p.Detail }

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// GetHeaders implements huma.HeadersError (WWW-Authenticate, Retry-After).
func (p *Problem) GetHeaders() http.Header { return p.headers }

// ContentType implements huma.ContentTypeFilter.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return ProblemContentType
	}
	if ct == "application/cbor" {
		return "application/problem+cbor"
	}
	return ct
}

// ProblemType returns the type URI of a code.
func ProblemType(code string) string {
	if code == "" {
		return "about:blank"
	}
	return "urn:weaverse:problem:" + code
}

// statusOf maps an apperr kind to its HTTP status and default code.
func statusOf(kind error) (int, string) {
	switch kind {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity, "request.validation"
	case apperr.Malformed:
		return http.StatusBadRequest, "request.invalid"
	case apperr.Unauthenticated:
		return http.StatusUnauthorized, "unauthenticated"
	case apperr.Forbidden:
		return http.StatusForbidden, "forbidden"
	case apperr.NotFound:
		return http.StatusNotFound, "not_found"
	case apperr.Conflict:
		return http.StatusConflict, "conflict"
	case apperr.Stale:
		return http.StatusPreconditionFailed, "precondition_failed"
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge, "request.too_large"
	case apperr.Unsupported:
		return http.StatusUnsupportedMediaType, "request.unsupported_media_type"
	case apperr.RateLimited:
		return http.StatusTooManyRequests, "rate_limited"
	case apperr.Unavailable:
		return http.StatusServiceUnavailable, "unavailable"
	case apperr.Timeout:
		return http.StatusServiceUnavailable, "request.timeout"
	}
	return http.StatusInternalServerError, "internal"
}

// defaultCode is the code used for a bare HTTP status.
func defaultCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "request.invalid"
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "route.method_not_allowed"
	case http.StatusNotAcceptable:
		return "request.not_acceptable"
	case http.StatusRequestTimeout:
		return "request.timeout"
	case http.StatusConflict:
		return "conflict"
	case http.StatusPreconditionFailed:
		return "precondition_failed"
	case http.StatusRequestEntityTooLarge:
		return "request.too_large"
	case http.StatusUnsupportedMediaType:
		return "request.unsupported_media_type"
	case http.StatusUnprocessableEntity:
		return "request.validation"
	case http.StatusRequestURITooLong:
		return "request.uri_too_long"
	case http.StatusRequestHeaderFieldsTooLarge:
		return "request.headers_too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "request.invalid"
}

// reqEnv is what the problem converter needs from a request: set on the
// request context by the Env middleware so that huma's package-level error
// hook stays free of process state (tests build many apps in parallel).
type reqEnv struct {
	logger    *slog.Logger
	i18n      *i18n.Bundle
	requestID string
	path      string
	query     string
	ip        string
	userAgent string
}

type envKey struct{}

func envFrom(ctx context.Context) *reqEnv {
	if ctx != nil {
		if e, ok := ctx.Value(envKey{}).(*reqEnv); ok {
			return e
		}
	}
	return &reqEnv{logger: slog.Default()}
}

// RequestIDFrom returns the request id of ctx ("" outside a request).
func RequestIDFrom(ctx context.Context) string { return envFrom(ctx).requestID }

// ClientIPFrom returns the client address of the request (behind trusted
// proxies, the forwarded one).
func ClientIPFrom(ctx context.Context) string { return envFrom(ctx).ip }

// UserAgentFrom returns the request's User-Agent, truncated to 256 bytes.
func UserAgentFrom(ctx context.Context) string { return envFrom(ctx).userAgent }

// NewProblem builds the problem for err in the request's language. Unexpected
// errors (no apperr kind, not a *Problem) become a generic 500 and are logged
// with the request id; their text is never sent.
func NewProblem(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	env := envFrom(ctx)
	lang := i18n.LangFrom(ctx)
	kind := apperr.KindOf(err)
	if kind == nil {
		if errors.Is(err, context.DeadlineExceeded) {
			kind = apperr.Timeout
		} else {
			if !errors.Is(err, errPanic) {
				env.logger.ErrorContext(ctx, "unexpected error", "err", err, "request_id", env.requestID, "path", env.path)
			}
			return env.problem(lang, http.StatusInternalServerError, "internal", "problem.internal", nil)
		}
	}
	status, code := statusOf(kind)
	msgID := "problem." + code
	var data map[string]any
	var fields []apperr.FieldError
	var retry int
	var ae *apperr.Error
	if errors.As(err, &ae) {
		if ae.Code != "" {
			code = ae.Code
		}
		if ae.Msg != "" {
			msgID = ae.Msg
		}
		data, fields = ae.Data, ae.Fields
		retry = int((ae.RetryAfter.Seconds()) + 0.999)
		if ae.Cause != nil && status >= 500 {
			env.logger.WarnContext(ctx, "service problem", "code", code, "err", ae.Cause, "request_id", env.requestID)
		}
	}
	p = env.problem(lang, status, code, msgID, data)
	for _, f := range fields {
		msg := f.Message
		// A message id may carry one parameter: "catalog.too_long:200".
		id, param, _ := strings.Cut(msg, ":")
		if env.i18n != nil && env.i18n.Has(id) {
			msg = env.i18n.T(lang, id, map[string]any{"Param": param})
		}
		p.Errors = append(p.Errors, scrub(&huma.ErrorDetail{Location: f.Location, Message: msg, Value: f.Value}))
	}
	if retry > 0 {
		p.header("Retry-After", strconv.Itoa(retry))
	}
	return p
}

// StatusProblem builds a problem for a bare HTTP status (unknown route,
// method not allowed, body too large…).
func StatusProblem(ctx context.Context, status int, code string) *Problem {
	if code == "" {
		code = defaultCode(status)
	}
	return envFrom(ctx).problem(i18n.LangFrom(ctx), status, code, "problem."+code, nil)
}

func (env *reqEnv) problem(lang string, status int, code, msgID string, data map[string]any) *Problem {
	detail := msgID
	if env.i18n != nil {
		if env.i18n.Has(msgID) {
			detail = env.i18n.T(lang, msgID, data)
		} else if env.i18n.Has("problem." + defaultCode(status)) {
			// An unknown message id is a programming slip: fall back to
			// the status's generic text rather than showing the id.
			detail = env.i18n.T(lang, "problem."+defaultCode(status), nil)
		}
	}
	p := &Problem{
		Type:      ProblemType(code),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		Code:      code,
		Instance:  env.path,
		RequestID: env.requestID,
	}
	if status == http.StatusUnauthorized {
		p.header("WWW-Authenticate", `Bearer realm="weaverse"`)
	}
	return p
}

func (p *Problem) header(k, v string) {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	p.headers.Set(k, v)
}

var installHuma sync.Once

// installHumaErrors points huma's error constructors at Problem, once per
// process. The hooks read the logger and catalogs from the request context,
// so they hold no state of their own.
func installHumaErrors() {
	installHuma.Do(func() {
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			if hctx == nil {
				return humaProblem(context.Background(), status, msg, errs)
			}
			p := humaProblem(hctx.Context(), status, msg, errs)
			// huma applies headers only from errors the handler returned
			// itself; a domain error converted here sets its own.
			for k, vs := range p.GetHeaders() {
				for _, v := range vs {
					hctx.SetHeader(k, v)
				}
			}
			return p
		}
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return humaProblem(context.Background(), status, msg, errs)
		}
	})
}

func humaProblem(ctx context.Context, status int, msg string, errs []error) *Problem {
	for _, e := range errs {
		var p *Problem
		if errors.As(e, &p) {
			return p
		}
	}
	if status >= 500 || status == 0 {
		// A handler returned a plain error: huma wraps it as a 500. It may
		// still be a domain error (apperr) or a Problem of ours.
		var err error
		for _, e := range errs {
			if e != nil {
				err = errors.Join(err, e)
			}
		}
		if err == nil {
			err = errors.New(msg)
		}
		if status == 0 { // huma's example error for the OpenAPI schema
			return &Problem{Type: "about:blank", Title: "Error", Status: 0}
		}
		return NewProblem(ctx, err)
	}
	code := defaultCode(status)
	p := StatusProblem(ctx, status, code)
	env, lang := envFrom(ctx), i18n.LangFrom(ctx)
	for _, e := range errs {
		if e == nil {
			continue
		}
		var d huma.ErrorDetailer
		if errors.As(e, &d) {
			ed := scrub(d.ErrorDetail())
			ed.Message = env.humaMessage(lang, ed.Location, ed.Message)
			p.Errors = append(p.Errors, ed)
		} else {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: env.humaMessage(lang, "", e.Error())})
		}
	}
	if status == http.StatusBadRequest || status == http.StatusUnprocessableEntity {
		// huma's own validation messages are English: each is put in the
		// request's language by its kind (humamsg.go), its location kept.
		if len(p.Errors) == 0 && msg != "" {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: env.humaMessage(lang, "", msg)})
		}
	}
	if strings.TrimSpace(p.Detail) == "" {
		p.Detail = msg
	}
	return p
}

// scrub keeps an echoed input value only when it is a short scalar of a
// field that is not a secret: huma echoes whole objects for unexpected
// properties, and the whole request body when it is not valid JSON, which
// would send passwords back (and into proxies' logs).
func scrub(d *huma.ErrorDetail) *huma.ErrorDetail {
	out := *d
	loc := strings.ToLower(out.Location)
	if loc == "" || loc == "body" {
		// The value of the whole body (a parse error): never echoed.
		out.Value = nil
	}
	switch v := out.Value.(type) {
	case string:
		if len(v) > 200 {
			out.Value = nil
		}
	case bool, float64, int, int64, nil:
	default:
		out.Value = nil
	}
	// Parts of a location whose values are never echoed: password,
	// password_confirm, old_password, new_password, token, refresh_token,
	// secret, phone, code (reset and verification codes), keys…
	for _, secret := range []string{"password", "token", "secret", "phone", "code", "key", "otp"} {
		if strings.Contains(loc, secret) {
			out.Value = nil
		}
	}
	return &out
}
