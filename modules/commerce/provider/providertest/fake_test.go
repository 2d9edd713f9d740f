package providertest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/modules/commerce/provider/providertest"
)

// Each generation takes only its own encoding.
func TestKakaoEncoding(t *testing.T) {
	cases := []struct {
		api, auth, ct, body, want string
	}{
		{"open", "SECRET_KEY ", "application/x-www-form-urlencoded", "cid=TC0ONETIME&tid=T1", `"error_code":-2`},
		{"legacy", "KakaoAK ", "application/json", `{"cid":"TC0ONETIME","tid":"T1"}`, `"code":-2`},
		{"open", "SECRET_KEY ", "application/json", `{"cid":"TC0ONETIME","tid":"T1"}`, `"error_code":-721`},
		{"legacy", "KakaoAK ", "application/x-www-form-urlencoded", "cid=TC0ONETIME&tid=T1", `"code":-721`},
		{"open", "KakaoAK ", "application/json", `{"cid":"TC0ONETIME","tid":"T1"}`, `"error_code":-401`},
	}
	for _, tc := range cases {
		t.Run(tc.api+" "+tc.ct, func(t *testing.T) {
			f := providertest.NewKakaoPay(t, tc.api)
			path := "/online/v1/payment/order"
			if tc.api == "legacy" {
				path = "/v1/payment/order"
			}
			req, _ := http.NewRequest(http.MethodPost, f.URL+path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", tc.auth+f.Key)
			req.Header.Set("Content-Type", tc.ct)
			res, err := f.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if !strings.Contains(string(body), tc.want) {
				t.Fatalf("%d %s, want %s", res.StatusCode, body, tc.want)
			}
			if f.Calls(providertest.EndpointLookup) != 1 || len(f.Requests()) != 1 {
				t.Fatal("the call was not counted")
			}
		})
	}
}

func TestTossPageOutcomes(t *testing.T) {
	for _, outcome := range []string{providertest.OutcomeCancel, providertest.OutcomeFail} {
		t.Run(outcome, func(t *testing.T) {
			f := providertest.NewToss(t)
			f.PageOutcome(outcome)
			hc := providertest.NoRedirects(f.Client())
			res, err := hc.Get(f.PayURL("wv-o1", 1000, "https://lms.test/ok", "https://lms.test/fail?x=1"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			loc, _ := url.Parse(res.Header.Get("Location"))
			if loc.Path != "/fail" || loc.Query().Get("x") != "1" || loc.Query().Get("code") == "" ||
				loc.Query().Get("orderId") != "wv-o1" {
				t.Fatalf("sent to %s", loc)
			}
		})
	}
}
