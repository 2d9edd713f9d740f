package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

// hardeningTutor registers a real user and makes it a tutor.
func hardeningTutor(t *testing.T, ta *apptest.T) *authz.Principal {
	t.Helper()
	pw := "correct-horse-battery-9"
	var out struct{ ID int64 }
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": "tutor@example.com",
		"password": pw, "password_confirm": pw, "nickname": "tutor"}).Status(201).JSON(&out)
	_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", "tutor").Where("id = ?", out.ID).Exec(context.Background())
	testkit.Must(t, err)
	return &authz.Principal{UserID: out.ID, Role: authz.Tutor, SessionID: "hardening"}
}

// publishCourse creates a published course with one article topic.
func publishCourse(t *testing.T, ta *apptest.T, tutor *authz.Principal, slug string) int64 {
	t.Helper()
	var out struct{ ID int64 }
	ta.As(tutor).Request(http.MethodPost, "/api/courses/", map[string]any{"slug": slug, "title": "강좌 " + slug,
		"category": "frontend", "skill_level": "beginner", "price": 1000, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "t", "title": "글", "kind": "article", "body": "본문"}}}}}).Status(201).JSON(&out)
	return out.ID
}

type pageOf struct {
	Count    int
	Next     *string
	Previous *string
	Results  []map[string]any
}

// Paging: a page number past any list is refused with 422 naming query.page
// (it used to answer the first page, with next=page=-9223372036854775808),
// and a page past the last one is empty with previous pointing at the last
// page (it used to point at page-1).
func TestPagingBounds(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := hardeningTutor(t, ta)
		for i := range 3 {
			publishCourse(t, ta, tutor, fmt.Sprintf("paged-%d", i))
		}
		for _, page := range []string{"9223372036854775807", "9223372036854775808", "1000001"} {
			p := ta.Get("/api/courses/?page_size=2&page="+page).Problem(422, "request.validation")
			errs, _ := p["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["location"] != "query.page" {
				t.Fatalf("page=%s: %v", page, p)
			}
		}
		var pg pageOf
		ta.Get("/api/courses/?page=2&page_size=2").Status(200).JSON(&pg)
		if pg.Count != 3 || len(pg.Results) != 1 || pg.Next != nil || pg.Previous == nil || *pg.Previous != "/api/courses/?page=1&page_size=2" {
			t.Fatalf("last page: %+v", pg)
		}
		for _, page := range []string{"3", "99", "1000000"} {
			pg = pageOf{}
			ta.Get("/api/courses/?page_size=2&page=" + page).Status(200).JSON(&pg)
			if pg.Count != 3 || pg.Results == nil || len(pg.Results) != 0 || pg.Next != nil ||
				pg.Previous == nil || *pg.Previous != "/api/courses/?page=2&page_size=2" {
				t.Fatalf("page %s past the last: %+v (previous %v)", page, pg, deref(pg.Previous))
			}
		}
		// An empty list's only page is the first.
		pg = pageOf{}
		ta.Get("/api/curriculums/?page=5").Status(200).JSON(&pg)
		if pg.Count != 0 || pg.Next != nil || pg.Previous == nil || *pg.Previous != "/api/curriculums/?page=1&page_size=20" {
			t.Fatalf("empty list, page 5: %+v (previous %v)", pg, deref(pg.Previous))
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// paramProbe mounts an API operation that answers its path parameter.
func paramProbe(cfg *config.Config, o *app.Options) {
	o.Routes = func(a *app.App) {
		huma.Register(a.API, huma.Operation{OperationID: "probe-param", Method: http.MethodGet, Path: "/api/probe/param/{value}"},
			func(ctx context.Context, in *struct {
				Value string `path:"value" maxLength:"8"`
			}) (*struct{ Body struct{ Value string } }, error) {
				out := &struct{ Body struct{ Value string } }{}
				out.Body.Value = in.Value
				return out, nil
			})
	}
}

// Path parameters are percent-decoded exactly once, for every route: an
// encoded slug finds its curriculum (it used to answer 404) and its course
// page, "%2541" is "%41" (not "A"), "+" stays a plus, and a path that
// decodes to NUL or to bytes that are not UTF-8 is refused with 400.
func TestPathParametersDecoded(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := hardeningTutor(t, ta)
		id := publishCourse(t, ta, tutor, "enc-course")
		ta.As(tutor).Request(http.MethodPost, "/api/curriculums/", map[string]any{"slug": "web-nd", "title": "과정",
			"category": "frontend", "skill_level": "beginner", "price": 50000, "status": "published",
			"course_ids": []int64{id}}).Status(201)
		ta.Get("/api/curriculums/web-nd/").Status(200).Contains(`"slug":"web-nd"`)
		ta.Get("/api/curriculums/web%2Dnd/").Status(200).Contains(`"slug":"web-nd"`)
		ta.Get("/api/curriculums/%77%65%62%2D%6E%64").Status(200).Contains(`"slug":"web-nd"`)
		ta.Get(fmt.Sprintf("/api/courses/%%3%d/", id)).Status(200).Contains(`"slug":"enc-course"`) // %3N is the digit N
		if loc := ta.Get("/courses/enc%2Dcourse").Status(301).Header.Get("Location"); loc != fmt.Sprintf("/courses/%d", id) {
			t.Fatalf("course page by encoded slug: Location %q", loc)
		}

		for raw, want := range map[string]string{
			"abc":       "abc",
			"%61%62%63": "abc",
			"%2541":     "%41",
			"a+b":       "a+b",
			"a%2Bb":     "a+b",
			"%ED%95%9C": "한",
		} {
			var out struct{ Value string }
			ta.Get("/api/probe/param/" + raw).Status(200).JSON(&out)
			if out.Value != want {
				t.Errorf("%s decoded to %q, want %q", raw, out.Value, want)
			}
		}
		// Eleven encoded characters are eleven bytes before decoding but
		// three after: the schema's maxLength applies to the decoded value.
		ta.Get("/api/probe/param/%61%62%63%64%65%66%67%68").Status(200)
		for _, bad := range []string{"%00", "a%00b", "%FF", "%ED%95"} {
			p := ta.Get("/api/probe/param/"+bad).Problem(400, "request.invalid")
			if p["request_id"] == "" {
				t.Fatalf("%s: %v", bad, p)
			}
		}
	}, paramProbe)
}

// No problem document echoes a request body or a secret field: a body that
// is not JSON used to come back whole in errors[].value, password included.
func TestProblemsEchoNoSecrets(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		const secret = "hunter2-Sekret-77"
		for _, c := range []struct{ path, body string }{
			{"/api/login/", `{"email":"a@example.com","password":"` + secret + `"`},                     // truncated JSON
			{"/api/login/", `{"email":"a@example.com","password":"` + secret + `",}`},                   // trailing comma
			{"/api/student/register/", `{"email":"a@example.com","password":"` + secret + `" "x":1}`},   // missing comma
			{"/api/student/register/", `{"email":"a@example.com","password":["` + secret + `"]}`},       // wrong type
			{"/api/student/register/", `{"email":"a@example.com","password_confirm":"` + secret + `"}`}, // invalid, required missing
			{"/api/password/reset/confirm/", `{"token":"` + secret + `","new_password":"` + secret + `"`},
		} {
			r := ta.Request(http.MethodPost, c.path, c.body, "Content-Type", "application/json")
			if r.StatusCode != 400 && r.StatusCode != 422 {
				t.Fatalf("%s %s: status %d: %s", c.path, c.body, r.StatusCode, r.Body)
			}
			r.NotContains(secret)
		}
	})
}

// A JSON string that is not UTF-8 is refused with 422 (it used to be stored
// with U+FFFD in place of the bad bytes), and nothing changes.
func TestJSONInvalidUTF8Refused(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := hardeningTutor(t, ta)
		for _, body := range []string{
			"{\"introduction\":\"bad \xff byte\"}",
			"{\"introduction\":\"cut \xed\x95\"}",
			`{"introduction":"lone \ud800 high"}`,
			`{"introduction":"lone \udc00 low"}`,
			`{"introduction":"reversed \udc00\ud800"}`,
		} {
			p := ta.As(tutor).Request(http.MethodPatch, "/api/me/", body, "Content-Type", "application/json").
				Problem(422, "request.invalid_utf8")
			if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["location"] != "body" {
				t.Fatalf("%q: %v", body, p)
			}
		}
		// A malformed Content-Type parameter does not turn the check off
		// (huma still decodes the body as JSON).
		for _, ct := range []string{"application/json; x", "application/json;;", "application/vnd.api+json; =", "", "json"} {
			ta.As(tutor).Request(http.MethodPatch, "/api/me/", "{\"introduction\":\"bad \xff byte\"}", "Content-Type", ct).
				Problem(422, "request.invalid_utf8")
		}
		// One that huma cannot read at all is refused, never a 500.
		if r := ta.As(tutor).Request(http.MethodPatch, "/api/me/", `{"introduction":"x"}`, "Content-Type", "text/plain; a+b"); r.StatusCode >= 500 || r.StatusCode < 400 {
			t.Fatalf("a content type with + after ; answered %d", r.StatusCode)
		}
		ta.As(tutor).Get("/api/me/").Status(200).NotContains("\ufffd", "bad", "lone")
		// Valid text, escaped surrogate pairs and a literal U+FFFD pass.
		ta.As(tutor).Request(http.MethodPatch, "/api/me/", `{"introduction":"한글 \ud83d\ude00 \\ud800 �"}`,
			"Content-Type", "application/json").Status(200).Contains("한글 😀 \\\\ud800 �")
	})
}

// An integer out of range names its field and range (it used to answer
// Go's "json: cannot unmarshal number … of type int64"), and null for a
// field that is not nullable is refused (it used to mean "absent").
func TestJSONNullAndIntegerRange(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := hardeningTutor(t, ta)
		field := func(p map[string]any, loc string) string {
			t.Helper()
			errs, _ := p["errors"].([]any)
			for _, e := range errs {
				if m := e.(map[string]any); m["location"] == loc {
					return m["message"].(string)
				}
			}
			t.Fatalf("no error at %s: %v", loc, p)
			return ""
		}
		for _, n := range []string{"1e30", "99999999999999999999", "-9223372036854775809", "1e3"} {
			r := ta.As(tutor).Request(http.MethodPost, "/api/curriculums/", `{"slug":"big","title":"과정","category":"frontend",
				"skill_level":"beginner","price":100,"status":"draft","course_ids":[`+n+`]}`, "Content-Type", "application/json", "Accept-Language", "en")
			r.NotContains("json:", "Go struct", "int64")
			msg := field(r.Problem(422, "request.validation"), "body.course_ids[0]")
			if msg != "must be a whole number from 1 to 9223372036854775807" && msg != "must be a whole number from -9223372036854775808 to 9223372036854775807" {
				t.Fatalf("%s: %q", n, msg)
			}
		}
		r := ta.As(tutor).Request(http.MethodPost, "/api/curriculums/", `{"slug":"big","title":"과정","category":"frontend",
			"skill_level":"beginner","price":100,"status":"draft","Course_IDs":[99999999999999999999]}`, "Content-Type", "application/json", "Accept-Language", "en")
		r.NotContains("json:", "Go struct", "int64")
		field(r.Problem(422, "request.validation"), "body.Course_IDs[0]")
		ta.As(tutor).Get("/api/curriculums/big/").Status(404)

		ta.As(tutor).Request(http.MethodPatch, "/api/me/", `{"nickname":"첫이름"}`, "Content-Type", "application/json").Status(200)
		// Field names match whatever their case (as the decoder matches them).
		for body, loc := range map[string]string{`{"nickname":null}`: "body.nickname", `{"nickname":"둘째","introduction":null}`: "body.introduction",
			`{"Nickname":null}`: "body.Nickname"} {
			p := ta.As(tutor).Request(http.MethodPatch, "/api/me/", body, "Content-Type", "application/json", "Accept-Language", "en").
				Problem(422, "request.validation")
			if msg := field(p, loc); msg == "" {
				t.Fatalf("%s: %v", body, p)
			}
		}
		ta.As(tutor).Get("/api/me/").Status(200).Contains("첫이름").NotContains("둘째")
	})
}

// logSink is a log sink tests read while the app writes to it.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logSink) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// accessLog returns the access-log records written so far.
func (b *logSink) accessLog(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(b.buf.Bytes(), []byte("\n")) {
		var rec map[string]any
		if len(line) == 0 || json.Unmarshal(line, &rec) != nil || rec["msg"] != "request" {
			continue
		}
		out = append(out, rec)
	}
	return out
}

// logTo sends the app's log (debug and up, JSON) to b.
func logTo(b *logSink) apptest.Option {
	return func(cfg *config.Config, o *app.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

// The access log records the size of the body sent: HTML pages and problem
// documents (a 503 included) used to be logged with bytes=0.
func TestAccessLogBytes(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		var logs logSink
		ta := apptest.New(t, dialect, logTo(&logs))
		check := func(r *testkit.Response, path string) {
			t.Helper()
			if len(r.Body) == 0 {
				t.Fatalf("%s: empty body", path)
			}
			for _, rec := range logs.accessLog(t) {
				if rec["path"] == path && rec["status"] == float64(r.StatusCode) {
					if rec["bytes"] != float64(len(r.Body)) {
						t.Fatalf("%s: logged bytes=%v, sent %d", path, rec["bytes"], len(r.Body))
					}
					return
				}
			}
			t.Fatalf("%s: no access-log record", path)
		}
		check(ta.Get("/", "Accept", "text/html").Status(200), "/")
		check(ta.Get("/courses", "Accept", "text/html").Status(200), "/courses")
		check(ta.Get("/api/courses/9999/").Status(404), "/api/courses/9999/")
		check(ta.Get("/no/such/page", "Accept", "text/html").Status(404), "/no/such/page")
		testkit.Must(t, ta.App.DB.Close())
		check(ta.Get("/readyz").Status(503), "/readyz")
	})
}

// rawRequest sends one raw HTTP/1.1 request to base and returns the answer.
func rawRequest(t *testing.T, base, req string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	testkit.Must(t, err)
	defer conn.Close()
	testkit.Must(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	testkit.Must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	testkit.Must(t, err)
	return resp, body
}

// What the HTTP layer cannot parse answers a problem like everything else:
// a translated detail (it was the key "problem.request.invalid"), a request
// id, and an access-log line (there was none); a long URL answers 414 (it
// was 431). The OpenAPI document lists 400, 414, 431 and 503 everywhere.
func TestUnparsableRequests(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		var logs logSink
		ta := apptest.New(t, dialect, logTo(&logs))
		base := testkit.Listen(t, ta.App.Fiber)
		long := strings.Repeat("a", 9<<10)
		huge := strings.Repeat("a", 20<<10)
		for _, c := range []struct {
			name, req, code string
			status          int
		}{
			{"nul in query", "GET /api/courses/?search=a%00b HTTP/1.1\r\nHost: x\r\n\r\n", "request.invalid", 400},
			{"nul in path", "GET /api/curriculums/a%00b HTTP/1.1\r\nHost: x\r\n\r\n", "request.invalid", 400},
			{"header without colon", "GET /api/courses/ HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", "request.invalid", 400},
			{"bad content length", "POST /api/login/ HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "request.invalid", 400},
			{"long url", "GET /api/courses/?search=" + long + " HTTP/1.1\r\nHost: x\r\n\r\n", "request.uri_too_long", 414},
			{"huge url", "GET /api/courses/?search=" + huge + " HTTP/1.1\r\nHost: x\r\n\r\n", "request.uri_too_long", 414},
			{"huge header", "GET /api/courses/ HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + "\r\n\r\n", "request.headers_too_large", 431},
		} {
			resp, body := rawRequest(t, base, c.req)
			var p map[string]any
			if resp.StatusCode != c.status || json.Unmarshal(body, &p) != nil || p["code"] != c.code {
				t.Fatalf("%s: %d %s", c.name, resp.StatusCode, body)
			}
			detail, _ := p["detail"].(string)
			id, _ := p["request_id"].(string)
			if detail == "" || strings.HasPrefix(detail, "problem.") || id == "" || resp.Header.Get("X-Request-ID") != id {
				t.Fatalf("%s: %s", c.name, body)
			}
			logged := false
			for _, rec := range logs.accessLog(t) {
				logged = logged || (rec["request_id"] == id && rec["status"] == float64(c.status))
			}
			if !logged {
				t.Fatalf("%s: no access-log line for request %s", c.name, id)
			}
		}
		// English on request, like every problem (an unparsed request's
		// headers are unknown: it gets the default language).
		resp, body := rawRequest(t, base, "GET /api/courses/?search="+long+" HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\n\r\n")
		if resp.StatusCode != 414 || !strings.Contains(string(body), "The address is too long.") {
			t.Fatalf("414 in English: %d %s", resp.StatusCode, body)
		}

		var doc struct {
			Paths map[string]map[string]struct {
				Responses map[string]any
			}
		}
		ta.Get("/api/openapi.json").Status(200).JSON(&doc)
		n := 0
		for path, item := range doc.Paths {
			for method, op := range item {
				for _, code := range []string{"400", "414", "431", "503"} {
					if op.Responses[code] == nil {
						t.Errorf("%s %s does not document %s", method, path, code)
					}
				}
				n++
			}
		}
		if n < 20 {
			t.Fatalf("only %d operations", n)
		}
	})
}
