package providertest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider/kakaopay"
)

// KakaoFake is a KakaoPay single-payment server in one API generation.
type KakaoFake struct {
	*httptest.Server
	knobs[int]
	// API is kakaopay.APIOpen or kakaopay.APILegacy.
	API string
	// Key is the key it accepts: the open API's secret key or the legacy
	// API's admin key.
	Key string
	// CID is the merchant code it accepts (kakaopay.TestCID).
	CID string

	t        testing.TB
	payments map[string]*kakaoPayment // by tid
}

// kakaoPayment is one payment's state.
type kakaoPayment struct {
	tid, aid                        string
	orderID, userID, item           string
	quantity                        int64
	total, taxFree                  int64
	approvalURL, cancelURL, failURL string
	status                          string
	pgToken                         string
	approved, canceled              int64
	created, approvedAt, canceledAt time.Time
}

// NewKakaoPay starts a fake for api ("open" or "legacy"), closed when the
// test ends.
func NewKakaoPay(t testing.TB, api string) *KakaoFake {
	t.Helper()
	if api != kakaopay.APIOpen && api != kakaopay.APILegacy {
		t.Fatalf("providertest: KakaoPay API %q is neither open nor legacy", api)
	}
	f := &KakaoFake{knobs: newKnobs[int](), API: api, Key: "fake-kakaopay-" + api + "-key", CID: kakaopay.TestCID,
		t: t, payments: map[string]*kakaoPayment{}}
	prefix := "/online/v1/payment/"
	if api == kakaopay.APILegacy {
		prefix = "/v1/payment/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+prefix+"ready", f.handle(EndpointReady, f.ready))
	mux.HandleFunc("POST "+prefix+"approve", f.handle(EndpointApprove, f.approve))
	mux.HandleFunc("POST "+prefix+"order", f.handle(EndpointLookup, f.order))
	mux.HandleFunc("POST "+prefix+"cancel", f.handle(EndpointCancel, f.cancel))
	mux.HandleFunc("GET /pay/{tid}", f.page)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Server.Close)
	t.Cleanup(f.close)
	return f
}

// Config is a client configuration that talks to this fake, with a short
// backoff.
func (f *KakaoFake) Config() kakaopay.Config {
	c := kakaopay.Config{API: f.API, BaseURL: f.URL, CID: f.CID, Backoff: time.Millisecond, HTTPClient: f.Client()}
	if f.API == kakaopay.APIOpen {
		c.SecretKey = f.Key
	} else {
		c.AdminKey = f.Key
	}
	return c
}

// Authorize does what the payer does on KakaoPay's page: it authorises the
// payment and returns the pg_token the approval URL would carry.
func (f *KakaoFake) Authorize(tid string) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.payments[tid]
	if p == nil || p.status != "READY" {
		f.t.Fatalf("providertest: no payment %s waiting for its payer", tid)
		return ""
	}
	return p.authorize()
}

// Status is a payment's status ("READY", "SUCCESS_PAYMENT",
// "CANCEL_PAYMENT"…), "" for an unknown tid.
func (f *KakaoFake) Status(tid string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.payments[tid]; p != nil {
		return p.status
	}
	return ""
}

// Cancelled says whether the payment was cancelled in full.
func (f *KakaoFake) Cancelled(tid string) bool { return f.Status(tid) == "CANCEL_PAYMENT" }

func (p *kakaoPayment) authorize() string {
	p.status, p.pgToken = "AUTH_PASSWORD", token(10)
	return p.pgToken
}

// kakaoErr is a refusal.
type kakaoErr struct {
	status int
	code   int
	msg    string
	extras map[string]string
}

func refuse(code int, msg string) *kakaoErr {
	return &kakaoErr{status: http.StatusBadRequest, code: code, msg: msg}
}

// handle wraps an operation: it records the call, checks the key, the
// encoding and the cid, and answers in the generation's envelope.
func (f *KakaoFake) handle(endpoint string, op func(map[string]string) (any, *kakaoErr)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body := readBody(r)
		params, ok := f.params(r, body)
		f.record(endpoint, r, params, body)
		if e := f.check(r, params, ok); e != nil {
			f.writeErr(w, e)
			return
		}
		if code, failed := f.takeFailure(); failed {
			f.writeFailure(w, code)
			return
		}
		if endpoint == EndpointApprove {
			d, _ := f.approval()
			f.sleep(d)
		}
		res, e := op(params)
		if e != nil {
			f.writeErr(w, e)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

// params decodes the body in the generation's encoding.
func (f *KakaoFake) params(r *http.Request, body []byte) (map[string]string, bool) {
	ct := r.Header.Get("Content-Type")
	if f.API == kakaopay.APIOpen {
		if !strings.HasPrefix(ct, "application/json") {
			return nil, false
		}
		return jsonParams(body)
	}
	if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return nil, false
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, false
	}
	m := make(map[string]string, len(v))
	for k := range v {
		m[k] = v.Get(k)
	}
	return m, true
}

func (f *KakaoFake) check(r *http.Request, params map[string]string, decoded bool) *kakaoErr {
	scheme := "SECRET_KEY "
	if f.API == kakaopay.APILegacy {
		scheme = "KakaoAK "
	}
	if r.Header.Get("Authorization") != scheme+f.Key {
		return &kakaoErr{status: http.StatusUnauthorized, code: -401, msg: "invalid " + strings.TrimSpace(scheme)}
	}
	if !decoded {
		return refuse(-2, "invalid request body or Content-Type")
	}
	if params["cid"] != f.CID {
		return refuse(-731, "invalid cid")
	}
	return nil
}

func (f *KakaoFake) writeErr(w http.ResponseWriter, e *kakaoErr) {
	body := map[string]any{"code": e.code, "msg": e.msg}
	if f.API == kakaopay.APIOpen {
		body = map[string]any{"error_code": e.code, "error_message": e.msg}
	}
	if e.extras != nil {
		body["extras"] = e.extras
	}
	writeJSON(w, e.status, body)
}

func (f *KakaoFake) writeFailure(w http.ResponseWriter, code int) {
	if code >= 100 {
		writeStatus(w, code)
		return
	}
	f.writeErr(w, &kakaoErr{status: http.StatusBadRequest, code: code, msg: "injected failure",
		extras: map[string]string{"method_result_code": "FAKE", "method_result_message": "providertest.FailNext"}})
}

// required checks that the fields are present and the integer ones are
// integers.
func required(p map[string]string, strs []string, ints []string) (map[string]int64, *kakaoErr) {
	for _, k := range strs {
		if p[k] == "" {
			return nil, refuse(-2, k+" is required")
		}
	}
	n := make(map[string]int64, len(ints))
	for _, k := range ints {
		v, err := strconv.ParseInt(p[k], 10, 64)
		if err != nil || v < 0 {
			return nil, refuse(-2, k+" must be a non-negative integer")
		}
		n[k] = v
	}
	return n, nil
}

func (f *KakaoFake) ready(p map[string]string) (any, *kakaoErr) {
	n, e := required(p, []string{"partner_order_id", "partner_user_id", "item_name", "approval_url", "cancel_url",
		"fail_url"}, []string{"quantity", "total_amount", "tax_free_amount"})
	if e != nil {
		return nil, e
	}
	if n["total_amount"] <= 0 || n["tax_free_amount"] > n["total_amount"] {
		return nil, refuse(-2, "invalid total_amount or tax_free_amount")
	}
	pay := &kakaoPayment{orderID: p["partner_order_id"], userID: p["partner_user_id"], item: p["item_name"],
		quantity: n["quantity"], total: n["total_amount"], taxFree: n["tax_free_amount"],
		approvalURL: p["approval_url"], cancelURL: p["cancel_url"], failURL: p["fail_url"],
		status: "READY", created: time.Now()}
	f.mu.Lock()
	for pay.tid == "" || f.payments[pay.tid] != nil {
		pay.tid = "T" + digits(19)
	}
	f.payments[pay.tid] = pay
	f.mu.Unlock()
	page := f.URL + "/pay/" + pay.tid
	return map[string]any{
		"tid":                      pay.tid,
		"next_redirect_app_url":    page + "?device=app",
		"next_redirect_mobile_url": page + "?device=mobile",
		"next_redirect_pc_url":     page,
		"android_app_scheme":       "kakaotalk://kakaopay/pg?url=" + url.QueryEscape(page),
		"ios_app_scheme":           "kakaotalk://kakaopay/pg?url=" + url.QueryEscape(page),
		"created_at":               kst(pay.created),
	}, nil
}

// page is KakaoPay's payment page: it sends the browser back to the
// approval URL with a pg_token, or to the cancel or fail URL.
func (f *KakaoFake) page(w http.ResponseWriter, r *http.Request) {
	f.record(EndpointPage, r, nil, nil)
	outcome := f.outcome(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.payments[r.PathValue("tid")]
	if p == nil || p.status != "READY" {
		http.Error(w, "no payment waiting for its payer", http.StatusNotFound)
		return
	}
	var next string
	switch outcome {
	case OutcomeCancel:
		p.status, next = "QUIT_PAYMENT", p.cancelURL
	case OutcomeFail:
		p.status, next = "FAIL_PAYMENT", p.failURL
	default:
		next = withQuery(p.approvalURL, "pg_token", p.authorize())
	}
	http.Redirect(w, r, next, http.StatusFound)
}

func (f *KakaoFake) approve(p map[string]string) (any, *kakaoErr) {
	if _, e := required(p, []string{"tid", "partner_order_id", "partner_user_id", "pg_token"}, nil); e != nil {
		return nil, e
	}
	_, override := f.approval()
	f.mu.Lock()
	defer f.mu.Unlock()
	pay := f.payments[p["tid"]]
	if e := approvable(pay, p); e != nil {
		return nil, e
	}
	pay.status, pay.aid, pay.approvedAt, pay.approved = "SUCCESS_PAYMENT", "A"+digits(19), time.Now(), pay.total
	if override > 0 {
		pay.approved = override
	}
	return map[string]any{
		"aid": pay.aid, "tid": pay.tid, "cid": f.CID,
		"partner_order_id": pay.orderID, "partner_user_id": pay.userID, "payment_method_type": "MONEY",
		"item_name": pay.item, "quantity": pay.quantity,
		"amount":     amounts(pay.approved, pay.taxFree),
		"created_at": kst(pay.created), "approved_at": kst(pay.approvedAt),
	}, nil
}

// approvable checks an approve against the payment's state and fields.
func approvable(pay *kakaoPayment, p map[string]string) *kakaoErr {
	switch {
	case pay == nil:
		return refuse(-721, "tid does not exist")
	case pay.status == "SUCCESS_PAYMENT" || strings.HasSuffix(pay.status, "CANCEL_PAYMENT"):
		return refuse(-702, "payment is already done")
	case pay.status == "READY":
		return refuse(-701, "payment authentication is not finished")
	case pay.status != "AUTH_PASSWORD":
		return refuse(-783, "the payment's state does not allow an approval")
	case p["partner_order_id"] != pay.orderID:
		return refuse(-706, "partner_order_id does not match")
	case p["partner_user_id"] != pay.userID:
		return refuse(-707, "partner_user_id does not match")
	case p["pg_token"] != pay.pgToken:
		return refuse(-708, "invalid pg_token")
	case p["total_amount"] != "" && p["total_amount"] != strconv.FormatInt(pay.total, 10):
		return refuse(-704, "total_amount does not match")
	}
	return nil
}

func (f *KakaoFake) order(p map[string]string) (any, *kakaoErr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pay := f.payments[p["tid"]]
	if pay == nil {
		return nil, refuse(-721, "tid does not exist")
	}
	res := f.paymentJSON(pay)
	res["item_code"] = ""
	res["payment_action_details"] = []any{}
	return res, nil
}

func (f *KakaoFake) cancel(p map[string]string) (any, *kakaoErr) {
	n, e := required(p, []string{"tid"}, []string{"cancel_amount", "cancel_tax_free_amount"})
	if e != nil {
		return nil, e
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	pay := f.payments[p["tid"]]
	switch {
	case pay == nil:
		return nil, &kakaoErr{status: http.StatusBadRequest, code: -781, msg: "cancel failure!",
			extras: map[string]string{"method_result_code": "6666", "method_result_message": "원거래없음"}}
	case pay.status != "SUCCESS_PAYMENT" && pay.status != "PART_CANCEL_PAYMENT":
		return nil, refuse(-784, "the payment's state does not allow a cancel")
	case n["cancel_amount"] <= 0 || n["cancel_amount"] > pay.approved-pay.canceled:
		return nil, refuse(-710, "cancel_amount exceeds the cancellable amount")
	}
	pay.canceled += n["cancel_amount"]
	pay.canceledAt = time.Now()
	pay.status = "PART_CANCEL_PAYMENT"
	if pay.canceled == pay.approved {
		pay.status = "CANCEL_PAYMENT"
	}
	res := f.paymentJSON(pay)
	res["aid"] = "A" + digits(19)
	res["approved_cancel_amount"] = amounts(n["cancel_amount"], n["cancel_tax_free_amount"])
	return res, nil
}

// paymentJSON is the payment as order and cancel show it.
func (f *KakaoFake) paymentJSON(pay *kakaoPayment) map[string]any {
	total, method := pay.total, ""
	if !pay.approvedAt.IsZero() {
		total, method = pay.approved, "MONEY"
	}
	return map[string]any{
		"tid": pay.tid, "cid": f.CID, "status": pay.status,
		"partner_order_id": pay.orderID, "partner_user_id": pay.userID, "payment_method_type": method,
		"item_name": pay.item, "quantity": pay.quantity,
		"amount":                  amounts(total, pay.taxFree),
		"canceled_amount":         amounts(pay.canceled, 0),
		"cancel_available_amount": amounts(total-pay.canceled, 0),
		"created_at":              kst(pay.created),
		"approved_at":             kst(pay.approvedAt),
		"canceled_at":             kst(pay.canceledAt),
	}
}

// amounts is KakaoPay's amount object; vat defaults to a tenth of the
// taxed part, rounded (as KakaoPay computes it when not given).
func amounts(total, taxFree int64) map[string]int64 {
	return map[string]int64{"total": total, "tax_free": taxFree, "vat": (total - taxFree + 5) / 11, "point": 0,
		"discount": 0}
}

// kst writes a time as KakaoPay does: Korea's local time, no zone; nil
// when unset.
func kst(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(time.FixedZone("KST", 9*60*60)).Format("2006-01-02T15:04:05")
}
