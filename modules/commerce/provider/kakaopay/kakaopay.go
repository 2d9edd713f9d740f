// Package kakaopay is the KakaoPay online single-payment client (단건 결제):
// ready → the payer authorises in Kakao's page → approve with the pg_token,
// order to look a payment up, cancel to refund. It speaks both API
// generations: the KakaoPay Developers API ("open", JSON, SECRET_KEY) and
// the older Kakao Developers one ("legacy", form-encoded, KakaoAK admin
// key); field names are the same in both.
//
// Retries (Config.Retries, with backoff) follow what a repeat can do:
//   - order (a lookup) is sent again after any failure with an unknown
//     outcome: a timeout, a reset, a 5xx;
//   - ready too: a repeated ready only registers another payment that no
//     one authorises, which expires unpaid;
//   - approve too: a tid is charged at most once, so a repeat of an
//     approve that went through is answered -702 (already approved), which
//     surfaces as provider.ErrAlreadyDone and commerce looks the payment up;
//     a timeout would otherwise leave the same question to the reconciler;
//   - cancel only when KakaoPay surely did not act (the request was never
//     sent whole, or a 429/503): a repeat after a cancel that went through
//     is refused, and that refusal is only recognised by a lookup.
//
// A refusal of a repeat that followed an attempt with an unknown outcome
// (a timeout, a 5xx) is reported as provider.ErrUnavailable unless it says
// "already done": it may concern the repeat only ("in progress").
package kakaopay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/internal/httpcall"
)

// API generations.
const (
	APIOpen   = "open"   // https://open-api.kakaopay.com, /online/v1/payment/…
	APILegacy = "legacy" // https://kapi.kakao.com, /v1/payment/…
)

// Default base URLs and the test merchant code.
const (
	DefaultOpenURL   = "https://open-api.kakaopay.com"
	DefaultLegacyURL = "https://kapi.kakao.com"
	TestCID          = "TC0ONETIME"
)

// Config configures a Client.
type Config struct {
	// API is the generation: APIOpen (default) or APILegacy.
	API string
	// BaseURL overrides the generation's host (a fake in tests).
	BaseURL string
	// SecretKey authenticates the open API (KakaoPay Developers' "Secret
	// key"; the dev key for TC0ONETIME).
	SecretKey string
	// AdminKey authenticates the legacy API (the Kakao app's admin key).
	AdminKey string
	// CID is the merchant code; default TestCID.
	CID string
	// CIDSecret is sent when set (some contracts require it).
	CIDSecret string
	// Timeout bounds each attempt of a call; default 10 s.
	Timeout time.Duration
	// Retries is how many times a call may be sent again (see the package
	// doc for which); default 2, negative for none.
	Retries int
	// Backoff is the first wait before a retry, doubled after each;
	// default 200 ms.
	Backoff time.Duration
	// HTTPClient sends the requests; default a plain http.Client.
	HTTPClient *http.Client
}

// Client is KakaoPay as a provider.Provider.
type Client struct {
	api       string
	base      string
	paths     string // "/online/v1/payment" or "/v1/payment"
	auth      string // the Authorization header
	cid       string
	cidSecret string
	call      *httpcall.Caller
}

var _ provider.Provider = (*Client)(nil)

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	c := &Client{cid: cfg.CID, cidSecret: cfg.CIDSecret}
	if c.cid == "" {
		c.cid = TestCID
	}
	var def, key string
	switch cfg.API {
	case APIOpen, "":
		c.api, def, c.paths, key, c.auth = APIOpen, DefaultOpenURL, "/online/v1/payment", cfg.SecretKey, "SECRET_KEY "+cfg.SecretKey
	case APILegacy:
		c.api, def, c.paths, key, c.auth = APILegacy, DefaultLegacyURL, "/v1/payment", cfg.AdminKey, "KakaoAK "+cfg.AdminKey
	default:
		return nil, fmt.Errorf("kakaopay: API %q is neither %q nor %q", cfg.API, APIOpen, APILegacy)
	}
	if key == "" {
		return nil, fmt.Errorf("kakaopay: the %s API needs a key (SecretKey for open, AdminKey for legacy)", c.api)
	}
	base, err := httpcall.BaseURL(cfg.BaseURL, def)
	if err != nil {
		return nil, fmt.Errorf("kakaopay: %w", err)
	}
	c.base = base
	c.call = httpcall.New(httpcall.Options{Provider: "kakaopay", Client: cfg.HTTPClient, Timeout: cfg.Timeout,
		Retries: cfg.Retries, Backoff: cfg.Backoff})
	return c, nil
}

// Name is "kakaopay".
func (c *Client) Name() string { return "kakaopay" }

// Ready registers the payment and returns its tid and Kakao's page.
func (c *Client) Ready(ctx context.Context, in provider.ReadyInput) (*provider.Ready, error) {
	p := c.params()
	p.set("partner_order_id", in.OrderID)
	p.set("partner_user_id", in.UserID)
	p.set("item_name", in.ItemName)
	p.setInt("quantity", int64(in.Quantity))
	p.setInt("total_amount", in.Amount)
	p.setInt("tax_free_amount", in.TaxFree)
	p.set("approval_url", in.ApprovalURL)
	p.set("cancel_url", in.CancelURL)
	p.set("fail_url", in.FailURL)
	body, err := c.post(ctx, "ready", p, httpcall.RetryUnknown)
	if err != nil {
		return nil, err
	}
	return decodeReady(body, in.Mobile)
}

// Approve charges the payment the payer authorised (tid + pg_token).
func (c *Client) Approve(ctx context.Context, in provider.ApproveInput) (*provider.Result, error) {
	p := c.params()
	p.set("tid", in.TID)
	p.set("partner_order_id", in.OrderID)
	p.set("partner_user_id", in.UserID)
	p.set("pg_token", in.Token)
	if in.Amount > 0 {
		p.setInt("total_amount", in.Amount)
	}
	body, err := c.post(ctx, "approve", p, httpcall.RetryUnknown)
	if err != nil {
		// -783: the state does not allow an approval; it is "already
		// done" only when the payment was in fact approved.
		return nil, c.doneWhen(ctx, err, "-783", in.TID, approvedOnce)
	}
	return decodePayment(body, provider.StatusPaid)
}

// Lookup asks for the payment's state (order). KakaoPay finds payments by
// tid only.
func (c *Client) Lookup(ctx context.Context, in provider.LookupInput) (*provider.Result, error) {
	if in.TID == "" {
		return nil, errors.New("kakaopay: a lookup needs the tid")
	}
	body, err := c.order(ctx, in.TID)
	if err != nil {
		return nil, err
	}
	return decodePayment(body, "")
}

// Cancel refunds in.Amount (the whole payment).
func (c *Client) Cancel(ctx context.Context, in provider.CancelInput) (*provider.Result, error) {
	p := c.params()
	p.set("tid", in.TID)
	p.setInt("cancel_amount", in.Amount)
	p.setInt("cancel_tax_free_amount", in.TaxFree)
	body, err := c.post(ctx, "cancel", p, httpcall.RetryUnsent)
	if err != nil {
		// -784 (state does not allow a cancel) and -710 (more than is
		// cancellable) are what a repeated full cancel meets.
		err = c.doneWhen(ctx, err, "-784", in.TID, cancelledFully)
		return nil, c.doneWhen(ctx, err, "-710", in.TID, cancelledFully)
	}
	return decodePayment(body, "")
}

func (c *Client) order(ctx context.Context, tid string) ([]byte, error) {
	p := c.params()
	p.set("tid", tid)
	return c.post(ctx, "order", p, httpcall.RetryUnknown)
}

// doneWhen marks a refusal with code as AlreadyDone when the payment's
// state, looked up, says the operation was done. A failed lookup leaves
// the refusal as it was.
func (c *Client) doneWhen(ctx context.Context, err error, code, tid string, done func(string) bool) error {
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Code != code || pe.AlreadyDone || tid == "" {
		return err
	}
	body, lerr := c.order(ctx, tid)
	if lerr != nil {
		return err
	}
	var o struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(body, &o) == nil && done(o.Status) {
		pe.AlreadyDone = true
	}
	return err
}

func approvedOnce(status string) bool {
	return status == "SUCCESS_PAYMENT" || status == "PART_CANCEL_PAYMENT" || status == "CANCEL_PAYMENT"
}

func cancelledFully(status string) bool { return status == "CANCEL_PAYMENT" }

// post sends one call in the generation's encoding and returns the body of
// a 2xx; a refusal is a *provider.Error.
func (c *Client) post(ctx context.Context, op string, p params, retry httpcall.Retry) ([]byte, error) {
	req := httpcall.Request{Method: http.MethodPost, URL: c.base + c.paths + "/" + op,
		Header: http.Header{"Authorization": {c.auth}}, Retry: retry}
	if c.api == APIOpen {
		req.Header.Set("Content-Type", "application/json")
		req.Body = p.json()
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
		req.Body = []byte(p.form())
	}
	resp, err := c.call.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.Status/100 != 2 {
		err := decodeError(resp.Status, resp.Body)
		if op != "order" {
			err = httpcall.Settle("kakaopay", resp, err)
		}
		return nil, err
	}
	return resp.Body, nil
}

// params are a request's fields, in their order, as strings or integers.
type params struct {
	keys []string
	vals map[string]any
}

func (c *Client) params() params {
	p := params{vals: map[string]any{}}
	p.set("cid", c.cid)
	if c.cidSecret != "" {
		p.set("cid_secret", c.cidSecret)
	}
	return p
}

func (p *params) set(k string, v any) {
	if _, ok := p.vals[k]; !ok {
		p.keys = append(p.keys, k)
	}
	p.vals[k] = v
}

func (p *params) setInt(k string, v int64) { p.set(k, v) }

func (p params) json() []byte {
	b, _ := json.Marshal(p.vals) // strings and int64s always encode
	return b
}

func (p params) form() string {
	var sb strings.Builder
	for i, k := range p.keys {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(url.QueryEscape(k))
		sb.WriteByte('=')
		switch v := p.vals[k].(type) {
		case int64:
			sb.WriteString(strconv.FormatInt(v, 10))
		default:
			sb.WriteString(url.QueryEscape(fmt.Sprint(v)))
		}
	}
	return sb.String()
}
