package kakaopay_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/kakaopay"
	"github.com/weaverse/weaverse/modules/commerce/provider/providertest"
)

var apis = []string{kakaopay.APIOpen, kakaopay.APILegacy}

func newClient(t *testing.T, f *providertest.KakaoFake, edit func(*kakaopay.Config)) *kakaopay.Client {
	t.Helper()
	cfg := f.Config()
	if edit != nil {
		edit(&cfg)
	}
	c, err := kakaopay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readyInput(orderID string, mobile bool) provider.ReadyInput {
	return provider.ReadyInput{OrderID: orderID, UserID: "u7", ItemName: "웹 개발 나노디그리", Quantity: 1,
		Amount: 22000, TaxFree: 0, ApprovalURL: "https://lms.test/pay/kakaopay/approve?order=" + orderID,
		CancelURL: "https://lms.test/pay/cancel", FailURL: "https://lms.test/pay/fail", Mobile: mobile}
}

// visit follows the payment page like a browser would, one hop, and
// returns where it sends the browser.
func visit(t *testing.T, f *providertest.KakaoFake, page string) *url.URL {
	t.Helper()
	hc := providertest.NoRedirects(f.Client())
	res, err := hc.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("page %s: %d, want 302", page, res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// started readies a payment and has its payer authorise it.
func started(t *testing.T, f *providertest.KakaoFake, c *kakaopay.Client, orderID string) (tid, pgToken string) {
	t.Helper()
	r, err := c.Ready(context.Background(), readyInput(orderID, false))
	if err != nil {
		t.Fatal(err)
	}
	return r.TID, f.Authorize(r.TID)
}

func approveInput(orderID, tid, pgToken string) provider.ApproveInput {
	return provider.ApproveInput{TID: tid, OrderID: orderID, UserID: "u7", Token: pgToken, Amount: 22000}
}

func TestFullFlow(t *testing.T) {
	for _, api := range apis {
		for _, mobile := range []bool{false, true} {
			t.Run(api+map[bool]string{false: "/pc", true: "/mobile"}[mobile], func(t *testing.T) {
				f := providertest.NewKakaoPay(t, api)
				c := newClient(t, f, nil)
				ctx := context.Background()

				r, err := c.Ready(ctx, readyInput("wv-o1-p1", mobile))
				if err != nil {
					t.Fatal(err)
				}
				if len(r.TID) != 20 || r.TID[0] != 'T' || len(r.Raw) == 0 {
					t.Fatalf("ready: %+v", r)
				}
				if got := strings.Contains(r.RedirectURL, "device=mobile"); got != mobile {
					t.Fatalf("redirect %s for mobile=%v", r.RedirectURL, mobile)
				}
				back := visit(t, f, r.RedirectURL)
				if back.Host != "lms.test" || back.Query().Get("order") != "wv-o1-p1" || back.Query().Get("pg_token") == "" {
					t.Fatalf("page sent the browser to %s", back)
				}

				res, err := c.Approve(ctx, approveInput("wv-o1-p1", r.TID, back.Query().Get("pg_token")))
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != provider.StatusPaid || res.Amount != 22000 || res.TID != r.TID ||
					res.OrderID != "wv-o1-p1" || res.Method != "MONEY" || res.ApprovedAt.IsZero() || len(res.Raw) == 0 {
					t.Fatalf("approve: %+v", res)
				}
				if d := time.Since(res.ApprovedAt); d < 0 || d > time.Minute {
					t.Fatalf("approved at %v: the KST time was misread", res.ApprovedAt)
				}

				looked, err := c.Lookup(ctx, provider.LookupInput{TID: r.TID})
				if err != nil || looked.Status != provider.StatusPaid || looked.Amount != 22000 {
					t.Fatalf("lookup: %+v, %v", looked, err)
				}

				cancelled, err := c.Cancel(ctx, provider.CancelInput{TID: r.TID, Amount: 22000, Reason: "refund"})
				if err != nil {
					t.Fatal(err)
				}
				if cancelled.Status != provider.StatusCancelled || cancelled.CancelledAmount != 22000 || cancelled.CancelledAt.IsZero() {
					t.Fatalf("cancel: %+v", cancelled)
				}
				if !f.Cancelled(r.TID) {
					t.Fatal("the fake has no cancel")
				}
				looked, err = c.Lookup(ctx, provider.LookupInput{TID: r.TID})
				if err != nil || looked.Status != provider.StatusCancelled {
					t.Fatalf("lookup after cancel: %+v, %v", looked, err)
				}
				checkEncoding(t, f, api)
			})
		}
	}
}

// checkEncoding checks the generation's auth header and body encoding.
func checkEncoding(t *testing.T, f *providertest.KakaoFake, api string) {
	t.Helper()
	auth, ct := "SECRET_KEY "+f.Key, "application/json"
	if api == kakaopay.APILegacy {
		auth, ct = "KakaoAK "+f.Key, "application/x-www-form-urlencoded;charset=utf-8"
	}
	for _, r := range f.Requests() {
		if r.Endpoint == providertest.EndpointPage {
			continue
		}
		if r.Header.Get("Authorization") != auth || r.Header.Get("Content-Type") != ct || r.Params["cid"] != "TC0ONETIME" {
			t.Errorf("%s: Authorization %q, Content-Type %q, params %v", r.Endpoint, r.Header.Get("Authorization"),
				r.Header.Get("Content-Type"), r.Params)
		}
	}
}

func TestPageOutcomes(t *testing.T) {
	cases := []struct {
		outcome string
		host    string
		path    string
		status  provider.Status
	}{
		{providertest.OutcomeCancel, "lms.test", "/pay/cancel", provider.StatusFailed},
		{providertest.OutcomeFail, "lms.test", "/pay/fail", provider.StatusFailed},
	}
	for _, tc := range cases {
		t.Run(tc.outcome, func(t *testing.T) {
			f := providertest.NewKakaoPay(t, kakaopay.APIOpen)
			c := newClient(t, f, nil)
			r, err := c.Ready(context.Background(), readyInput("wv-o2-p1", false))
			if err != nil {
				t.Fatal(err)
			}
			f.PageOutcome(tc.outcome)
			if back := visit(t, f, r.RedirectURL); back.Path != tc.path {
				t.Fatalf("sent to %s, want %s", back, tc.path)
			}
			looked, err := c.Lookup(context.Background(), provider.LookupInput{TID: r.TID})
			if err != nil || looked.Status != tc.status {
				t.Fatalf("lookup: %+v, %v", looked, err)
			}
			_, err = c.Approve(context.Background(), approveInput("wv-o2-p1", r.TID, "whatever"))
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Code != "-783" || pe.AlreadyDone {
				t.Fatalf("approve of an abandoned payment: %v", err)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	type call func(context.Context, *kakaopay.Client, string, string) error
	approve := func(ctx context.Context, c *kakaopay.Client, tid, tok string) error {
		_, err := c.Approve(ctx, approveInput("wv-o3-p1", tid, tok))
		return err
	}
	cases := []struct {
		name   string
		setup  func(*testing.T, *providertest.KakaoFake, *kakaopay.Client, string, string)
		cfg    func(*kakaopay.Config)
		call   call
		status int
		code   string
		done   bool
	}{
		{name: "approve twice", setup: approveOnce, call: approve, status: 400, code: "-702", done: true},
		{name: "approval failure with extras", setup: failNext(-780), call: approve, status: 400, code: "-780"},
		{name: "duplicate", setup: failNext(-785), call: approve, status: 400, code: "-785", done: true},
		{name: "wrong pg_token", call: func(ctx context.Context, c *kakaopay.Client, tid, _ string) error {
			return approve(ctx, c, tid, "nope")
		}, status: 400, code: "-708"},
		{name: "wrong amount", call: func(ctx context.Context, c *kakaopay.Client, tid, tok string) error {
			in := approveInput("wv-o3-p1", tid, tok)
			in.Amount = 1
			_, err := c.Approve(ctx, in)
			return err
		}, status: 400, code: "-704"},
		{name: "wrong order id", call: func(ctx context.Context, c *kakaopay.Client, tid, tok string) error {
			_, err := c.Approve(ctx, approveInput("wv-other", tid, tok))
			return err
		}, status: 400, code: "-706"},
		{name: "-783 after an approval is already done", setup: approveThen(-783), call: approve, status: 400,
			code: "-783", done: true},
		{name: "cancel of an unknown tid", call: func(ctx context.Context, c *kakaopay.Client, _, _ string) error {
			_, err := c.Cancel(ctx, provider.CancelInput{TID: "T0000000000000000000", Amount: 22000})
			return err
		}, status: 400, code: "-781"},
		{name: "cancel twice", setup: approveAndCancel, call: func(ctx context.Context, c *kakaopay.Client, tid, _ string) error {
			_, err := c.Cancel(ctx, provider.CancelInput{TID: tid, Amount: 22000})
			return err
		}, status: 400, code: "-784", done: true},
		{name: "cancel before approval", call: func(ctx context.Context, c *kakaopay.Client, tid, _ string) error {
			_, err := c.Cancel(ctx, provider.CancelInput{TID: tid, Amount: 22000})
			return err
		}, status: 400, code: "-784"},
		{name: "wrong key", cfg: wrongKey, call: func(ctx context.Context, c *kakaopay.Client, tid, _ string) error {
			_, err := c.Lookup(ctx, provider.LookupInput{TID: tid})
			return err
		}, status: 401, code: "-401"},
	}
	for _, api := range apis {
		for _, tc := range cases {
			t.Run(api+"/"+tc.name, func(t *testing.T) {
				f := providertest.NewKakaoPay(t, api)
				tid, tok := started(t, f, newClient(t, f, nil), "wv-o3-p1")
				c := newClient(t, f, tc.cfg)
				if tc.setup != nil {
					tc.setup(t, f, c, tid, tok)
				}
				err := tc.call(context.Background(), c, tid, tok)
				var pe *provider.Error
				if !errors.As(err, &pe) {
					t.Fatalf("got %v, want a *provider.Error", err)
				}
				if pe.HTTPStatus != tc.status || pe.Code != tc.code || pe.AlreadyDone != tc.done ||
					errors.Is(err, provider.ErrAlreadyDone) != tc.done || pe.Message == "" || len(pe.Raw) == 0 ||
					pe.Provider != "kakaopay" {
					t.Fatalf("got %+v", pe)
				}
				if errors.Is(err, provider.ErrUnavailable) {
					t.Fatal("a refusal is not an unavailability")
				}
			})
		}
	}
}

func approveOnce(t *testing.T, _ *providertest.KakaoFake, c *kakaopay.Client, tid, tok string) {
	t.Helper()
	if _, err := c.Approve(context.Background(), approveInput("wv-o3-p1", tid, tok)); err != nil {
		t.Fatal(err)
	}
}

func approveAndCancel(t *testing.T, f *providertest.KakaoFake, c *kakaopay.Client, tid, tok string) {
	t.Helper()
	approveOnce(t, f, c, tid, tok)
	if _, err := c.Cancel(context.Background(), provider.CancelInput{TID: tid, Amount: 22000}); err != nil {
		t.Fatal(err)
	}
}

func failNext(code int) func(*testing.T, *providertest.KakaoFake, *kakaopay.Client, string, string) {
	return func(_ *testing.T, f *providertest.KakaoFake, _ *kakaopay.Client, _, _ string) { f.FailNext(code) }
}

func approveThen(code int) func(*testing.T, *providertest.KakaoFake, *kakaopay.Client, string, string) {
	return func(t *testing.T, f *providertest.KakaoFake, c *kakaopay.Client, tid, tok string) {
		approveOnce(t, f, c, tid, tok)
		f.FailNext(code)
	}
}

func wrongKey(c *kakaopay.Config) { c.SecretKey, c.AdminKey = c.SecretKey+"x", c.AdminKey+"x" }

func TestTimeoutIsUnavailable(t *testing.T) {
	for _, api := range apis {
		t.Run(api, func(t *testing.T) {
			f := providertest.NewKakaoPay(t, api)
			c := newClient(t, f, func(c *kakaopay.Config) { c.Timeout, c.Retries = 50*time.Millisecond, 1 })
			tid, tok := started(t, f, c, "wv-o4-p1")
			f.ApproveDelay(time.Second)
			start := time.Now()
			_, err := c.Approve(context.Background(), approveInput("wv-o4-p1", tid, tok))
			if !errors.Is(err, provider.ErrUnavailable) {
				t.Fatalf("got %v, want ErrUnavailable", err)
			}
			if d := time.Since(start); d > 800*time.Millisecond {
				t.Fatalf("took %v: the timeout did not cut the call", d)
			}
			if n := f.Calls(providertest.EndpointApprove); n != 2 {
				t.Fatalf("%d approve calls, want 2 (a retry on timeout)", n)
			}
			// The service finished the approval the client gave up on: the
			// reconciler's lookup finds it paid.
			deadline := time.Now().Add(5 * time.Second)
			for f.Status(tid) != "SUCCESS_PAYMENT" && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			looked, err := c.Lookup(context.Background(), provider.LookupInput{TID: tid})
			if err != nil || looked.Status != provider.StatusPaid {
				t.Fatalf("lookup: %+v, %v", looked, err)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	const ok, unavailable, refused = "ok", "unavailable", "refused"
	cases := []struct {
		name     string
		retries  int
		failures []int
		op       string
		calls    int
		want     string // ok, unavailable or refused
	}{
		{"lookup after a 500", 0, []int{500}, providertest.EndpointLookup, 2, ok},
		{"lookup after three 500s", 0, []int{500, 500, 500}, providertest.EndpointLookup, 3, unavailable},
		{"lookup without retries", -1, []int{500}, providertest.EndpointLookup, 1, unavailable},
		{"approve after a 502", 0, []int{502}, providertest.EndpointApprove, 2, ok},
		{"approve refused after a 502 is unknown", 0, []int{502, -780}, providertest.EndpointApprove, 2, unavailable},
		{"approve refused after a 503 is a refusal", 0, []int{503, -780}, providertest.EndpointApprove, 2, refused},
		{"ready after a 504", 0, []int{504}, providertest.EndpointReady, 2, ok},
		{"cancel after a 500 is not sent again", 0, []int{500}, providertest.EndpointCancel, 1, unavailable},
		{"cancel after a 503", 0, []int{503}, providertest.EndpointCancel, 2, ok},
		{"cancel after a 429", 3, []int{429, 429}, providertest.EndpointCancel, 3, ok},
		{"a refusal is not sent again", 0, []int{-780}, providertest.EndpointLookup, 1, refused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := providertest.NewKakaoPay(t, kakaopay.APILegacy)
			c := newClient(t, f, func(c *kakaopay.Config) { c.Retries = tc.retries })
			tid, tok := started(t, f, c, "wv-o3-p1")
			if tc.op == providertest.EndpointCancel {
				approveOnce(t, f, c, tid, tok)
			}
			for _, code := range tc.failures {
				f.FailNext(code)
			}
			before := f.Calls(tc.op)
			err := run(c, tc.op, tid, tok)
			if got := outcome(err); got != tc.want {
				t.Fatalf("err %v: %s, want %s", err, got, tc.want)
			}
			if n := f.Calls(tc.op) - before; n != tc.calls {
				t.Fatalf("%d calls, want %d", n, tc.calls)
			}
		})
	}
}

// outcome names what an error says.
func outcome(err error) string {
	var pe *provider.Error
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, provider.ErrUnavailable):
		return "unavailable"
	case errors.As(err, &pe):
		return "refused"
	}
	return err.Error()
}

func run(c *kakaopay.Client, op, tid, tok string) error {
	ctx := context.Background()
	var err error
	switch op {
	case providertest.EndpointReady:
		_, err = c.Ready(ctx, readyInput("wv-o5-p2", false))
	case providertest.EndpointApprove:
		_, err = c.Approve(ctx, approveInput("wv-o3-p1", tid, tok))
	case providertest.EndpointLookup:
		_, err = c.Lookup(ctx, provider.LookupInput{TID: tid})
	case providertest.EndpointCancel:
		_, err = c.Cancel(ctx, provider.CancelInput{TID: tid, Amount: 22000})
	}
	return err
}

// The client reports what KakaoPay charged; comparing it with the order
// is commerce's job.
func TestAmountReportedFaithfully(t *testing.T) {
	for _, api := range apis {
		t.Run(api, func(t *testing.T) {
			f := providertest.NewKakaoPay(t, api)
			c := newClient(t, f, nil)
			tid, tok := started(t, f, c, "wv-o6-p1")
			f.ApproveAmount(2200)
			res, err := c.Approve(context.Background(), approveInput("wv-o6-p1", tid, tok))
			if err != nil || res.Amount != 2200 {
				t.Fatalf("approve: %+v, %v", res, err)
			}
		})
	}
}

func TestConcurrentApprovals(t *testing.T) {
	f := providertest.NewKakaoPay(t, kakaopay.APIOpen)
	c := newClient(t, f, nil)
	tid, tok := started(t, f, c, "wv-o7-p1")
	errs := providertest.Concurrently(20, func() error {
		_, err := c.Approve(context.Background(), approveInput("wv-o7-p1", tid, tok))
		return err
	})
	if paid, done, others := providertest.Outcomes(errs); paid != 1 || done != 19 {
		t.Fatalf("%d paid, %d already done, others %v; want 1 and 19", paid, done, others)
	}
}

func TestNew(t *testing.T) {
	cases := []struct {
		name string
		cfg  kakaopay.Config
		ok   bool
	}{
		{"open by default", kakaopay.Config{SecretKey: "k"}, true},
		{"legacy", kakaopay.Config{API: "legacy", AdminKey: "k"}, true},
		{"open without its key", kakaopay.Config{AdminKey: "k"}, false},
		{"legacy without its key", kakaopay.Config{API: "legacy", SecretKey: "k"}, false},
		{"unknown API", kakaopay.Config{API: "v2", SecretKey: "k"}, false},
		{"bad base URL", kakaopay.Config{SecretKey: "k", BaseURL: "ftp://x"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := kakaopay.New(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if c != nil && c.Name() != "kakaopay" {
				t.Fatal(c.Name())
			}
		})
	}
}

func TestLookupNeedsTID(t *testing.T) {
	f := providertest.NewKakaoPay(t, kakaopay.APIOpen)
	if _, err := newClient(t, f, nil).Lookup(context.Background(), provider.LookupInput{OrderID: "wv-o8"}); err == nil {
		t.Fatal("a lookup without a tid passed")
	}
}
