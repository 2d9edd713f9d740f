package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
)

// Client sends requests to an in-process Fiber app (no network).
type Client struct {
	t         testing.TB
	app       *fiber.App
	principal *authz.Principal
	header    http.Header
	openapi   *APIValidator
}

// NewClient returns a client of app.
func NewClient(t testing.TB, app *fiber.App) *Client {
	return &Client{t: t, app: app, header: http.Header{}}
}

// As returns a client that calls as p (nil: anonymous), through the
// PrincipalHeader understood by HeaderAuth.
func (c *Client) As(p *authz.Principal) *Client {
	cp := *c
	cp.principal = p
	return &cp
}

// WithHeader returns a client that adds a header to every request.
func (c *Client) WithHeader(k, v string) *Client {
	cp := *c
	cp.header = c.header.Clone()
	cp.header.Set(k, v)
	return &cp
}

// ValidatedBy returns a client that checks every response to an /api/ path
// against v (see APIValidator.Validate): a response the OpenAPI document
// does not describe fails the test.
func (c *Client) ValidatedBy(v *APIValidator) *Client {
	cp := *c
	cp.openapi = v
	return &cp
}

// Response is a buffered response.
type Response struct {
	*http.Response
	Body []byte
	t    testing.TB
}

// Do sends req and buffers the response.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c.principal != nil {
		req.Header.Set(PrincipalHeader, EncodePrincipal(c.principal))
	}
	resp, err := c.app.Test(req, -1)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	if c.openapi != nil {
		for _, v := range c.openapi.Validate(req, resp.StatusCode, resp.Header, body) {
			c.t.Errorf("%s %s: %d response drifts from the OpenAPI document: %s\n\tbody: %s",
				req.Method, req.URL, resp.StatusCode, v, truncate(body))
		}
	}
	return &Response{Response: resp, Body: body, t: c.t}
}

// Request sends a request with an optional body: a string or []byte is sent
// as is, anything else as JSON.
func (c *Client) Request(method, path string, body any, headers ...string) *Response {
	c.t.Helper()
	var r io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(data)
		ct = "application/json"
	}
	req := httptest.NewRequest(method, path, r)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.Do(req)
}

// Get is Request(GET, path, nil, headers...).
func (c *Client) Get(path string, headers ...string) *Response {
	c.t.Helper()
	return c.Request(http.MethodGet, path, nil, headers...)
}

// Status fails the test unless the response has status want.
func (r *Response) Status(want int) *Response {
	r.t.Helper()
	if r.StatusCode != want {
		r.t.Fatalf("%s %s: status %d, want %d; body: %s", r.Request.Method, r.Request.URL, r.StatusCode, want, truncate(r.Body))
	}
	return r
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) *Response {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %s: %v; body: %s", r.Request.URL, err, truncate(r.Body))
	}
	return r
}

// Map decodes the body as a JSON object.
func (r *Response) Map() map[string]any {
	r.t.Helper()
	var m map[string]any
	r.JSON(&m)
	return m
}

// Contains fails unless the body contains every s.
func (r *Response) Contains(ss ...string) *Response {
	r.t.Helper()
	for _, s := range ss {
		if !bytes.Contains(r.Body, []byte(s)) {
			r.t.Fatalf("%s: body lacks %q: %s", r.Request.URL, s, truncate(r.Body))
		}
	}
	return r
}

// InOrder fails unless the body contains every s, each after the one
// before it.
func (r *Response) InOrder(ss ...string) *Response {
	r.t.Helper()
	at := 0
	for _, s := range ss {
		i := bytes.Index(r.Body[at:], []byte(s))
		if i < 0 {
			r.t.Fatalf("%s: body lacks %q after offset %d: %s", r.Request.URL, s, at, truncate(r.Body))
		}
		at += i + len(s)
	}
	return r
}

// NotContains fails if the body contains any s.
func (r *Response) NotContains(ss ...string) *Response {
	r.t.Helper()
	for _, s := range ss {
		if bytes.Contains(r.Body, []byte(s)) {
			r.t.Fatalf("%s: body contains %q: %s", r.Request.URL, s, truncate(r.Body))
		}
	}
	return r
}

// Problem decodes an RFC 9457 body and checks its status and code (code ""
// skips the code check).
func (r *Response) Problem(status int, code string) map[string]any {
	r.t.Helper()
	r.Status(status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		r.t.Fatalf("%s: content type %q, want application/problem+json; body: %s", r.Request.URL, ct, truncate(r.Body))
	}
	m := r.Map()
	if got, _ := m["status"].(float64); int(got) != status {
		r.t.Fatalf("problem status %v, want %d", m["status"], status)
	}
	if code != "" && m["code"] != code {
		r.t.Fatalf("problem code %v, want %s; body: %s", m["code"], code, truncate(r.Body))
	}
	for _, k := range []string{"type", "title", "detail", "code"} {
		if s, _ := m[k].(string); s == "" {
			r.t.Fatalf("problem lacks %q: %s", k, truncate(r.Body))
		}
	}
	return m
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…(" + strconv.Itoa(len(b)) + " bytes)"
	}
	return string(b)
}
