package testkit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
)

const thingsDoc = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/api/things/{id}": {
      "get": {
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": false, "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string", "minLength": 1}}}}}},
          "404": {"description": "Not found", "content": {"application/problem+json": {"schema": {
            "type": "object", "required": ["status"], "properties": {"status": {"type": "integer"}}}}}}
        }
      }
    }
  }
}`

// TestAPIValidatorFailsOnDrift feeds the validator responses that break the
// document in each way it checks, and conforming ones that must pass.
func TestAPIValidatorFailsOnDrift(t *testing.T) {
	v, err := ValidatorFor([]byte(thingsDoc))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := ValidatorFor([]byte(thingsDoc)); again != v {
		t.Fatal("ValidatorFor built a second validator for the same document")
	}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	problemCT := http.Header{"Content-Type": {"application/problem+json"}}
	for _, c := range []struct {
		name   string
		method string
		path   string
		status int
		header http.Header
		body   string
		drift  bool
	}{
		{"conforming", "GET", "/api/things/1", 200, jsonCT, `{"id":1,"name":"a"}`, false},
		{"trailing slash is the same route", "GET", "/api/things/1/", 200, jsonCT, `{"id":1,"name":"a"}`, false},
		{"documented problem", "GET", "/api/things/1", 404, problemCT, `{"status":404}`, false},
		{"wrong field type", "GET", "/api/things/1", 200, jsonCT, `{"id":"1","name":"a"}`, true},
		{"missing required field", "GET", "/api/things/1", 200, jsonCT, `{"id":1}`, true},
		{"undocumented field", "GET", "/api/things/1", 200, jsonCT, `{"id":1,"name":"a","secret":"x"}`, true},
		{"broken rule", "GET", "/api/things/1", 200, jsonCT, `{"id":1,"name":""}`, true},
		{"not JSON", "GET", "/api/things/1", 200, jsonCT, `{"id":`, true},
		{"undocumented status", "GET", "/api/things/1", 409, problemCT, `{"status":409}`, true},
		{"undocumented content type", "GET", "/api/things/1", 200, http.Header{"Content-Type": {"text/html"}}, `<p>`, true},
		{"undocumented route answering", "GET", "/api/other", 200, jsonCT, `{}`, true},
		{"undocumented method answering", "POST", "/api/things/1", 200, jsonCT, `{}`, true},
		{"no such route", "GET", "/api/other", 404, problemCT, `{"status":404}`, false},
		{"no such method", "DELETE", "/api/things/1", 405, problemCT, `{"status":405}`, false},
		{"exempt (tus)", "PATCH", "/api/videos/tus/abc", 204, nil, ``, false},
		{"exempt (tus, no slash)", "POST", "/api/videos/tus", 201, nil, ``, false},
		{"not the API", "GET", "/courses", 200, http.Header{"Content-Type": {"text/html"}}, `<p>`, false},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		got := v.Validate(req, c.status, c.header, []byte(c.body))
		if drift := len(got) > 0; drift != c.drift {
			t.Errorf("%s: drift %v (%q), want %v", c.name, drift, got, c.drift)
		}
	}
}

// TestClientFailsOnDrift: a client built with ValidatedBy fails the test
// when the app answers something the document does not describe.
func TestClientFailsOnDrift(t *testing.T) {
	v, err := ValidatorFor([]byte(thingsDoc))
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Get("/api/things/:id", func(c *fiber.Ctx) error {
		if c.Params("id") == "1" {
			return c.JSON(map[string]any{"id": 1, "name": "a"})
		}
		return c.JSON(map[string]any{"id": c.Params("id")}) // a string, no name
	})
	rec := &recordingTB{TB: t}
	c := NewClient(rec, app).ValidatedBy(v)
	c.Get("/api/things/1").Status(200)
	if len(rec.errors) != 0 {
		t.Fatalf("a conforming response failed the test: %q", rec.errors)
	}
	c.Get("/api/things/2").Status(200)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "drifts from the OpenAPI document") {
		t.Fatalf("a drifting response did not fail the test: %q", rec.errors)
	}
}

// recordingTB records Errorf calls instead of failing the real test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
