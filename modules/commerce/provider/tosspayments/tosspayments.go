// Package tosspayments is the Toss Payments client: the browser SDK
// authorises a payment (our page starts it; Ready calls nothing), then the
// server confirms it (Approve), looks it up, or cancels it.
//
// Confirm and cancel carry an Idempotency-Key (the input's, or a random
// one per call): Toss answers a repeat with the first answer, so both are
// sent again after a timeout or a 5xx like the lookups (Config.Retries,
// with backoff). A refusal of such a repeat is reported as
// provider.ErrUnavailable unless it says "already done": it may concern
// the repeat only (the first still in progress).
package tosspayments

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/internal/httpcall"
)

// DefaultBaseURL is Toss Payments' API.
const DefaultBaseURL = "https://api.tosspayments.com"

// defaultCancelReason is sent when a cancel gives none (Toss requires one).
const defaultCancelReason = "주문 취소"

// Config configures a Client.
type Config struct {
	// BaseURL overrides DefaultBaseURL (a fake in tests).
	BaseURL string
	// SecretKey authenticates the server ("test_sk_…", "live_sk_…").
	SecretKey string
	// ClientKey is the browser SDK's key ("test_ck_…"), handed to our
	// checkout page by ClientKey.
	ClientKey string
	// Timeout bounds each attempt of a call; default 10 s.
	Timeout time.Duration
	// Retries is how many times a call may be sent again; default 2,
	// negative for none.
	Retries int
	// Backoff is the first wait before a retry, doubled after each;
	// default 200 ms.
	Backoff time.Duration
	// HTTPClient sends the requests; default a plain http.Client.
	HTTPClient *http.Client
}

// Client is Toss Payments as a provider.Provider.
type Client struct {
	base      string
	auth      string
	clientKey string
	call      *httpcall.Caller
}

var _ provider.Provider = (*Client)(nil)

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("tosspayments: no SecretKey configured")
	}
	base, err := httpcall.BaseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, fmt.Errorf("tosspayments: %w", err)
	}
	return &Client{
		base: base,
		// Basic auth with the secret key as the user and no password:
		// the colon is required.
		auth:      "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.SecretKey+":")),
		clientKey: cfg.ClientKey,
		call: httpcall.New(httpcall.Options{Provider: "tosspayments", Client: cfg.HTTPClient, Timeout: cfg.Timeout,
			Retries: cfg.Retries, Backoff: cfg.Backoff}),
	}, nil
}

// Name is "tosspayments".
func (c *Client) Name() string { return "tosspayments" }

// ClientKey is the key our checkout page gives the browser SDK.
func (c *Client) ClientKey() string { return c.clientKey }

// Ready calls nothing: our own page starts the browser SDK with the order
// id and amount, and the paymentKey comes back with the browser.
func (c *Client) Ready(context.Context, provider.ReadyInput) (*provider.Ready, error) {
	return &provider.Ready{}, nil
}

// Approve confirms the payment the SDK authorised (in.TID is the
// paymentKey). Toss refuses it when the order id or amount differ from
// what was authorised.
func (c *Client) Approve(ctx context.Context, in provider.ApproveInput) (*provider.Result, error) {
	body := map[string]any{"paymentKey": in.TID, "orderId": in.OrderID, "amount": in.Amount}
	return c.send(ctx, http.MethodPost, "/v1/payments/confirm", body, in.IdempotencyKey)
}

// Lookup finds a payment by paymentKey, or by order id when the browser
// never brought a paymentKey back.
func (c *Client) Lookup(ctx context.Context, in provider.LookupInput) (*provider.Result, error) {
	if in.TID != "" {
		return c.send(ctx, http.MethodGet, "/v1/payments/"+url.PathEscape(in.TID), nil, "")
	}
	if in.OrderID == "" {
		return nil, errors.New("tosspayments: a lookup needs a paymentKey or an order id")
	}
	return c.send(ctx, http.MethodGet, "/v1/payments/orders/"+url.PathEscape(in.OrderID), nil, "")
}

// Cancel refunds the payment: in.Amount when set (the whole payment), the
// whole balance otherwise.
func (c *Client) Cancel(ctx context.Context, in provider.CancelInput) (*provider.Result, error) {
	if in.TID == "" {
		return nil, errors.New("tosspayments: a cancel needs the paymentKey")
	}
	reason := in.Reason
	if reason == "" {
		reason = defaultCancelReason
	}
	body := map[string]any{"cancelReason": reason}
	if in.Amount > 0 {
		body["cancelAmount"] = in.Amount
	}
	if in.TaxFree > 0 {
		body["taxFreeAmount"] = in.TaxFree
	}
	return c.send(ctx, http.MethodPost, "/v1/payments/"+url.PathEscape(in.TID)+"/cancel", body, in.IdempotencyKey)
}

// send makes one call and reads the Payment it answers. A POST carries an
// idempotency key, so every call may be repeated.
func (c *Client) send(ctx context.Context, method, path string, body map[string]any, key string) (*provider.Result, error) {
	req := httpcall.Request{Method: method, URL: c.base + path, Header: http.Header{"Authorization": {c.auth}},
		Retry: httpcall.RetryUnknown}
	if body != nil {
		if key == "" {
			key = httpcall.NewKey()
		}
		req.Body, _ = json.Marshal(body) // strings and int64s always encode
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.call.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.Status/100 != 2 {
		err := decodeError(resp.Status, resp.Body)
		if method == http.MethodPost {
			err = httpcall.Settle("tosspayments", resp, err)
		}
		return nil, err
	}
	return decodePayment(resp.Body)
}
