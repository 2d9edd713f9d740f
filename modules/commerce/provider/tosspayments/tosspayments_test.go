package tosspayments_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/providertest"
	"github.com/weaverse/weaverse/modules/commerce/provider/tosspayments"
)

func newClient(t *testing.T, f *providertest.TossFake, edit func(*tosspayments.Config)) *tosspayments.Client {
	t.Helper()
	cfg := f.Config()
	if edit != nil {
		edit(&cfg)
	}
	c, err := tosspayments.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func confirmInput(key, orderID string, amount int64) provider.ApproveInput {
	return provider.ApproveInput{TID: key, OrderID: orderID, UserID: "u7", Amount: amount, IdempotencyKey: "confirm-" + orderID}
}

func TestFullFlow(t *testing.T) {
	f := providertest.NewToss(t)
	c := newClient(t, f, nil)
	ctx := context.Background()
	if c.ClientKey() != f.ClientKey || c.Name() != "tosspayments" {
		t.Fatalf("ClientKey %q, Name %q", c.ClientKey(), c.Name())
	}
	r, err := c.Ready(ctx, provider.ReadyInput{OrderID: "wv-o1-p1", Amount: 15000})
	if err != nil || r.TID != "" || r.RedirectURL != "" || f.Calls(providertest.EndpointApprove) != 0 {
		t.Fatalf("ready: %+v, %v", r, err)
	}

	// The SDK's page sends the browser to the success URL with the key.
	hc := providertest.NoRedirects(f.Client())
	res, err := hc.Get(f.PayURL("wv-o1-p1", 15000, "https://lms.test/pay/toss/success", "https://lms.test/pay/toss/fail"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	key := back.Query().Get("paymentKey")
	if back.Path != "/pay/toss/success" || key == "" || back.Query().Get("amount") != "15000" ||
		back.Query().Get("orderId") != "wv-o1-p1" {
		t.Fatalf("sent to %s", back)
	}

	paid, err := c.Approve(ctx, confirmInput(key, "wv-o1-p1", 15000))
	if err != nil {
		t.Fatal(err)
	}
	if paid.Status != provider.StatusPaid || paid.Amount != 15000 || paid.TID != key || paid.OrderID != "wv-o1-p1" ||
		paid.Method != "카드" || paid.ApprovedAt.IsZero() || paid.ApprovedAt.Location() != time.UTC || len(paid.Raw) == 0 {
		t.Fatalf("approve: %+v", paid)
	}
	for _, in := range []provider.LookupInput{{TID: key}, {OrderID: "wv-o1-p1"}} {
		looked, err := c.Lookup(ctx, in)
		if err != nil || looked.Status != provider.StatusPaid || looked.TID != key {
			t.Fatalf("lookup %+v: %+v, %v", in, looked, err)
		}
	}

	cancelled, err := c.Cancel(ctx, provider.CancelInput{TID: key, Amount: 15000, Reason: "환불", IdempotencyKey: "cancel-1"})
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Status != provider.StatusCancelled || cancelled.CancelledAmount != 15000 || cancelled.CancelledAt.IsZero() {
		t.Fatalf("cancel: %+v", cancelled)
	}
	if !f.Cancelled(key) {
		t.Fatal("the fake has no cancel")
	}
	checkRequests(t, f)
}

// checkRequests checks Basic auth and that every POST carried an
// Idempotency-Key.
func checkRequests(t *testing.T, f *providertest.TossFake) {
	t.Helper()
	for _, r := range f.Requests() {
		if r.Endpoint == providertest.EndpointPage {
			continue
		}
		if r.Header.Get("Authorization") != "Basic dGVzdF9za19wcm92aWRlcnRlc3Q6" { // base64("test_sk_providertest:")
			t.Errorf("%s: Authorization %q", r.Endpoint, r.Header.Get("Authorization"))
		}
		if r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") == "" {
			t.Errorf("%s: no Idempotency-Key", r.Endpoint)
		}
	}
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name   string
		cfg    func(*tosspayments.Config)
		call   func(context.Context, *providertest.TossFake, *tosspayments.Client, string) error
		status int
		code   string
		done   bool
	}{
		{name: "confirm twice", call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, key string) error {
			if _, err := c.Approve(ctx, confirmInput(key, "wv-o2-p1", 15000)); err != nil {
				return err
			}
			in := confirmInput(key, "wv-o2-p1", 15000)
			in.IdempotencyKey = "another"
			_, err := c.Approve(ctx, in)
			return err
		}, status: 400, code: "ALREADY_PROCESSED_PAYMENT", done: true},
		{name: "amount mismatch", call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, key string) error {
			_, err := c.Approve(ctx, confirmInput(key, "wv-o2-p1", 100))
			return err
		}, status: 400, code: "INVALID_REQUEST"},
		{name: "order id mismatch", call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, key string) error {
			_, err := c.Approve(ctx, confirmInput(key, "wv-o2-p9", 15000))
			return err
		}, status: 400, code: "INVALID_REQUEST"},
		{name: "unknown payment", call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, _ string) error {
			_, err := c.Lookup(ctx, provider.LookupInput{TID: "nope"})
			return err
		}, status: 404, code: "NOT_FOUND_PAYMENT"},
		{name: "unknown order", call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, _ string) error {
			_, err := c.Lookup(ctx, provider.LookupInput{OrderID: "wv-none"})
			return err
		}, status: 404, code: "NOT_FOUND_PAYMENT"},
		{name: "cancel twice", call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, key string) error {
			if _, err := c.Approve(ctx, confirmInput(key, "wv-o2-p1", 15000)); err != nil {
				return err
			}
			for range 2 {
				if _, err := c.Cancel(ctx, provider.CancelInput{TID: key, Amount: 15000}); err != nil {
					return err
				}
			}
			return nil
		}, status: 400, code: "ALREADY_CANCELED_PAYMENT", done: true},
		{name: "cancel before confirm", call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, key string) error {
			_, err := c.Cancel(ctx, provider.CancelInput{TID: key, Amount: 15000})
			return err
		}, status: 403, code: "NOT_CANCELABLE_PAYMENT"},
		{name: "injected refusal", call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, key string) error {
			f.FailNext("PROVIDER_ERROR")
			_, err := c.Approve(ctx, confirmInput(key, "wv-o2-p1", 15000))
			return err
		}, status: 400, code: "PROVIDER_ERROR"},
		{name: "wrong key", cfg: func(c *tosspayments.Config) { c.SecretKey = "test_sk_wrong" },
			call: func(ctx context.Context, f *providertest.TossFake, c *tosspayments.Client, key string) error {
				_, err := c.Approve(ctx, confirmInput(key, "wv-o2-p1", 15000))
				return err
			}, status: 401, code: "UNAUTHORIZED_KEY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := providertest.NewToss(t)
			key := f.Authorize("wv-o2-p1", 15000)
			err := tc.call(context.Background(), f, newClient(t, f, tc.cfg), key)
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *provider.Error", err)
			}
			if pe.HTTPStatus != tc.status || pe.Code != tc.code || pe.AlreadyDone != tc.done || pe.Message == "" ||
				errors.Is(err, provider.ErrAlreadyDone) != tc.done || errors.Is(err, provider.ErrUnavailable) ||
				pe.Provider != "tosspayments" || len(pe.Raw) == 0 {
				t.Fatalf("got %+v", pe)
			}
		})
	}
}

func TestTimeoutIsUnavailable(t *testing.T) {
	f := providertest.NewToss(t)
	c := newClient(t, f, func(c *tosspayments.Config) { c.Timeout, c.Retries = 50*time.Millisecond, 1 })
	key := f.Authorize("wv-o3-p1", 15000)
	f.ApproveDelay(time.Second)
	start := time.Now()
	_, err := c.Approve(context.Background(), confirmInput(key, "wv-o3-p1", 15000))
	if !errors.Is(err, provider.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 800*time.Millisecond {
		t.Fatalf("took %v: the timeout did not cut the call", d)
	}
	reqs := f.Requests()
	if len(reqs) != 2 || reqs[0].Header.Get("Idempotency-Key") != "confirm-wv-o3-p1" ||
		reqs[1].Header.Get("Idempotency-Key") != "confirm-wv-o3-p1" {
		t.Fatalf("want two confirms with the caller's key, got %d", len(reqs))
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.Status(key) != "DONE" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	looked, err := c.Lookup(context.Background(), provider.LookupInput{OrderID: "wv-o3-p1"})
	if err != nil || looked.Status != provider.StatusPaid {
		t.Fatalf("lookup: %+v, %v", looked, err)
	}
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name     string
		retries  int
		failures []string
		op       string
		calls    int
		ok       bool
	}{
		{"confirm after a 500", 0, []string{"FAILED_INTERNAL_SYSTEM_PROCESSING"}, providertest.EndpointApprove, 2, true},
		{"confirm after three 502s", 0, []string{"502", "502", "502"}, providertest.EndpointApprove, 3, false},
		{"lookup after a 503", 0, []string{"503"}, providertest.EndpointLookup, 2, true},
		{"lookup without retries", -1, []string{"503"}, providertest.EndpointLookup, 1, false},
		{"cancel after a 500", 0, []string{"500"}, providertest.EndpointCancel, 2, true},
		{"a refusal is not sent again", 0, []string{"PROVIDER_ERROR"}, providertest.EndpointApprove, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := providertest.NewToss(t)
			c := newClient(t, f, func(c *tosspayments.Config) { c.Retries = tc.retries })
			key := f.Authorize("wv-o4-p1", 15000)
			ctx := context.Background()
			if tc.op != providertest.EndpointApprove {
				if _, err := c.Approve(ctx, confirmInput(key, "wv-o4-p1", 15000)); err != nil {
					t.Fatal(err)
				}
			}
			for _, code := range tc.failures {
				f.FailNext(code)
			}
			before := f.Calls(tc.op)
			var err error
			switch tc.op {
			case providertest.EndpointApprove:
				_, err = c.Approve(ctx, provider.ApproveInput{TID: key, OrderID: "wv-o4-p1", Amount: 15000})
			case providertest.EndpointLookup:
				_, err = c.Lookup(ctx, provider.LookupInput{TID: key})
			case providertest.EndpointCancel:
				_, err = c.Cancel(ctx, provider.CancelInput{TID: key, Amount: 15000})
			}
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if n := f.Calls(tc.op) - before; n != tc.calls {
				t.Fatalf("%d calls, want %d", n, tc.calls)
			}
			checkRequests(t, f)
			sameKeys(t, f.Requests(), tc.op)
		})
	}
}

// sameKeys checks that the attempts of one call share a generated
// Idempotency-Key.
func sameKeys(t *testing.T, reqs []providertest.Request, op string) {
	t.Helper()
	keys := map[string]bool{}
	for _, r := range reqs {
		if r.Endpoint == op && r.Method == http.MethodPost {
			keys[r.Header.Get("Idempotency-Key")] = true
		}
	}
	if op != providertest.EndpointLookup && len(keys) != 1 {
		t.Fatalf("the attempts used %d idempotency keys", len(keys))
	}
}

func TestAmountReportedFaithfully(t *testing.T) {
	f := providertest.NewToss(t)
	c := newClient(t, f, nil)
	key := f.Authorize("wv-o5-p1", 15000)
	f.ApproveAmount(1500)
	res, err := c.Approve(context.Background(), confirmInput(key, "wv-o5-p1", 15000))
	if err != nil || res.Amount != 1500 {
		t.Fatalf("approve: %+v, %v", res, err)
	}
}

func TestConcurrentConfirms(t *testing.T) {
	f := providertest.NewToss(t)
	c := newClient(t, f, nil)
	key := f.Authorize("wv-o6-p1", 15000)
	// No idempotency key: each call makes its own, so they are 20 requests.
	errs := providertest.Concurrently(20, func() error {
		_, err := c.Approve(context.Background(), provider.ApproveInput{TID: key, OrderID: "wv-o6-p1", Amount: 15000})
		return err
	})
	if paid, done, others := providertest.Outcomes(errs); paid != 1 || done != 19 {
		t.Fatalf("%d paid, %d already done, others %v; want 1 and 19", paid, done, others)
	}
}

// One Idempotency-Key sent by many at once gets the first answer, as Toss
// promises.
func TestIdempotentReplay(t *testing.T) {
	f := providertest.NewToss(t)
	c := newClient(t, f, nil)
	key := f.Authorize("wv-o7-p1", 15000)
	errs := providertest.Concurrently(10, func() error {
		_, err := c.Approve(context.Background(), confirmInput(key, "wv-o7-p1", 15000))
		return err
	})
	if paid, _, others := providertest.Outcomes(errs); paid != 10 {
		t.Fatalf("%d paid, others %v; want 10", paid, others)
	}
	if f.Status(key) != "DONE" {
		t.Fatal(f.Status(key))
	}
}

func TestNew(t *testing.T) {
	cases := []struct {
		name string
		cfg  tosspayments.Config
		ok   bool
	}{
		{"defaults", tosspayments.Config{SecretKey: "test_sk_x"}, true},
		{"no key", tosspayments.Config{}, false},
		{"bad base URL", tosspayments.Config{SecretKey: "test_sk_x", BaseURL: "api.tosspayments.com"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tosspayments.New(tc.cfg); (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestLookupNeedsAnID(t *testing.T) {
	f := providertest.NewToss(t)
	if _, err := newClient(t, f, nil).Lookup(context.Background(), provider.LookupInput{}); err == nil {
		t.Fatal("a lookup with no id passed")
	}
}
