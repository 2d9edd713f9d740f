package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// The validator the test client uses really checks bodies against the
// app's own document (its servers, its trailing-slash paths): a course
// without its required fields, or with a wrong type, is a drift; the
// real response is not.
func TestAPIValidatorChecksTheAppDocument(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite")
	doc, err := json.Marshal(ta.App.API.OpenAPI())
	testkit.Must(t, err)
	v, err := testkit.ValidatorFor(doc)
	testkit.Must(t, err)
	json := http.Header{"Content-Type": {"application/json"}}
	list := ta.Get("/api/courses/").Status(200)
	if drift := v.Validate(list.Request, 200, list.Header, list.Body); drift != nil {
		t.Fatalf("the real list drifts: %v", drift)
	}
	for name, body := range map[string]string{
		"wrong type":    `{"count":"none","results":[]}`,
		"missing field": `{"results":[]}`,
		"unknown field": `{"count":0,"results":[],"secret":1}`,
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/courses/", nil)
		if drift := v.Validate(req, 200, json, []byte(body)); drift == nil {
			t.Errorf("%s: %s passed as a course list", name, body)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/api/courses/", nil)
	if drift := v.Validate(req, 200, http.Header{"Content-Type": {"text/html"}}, []byte("<p>")); drift == nil {
		t.Error("an HTML course list passed")
	}
}
