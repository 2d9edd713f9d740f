// Package httpcall is the HTTP plumbing the payment clients share: a
// timeout per attempt, bounded retries with backoff, and the one rule that
// says when a call to a payment service may be sent again.
package httpcall

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
)

// Defaults of Options.
const (
	DefaultTimeout = 10 * time.Second
	DefaultRetries = 2
	DefaultBackoff = 200 * time.Millisecond
	// maxBody bounds what is read of a response: the bytes are untrusted.
	maxBody = 1 << 20
	// maxBackoff caps one wait between attempts.
	maxBackoff = 5 * time.Second
)

// Retry says when a call may be sent again.
type Retry int

const (
	// RetryUnsent sends a call again only when the service surely did not
	// act on it: the request never left whole (a refused connection, a
	// failed dial or write), or the service answered 429 or 503, which
	// refuse work before doing it.
	RetryUnsent Retry = iota
	// RetryUnknown also sends it again when the outcome is unknown (a
	// timeout, a reset after sending, another 5xx): for calls whose repeat
	// does no harm (lookups, calls the service makes idempotent).
	RetryUnknown
)

// Options configure a Caller. Zero values take the defaults; Retries < 0
// means no retry.
type Options struct {
	Provider string // the name in errors
	Client   *http.Client
	Timeout  time.Duration // per attempt
	Retries  int           // attempts after the first
	Backoff  time.Duration // the first wait, doubled after each attempt
}

// Caller sends requests to one payment service.
type Caller struct {
	provider string
	client   *http.Client
	timeout  time.Duration
	retries  int
	backoff  time.Duration
}

// New returns a Caller with o's defaults filled in.
func New(o Options) *Caller {
	c := &Caller{provider: o.Provider, client: o.Client, timeout: o.Timeout, retries: o.Retries, backoff: o.Backoff}
	if c.client == nil {
		c.client = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.backoff <= 0 {
		c.backoff = DefaultBackoff
	}
	return c
}

// Request is one call.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	Retry  Retry
}

// Response is a service's answer below 500 (but 503 and 429): the caller
// decodes it, success or refusal.
type Response struct {
	Status int
	Body   []byte
	// AfterUnknown says an earlier attempt of the call may have done its
	// work (sent whole, then no answer or a 5xx): a refusal now may speak
	// of the repeat only (see Settle).
	AfterUnknown bool
}

// Do sends r, again as r.Retry allows. Any failure whose outcome is
// unknown — a transport error, a timeout, a 5xx, a 429 after the retries,
// the caller's context ending — wraps provider.ErrUnavailable.
func (c *Caller) Do(ctx context.Context, r Request) (*Response, error) {
	unknown := false
	for attempt := 0; ; attempt++ {
		resp, sent, err := c.once(ctx, r)
		again, final := c.judge(r, resp, sent, err)
		if !again || attempt >= c.retries {
			if resp != nil {
				resp.AfterUnknown = unknown
			}
			return resp, final
		}
		unknown = unknown || mayHaveWorked(resp, sent)
		if ctx.Err() != nil || !sleep(ctx, c.wait(attempt)) {
			return nil, fmt.Errorf("%w: %s: %w", provider.ErrUnavailable, c.provider, ctx.Err())
		}
	}
}

// mayHaveWorked says an attempt that is sent again may have done its work
// (429 and 503 refuse before working).
func mayHaveWorked(resp *Response, sent bool) bool {
	if resp == nil {
		return sent
	}
	return resp.Status >= 500 && resp.Status != http.StatusServiceUnavailable
}

// Settle keeps a refusal only when it says what became of the call: after
// an attempt with an unknown outcome, a refusal that is not "already
// done" (say, "in progress") may concern the repeat alone, so the outcome
// stays unknown. Lookups need not settle: they change nothing.
func Settle(name string, resp *Response, refusal error) error {
	var pe *provider.Error
	if !resp.AfterUnknown || !errors.As(refusal, &pe) || pe.AlreadyDone {
		return refusal
	}
	return fmt.Errorf("%w: %s: a repeat after an attempt with an unknown outcome was refused (%v)",
		provider.ErrUnavailable, name, refusal)
}

// judge says whether an attempt may be repeated, and what it amounts to
// when it is the last.
func (c *Caller) judge(r Request, resp *Response, sent bool, err error) (again bool, final error) {
	if err != nil {
		final = fmt.Errorf("%w: %s %s: %w", provider.ErrUnavailable, c.provider, pathOf(r.URL), err)
		return !sent || r.Retry == RetryUnknown, final
	}
	switch {
	case resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable:
		again = true
	case resp.Status >= 500:
		again = r.Retry == RetryUnknown
	default:
		return false, nil
	}
	return again, fmt.Errorf("%w: %s %s: HTTP %d: %s", provider.ErrUnavailable, c.provider, pathOf(r.URL),
		resp.Status, Clip(resp.Body))
}

// once sends one attempt under its own timeout. sent says the whole
// request was written: before that, the service cannot have acted on it.
func (c *Caller) once(ctx context.Context, r Request) (resp *Response, sent bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) },
	})
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bodyOf(r.Body))
	if err != nil {
		return nil, false, err
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	res, err := c.client.Do(req)
	if err != nil {
		return nil, wrote.Load(), err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, true, fmt.Errorf("reading the response: %w", err)
	}
	return &Response{Status: res.StatusCode, Body: body}, true, nil
}

func bodyOf(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

// wait is the pause before attempt+1: exponential, with jitter so that
// many instances do not retry in step.
func (c *Caller) wait(attempt int) time.Duration {
	d := c.backoff << attempt
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return raw
}

// Clip shortens an untrusted body for an error message.
func Clip(b []byte) string {
	const max = 200
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// BaseURL checks a configured base URL (def when empty) and returns it
// without a trailing slash.
func BaseURL(raw, def string) (string, error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base URL %q is not an http(s) URL", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// NewKey returns a random idempotency key (32 hex digits).
func NewKey() string {
	var b [16]byte
	_, _ = cryptorand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Unreadable is a 2xx whose body cannot be read (err) or lacks what the
// call answers (err nil): the call may have done its work, so its outcome
// is unknown.
func Unreadable(name string, body []byte, err error) error {
	if err == nil {
		return fmt.Errorf("%w: %s: an answer without the expected fields: %s", provider.ErrUnavailable, name, Clip(body))
	}
	return fmt.Errorf("%w: %s: an unreadable answer (%v): %s", provider.ErrUnavailable, name, err, Clip(body))
}

// NotARefusal is an error status whose body is not the service's error
// envelope (a proxy's page): what happened is unknown.
func NotARefusal(name string, status int, body []byte) error {
	return fmt.Errorf("%w: %s: HTTP %d without an error code: %s", provider.ErrUnavailable, name, status, Clip(body))
}
