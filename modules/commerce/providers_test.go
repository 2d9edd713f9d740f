package commerce_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/commerce/provider/kakaopay"
	"github.com/weaverse/weaverse/modules/commerce/provider/providertest"
	"github.com/weaverse/weaverse/platform/testkit"
)

type providerPayment struct {
	ID            int64  `json:"id"`
	OrderID       int64  `json:"order_id"`
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	TID           string `json:"tid"`
	ProviderOrder string `json:"provider_order_id"`
	FailureCode   string `json:"failure_code"`
}

// startWith orders the curriculum and starts its payment with prov.
func startWith(t *testing.T, ta *apptest.T, s shop, prov string) (started, providerPayment) {
	t.Helper()
	var o struct{ ID int64 }
	ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"curriculum_id": s.curriculum}}},
		as(s.learner)...).Status(201).JSON(&o)
	var st started
	ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": prov}, as(s.learner)...).
		Status(201).JSON(&st)
	var p providerPayment
	ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/%d/", st.PaymentID), nil, as(s.learner)...).Status(200).JSON(&p)
	return st, p
}

// refundNow has the learner refund a payment and makes sure it ends
// refunded: on a loaded machine the provider's answer can outlast the
// client's timeout (the refund is then left to the reconciler, which takes
// it up once it is stale).
func refundNow(t *testing.T, ta *apptest.T, u *user, id int64) {
	t.Helper()
	ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", id), nil, as(*u)...).Status(200)
	if paymentOf(t, ta, *u, id).Status == "refund_requested" {
		ta.Clock.Advance(3 * time.Minute)
		relogin(t, ta, u, "learner")
		_, err := module(t, ta).Reconcile(context.Background())
		testkit.Must(t, err)
	}
	if p := paymentOf(t, ta, *u, id); p.Status != "refunded" {
		t.Fatalf("after the refund: %+v", p)
	}
}

func paymentOf(t *testing.T, ta *apptest.T, u user, id int64) providerPayment {
	t.Helper()
	var p providerPayment
	ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/%d/", id), nil, as(u)...).Status(200).JSON(&p)
	return p
}

// KakaoPay end to end against its fake, in both API generations: ready →
// the payer authorises on KakaoPay's page → the browser comes back to the
// approval URL (twice: one approval) → access → refund cancelled at
// KakaoPay. Then an approval that times out (KakaoPay finished it) stays
// approving until the reconciler settles it through the lookup, and one that charged another amount is
// failed and cancelled at KakaoPay.
func TestKakaoPayEndToEnd(t *testing.T) {
	t.Parallel()
	for _, api := range []string{kakaopay.APIOpen, kakaopay.APILegacy} {
		t.Run(api, func(t *testing.T) {
			var fake *providertest.KakaoFake // one per app: provider order ids repeat across databases
			apptest.Each(t, func(t *testing.T, ta *apptest.T) {
				testkit.Must(t, ta.App.Start(context.Background()))
				s := newShop(t, ta)
				st, p := startWith(t, ta, s, "kakaopay")
				if !strings.HasPrefix(st.RedirectURL, fake.URL) || p.TID == "" {
					t.Fatalf("started %+v, payment %+v", st, p)
				}
				// A stranger calling the return URLs with the payment's id but
				// not its provider order id (no session) finds nothing and
				// spoils nothing.
				for _, path := range []string{"approve/?payment_id=%d&pg_token=bogus", "approve/?payment_id=%d&pg_token=bogus&order=wv-o1-p1",
					"cancel/?payment_id=%d", "fail/?payment_id=%d&order=x"} {
					ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/kakaopay/"+path, p.ID), nil).Status(404)
				}
				if len(p.ProviderOrder) < len("wv-o1-p1-")+16 {
					t.Fatalf("provider order id %q is guessable", p.ProviderOrder)
				}
				if p = paymentOf(t, ta, s.learner, p.ID); p.Status != "ready" {
					t.Fatalf("after a stranger's approval: %+v", p)
				}
				token := fake.Authorize(p.TID)
				back := fmt.Sprintf("/api/payments/kakaopay/approve/?payment_id=%d&order=%s&pg_token=%s", p.ID, p.ProviderOrder, url.QueryEscape(token))
				for range 2 { // the browser comes back twice
					r := ta.Request(http.MethodGet, back, nil, as(s.learner)...).Status(303)
					if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/payments/%d", p.ID) {
						t.Fatalf("approval redirected to %q", loc)
					}
				}
				if p = paymentOf(t, ta, s.learner, p.ID); p.Status != "paid" || p.Amount != 30000 {
					t.Fatalf("after the approval: %+v", p)
				}
				waitFor(t, "the grants", func() bool { return liveGrants(t, ta, s.learner, p.OrderID) == 2 })
				refundNow(t, ta, &s.learner, p.ID)
				if !fake.Cancelled(p.TID) {
					t.Errorf("KakaoPay still holds %s as %s", p.TID, fake.Status(p.TID))
				}
				waitFor(t, "the revocation", func() bool { return liveGrants(t, ta, s.learner, p.OrderID) == 0 })

				// The approval times out; KakaoPay finished it: settled by the lookup.
				fake.ApproveDelay(1500 * time.Millisecond)
				_, p = startWith(t, ta, s, "kakaopay")
				token = fake.Authorize(p.TID)
				ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/kakaopay/approve/?payment_id=%d&order=%s&pg_token=%s", p.ID,
					p.ProviderOrder, url.QueryEscape(token)), nil, as(s.learner)...).Status(303)
				fake.ApproveDelay(0)
				if p = paymentOf(t, ta, s.learner, p.ID); p.Status != "approving" {
					t.Fatalf("after a timed-out approval: %+v", p)
				}
				time.Sleep(time.Second) // KakaoPay finishes the approval it was asked for
				ta.Clock.Advance(3 * time.Minute)
				relogin(t, ta, &s.learner, "learner")
				if n, err := module(t, ta).Reconcile(context.Background()); err != nil || n != 1 {
					t.Fatalf("reconcile: %d, %v", n, err)
				}
				if p = paymentOf(t, ta, s.learner, p.ID); p.Status != "paid" {
					t.Fatalf("reconciled: %+v", p)
				}
				refundNow(t, ta, &s.learner, p.ID)
				waitFor(t, "the revocation", func() bool { return liveGrants(t, ta, s.learner, p.OrderID) == 0 })

				// Another amount charged: failed, and cancelled at KakaoPay.
				fake.ApproveAmount(1000)
				_, p = startWith(t, ta, s, "kakaopay")
				token = fake.Authorize(p.TID)
				ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/kakaopay/approve/?payment_id=%d&order=%s&pg_token=%s", p.ID,
					p.ProviderOrder, url.QueryEscape(token)), nil, as(s.learner)...).Status(303)
				fake.ApproveAmount(0)
				if p = paymentOf(t, ta, s.learner, p.ID); p.Status != "failed" || p.FailureCode != "amount_mismatch" {
					t.Fatalf("another amount: %+v", p)
				}
				if !fake.Cancelled(p.TID) {
					t.Errorf("the wrong charge stands at KakaoPay: %s", fake.Status(p.TID))
				}

				// The payer gives up on KakaoPay's page: cancelled, nothing charged.
				_, p = startWith(t, ta, s, "kakaopay")
				ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/kakaopay/cancel/?payment_id=%d&order=%s", p.ID, p.ProviderOrder), nil,
					as(s.learner)...).Status(303)
				if p = paymentOf(t, ta, s.learner, p.ID); p.Status != "cancelled" {
					t.Errorf("after the payer cancelled: %+v", p)
				}

				// From the checkout page: a page with a link on to KakaoPay's.
				c := testkit.Login(t, ta.Client, "learner@example.com", pw)
				form := fmt.Sprintf("nonce=kakao-1&kind=curriculum&id=%d&provider=kakaopay&address=new", s.curriculum)
				h := append(c.Headers("/checkout", true), "Accept", "text/html", "Content-Type", "application/x-www-form-urlencoded")
				loc := ta.Request(http.MethodPost, "/checkout", form, h...).Status(303).Header.Get("Location")
				if !strings.HasSuffix(loc, "/go") {
					t.Fatalf("checkout went to %q", loc)
				}
				ta.Request(http.MethodGet, loc, nil, append(c.Headers(loc, true), "Accept", "text/html")...).Status(200).
					Contains(`id="go-provider"`, `href="`+fake.URL+`/pay/`)
			}, func(cfg *config.Config, _ *app.Options) {
				fake = providertest.NewKakaoPay(t, api)
				c := fake.Config()
				cfg.Payments.KakaoPay = config.KakaoPay{Enabled: true, API: c.API, BaseURL: c.BaseURL, SecretKey: c.SecretKey,
					AdminKey: c.AdminKey, CID: c.CID, Timeout: time.Second}
			})
		})
	}
}

// Toss Payments end to end against its fake: the checkout page starts the
// SDK with the client key (under a policy that lets it), the payer pays in
// Toss's window (the fake's Authorize), the browser returns to the success
// URL, the payment is confirmed; a tampered amount is refused; the refund
// is cancelled at Toss.
func TestTossPaymentsEndToEnd(t *testing.T) {
	t.Parallel()
	var fake *providertest.TossFake // one per app: provider order ids repeat across databases
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		s := newShop(t, ta)
		c := testkit.Login(t, ta.Client, "learner@example.com", pw)
		pageGet := func(path string) *testkit.Response {
			t.Helper()
			return ta.Request(http.MethodGet, path, nil, append(c.Headers(path, true), "Accept", "text/html")...)
		}
		st, p := startWith(t, ta, s, "tosspayments")
		if st.RedirectURL != fmt.Sprintf("/payments/%d/tosspayments", p.ID) {
			t.Fatalf("started %+v", st)
		}
		page := pageGet(st.RedirectURL).Status(200).Contains(`data-client-key="`+fake.ClientKey+`"`,
			`data-order-id="`+p.ProviderOrder+`"`, `data-amount="30000"`, "https://js.tosspayments.com/v2/standard", "toss-checkout.")
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' https://js.tosspayments.com") {
			t.Errorf("the Toss page's policy: %q", csp)
		}
		if csp := pageGet("/me/orders").Header.Get("Content-Security-Policy"); strings.Contains(csp, "tosspayments") {
			t.Errorf("another page allows Toss: %q", csp)
		}
		key := fake.Authorize(p.ProviderOrder, 30000)
		ta.Request(http.MethodPost, "/api/payments/tosspayments/confirm/", map[string]any{"paymentKey": key,
			"orderId": p.ProviderOrder, "amount": 1000}, as(s.learner)...).Problem(422, "commerce.amount_mismatch")
		success := fmt.Sprintf("/payments/tosspayments/success?paymentKey=%s&orderId=%s&amount=30000", key, p.ProviderOrder)
		if loc := pageGet(success).Status(303).Header.Get("Location"); loc != fmt.Sprintf("/payments/%d", p.ID) {
			t.Fatalf("the success URL went to %q", loc)
		}
		pageGet(success).Status(303) // back again: nothing more
		if got := fake.Calls(providertest.EndpointApprove); got != 1 {
			t.Errorf("%d confirms at Toss", got)
		}
		if p = paymentOf(t, ta, s.learner, p.ID); p.Status != "paid" || p.TID != key {
			t.Fatalf("after the success URL: %+v", p)
		}
		pageGet(fmt.Sprintf("/payments/%d", p.ID)).Status(200).Contains(`data-status="paid"`)
		waitFor(t, "the grants", func() bool { return liveGrants(t, ta, s.learner, p.OrderID) == 2 })
		refundNow(t, ta, &s.learner, p.ID)
		if !fake.Cancelled(key) {
			t.Errorf("Toss still holds %s as %s", key, fake.Status(key))
		}
		waitFor(t, "the revocation", func() bool { return liveGrants(t, ta, s.learner, p.OrderID) == 0 })

		// The payer's card is refused: the fail URL says so.
		_, p = startWith(t, ta, s, "tosspayments")
		pageGet(fmt.Sprintf("/payments/tosspayments/fail?code=REJECT_CARD_COMPANY&message=%s&orderId=%s",
			url.QueryEscape("카드사 거절"), p.ProviderOrder)).Status(303)
		if p = paymentOf(t, ta, s.learner, p.ID); p.Status != "failed" {
			t.Errorf("after the fail URL: %+v", p)
		}
		pageGet(fmt.Sprintf("/payments/%d", p.ID)).Status(200).Contains("카드사 거절", `id="result-retry"`)
	}, func(cfg *config.Config, _ *app.Options) {
		fake = providertest.NewToss(t)
		fc := fake.Config()
		cfg.Payments.TossPayments = config.TossPayments{Enabled: true, BaseURL: fc.BaseURL, SecretKey: fc.SecretKey,
			ClientKey: fc.ClientKey, Timeout: time.Second}
	})
}

// A Toss paymentKey pays only its own order: order A (course 0, 20,000)
// paid with key K, then order B (course 1, 20,000) confirmed with the same K
// is refused (the provider's payment is A's), and B grants nothing.
func TestTossPaymentKeyOfAnotherOrder(t *testing.T) {
	t.Parallel()
	var fake *providertest.TossFake
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		s := newShop(t, ta)
		startCourse := func(course int64) providerPayment {
			var o struct{ ID int64 }
			ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"course_id": course}}},
				as(s.learner)...).Status(201).JSON(&o)
			var st started
			ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "tosspayments"}, as(s.learner)...).
				Status(201).JSON(&st)
			return paymentOf(t, ta, s.learner, st.PaymentID)
		}
		a := startCourse(s.courses[0])
		key := fake.Authorize(a.ProviderOrder, 20000)
		ta.Request(http.MethodPost, "/api/payments/tosspayments/confirm/", map[string]any{"paymentKey": key,
			"orderId": a.ProviderOrder, "amount": 20000}, as(s.learner)...).Status(200)
		b := startCourse(s.courses[1])
		var got providerPayment
		ta.Request(http.MethodPost, "/api/payments/tosspayments/confirm/", map[string]any{"paymentKey": key,
			"orderId": b.ProviderOrder, "amount": 20000}, as(s.learner)...).JSON(&got)
		b = paymentOf(t, ta, s.learner, b.ID)
		if b.Status == "paid" || b.FailureCode != "order_mismatch" || liveGrants(t, ta, s.learner, b.OrderID) != 0 {
			t.Fatalf("order B confirmed with order A's paymentKey: %+v", b)
		}
	}, func(cfg *config.Config, _ *app.Options) {
		fake = providertest.NewToss(t)
		fc := fake.Config()
		cfg.Payments.TossPayments = config.TossPayments{Enabled: true, BaseURL: fc.BaseURL, SecretKey: fc.SecretKey,
			ClientKey: fc.ClientKey, Timeout: time.Second}
	})
}
