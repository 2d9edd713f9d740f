package commerce_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/commerce"
	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/demo"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/testkit"
)

const pw = "correct-horse-battery-9"

type user struct {
	ID    int64
	Token string
}

func newUser(t testing.TB, ta *apptest.T, name, role string) user {
	t.Helper()
	var u user
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": name + "@example.com",
		"password": pw, "password_confirm": pw, "nickname": name}).Status(201).JSON(&u)
	if role != "student" {
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", u.ID).Exec(context.Background())
		testkit.Must(t, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return u
}

// relogin signs a user in again (after the clock moved past their token).
func relogin(t testing.TB, ta *apptest.T, u *user, name string) {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
}

func as(u user, more ...string) []string {
	return append([]string{"Authorization", "Bearer " + u.Token}, more...)
}

// shop is a tutor's published curriculum of two courses (30,000원; the
// courses 20,000원 each), each with a free and a premium article, and a
// learner.
type shop struct {
	tutor, learner user
	curriculum     int64
	courses        []int64
}

func newShop(t *testing.T, ta *apptest.T) shop {
	t.Helper()
	s := shop{tutor: newUser(t, ta, "tutor", "tutor"), learner: newUser(t, ta, "learner", "student")}
	for i := range 2 {
		var c struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": fmt.Sprintf("판매 강좌 %d", i+1),
			"category": "frontend", "skill_level": "beginner", "price": 20000, "status": "published",
			"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
				{"title": "맛보기", "kind": "article", "body": "무료"},
				{"title": "본편", "kind": "article", "body": "유료 본문", "is_premium": true}}}}}, as(s.tutor)...).
			Status(201).JSON(&c)
		s.courses = append(s.courses, c.ID)
	}
	var cu struct{ ID int64 }
	ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"title": "판매 과정", "category": "frontend",
		"skill_level": "beginner", "price": 30000, "access_days": 730, "status": "published", "course_ids": s.courses},
		as(s.tutor)...).Status(201).JSON(&cu)
	s.curriculum = cu.ID
	return s
}

// started is a payment as POST /api/payments answers it.
type started struct {
	PaymentID   int64  `json:"payment_id"`
	Status      string `json:"status"`
	RedirectURL string `json:"redirect_url"`
}

type payment struct {
	ID             int64  `json:"id"`
	OrderID        int64  `json:"order_id"`
	Status         string `json:"status"`
	Amount         int64  `json:"amount"`
	FailureCode    string `json:"failure_code"`
	ApprovedAmount *int64 `json:"approved_amount"`
}

// pay orders the curriculum and starts its demo payment.
func pay(t *testing.T, ta *apptest.T, u user, curriculum int64) started {
	t.Helper()
	var o struct {
		ID     int64
		Amount int64
	}
	ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"curriculum_id": curriculum}}},
		as(u)...).Status(201).JSON(&o)
	var s started
	ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "demo"}, as(u)...).
		Status(201).JSON(&s)
	return s
}

func approve(t *testing.T, ta *apptest.T, u user, id int64, want int) payment {
	t.Helper()
	var p payment
	ta.Request(http.MethodPost, "/api/payments/demo/approve/", map[string]any{"payment_id": id}, as(u)...).Status(want).JSON(&p)
	return p
}

func count(t testing.TB, ta *apptest.T, table, where string, args ...any) int {
	t.Helper()
	n, err := ta.App.DB.R.NewSelect().Table(table).Where(where, args...).Count(context.Background())
	testkit.Must(t, err)
	return int(n)
}

// waitFor polls cond for up to 15 s (event deliveries run on the job queue).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func liveGrants(t testing.TB, ta *apptest.T, u user, orderID int64) int {
	return count(t, ta, "learning_enrollments", "user_id = ? AND ref = ? AND revoked_at IS NULL", u.ID, commerce.GrantRef(orderID))
}

func module(t testing.TB, ta *apptest.T) *commerce.Module {
	for _, m := range ta.App.Modules() {
		if c, ok := m.(*commerce.Module); ok {
			return c
		}
	}
	t.Fatal("no commerce module")
	return nil
}

// TestDefaultNanodegreePurchase is the acceptance with the demo
// provider, on the default 7-course nano-degree: cart → order → pay → all
// seven courses owned on the roadmap, premium content readable, a receipt
// of 50,000원 (JSON and PDF) → refund → access gone, the receipt shows the
// refund.
func TestDefaultNanodegreePurchase(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		u := newUser(t, ta, "buyer", "student")
		var rm struct {
			Curriculum struct {
				ID    int64
				Price int64
			}
			Courses []struct {
				ID     int64
				Status string
			}
		}
		ta.Request(http.MethodGet, "/api/roadmap/", nil, as(u)...).Status(200).JSON(&rm)
		if rm.Curriculum.Price != 50000 || len(rm.Courses) != 7 {
			t.Fatalf("the default nano-degree: %+v", rm)
		}
		cur := rm.Curriculum.ID
		ta.Request(http.MethodPost, "/api/cart/", map[string]any{"curriculum_id": cur}, as(u)...).Status(201)
		ta.Request(http.MethodPost, "/api/cart/", map[string]any{"curriculum_id": cur}, as(u)...).Problem(409, "commerce.already_in_cart")
		var o struct {
			ID     int64
			Amount int64
			Items  []struct {
				Title     string
				Price     int64
				CourseIDs []int64 `json:"course_ids"`
			}
		}
		ta.Request(http.MethodPost, "/api/orders/", nil, as(u)...).Status(201).JSON(&o)
		if o.Amount != 50000 || len(o.Items) != 1 || len(o.Items[0].CourseIDs) != 7 {
			t.Fatalf("order %+v", o)
		}
		ta.Request(http.MethodPost, "/api/billing-addresses/", map[string]any{"country": "대한민국",
			"main_address": "서울특별시 중구 세종대로 110", "postal_code": "04524"}, as(u)...).Status(201)
		body := map[string]any{"order_id": o.ID, "provider": "demo"}
		var s started
		ta.Request(http.MethodPost, "/api/payments/", body, as(u, "Idempotency-Key", "k-1")...).Status(201).JSON(&s)
		if s.Status != "ready" || s.RedirectURL != fmt.Sprintf("/payments/%d/demo", s.PaymentID) {
			t.Fatalf("started %+v", s)
		}
		var again started
		ta.Request(http.MethodPost, "/api/payments/", body, as(u, "Idempotency-Key", "k-1")...).Status(200).JSON(&again)
		if again != s {
			t.Errorf("replay %+v, first %+v", again, s)
		}
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "kakaopay"},
			as(u, "Idempotency-Key", "k-1")...).Problem(422, "commerce.idempotency_mismatch")
		if n := count(t, ta, "commerce_payments", "order_id = ?", o.ID); n != 1 {
			t.Fatalf("%d payments for one idempotency key", n)
		}

		p := approve(t, ta, u, s.PaymentID, 200)
		if p.Status != "paid" || p.Amount != 50000 {
			t.Fatalf("approved %+v", p)
		}
		// Approving again (the browser returning twice) changes nothing.
		if p2 := approve(t, ta, u, s.PaymentID, 200); p2.Status != "paid" {
			t.Errorf("second approval %+v", p2)
		}
		waitFor(t, "the grants", func() bool { return liveGrants(t, ta, u, o.ID) == 7 })
		ta.Request(http.MethodGet, "/api/roadmap/", nil, as(u)...).Status(200).JSON(&rm)
		for _, c := range rm.Courses {
			if c.Status != "owned" {
				t.Errorf("course %d is %s after the purchase", c.ID, c.Status)
			}
		}
		var cart struct{ Items []any }
		ta.Request(http.MethodGet, "/api/cart/", nil, as(u)...).Status(200).JSON(&cart)
		if len(cart.Items) != 0 {
			t.Errorf("the cart still holds %d items", len(cart.Items))
		}
		ta.Request(http.MethodPost, "/api/cart/", map[string]any{"curriculum_id": cur}, as(u)...).Problem(409, "commerce.already_owned")
		ta.Request(http.MethodPost, "/api/cart/", map[string]any{"course_id": rm.Courses[2].ID}, as(u)...).Problem(409, "commerce.already_owned")
		ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"course_id": rm.Courses[0].ID}}},
			as(u)...).Problem(409, "commerce.already_owned")
		premium := premiumTopic(t, ta, u, rm.Courses[0].ID)
		ta.Request(http.MethodGet, fmt.Sprintf("/learn/%d/%d", rm.Courses[0].ID, premium), nil,
			"Authorization", "Bearer "+u.Token, "Accept", "text/html").Status(200).NotContains("topic-locked")

		var receipts struct {
			Count   int
			Results []struct {
				ID     int64
				Kind   string
				Amount int64
				Number string
				Items  []struct{ Title string }
			}
		}
		ta.Request(http.MethodGet, "/api/receipts/", nil, as(u)...).Status(200).JSON(&receipts)
		if receipts.Count != 1 || receipts.Results[0].Amount != 50000 || receipts.Results[0].Kind != "payment" {
			t.Fatalf("receipts %+v", receipts)
		}
		rid := receipts.Results[0].ID
		pdf := ta.Request(http.MethodGet, fmt.Sprintf("/api/receipts/%d/pdf/", rid), nil, as(u)...).Status(200)
		if ct := pdf.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("PDF served as %q", ct)
		}
		text := pdfText(t, pdf.Body)
		for _, want := range []string{receipts.Results[0].Items[0].Title, "50,000", "결제 영수증", "서울특별시"} {
			if !strings.Contains(text, want) {
				t.Errorf("the receipt PDF lacks %q:\n%s", want, text)
			}
		}

		var refunded payment
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", s.PaymentID), nil, as(u)...).Status(200).JSON(&refunded)
		if refunded.Status != "refunded" {
			t.Fatalf("refund %+v", refunded)
		}
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", s.PaymentID), nil, as(u)...).Status(200)
		waitFor(t, "the revocation", func() bool { return liveGrants(t, ta, u, o.ID) == 0 })
		ta.Request(http.MethodGet, "/api/roadmap/", nil, as(u)...).Status(200).JSON(&rm)
		for _, c := range rm.Courses {
			if c.Status == "owned" || c.Status == "in_progress" {
				t.Errorf("course %d is still %s after the refund", c.ID, c.Status)
			}
		}
		ta.Request(http.MethodGet, fmt.Sprintf("/learn/%d/%d", rm.Courses[0].ID, premium), nil,
			"Authorization", "Bearer "+u.Token, "Accept", "text/html").Status(200).Contains("topic-locked")
		ta.Request(http.MethodGet, "/api/receipts/", nil, as(u)...).Status(200).JSON(&receipts)
		if receipts.Count != 2 || receipts.Results[0].Kind != "refund" || receipts.Results[0].Amount != 50000 {
			t.Fatalf("receipts after the refund %+v", receipts)
		}
		var first struct {
			RefundReceiptID *int64 `json:"refund_receipt_id"`
		}
		ta.Request(http.MethodGet, fmt.Sprintf("/api/receipts/%d/", rid), nil, as(u)...).Status(200).JSON(&first)
		if first.RefundReceiptID == nil || *first.RefundReceiptID != receipts.Results[0].ID {
			t.Errorf("the payment's receipt does not point at its refund: %+v", first)
		}
		refundPDF := ta.Request(http.MethodGet, fmt.Sprintf("/api/receipts/%d/pdf/", receipts.Results[0].ID), nil, as(u)...).Status(200)
		if text := pdfText(t, refundPDF.Body); !strings.Contains(text, "환불 영수증") || !strings.Contains(text, "50,000") {
			t.Errorf("the refund receipt PDF:\n%s", text)
		}
	}, func(cfg *config.Config, _ *app.Options) { cfg.Content.ImportDefault = true })
}

// premiumTopic returns a premium topic of a course.
func premiumTopic(t *testing.T, ta *apptest.T, u user, course int64) int64 {
	t.Helper()
	var c struct {
		Lectures []struct {
			Topics []struct {
				ID      int64
				Premium bool `json:"is_premium"`
			}
		}
	}
	ta.Request(http.MethodGet, fmt.Sprintf("/api/courses/%d/", course), nil, as(u)...).Status(200).JSON(&c)
	for _, l := range c.Lectures {
		for _, tp := range l.Topics {
			if tp.Premium {
				return tp.ID
			}
		}
	}
	t.Fatalf("course %d has no premium topic", course)
	return 0
}

func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed: cannot read the receipt PDF back")
	}
	p := filepath.Join(t.TempDir(), "receipt.pdf")
	testkit.Must(t, os.WriteFile(p, b, 0o600))
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output()
	testkit.Must(t, err)
	return string(out)
}

// Twenty approvals of one payment at once: one paid payment, one set of
// grants; two orders at once: one pending order.
func TestConcurrentApprovalsAndOrders(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		s := newShop(t, ta)
		st := pay(t, ta, s.learner, s.curriculum)
		const n = 20
		statuses := make([]int, n)
		paid := make([]string, n)
		ta.Together(t, n, func(int) *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/api/payments/demo/approve/",
				strings.NewReader(fmt.Sprintf(`{"payment_id":%d}`, st.PaymentID)))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+s.learner.Token)
			return r
		}, func(i int, resp *http.Response) {
			statuses[i] = resp.StatusCode
			var p payment
			_ = json.NewDecoder(resp.Body).Decode(&p)
			paid[i] = p.Status
		})
		for i := range n {
			if statuses[i] != 200 && statuses[i] != 202 {
				t.Errorf("approval %d: %d", i, statuses[i])
			}
		}
		var p payment
		ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/%d/", st.PaymentID), nil, as(s.learner)...).Status(200).JSON(&p)
		if p.Status != "paid" {
			t.Fatalf("payment %+v", p)
		}
		if got := count(t, ta, "commerce_payments", "status = 'paid'"); got != 1 {
			t.Errorf("%d paid payments", got)
		}
		if got := count(t, ta, "commerce_receipts", "payment_id = ?", st.PaymentID); got != 1 {
			t.Errorf("%d receipts", got)
		}
		waitFor(t, "the grants", func() bool { return liveGrants(t, ta, s.learner, p.OrderID) == 2 })
		time.Sleep(300 * time.Millisecond) // a duplicate delivery would have landed by now
		if got := count(t, ta, "learning_enrollments", "user_id = ?", s.learner.ID); got != 2 {
			t.Errorf("%d enrollments for one purchase of two courses", got)
		}

		// Two orders at once by another learner: one pending order.
		b := newUser(t, ta, "bob", "student")
		codes := make([]int, 2)
		ta.Together(t, 2, func(i int) *http.Request {
			body := fmt.Sprintf(`{"items":[{"course_id":%d}]}`, s.courses[i])
			r := httptest.NewRequest(http.MethodPost, "/api/orders/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+b.Token)
			return r
		}, func(i int, resp *http.Response) { codes[i] = resp.StatusCode })
		for i, c := range codes {
			if c != 201 && c != 409 {
				t.Errorf("order %d: %d", i, c)
			}
		}
		if got := count(t, ta, "commerce_orders", "user_id = ? AND status = 'pending'", b.ID); got != 1 {
			t.Errorf("%d pending orders after two at once", got)
		}
	})
}

// flaky is the demo provider with a failure mode on Approve.
type flaky struct {
	*demo.Provider
	mu        sync.Mutex
	mode      string // "timeout": charges, then the answer is lost; "amount": charges another amount
	cancelled []string
}

func (f *flaky) Approve(ctx context.Context, in provider.ApproveInput) (*provider.Result, error) {
	res, err := f.Provider.Approve(ctx, in)
	if err != nil {
		return nil, err
	}
	switch f.mode {
	case "timeout":
		return nil, fmt.Errorf("approve: %w", provider.ErrUnavailable)
	case "amount":
		out := *res
		out.Amount += 1000
		return &out, nil
	}
	return res, nil
}

func (f *flaky) Cancel(ctx context.Context, in provider.CancelInput) (*provider.Result, error) {
	f.mu.Lock()
	f.cancelled = append(f.cancelled, fmt.Sprintf("%s:%d", in.TID, in.Amount))
	f.mu.Unlock()
	if f.mode == "amount" {
		in.Amount -= 1000 // the demo holds the real amount
	}
	return f.Provider.Cancel(ctx, in)
}

// A provider that times out on approve leaves the payment approving, and
// the reconciler settles it; one that charged another amount fails the
// payment and has it cancelled.
func TestProviderFailures(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"timeout", "amount"} {
		t.Run(mode, func(t *testing.T) {
			fk := &flaky{Provider: demo.New(nil), mode: mode}
			apptest.Each(t, func(t *testing.T, ta *apptest.T) {
				fk.mu.Lock()
				fk.cancelled = nil
				fk.mu.Unlock()
				s := newShop(t, ta)
				st := pay(t, ta, s.learner, s.curriculum)
				switch mode {
				case "timeout":
					p := approve(t, ta, s.learner, st.PaymentID, 202)
					if p.Status != "approving" {
						t.Fatalf("after a timeout: %+v", p)
					}
					approve(t, ta, s.learner, st.PaymentID, 202) // the browser again: still waiting, no second charge
					m := module(t, ta)
					if _, err := m.Reconcile(context.Background()); err != nil {
						t.Fatal(err)
					}
					ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/%d/", st.PaymentID), nil, as(s.learner)...).Status(200).JSON(&p)
					if p.Status != "approving" {
						t.Fatalf("settled before it was stale: %+v", p)
					}
					ta.Clock.Advance(3 * time.Minute)
					if n, err := m.Reconcile(context.Background()); err != nil || n != 1 {
						t.Fatalf("reconcile: %d, %v", n, err)
					}
					ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/%d/", st.PaymentID), nil, as(s.learner)...).Status(200).JSON(&p)
					if p.Status != "paid" {
						t.Fatalf("reconciled: %+v", p)
					}
					if got := count(t, ta, "commerce_receipts", "payment_id = ?", st.PaymentID); got != 1 {
						t.Errorf("%d receipts", got)
					}
				case "amount":
					p := approve(t, ta, s.learner, st.PaymentID, 200)
					if p.Status != "failed" || p.FailureCode != "amount_mismatch" || p.ApprovedAmount != nil {
						t.Fatalf("another amount: %+v", p)
					}
					fk.mu.Lock()
					cancelled := fk.cancelled
					fk.mu.Unlock()
					if len(cancelled) != 1 || !strings.HasSuffix(cancelled[0], ":31000") {
						t.Errorf("cancelled at the provider: %v", cancelled)
					}
					if got := count(t, ta, "commerce_payments", "id = ? AND provider_cancelled_at IS NOT NULL", st.PaymentID); got != 1 {
						t.Error("the cancellation at the provider is not recorded")
					}
					if got := count(t, ta, "commerce_orders", "id = ? AND status = 'pending'", p.OrderID); got != 1 {
						t.Error("the order is no longer pending: the learner cannot pay again")
					}
				}
			}, func(_ *config.Config, o *app.Options) { o.PaymentProviders = append(o.PaymentProviders, fk) })
		})
	}
}

// Another user's order, payment, receipt, address or cart item is a 404;
// the payer's refund policy (days, consumption) holds, admins refund always.
func TestOwnershipAndRefundPolicy(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		s := newShop(t, ta)
		other := newUser(t, ta, "other", "student")
		admin := newUser(t, ta, "admin", "admin")
		var addr, item struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/billing-addresses/", map[string]any{"country": "KR", "main_address": "부산",
			"postal_code": "48000"}, as(s.learner)...).Status(201).JSON(&addr)
		ta.Request(http.MethodPost, "/api/cart/", map[string]any{"course_id": s.courses[0]}, as(s.learner)...).Status(201).JSON(&item)
		st := pay(t, ta, s.learner, s.curriculum)
		p := approve(t, ta, s.learner, st.PaymentID, 200)
		var receipts struct{ Results []struct{ ID int64 } }
		ta.Request(http.MethodGet, "/api/receipts/", nil, as(s.learner)...).Status(200).JSON(&receipts)
		for _, path := range []string{
			fmt.Sprintf("/api/orders/%d/", p.OrderID), fmt.Sprintf("/api/payments/%d/", p.ID),
			fmt.Sprintf("/api/receipts/%d/", receipts.Results[0].ID), fmt.Sprintf("/api/receipts/%d/pdf/", receipts.Results[0].ID),
			fmt.Sprintf("/api/billing-addresses/%d/", addr.ID), fmt.Sprintf("/api/cart/%d/", item.ID),
		} {
			ta.Request(http.MethodGet, path, nil, as(other)...).Status(404)
		}
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": p.OrderID, "provider": "demo"}, as(other)...).Status(404)
		ta.Request(http.MethodPost, "/api/payments/demo/approve/", map[string]any{"payment_id": p.ID}, as(other)...).Status(404)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", p.ID), nil, as(other)...).Status(404)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/billing-addresses/%d/", addr.ID), nil, as(other)...).Status(404)
		ta.Request(http.MethodGet, fmt.Sprintf("/api/receipts/%d/", receipts.Results[0].ID), nil, as(admin)...).Status(200)

		// The payment kept its copy of the address.
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/billing-addresses/%d/", addr.ID), nil, as(s.learner)...).Status(204)
		var withBilling struct {
			Billing *struct {
				MainAddress string `json:"main_address"`
			}
		}
		ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/%d/", p.ID), nil, as(s.learner)...).Status(200).JSON(&withBilling)
		if withBilling.Billing == nil || withBilling.Billing.MainAddress != "부산" {
			t.Errorf("billing snapshot %+v", withBilling.Billing)
		}
		var sealed string
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("commerce_payments").Column("billing_sealed").Where("id = ?", p.ID).
			Scan(context.Background(), &sealed))
		if strings.Contains(sealed, "부산") || !strings.HasPrefix(sealed, "v1:") {
			t.Errorf("the billing snapshot is not encrypted: %q", sealed)
		}

		ta.Clock.Advance(8 * 24 * time.Hour)
		relogin(t, ta, &s.learner, "learner")
		relogin(t, ta, &admin, "admin")
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", p.ID), nil, as(s.learner)...).Problem(409, "commerce.refund_too_late")
		var r payment
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", p.ID), nil, as(admin)...).Status(200).JSON(&r)
		if r.Status != "refunded" {
			t.Errorf("admin refund %+v", r)
		}
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", 999999), nil, as(admin)...).Status(404)
	})
}

// Billing addresses: exactly one default, which moves and is promoted.
func TestBillingAddressDefault(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		u := newUser(t, ta, "addr", "student")
		ids := []int64{}
		for i := range 3 {
			var a struct {
				ID        int64
				IsDefault bool `json:"is_default"`
			}
			ta.Request(http.MethodPost, "/api/billing-addresses/", map[string]any{"country": "KR", "main_address": fmt.Sprintf("주소 %d", i),
				"postal_code": "01234", "is_default": i == 2}, as(u)...).Status(201).JSON(&a)
			ids = append(ids, a.ID)
			if a.IsDefault != (i != 1) {
				t.Errorf("address %d default %v", i, a.IsDefault)
			}
		}
		defaults := func() int { return count(t, ta, "commerce_billing_addresses", "user_id = ? AND is_default", u.ID) }
		if defaults() != 1 {
			t.Fatalf("%d defaults", defaults())
		}
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/billing-addresses/%d/", ids[2]), nil, as(u)...).Status(204)
		if defaults() != 1 {
			t.Fatalf("%d defaults after deleting the default", defaults())
		}
		ta.Request(http.MethodPost, "/api/billing-addresses/", map[string]any{"country": "", "main_address": "x"}, as(u)...).Status(422)
		ta.Request(http.MethodPut, fmt.Sprintf("/api/billing-addresses/%d/", ids[0]), map[string]any{"country": "KR",
			"main_address": "바뀐 주소", "postal_code": "1", "is_default": true}, as(u)...).Status(200).Contains("바뀐 주소")
		if defaults() != 1 {
			t.Fatalf("%d defaults after moving it", defaults())
		}
	})
}

// The checkout pages: the enroll button's URL, the pay button, the demo's
// approval page, the result; a double submit starts one payment.
func TestCheckoutPages(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		s := newShop(t, ta)
		c := testkit.Login(t, ta.Client, "learner@example.com", pw)
		page := func(method, path, form string) *testkit.Response {
			t.Helper()
			var body *bytes.Reader
			if form != "" {
				body = bytes.NewReader([]byte(form))
			} else {
				body = bytes.NewReader(nil)
			}
			r := httptest.NewRequest(method, path, body)
			if form != "" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			h := c.Headers(path, true)
			r.Header.Set(h[0], h[1])
			r.Header.Set("Accept", "text/html")
			return ta.Do(r)
		}
		ta.Get(fmt.Sprintf("/checkout?curriculum=%d", s.curriculum), "Accept", "text/html").Status(303)
		page("GET", fmt.Sprintf("/checkout?curriculum=%d", s.curriculum), "").Status(200).
			Contains("30,000원", "판매 과정", `id="pay-button"`, "데모 결제", `value="대한민국"`)
		page("GET", "/checkout?course=999999", "").Status(404)
		// An address half filled in: the form again, with the field's error; nothing stored.
		page("POST", "/checkout", fmt.Sprintf("nonce=n-0&kind=curriculum&id=%d&provider=demo&address=new&main_address=x", s.curriculum)).
			Status(422).Contains(`id="checkout-form"`, "입력해 주세요", `value="x"`)
		if n := count(t, ta, "commerce_orders", "user_id = ?", s.learner.ID) + count(t, ta, "commerce_billing_addresses", "user_id = ?", s.learner.ID); n != 0 {
			t.Errorf("a refused checkout stored %d rows", n)
		}
		form := fmt.Sprintf("nonce=n-1&kind=curriculum&id=%d&provider=demo&address=new&country=KR&main_address=%s&postal_code=06000",
			s.curriculum, "서울")
		first := page("POST", "/checkout", form).Status(303)
		loc := first.Header.Get("Location")
		if !strings.HasPrefix(loc, "/payments/") || !strings.HasSuffix(loc, "/demo") {
			t.Fatalf("checkout went to %q", loc)
		}
		if again := page("POST", "/checkout", form).Status(303).Header.Get("Location"); again != loc {
			t.Errorf("a double submit went to %q, then %q", loc, again)
		}
		if got := count(t, ta, "commerce_payments", "user_id = ?", s.learner.ID); got != 1 {
			t.Errorf("%d payments after a double submit", got)
		}
		page("GET", loc, "").Status(200).Contains("30,000원", `id="demo-approve"`)
		result := page("POST", loc, "action=approve").Status(303).Header.Get("Location")
		page("GET", result, "").Status(200).Contains(`data-status="paid"`, "결제가 완료됐어요")
		page("GET", "/me/orders", "").Status(200).Contains("판매 과정", "결제 완료")
		waitFor(t, "the grants", func() bool {
			return count(t, ta, "learning_enrollments", "user_id = ? AND revoked_at IS NULL", s.learner.ID) == 2
		})
		page("GET", fmt.Sprintf("/checkout?curriculum=%d", s.curriculum), "").Status(200).Contains(`id="checkout-owned"`)
		page("POST", "/checkout", form).Status(303) // the same form once more: the first payment again
		page("POST", "/checkout", strings.Replace(form, "n-1", "n-2", 1)).Status(409).Contains("이미 수강 중")
		// The course page's button leads here.
		page("GET", fmt.Sprintf("/courses/%d", s.courses[0]), "").Status(200)
		ta.Get(fmt.Sprintf("/courses/%d", s.courses[0]), "Accept", "text/html").Status(200).
			Contains(fmt.Sprintf(`href="/checkout?course=%d"`, s.courses[0]))
	})
}

// A key still running (the first request with it has not finished) is a
// 409; the key is per user.
func TestIdempotencyKeyInProgress(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		s := newShop(t, ta)
		var o struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"curriculum_id": s.curriculum}}},
			as(s.learner)...).Status(201).JSON(&o)
		in := commerce.PaymentInput{OrderID: o.ID, Provider: "demo"}
		b, _ := json.Marshal(in)
		sum := sha256.Sum256(b)
		_, err := ta.App.DB.W.NewRaw("INSERT INTO commerce_idempotency_keys (user_id, idem_key, request_hash, status, created_at) "+
			"VALUES (?, ?, ?, ?, ?)", s.learner.ID, "busy", hex.EncodeToString(sum[:]), "in_progress", ta.Clock.Now()).
			Exec(context.Background())
		testkit.Must(t, err)
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "demo"},
			as(s.learner, "Idempotency-Key", "busy")...).Problem(409, "commerce.idempotency_in_progress")
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "demo"},
			as(s.learner, "Idempotency-Key", strings.Repeat("k", 256))...).Status(422)
		if n := count(t, ta, "commerce_payments", "order_id = ?", o.ID); n != 0 {
			t.Errorf("%d payments started under a busy key", n)
		}
		var left started
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "demo"}, as(s.learner)...).
			Status(201).JSON(&left)
		// Two days later the reconciler has forgotten the key and cancelled
		// the payment left ready; the same key starts a payment.
		ta.Clock.Advance(49 * time.Hour)
		if _, err := module(t, ta).Reconcile(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := count(t, ta, "commerce_idempotency_keys", "user_id = ?", s.learner.ID); n != 0 {
			t.Errorf("%d idempotency keys kept past their time", n)
		}
		if n := count(t, ta, "commerce_payments", "id = ? AND status = 'cancelled'", left.PaymentID); n != 1 {
			t.Error("a payment left ready for two days is not cancelled")
		}
		relogin(t, ta, &s.learner, "learner")
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "demo"},
			as(s.learner, "Idempotency-Key", "busy")...).Status(201)
	})
}

// `weaverse keys rotate` re-seals billing addresses and payments' copies
// under the new key; they still read the same.
func TestBillingKeyRotation(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		s := newShop(t, ta)
		var a struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/billing-addresses/", map[string]any{"country": "KR", "main_address": "광주",
			"postal_code": "61000"}, as(s.learner)...).Status(201).JSON(&a)
		st := pay(t, ta, s.learner, s.curriculum)
		oldID := ta.App.Keys.ActiveID()
		fresh := bytes.Repeat([]byte{7}, crypto.KeySize)
		old, err := crypto.ParseKey(ta.App.Config.EncryptionKey)
		testkit.Must(t, err)
		k, err := crypto.NewKeyring(fresh, old)
		testkit.Must(t, err)
		*ta.App.Keys = *k // what a restart with the rotated configuration does
		n, err := ta.App.RotateKeys(context.Background())
		testkit.Must(t, err)
		if n != 2 {
			t.Errorf("%d values re-sealed, want the address and the payment's copy", n)
		}
		if got := count(t, ta, "commerce_billing_addresses", "sealed LIKE ?", "v1:"+oldID+":%"); got != 0 {
			t.Errorf("%d addresses still under the old key", got)
		}
		ta.Request(http.MethodGet, fmt.Sprintf("/api/billing-addresses/%d/", a.ID), nil, as(s.learner)...).Status(200).Contains("광주")
		ta.Request(http.MethodGet, fmt.Sprintf("/api/payments/%d/", st.PaymentID), nil, as(s.learner)...).Status(200).Contains("광주")
	})
}

// The payer's refund ends once they watched 10% of the product's video;
// the refund page says how much they watched.
func TestRefundConsumption(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		s := newShop(t, ta)
		st := pay(t, ta, s.learner, s.curriculum)
		approve(t, ta, s.learner, st.PaymentID, 200)
		// Each course's premium article becomes a 500-second video (1,000
		// seconds in the product); the learner watched 150 s of one.
		ctx := context.Background()
		_, err := ta.App.DB.W.NewRaw("UPDATE catalog_topics SET kind = 'video', duration = 500, content = ? WHERE course_id IN (?) AND is_premium",
			`{"video":"media:video:777"}`, bun.In(s.courses)).Exec(ctx)
		testkit.Must(t, err)
		now := ta.Clock.Now()
		_, err = ta.App.DB.W.NewRaw("INSERT INTO learning_video_progress (user_id, video_id, duration_ms, position_ms, watched_ms, "+
			"learning_ms, intervals, playing, rate_milli, events, created_at, updated_at) VALUES (?, 777, 500000, 150000, 150000, "+
			"150000, '[]', FALSE, 1000, 1, ?, ?)", s.learner.ID, now, now).Exec(ctx)
		testkit.Must(t, err)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", st.PaymentID), nil, as(s.learner)...).
			Problem(409, "commerce.refund_consumed")
		c := testkit.Login(t, ta.Client, "learner@example.com", pw)
		path := fmt.Sprintf("/me/payments/%d/refund", st.PaymentID)
		ta.Request(http.MethodGet, path, nil, append(c.Headers(path, true), "Accept", "text/html")...).Status(200).
			Contains(`id="refund-denied"`, "15%").NotContains(`id="refund-submit"`)
		_, err = ta.App.DB.W.NewRaw("UPDATE learning_video_progress SET watched_ms = 90000 WHERE user_id = ?", s.learner.ID).Exec(ctx)
		testkit.Must(t, err)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", st.PaymentID), nil, as(s.learner)...).Status(200)
	})
}

// A course bought is not sold again before its grant arrives (OrderPaid
// is delivered after the commit: here never, the app's workers are not
// started), nor twice in one order (a curriculum and one of its courses).
func TestNoDoubleSale(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		s := newShop(t, ta)
		var o struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"course_id": s.courses[0]}}},
			as(s.learner)...).Status(201).JSON(&o)
		var st started
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "demo"}, as(s.learner)...).
			Status(201).JSON(&st)
		paidAt := ta.Clock.Now()
		if p := approve(t, ta, s.learner, st.PaymentID, 200); p.Status != "paid" {
			t.Fatalf("payment %+v", p)
		}
		if n := liveGrants(t, ta, s.learner, o.ID); n != 0 {
			t.Fatalf("%d grants delivered: the test needs the window before them", n)
		}
		ta.Request(http.MethodPost, "/api/cart/", map[string]any{"course_id": s.courses[0]}, as(s.learner)...).Problem(409, "commerce.already_owned")
		ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"course_id": s.courses[0]}}},
			as(s.learner)...).Problem(409, "commerce.already_owned")
		ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"curriculum_id": s.curriculum},
			{"course_id": s.courses[1]}}}, as(s.learner)...).Problem(409, "commerce.overlapping_items")
		// The curriculum alone is still for sale: one of its courses is not owned.
		ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"curriculum_id": s.curriculum}}},
			as(s.learner)...).Status(201)
		// Another learner may buy the course.
		other := newUser(t, ta, "other", "student")
		ta.Request(http.MethodPost, "/api/cart/", map[string]any{"course_id": s.courses[0]}, as(other)...).Status(201)

		// Delivered ten days late, the access still runs 730 days from the payment.
		ta.Clock.Advance(10 * 24 * time.Hour)
		testkit.Must(t, ta.App.Start(context.Background()))
		waitFor(t, "the grant", func() bool { return liveGrants(t, ta, s.learner, o.ID) == 1 })
		var exp time.Time
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("learning_enrollments").Column("expires_at").
			Where("ref = ?", fmt.Sprintf("order:%d", o.ID)).Scan(context.Background(), &exp))
		if d := exp.Sub(paidAt.AddDate(0, 0, 730)); d < -time.Minute || d > time.Minute {
			t.Fatalf("access ends %v, want 730 days from the payment (%v)", exp, paidAt)
		}
	})
}

// The second of two submissions of one checkout form with a new address
// (each saved its own address, so their bodies differ) follows the first
// submission's payment instead of showing an error.
func TestCheckoutSubmittedTwiceWithNewAddress(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		s := newShop(t, ta)
		c := testkit.Login(t, ta.Client, "learner@example.com", pw)
		// The first submission finished: its key holds its payment.
		_, err := ta.App.DB.W.NewRaw("INSERT INTO commerce_idempotency_keys (user_id, idem_key, request_hash, status, http_status, body, created_at) "+
			"VALUES (?, 'n-1', 'the first body, with its own address', 'done', 201, ?, ?)", s.learner.ID,
			`{"payment_id":4242,"status":"ready","redirect_url":"/payments/4242/demo"}`, ta.Clock.Now()).Exec(context.Background())
		testkit.Must(t, err)
		form := fmt.Sprintf("nonce=n-1&kind=curriculum&id=%d&provider=demo&address=new&country=KR&main_address=%s&postal_code=06000",
			s.curriculum, url.QueryEscape("서울"))
		if loc := ta.Request(http.MethodPost, "/checkout", form, append(c.Headers("/checkout", true), "Accept", "text/html",
			"Content-Type", "application/x-www-form-urlencoded")...).Status(303).Header.Get("Location"); loc != "/payments/4242/demo" {
			t.Fatalf("the second submission went to %q", loc)
		}
	})
}
