package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/provide"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/web"
)

// The topic editor of kinds and graders the app does not register: a kind
// another module registers without a form, and a grader that runs tests.
// The catalog's pages are served alone, with the real renderer.

// noLibrary is a media library without videos.
type noLibrary struct{}

func (noLibrary) Attachable(context.Context, *authz.Principal, string, int) ([]MediaItem, error) {
	return nil, nil
}
func (noLibrary) Describe(context.Context, []string) (map[string]MediaItem, error) { return nil, nil }
func (noLibrary) Attach(context.Context, *authz.Principal, string, int64, int64, string) error {
	return errors.New("noLibrary: nothing to attach")
}
func (noLibrary) LibraryURL(int64, int64) string { return "/studio/media" }

// topicEditorApp serves the topic editor of a catalog with kinds; requests
// act as the tutor newTestModule makes.
func topicEditorApp(t *testing.T, d *db.DB, kinds *Kinds) (serve func(method, path string, form url.Values) (int, string), m *Module, tutor *authz.Principal) {
	t.Helper()
	m, tutor, _ = newTestModule(t, d, kinds)
	b, err := i18n.New()
	testkit.Must(t, err)
	w, err := web.New(web.Options{I18n: b, Secret: []byte("test")})
	testkit.Must(t, err)
	locales, _ := fs.Sub(files, "locales")
	templates, _ := fs.Sub(files, "templates")
	testkit.Must(t, b.Load(locales))
	testkit.Must(t, w.AddTemplates("catalog", templates))
	m.web, m.i18n = w, b
	testkit.Must(t, provide.Bind[MediaLibrary](m, noLibrary{}))

	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		status := fiber.StatusInternalServerError
		for kind, code := range map[error]int{apperr.NotFound: 404, apperr.Forbidden: 403, apperr.Unauthenticated: 401} {
			if errors.Is(err, kind) {
				status = code
			}
		}
		return c.Status(status).SendString(err.Error())
	}})
	app.Use(w.Middleware(nil))
	app.Use(func(c *fiber.Ctx) error {
		c.SetUserContext(authz.WithPrincipal(c.UserContext(), tutor))
		return c.Next()
	})
	m.topicPages(app, httpx.RequirePage(m.authz, objCourse, "create"))
	serve = func(method, path string, form url.Values) (int, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := app.Test(req, -1)
		testkit.Must(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	return serve, m, tutor
}

func contains(t *testing.T, body string, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

// A kind another module registers without a form is edited as its JSON
// payload, marked as advanced: JSON that does not parse, or that the kind
// refuses, is shown again beside the field.
func TestTopicEditorPayloadKind(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		serve, m, tutor := topicEditorApp(t, d, testKinds(t))
		in := courseWith("polls", pollTopic("p", "짜장", "짬뽕"))
		in.Status = "draft"
		c, err := m.svc.CreateCourse(ctx, tutor, in)
		testkit.Must(t, err)
		tp := c.Lectures[0].Topics[0]
		path := fmt.Sprintf("/studio/courses/%d/topics/%d", c.ID, tp.ID)

		status, body := serve(http.MethodGet, path, nil)
		if status != 200 {
			t.Fatalf("GET %d: %s", status, body)
		}
		contains(t, body, `name="payload"`, "고급", "‘poll’", "&#34;question&#34;: &#34;어느 쪽?&#34;", "&#34;짜장&#34;")
		version := strconv.FormatInt(c.Version, 10)
		form := url.Values{"title": {"투표"}, "premium": {"0"}, "version": {version}, "payload": {`{"question": "어느 쪽?", "options": [`}}
		status, body = serve(http.MethodPost, path, form)
		if status != 422 {
			t.Fatalf("bad JSON: %d", status)
		}
		contains(t, body, `id="f-payload-error"`, "JSON 형식이 올바르지 않아요", `&#34;options&#34;: [</textarea>`)
		form.Set("payload", `{"question": "어느 쪽?", "options": ["하나"]}`)
		if status, body = serve(http.MethodPost, path, form); status != 422 || !strings.Contains(body, `id="f-payload-error"`) ||
			!strings.Contains(body, "poll.two_options") {
			t.Fatalf("refused payload: %d", status)
		}
		form.Set("payload", `{"question": "어느 쪽?", "options": ["하나", "둘", "셋"], "answer": 2}`)
		if status, _ = serve(http.MethodPost, path, form); status != 303 {
			t.Fatalf("saved: %d", status)
		}
		got, err := m.svc.CourseToEdit(ctx, tutor, c.ID)
		testkit.Must(t, err)
		var p poll
		testkit.Must(t, json.Unmarshal(got.Lectures[0].Topics[0].Content.Payload, &p))
		if len(p.Options) != 3 || p.Answer != 2 || got.Lectures[0].Topics[0].ID != tp.ID {
			t.Fatalf("poll saved: %+v", p)
		}
	})
}

// A grader that runs tests gets "run the tests against my solution": the
// assignment is saved, then its tests run against the saved solution.
func TestTopicEditorRunTests(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := StandardKinds()
		var ran []string
		runner := pythonGrader()
		runner.Run = func(_ context.Context, a *AssignmentInput, code string) ([]TestOutcome, error) {
			ran = append(ran, code)
			out := make([]TestOutcome, len(a.Tests))
			for i, tc := range a.Tests {
				out[i] = TestOutcome{Name: tc.Name, Passed: !tc.Hidden, Message: map[bool]string{true: "expected 4, got 5"}[tc.Hidden]}
			}
			return out, nil
		}
		for _, g := range append(StandardGraders(), runner) {
			testkit.Must(t, k.RegisterGrader(g))
		}
		serve, m, tutor := topicEditorApp(t, d, k)
		in := courseWith("runs", TopicInput{Slug: "a", Title: "과제", Kind: kindAssignment, Assignment: &AssignmentInput{
			Prompt: "더하세요", Grader: "python", Function: "add", StarterCode: "def add(a, b): pass", Solution: "def add(a, b): return a + b",
			Tests: []AssignmentTest{{Name: "공개", Args: []any{1.0, 2.0}, Expect: 3.0}, {Name: "숨김", Hidden: true, Args: []any{2.0, 2.0}, Expect: 4.0}}}})
		c, err := m.svc.CreateCourse(ctx, tutor, in)
		testkit.Must(t, err)
		path := fmt.Sprintf("/studio/courses/%d/topics/%d", c.ID, c.Lectures[0].Topics[0].ID)
		_, body := serve(http.MethodGet, path, nil)
		contains(t, body, `id="run-tests"`, `<option value="python" selected>python</option>`)
		if strings.Contains(body, "채점이 켜지면") {
			t.Error("the note that tests cannot run yet shows beside a grader that runs them")
		}
		form := url.Values{"title": {"과제"}, "premium": {"0"}, "mission": {"none"}, "pass_score": {"60"},
			"version": {strconv.FormatInt(c.Version, 10)}, "prompt": {"더하세요"}, "grader": {"python"}, "function": {"add"},
			"starter_code": {"def add(a, b): pass"}, "solution": {"def add(a, b): return a - b"},
			"t.0.name": {"공개"}, "t.0.args": {"[1, 2]"}, "t.0.expect": {"3"},
			"t.1.name": {"숨김"}, "t.1.hidden": {"1"}, "t.1.args": {"[2, 2]"}, "t.1.expect": {"4"}, "run_tests": {"1"}}
		status, body := serve(http.MethodPost, path, form)
		if status != 200 || len(ran) != 1 || ran[0] != "def add(a, b): return a - b" {
			t.Fatalf("run: %d, ran %q", status, ran)
		}
		contains(t, body, `id="test-outcomes"`, "<strong>공개</strong> — 통과", "<strong>숨김</strong> — 실패: expected 4, got 5",
			fmt.Sprintf(`name="version" value="%d"`, c.Version+1))
	})
}
