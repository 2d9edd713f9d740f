package providertest

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider/tosspayments"
)

// TossFake is a Toss Payments server: the browser SDK's step is
// Authorize (or the page at PayURL), the rest is the API.
type TossFake struct {
	*httptest.Server
	knobs[string]
	// SecretKey is the key it accepts; ClientKey is handed to the SDK.
	SecretKey, ClientKey string

	t        testing.TB
	payments map[string]*tossPayment // by paymentKey
	byOrder  map[string]string       // orderId → the latest paymentKey
	replays  map[string]*replay      // by Idempotency-Key, method and path
}

type tossPayment struct {
	key, orderID       string
	amount             int64 // authorised
	total, balance     int64 // charged, still cancellable
	status             string
	requested, approve time.Time
	cancels            []map[string]any
}

// replay is the first answer to an idempotency key; done closes once it
// is known.
type replay struct {
	done   chan struct{}
	status int
	body   any
}

// tossErr is a refusal {code, message}.
type tossErr struct {
	status        int
	code, message string
}

// NewToss starts a fake, closed when the test ends.
func NewToss(t testing.TB) *TossFake {
	t.Helper()
	f := &TossFake{knobs: newKnobs[string](), SecretKey: "test_sk_providertest", ClientKey: "test_ck_providertest",
		t: t, payments: map[string]*tossPayment{}, byOrder: map[string]string{}, replays: map[string]*replay{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/payments/confirm", f.handle(EndpointApprove, f.confirm))
	mux.HandleFunc("GET /v1/payments/{paymentKey}", f.handle(EndpointLookup, f.lookupByKey))
	mux.HandleFunc("GET /v1/payments/orders/{orderId}", f.handle(EndpointLookup, f.lookupByOrder))
	mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", f.handle(EndpointCancel, f.cancel))
	mux.HandleFunc("GET /pay", f.page)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Server.Close)
	t.Cleanup(f.close)
	return f
}

// Config is a client configuration that talks to this fake, with a short
// backoff.
func (f *TossFake) Config() tosspayments.Config {
	return tosspayments.Config{BaseURL: f.URL, SecretKey: f.SecretKey, ClientKey: f.ClientKey,
		Backoff: time.Millisecond, HTTPClient: f.Client()}
}

// Authorize does what the browser SDK does when the payer pays: it
// authorises amount for orderID and returns the paymentKey the success
// URL would carry.
func (f *TossFake) Authorize(orderID string, amount int64) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authorize(orderID, amount)
}

func (f *TossFake) authorize(orderID string, amount int64) string {
	p := &tossPayment{orderID: orderID, amount: amount, status: "IN_PROGRESS", requested: time.Now()}
	for p.key == "" || f.payments[p.key] != nil {
		p.key = "tfake" + token(20)
	}
	f.payments[p.key] = p
	f.byOrder[orderID] = p.key
	return p.key
}

// PayURL is a page standing in for the SDK's payment window: it
// authorises the payment and sends the browser to successURL with
// paymentKey, orderId and amount (or to failURL, by PageOutcome or
// ?outcome=).
func (f *TossFake) PayURL(orderID string, amount int64, successURL, failURL string) string {
	return withQuery(f.URL+"/pay", "orderId", orderID, "amount", strconv.FormatInt(amount, 10),
		"successUrl", successURL, "failUrl", failURL)
}

func (f *TossFake) page(w http.ResponseWriter, r *http.Request) {
	f.record(EndpointPage, r, nil, nil)
	q := r.URL.Query()
	amount, err := strconv.ParseInt(q.Get("amount"), 10, 64)
	if err != nil || q.Get("orderId") == "" || q.Get("successUrl") == "" || q.Get("failUrl") == "" {
		http.Error(w, "orderId, amount, successUrl and failUrl are required", http.StatusBadRequest)
		return
	}
	switch f.outcome(r) {
	case OutcomeCancel:
		http.Redirect(w, r, withQuery(q.Get("failUrl"), "code", "PAY_PROCESS_CANCELED",
			"message", "사용자에 의해 결제가 취소되었습니다.", "orderId", q.Get("orderId")), http.StatusFound)
	case OutcomeFail:
		http.Redirect(w, r, withQuery(q.Get("failUrl"), "code", "PAY_PROCESS_ABORTED",
			"message", "결제 진행 중 승인에 실패하여 결제가 중단되었습니다.", "orderId", q.Get("orderId")), http.StatusFound)
	default:
		key := f.Authorize(q.Get("orderId"), amount)
		http.Redirect(w, r, withQuery(q.Get("successUrl"), "paymentKey", key, "orderId", q.Get("orderId"),
			"amount", q.Get("amount"), "paymentType", "NORMAL"), http.StatusFound)
	}
}

// Status is a payment's status ("IN_PROGRESS", "DONE", "CANCELED"…), ""
// for an unknown paymentKey.
func (f *TossFake) Status(paymentKey string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.payments[paymentKey]; p != nil {
		return p.status
	}
	return ""
}

// Cancelled says whether the payment was cancelled in full.
func (f *TossFake) Cancelled(paymentKey string) bool { return f.Status(paymentKey) == "CANCELED" }

// handle wraps an operation: it records the call, checks the key, replays
// an idempotency key's first answer, and answers.
func (f *TossFake) handle(endpoint string, op func(*http.Request, map[string]string) (any, *tossErr)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body := readBody(r)
		params, ok := jsonParams(body)
		f.record(endpoint, r, params, body)
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(f.SecretKey+":"))
		if r.Header.Get("Authorization") != want {
			f.writeErr(w, &tossErr{http.StatusUnauthorized, "UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."})
			return
		}
		if r.Method == http.MethodPost && !ok {
			f.writeErr(w, &tossErr{http.StatusBadRequest, "INVALID_REQUEST", "잘못된 요청입니다."})
			return
		}
		if code, failed := f.takeFailure(); failed {
			f.writeFailure(w, code)
			return
		}
		rp, first := f.replayFor(r)
		if rp != nil && !first {
			<-rp.done
			writeJSON(w, rp.status, rp.body)
			return
		}
		status, res := f.run(endpoint, r, params, op)
		if rp != nil {
			rp.status, rp.body = status, res
			close(rp.done)
		}
		writeJSON(w, status, res)
	}
}

func (f *TossFake) run(endpoint string, r *http.Request, params map[string]string,
	op func(*http.Request, map[string]string) (any, *tossErr)) (int, any) {
	if endpoint == EndpointApprove {
		d, _ := f.approval()
		f.sleep(d)
	}
	res, e := op(r, params)
	if e != nil {
		return e.status, map[string]string{"code": e.code, "message": e.message}
	}
	return http.StatusOK, res
}

// replayFor finds or reserves the answer to the request's Idempotency-Key
// (nil without one). A repeat waits for the first answer and gets it,
// as Toss does.
func (f *TossFake) replayFor(r *http.Request) (rp *replay, first bool) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method != http.MethodPost {
		return nil, false
	}
	id := key + " " + r.Method + " " + r.URL.Path
	f.mu.Lock()
	defer f.mu.Unlock()
	if rp := f.replays[id]; rp != nil {
		return rp, false
	}
	rp = &replay{done: make(chan struct{})}
	f.replays[id] = rp
	return rp, true
}

func (f *TossFake) writeErr(w http.ResponseWriter, e *tossErr) {
	writeJSON(w, e.status, map[string]string{"code": e.code, "message": e.message})
}

// writeFailure answers an injected failure: a code of digits is a bare
// HTTP status, another a refusal with its documented status.
func (f *TossFake) writeFailure(w http.ResponseWriter, code string) {
	if n, err := strconv.Atoi(code); err == nil {
		writeStatus(w, n)
		return
	}
	status := http.StatusBadRequest
	switch code {
	case "FAILED_INTERNAL_SYSTEM_PROCESSING", "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING", "UNKNOWN_PAYMENT_ERROR":
		status = http.StatusInternalServerError
	case "UNAUTHORIZED_KEY":
		status = http.StatusUnauthorized
	case "FORBIDDEN_REQUEST", "NOT_CANCELABLE_AMOUNT", "NOT_CANCELABLE_PAYMENT":
		status = http.StatusForbidden
	case "NOT_FOUND_PAYMENT", "NOT_FOUND":
		status = http.StatusNotFound
	}
	f.writeErr(w, &tossErr{status, code, "injected failure (providertest.FailNext)"})
}

func notFound() *tossErr {
	return &tossErr{http.StatusNotFound, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 입니다."}
}

func invalid(why string) *tossErr {
	return &tossErr{http.StatusBadRequest, "INVALID_REQUEST", "잘못된 요청입니다. (" + why + ")"}
}

func (f *TossFake) confirm(_ *http.Request, p map[string]string) (any, *tossErr) {
	amount, err := strconv.ParseInt(p["amount"], 10, 64)
	if p["paymentKey"] == "" || p["orderId"] == "" || err != nil {
		return nil, invalid("paymentKey, orderId and amount are required")
	}
	_, override := f.approval()
	f.mu.Lock()
	defer f.mu.Unlock()
	pay := f.payments[p["paymentKey"]]
	switch {
	case pay == nil:
		return nil, notFound()
	case pay.status != "IN_PROGRESS":
		return nil, &tossErr{http.StatusBadRequest, "ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다."}
	case p["orderId"] != pay.orderID:
		return nil, invalid("orderId does not match the authorised payment")
	case amount != pay.amount:
		return nil, invalid("amount does not match the authorised payment")
	}
	pay.status, pay.approve, pay.total = "DONE", time.Now(), pay.amount
	if override > 0 {
		pay.total = override
	}
	pay.balance = pay.total
	return pay.json(), nil
}

func (f *TossFake) lookupByKey(r *http.Request, _ map[string]string) (any, *tossErr) {
	return f.lookup(r.PathValue("paymentKey"))
}

func (f *TossFake) lookupByOrder(r *http.Request, _ map[string]string) (any, *tossErr) {
	f.mu.Lock()
	key := f.byOrder[r.PathValue("orderId")]
	f.mu.Unlock()
	return f.lookup(key)
}

func (f *TossFake) lookup(key string) (any, *tossErr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pay := f.payments[key]
	if pay == nil {
		return nil, notFound()
	}
	return pay.json(), nil
}

func (f *TossFake) cancel(r *http.Request, p map[string]string) (any, *tossErr) {
	if p["cancelReason"] == "" {
		return nil, invalid("cancelReason is required")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	pay := f.payments[r.PathValue("paymentKey")]
	switch {
	case pay == nil:
		return nil, notFound()
	case pay.status == "CANCELED":
		return nil, &tossErr{http.StatusBadRequest, "ALREADY_CANCELED_PAYMENT", "이미 취소된 결제 입니다."}
	case pay.status != "DONE" && pay.status != "PARTIAL_CANCELED":
		return nil, &tossErr{http.StatusForbidden, "NOT_CANCELABLE_PAYMENT", "취소 할 수 없는 결제 입니다."}
	}
	amount := pay.balance
	if s := p["cancelAmount"]; s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n > pay.balance {
			return nil, &tossErr{http.StatusForbidden, "NOT_CANCELABLE_AMOUNT", "취소 할 수 없는 금액 입니다."}
		}
		amount = n
	}
	pay.balance -= amount
	pay.status = "PARTIAL_CANCELED"
	if pay.balance == 0 {
		pay.status = "CANCELED"
	}
	pay.cancels = append(pay.cancels, map[string]any{
		"cancelAmount": amount, "cancelReason": p["cancelReason"], "taxFreeAmount": 0, "taxExemptionAmount": 0,
		"refundableAmount": pay.balance, "canceledAt": iso(time.Now()), "transactionKey": token(16),
		"cancelStatus": "DONE",
	})
	return pay.json(), nil
}

// json is the Payment object (the documented fields tests may look at).
func (p *tossPayment) json() map[string]any {
	total, method, approved := p.amount, any(nil), any(nil)
	if !p.approve.IsZero() {
		total, method, approved = p.total, "카드", iso(p.approve)
	}
	var cancels any
	if len(p.cancels) > 0 {
		cancels = p.cancels
	}
	vat := (total + 5) / 11
	return map[string]any{
		"mId": "tosspayments", "version": "2022-11-16", "paymentKey": p.key, "orderId": p.orderID,
		"orderName": "providertest order", "lastTransactionKey": nil, "status": p.status, "method": method,
		"type": "NORMAL", "country": "KR", "currency": "KRW",
		"totalAmount": total, "balanceAmount": p.balanceOr(total), "suppliedAmount": total - vat, "vat": vat,
		"taxFreeAmount": 0, "taxExemptionAmount": 0, "isPartialCancelable": true,
		"requestedAt": iso(p.requested), "approvedAt": approved, "cancels": cancels, "failure": nil,
	}
}

func (p *tossPayment) balanceOr(total int64) int64 {
	if p.approve.IsZero() {
		return total
	}
	return p.balance
}

// iso writes a time as Toss does: ISO 8601 in Korea's offset.
func iso(t time.Time) string {
	return t.In(time.FixedZone("KST", 9*60*60)).Format("2006-01-02T15:04:05-07:00")
}
