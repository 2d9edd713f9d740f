package kakaopay

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/internal/httpcall"
)

// readyResponse is ready's answer.
type readyResponse struct {
	TID       string `json:"tid"`
	PCURL     string `json:"next_redirect_pc_url"`
	MobileURL string `json:"next_redirect_mobile_url"`
	AppURL    string `json:"next_redirect_app_url"`
}

// payment is what approve, order and cancel answer (the fields we use).
type payment struct {
	TID            string `json:"tid"`
	Status         string `json:"status"` // order and cancel only
	PartnerOrderID string `json:"partner_order_id"`
	Method         string `json:"payment_method_type"`
	Amount         amount `json:"amount"`
	CanceledAmount amount `json:"canceled_amount"`
	ApprovedAt     string `json:"approved_at"`
	CanceledAt     string `json:"canceled_at"`
}

type amount struct {
	Total int64 `json:"total"`
}

// apiError holds both error envelopes: legacy {code, msg} and open
// {error_code, error_message}, each with extras.
type apiError struct {
	Code         code   `json:"code"`
	Msg          string `json:"msg"`
	ErrorCode    code   `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	Extras       struct {
		MethodResultCode    string `json:"method_result_code"`
		MethodResultMessage string `json:"method_result_message"`
	} `json:"extras"`
}

// code is an error code sent as a number (-702) or, defensively, as a
// string ("-702").
type code string

func (c *code) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = code(n)
	return nil
}

// decodeReady reads ready's answer: the tid, and the page for a phone or a
// computer.
func decodeReady(body []byte, mobile bool) (*provider.Ready, error) {
	var r readyResponse
	if err := json.Unmarshal(body, &r); err != nil || r.TID == "" {
		return nil, httpcall.Unreadable("kakaopay", body, err)
	}
	next := r.PCURL
	if mobile && r.MobileURL != "" {
		next = r.MobileURL
	}
	if next == "" {
		return nil, httpcall.Unreadable("kakaopay", body, nil)
	}
	return &provider.Ready{TID: r.TID, RedirectURL: next, Raw: json.RawMessage(body)}, nil
}

// decodePayment reads a payment; status is used when the answer has none
// (approve's).
func decodePayment(body []byte, status provider.Status) (*provider.Result, error) {
	var p payment
	if err := json.Unmarshal(body, &p); err != nil || p.TID == "" {
		return nil, httpcall.Unreadable("kakaopay", body, err)
	}
	if p.Status != "" {
		status = statusOf(p.Status)
	}
	if status == "" {
		status = provider.StatusPending
	}
	return &provider.Result{
		TID:             p.TID,
		OrderID:         p.PartnerOrderID,
		Status:          status,
		Amount:          p.Amount.Total,
		CancelledAmount: p.CanceledAmount.Total,
		Method:          p.Method,
		ApprovedAt:      parseTime(p.ApprovedAt),
		CancelledAt:     parseTime(p.CanceledAt),
		Raw:             json.RawMessage(body),
	}, nil
}

// statusOf maps order's status to ours.
func statusOf(s string) provider.Status {
	switch s {
	case "SUCCESS_PAYMENT":
		return provider.StatusPaid
	case "CANCEL_PAYMENT", "PART_CANCEL_PAYMENT":
		return provider.StatusCancelled
	case "FAIL_AUTH_PASSWORD", "FAIL_PAYMENT", "QUIT_PAYMENT":
		return provider.StatusFailed
	}
	if len(s) > 5 && s[:5] == "FAIL_" {
		return provider.StatusFailed
	}
	return provider.StatusPending // READY, SEND_TMS, OPEN_PAYMENT, SELECT_METHOD, ARS_WAITING, AUTH_PASSWORD, ISSUED_SID…
}

// decodeError reads a refusal in either envelope. A body in neither is no
// answer of KakaoPay's (a proxy's page): its outcome is unknown.
func decodeError(status int, body []byte) error {
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil {
		return httpcall.NotARefusal("kakaopay", status, body)
	}
	c, msg := e.Code, e.Msg
	if c == "" {
		c, msg = e.ErrorCode, e.ErrorMessage
	}
	if c == "" {
		return httpcall.NotARefusal("kakaopay", status, body)
	}
	if x := e.Extras; x.MethodResultCode != "" || x.MethodResultMessage != "" {
		msg = fmt.Sprintf("%s (%s: %s)", msg, x.MethodResultCode, x.MethodResultMessage)
	}
	return &provider.Error{
		Provider:   "kakaopay",
		HTTPStatus: status,
		Code:       string(c),
		Message:    msg,
		// -702: this tid is already approved; -785: a duplicate
		// approve or cancel.
		AlreadyDone: c == "-702" || c == "-785",
		Raw:         json.RawMessage(body),
	}
}

// parseTime reads KakaoPay's local time without a zone
// ("2016-11-15T21:18:22", Korea Standard Time), or one with an offset, as
// UTC. A time it cannot read is left zero: it never undoes a payment.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	kst := time.FixedZone("KST", 9*60*60) // Korea has no daylight saving time
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, kst); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return time.Time{}
}
