package kakaopay

import (
	"errors"
	"testing"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
)

func TestDecodeError(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		body        string
		code        string
		msg         string
		done        bool
		unavailable bool
	}{
		{"legacy envelope", 400, `{"code":-780,"msg":"approval failure!","extras":{"method_result_code":"USER_LOCKED","method_result_message":"진행중인 거래가 있습니다."}}`,
			"-780", "approval failure! (USER_LOCKED: 진행중인 거래가 있습니다.)", false, false},
		{"open envelope", 400, `{"error_code":-702,"error_message":"payment is already done!","extras":{}}`,
			"-702", "payment is already done!", true, false},
		{"duplicate", 400, `{"error_code":-785,"error_message":"duplicate"}`, "-785", "duplicate", true, false},
		{"code as a string", 400, `{"error_code":"-702","error_message":"x"}`, "-702", "x", true, false},
		{"bad key", 401, `{"code":-401,"msg":"invalid key"}`, "-401", "invalid key", false, false},
		{"a proxy's page", 404, `<html>not found</html>`, "", "", false, true},
		{"no code", 400, `{"msg":"?"}`, "", "", false, true},
		{"empty", 400, ``, "", "", false, true},
		{"code of the wrong type", 400, `{"code":{"a":1}}`, "", "", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeError(tc.status, []byte(tc.body))
			if tc.unavailable {
				if !errors.Is(err, provider.ErrUnavailable) {
					t.Fatalf("got %v, want ErrUnavailable", err)
				}
				return
			}
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Code != tc.code || pe.Message != tc.msg || pe.AlreadyDone != tc.done ||
				pe.HTTPStatus != tc.status || string(pe.Raw) != tc.body {
				t.Fatalf("got %#v", err)
			}
		})
	}
}

func TestDecodePayment(t *testing.T) {
	approve := `{"aid":"A5678901234567890123","tid":"T1234567890123456789","cid":"TC0ONETIME",
 "partner_order_id":"partner_order_id","partner_user_id":"partner_user_id","payment_method_type":"MONEY",
 "item_name":"초코파이","quantity":1,
 "amount":{"total":2200,"tax_free":0,"vat":200,"point":0,"discount":0},
 "created_at":"2016-11-15T21:18:22","approved_at":"2016-11-15T21:20:47"}`
	r, err := decodePayment([]byte(approve), provider.StatusPaid)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2016, 11, 15, 12, 20, 47, 0, time.UTC)
	if r.TID != "T1234567890123456789" || r.Status != provider.StatusPaid || r.Amount != 2200 ||
		r.Method != "MONEY" || !r.ApprovedAt.Equal(want) || r.ApprovedAt.Location() != time.UTC || !r.CancelledAt.IsZero() {
		t.Fatalf("got %+v", r)
	}
	for _, body := range []string{`{}`, `[]`, `null`, `{"tid":""}`, `{"tid":1}`, `nope`} {
		if _, err := decodePayment([]byte(body), provider.StatusPaid); !errors.Is(err, provider.ErrUnavailable) {
			t.Errorf("%s: got %v, want ErrUnavailable", body, err)
		}
	}
}

func TestDecodeReady(t *testing.T) {
	body := []byte(`{"tid":"T1","next_redirect_pc_url":"https://pc","next_redirect_mobile_url":"https://m"}`)
	for mobile, want := range map[bool]string{false: "https://pc", true: "https://m"} {
		r, err := decodeReady(body, mobile)
		if err != nil || r.RedirectURL != want || r.TID != "T1" || string(r.Raw) != string(body) {
			t.Fatalf("mobile=%v: %+v, %v", mobile, r, err)
		}
	}
	if _, err := decodeReady([]byte(`{"tid":"T1"}`), false); !errors.Is(err, provider.ErrUnavailable) {
		t.Fatalf("a ready without a page: %v", err)
	}
}

func TestStatusOf(t *testing.T) {
	cases := map[string]provider.Status{
		"SUCCESS_PAYMENT": provider.StatusPaid, "CANCEL_PAYMENT": provider.StatusCancelled,
		"PART_CANCEL_PAYMENT": provider.StatusCancelled, "FAIL_AUTH_PASSWORD": provider.StatusFailed,
		"FAIL_PAYMENT": provider.StatusFailed, "QUIT_PAYMENT": provider.StatusFailed, "FAIL_SOMETHING_NEW": provider.StatusFailed,
		"READY": provider.StatusPending, "SEND_TMS": provider.StatusPending, "OPEN_PAYMENT": provider.StatusPending,
		"SELECT_METHOD": provider.StatusPending, "ARS_WAITING": provider.StatusPending,
		"AUTH_PASSWORD": provider.StatusPending, "ISSUED_SID": provider.StatusPending, "": provider.StatusPending,
	}
	for in, want := range cases {
		if got := statusOf(in); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	cases := map[string]time.Time{
		"2016-11-15T21:18:22":           time.Date(2016, 11, 15, 12, 18, 22, 0, time.UTC),
		"2016-11-15T21:18:22.5":         time.Date(2016, 11, 15, 12, 18, 22, 5e8, time.UTC),
		"2016-11-15T21:18:22+09:00":     time.Date(2016, 11, 15, 12, 18, 22, 0, time.UTC),
		"2016-01-01T00:30:00":           time.Date(2015, 12, 31, 15, 30, 0, 0, time.UTC),
		"":                              {},
		"yesterday":                     {},
		"2016-11-15 21:18:22":           {},
		"2016-11-15T21:18:22Z+junk1234": {},
	}
	for in, want := range cases {
		if got := parseTime(in); !got.Equal(want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

// FuzzDecode feeds KakaoPay's answers, untrusted bytes, to every decoder:
// none may panic, a refusal always has a code, and anything else is an
// unavailability.
func FuzzDecode(f *testing.F) {
	f.Add(400, []byte(`{"code":-780,"msg":"approval failure!","extras":{"method_result_code":"X","method_result_message":"Y"}}`))
	f.Add(400, []byte(`{"error_code":"-702","error_message":"x","extras":null}`))
	f.Add(200, []byte(`{"tid":"T1","status":"SUCCESS_PAYMENT","amount":{"total":1},"approved_at":"2016-11-15T21:18:22"}`))
	f.Add(200, []byte(`{"tid":"T1","next_redirect_pc_url":"u","canceled_at":"9999-99-99T99:99:99"}`))
	f.Add(500, []byte{0xff, 0xfe, '{'})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := decodeError(status, body)
		var pe *provider.Error
		switch {
		case errors.As(err, &pe):
			if pe.Code == "" || pe.HTTPStatus != status {
				t.Fatalf("a refusal without a code: %+v", pe)
			}
		case !errors.Is(err, provider.ErrUnavailable):
			t.Fatalf("neither a refusal nor unavailable: %v", err)
		}
		if r, err := decodePayment(body, ""); err == nil {
			if r.TID == "" || r.Status == "" {
				t.Fatalf("a payment without a tid or a status: %+v", r)
			}
		} else if !errors.Is(err, provider.ErrUnavailable) {
			t.Fatalf("decodePayment: %v", err)
		}
		if r, err := decodeReady(body, status%2 == 0); err == nil && (r.TID == "" || r.RedirectURL == "") {
			t.Fatalf("a ready without a tid or a page: %+v", r)
		}
		_ = parseTime(string(body))
	})
}
