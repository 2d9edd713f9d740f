package tosspayments

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
		done        bool
		unavailable bool
	}{
		{"not found", 404, `{"code":"NOT_FOUND_PAYMENT","message":"존재하지 않는 결제 입니다."}`, "NOT_FOUND_PAYMENT", false, false},
		{"already processed", 400, `{"code":"ALREADY_PROCESSED_PAYMENT","message":"이미 처리된 결제 입니다."}`, "ALREADY_PROCESSED_PAYMENT", true, false},
		{"already cancelled", 400, `{"code":"ALREADY_CANCELED_PAYMENT","message":"이미 취소된 결제 입니다."}`, "ALREADY_CANCELED_PAYMENT", true, false},
		{"no code", 400, `{"message":"?"}`, "", false, true},
		{"a proxy's page", 403, `<html></html>`, "", false, true},
		{"code of the wrong type", 400, `{"code":12}`, "", false, true},
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
			if !errors.As(err, &pe) || pe.Code != tc.code || pe.AlreadyDone != tc.done || pe.HTTPStatus != tc.status {
				t.Fatalf("got %#v", err)
			}
		})
	}
}

func TestDecodePayment(t *testing.T) {
	body := `{"mId":"tosspayments","paymentKey":"5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6","orderId":"a4CWyWY5m89PNh7xJwhk1",
	"status":"PARTIAL_CANCELED","method":"간편결제","totalAmount":15000,"balanceAmount":5000,"approvedAt":"2024-02-13T12:18:14+09:00",
	"cancels":[{"cancelAmount":7000,"canceledAt":"2024-02-13T12:20:00+09:00","cancelStatus":"DONE"},
	           {"cancelAmount":3000,"canceledAt":"2024-02-13T12:30:00+09:00"},
	           {"cancelAmount":5000,"canceledAt":"2024-02-13T12:40:00+09:00","cancelStatus":"IN_PROGRESS"}]}`
	r, err := decodePayment([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != provider.StatusCancelled || r.Amount != 15000 || r.CancelledAmount != 10000 || r.Method != "간편결제" ||
		!r.ApprovedAt.Equal(time.Date(2024, 2, 13, 3, 18, 14, 0, time.UTC)) ||
		!r.CancelledAt.Equal(time.Date(2024, 2, 13, 3, 30, 0, 0, time.UTC)) {
		t.Fatalf("got %+v", r)
	}
	expired := `{"paymentKey":"k","orderId":"o","status":"EXPIRED","approvedAt":null,"method":null,"cancels":null,"totalAmount":5}`
	if r, err := decodePayment([]byte(expired)); err != nil || r.Status != provider.StatusFailed || !r.ApprovedAt.IsZero() {
		t.Fatalf("expired: %+v, %v", r, err)
	}
	for _, bad := range []string{`{}`, `null`, `[]`, `{"paymentKey":5}`, `<html>`} {
		if _, err := decodePayment([]byte(bad)); !errors.Is(err, provider.ErrUnavailable) {
			t.Errorf("%s: got %v", bad, err)
		}
	}
}

func TestStatusOf(t *testing.T) {
	cases := map[string]provider.Status{
		"DONE": provider.StatusPaid, "CANCELED": provider.StatusCancelled, "PARTIAL_CANCELED": provider.StatusCancelled,
		"ABORTED": provider.StatusFailed, "EXPIRED": provider.StatusFailed, "READY": provider.StatusPending,
		"IN_PROGRESS": provider.StatusPending, "WAITING_FOR_DEPOSIT": provider.StatusPending, "": provider.StatusPending,
	}
	for in, want := range cases {
		if got := statusOf(in); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

// FuzzDecode feeds Toss's answers, untrusted bytes, to the decoders.
func FuzzDecode(f *testing.F) {
	f.Add(400, []byte(`{"code":"ALREADY_PROCESSED_PAYMENT","message":"x"}`))
	f.Add(200, []byte(`{"paymentKey":"k","status":"DONE","totalAmount":1,"approvedAt":"2024-02-13T12:18:14+09:00","cancels":[{"cancelAmount":1,"canceledAt":"x"}]}`))
	f.Add(500, []byte{0xff, '{', '"'})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := decodeError(status, body)
		var pe *provider.Error
		switch {
		case errors.As(err, &pe):
			if pe.Code == "" {
				t.Fatalf("a refusal without a code: %+v", pe)
			}
		case !errors.Is(err, provider.ErrUnavailable):
			t.Fatalf("neither a refusal nor unavailable: %v", err)
		}
		if r, err := decodePayment(body); err == nil {
			if r.TID == "" || r.Status == "" {
				t.Fatalf("a payment without a key or a status: %+v", r)
			}
		} else if !errors.Is(err, provider.ErrUnavailable) {
			t.Fatalf("decodePayment: %v", err)
		}
	})
}
