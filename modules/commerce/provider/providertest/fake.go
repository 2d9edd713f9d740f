// Package providertest has in-process fakes of the payment services
// (KakaoPay in both API generations, Toss Payments) for tests of the
// clients and of commerce: httptest servers that follow the documented
// contracts — auth, fields, error envelopes, state — with knobs to make
// them slow, wrong or refusing. They are safe for concurrent use.
//
// Like the real services, a fake finishes a call its client gave up on
// (a timeout during ApproveDelay): the payment is approved, and a later
// lookup says so.
package providertest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Endpoints, as counted by Calls and named in Request.
const (
	EndpointReady   = "ready"   // KakaoPay's ready
	EndpointApprove = "approve" // KakaoPay's approve, Toss's confirm
	EndpointLookup  = "lookup"  // KakaoPay's order, Toss's GET payment
	EndpointCancel  = "cancel"
	EndpointPage    = "page" // the fake payment page (the browser's step)
)

// Outcomes of the fake payment page.
const (
	OutcomeApprove = "approve" // authorise, back to the approval (success) URL
	OutcomeCancel  = "cancel"  // the payer gives up: back to the cancel URL
	OutcomeFail    = "fail"    // the payment fails: back to the fail URL
)

// Request is one call a fake received.
type Request struct {
	Endpoint string
	Method   string
	Path     string
	Header   http.Header
	// Params are the body's fields (JSON or form), as strings.
	Params map[string]string
	Body   []byte
}

// knobs is what both fakes share: the lock over their state, the record of
// calls, and the knobs tests turn. C is the type of an error code (int for
// KakaoPay, string for Toss).
type knobs[C comparable] struct {
	mu            sync.Mutex
	calls         map[string]int
	requests      []Request
	failures      []C
	approveDelay  time.Duration
	approveAmount int64
	pageOutcome   string
	closed        chan struct{}
}

func newKnobs[C comparable]() knobs[C] {
	return knobs[C]{calls: map[string]int{}, pageOutcome: OutcomeApprove, closed: make(chan struct{})}
}

// ApproveDelay makes every later approval wait d before it is processed
// (to run into the client's timeout); the approval is still processed.
func (k *knobs[C]) ApproveDelay(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.approveDelay = d
}

// ApproveAmount makes later approvals charge n instead of the amount the
// payment was started with; 0 restores that.
func (k *knobs[C]) ApproveAmount(n int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.approveAmount = n
}

// FailNext makes the next API call (any endpoint but the page) fail with
// code and do nothing; calls queue up. A KakaoPay code < 0 (-780) and a
// Toss code ("PROVIDER_ERROR") are refusals in the service's envelope; a
// KakaoPay code ≥ 100 (503) or a Toss code of digits ("503") is that bare
// HTTP status.
func (k *knobs[C]) FailNext(code C) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failures = append(k.failures, code)
}

// PageOutcome sets what the fake payment page does when its URL does not
// say (?outcome=approve|cancel|fail); OutcomeApprove at first.
func (k *knobs[C]) PageOutcome(outcome string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pageOutcome = outcome
}

// Calls counts the calls an endpoint received, retries included.
func (k *knobs[C]) Calls(endpoint string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls[endpoint]
}

// Requests returns the calls received so far, in order.
func (k *knobs[C]) Requests() []Request {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Request(nil), k.requests...)
}

// record counts a call and keeps it.
func (k *knobs[C]) record(endpoint string, r *http.Request, params map[string]string, body []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls[endpoint]++
	k.requests = append(k.requests, Request{Endpoint: endpoint, Method: r.Method, Path: r.URL.Path,
		Header: r.Header.Clone(), Params: params, Body: body})
}

// takeFailure pops the next injected failure.
func (k *knobs[C]) takeFailure() (C, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var zero C
	if len(k.failures) == 0 {
		return zero, false
	}
	c := k.failures[0]
	k.failures = k.failures[1:]
	return c, true
}

// approval returns the delay and amount override for an approval.
func (k *knobs[C]) approval() (time.Duration, int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.approveDelay, k.approveAmount
}

// outcome is the page's outcome for a request.
func (k *knobs[C]) outcome(r *http.Request) string {
	if o := r.URL.Query().Get("outcome"); o != "" {
		return o
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pageOutcome
}

// sleep waits d, or until the fake closes (so that Close does not wait
// for a long delay).
func (k *knobs[C]) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-k.closed:
	}
}

// close ends the delays; registered with t.Cleanup after the server's
// Close, so it runs before it.
func (k *knobs[C]) close() { close(k.closed) }

// readBody reads a request body (bounded: tests may send anything).
func readBody(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	return b
}

// jsonParams decodes a JSON object's fields as strings (numbers as
// written); ok is false when the body is not one.
func jsonParams(body []byte) (map[string]string, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, raw := range m {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out[k] = s
			continue
		}
		out[k] = strings.TrimSpace(string(raw))
	}
	return out, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeStatus answers a bare HTTP status (an injected 5xx).
func writeStatus(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "<html><body>"+http.StatusText(status)+"</body></html>")
}

// digits returns n random decimal digits.
func digits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// token returns a random hex string of n bytes.
func token(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// withQuery adds key=value to a URL given by the client (its own query
// kept).
func withQuery(raw string, kv ...string) string {
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	var sb strings.Builder
	sb.WriteString(raw)
	for i := 0; i+1 < len(kv); i += 2 {
		sb.WriteString(sep)
		sb.WriteString(urlEscape(kv[i]))
		sb.WriteByte('=')
		sb.WriteString(urlEscape(kv[i+1]))
		sep = "&"
	}
	return sb.String()
}

func urlEscape(s string) string { return url.QueryEscape(s) }
