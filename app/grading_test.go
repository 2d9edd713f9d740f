package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/assessment/grader"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/catalog/bundle"
	"github.com/weaverse/weaverse/modules/catalog/defaultcontent"
	"github.com/weaverse/weaverse/platform/testkit"
)

// Every assignment of the default nano-degree passes its own tests with
// its reference solution and fails at least one with its starter code,
// graded as learners' code is: in a child process.
func TestDefaultContentAssignmentsGrade(t *testing.T) {
	t.Parallel()
	kinds := catalog.StandardKinds()
	for _, g := range catalog.StandardGraders() {
		testkit.Must(t, kinds.RegisterGrader(g))
	}
	b, problems, err := bundle.Load(defaultcontent.FS(), defaultcontent.Root, kinds)
	if err != nil || len(problems) > 0 {
		t.Fatalf("bundle: %v %v", err, problems)
	}
	svc, err := grader.New(grader.Config{})
	testkit.Must(t, err)
	defer svc.Close()
	n := 0
	for _, c := range b.Courses {
		for _, l := range c.Lectures {
			for _, tp := range l.Topics {
				a := tp.Assignment
				if a == nil {
					continue
				}
				n++
				t.Run(c.Slug+"/"+tp.Slug, func(t *testing.T) {
					task := grader.Task{Grader: a.Grader, Function: a.Function, Schema: a.Schema, Ordered: a.Ordered,
						Tests: grader.TestsFrom(a.Tests)}
					r, err := svc.Grade(context.Background(), task, a.Solution)
					testkit.Must(t, err)
					if !r.Passed || r.Score != 100 {
						t.Errorf("the solution fails: %s %s %+v", r.Verdict, r.Message, r.Tests)
					}
					r, err = svc.Grade(context.Background(), task, a.StarterCode)
					testkit.Must(t, err)
					if r.Passed {
						t.Errorf("the starter code passes every test")
					}
				})
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d assignments found", n)
	}
}

// The studio's "run the tests against my solution" grades the saved
// solution through the grading service, in a child process.
func TestStudioRunsAssignmentTests(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite")
	tutor := hardeningTutor(t, ta)
	tests := []map[string]any{{"name": "작은 수", "args": []any{1, 2}, "expect": 3},
		{"name": "큰 수", "hidden": true, "args": []any{20, 22}, "expect": 42}}
	var created struct{ ID int64 }
	ta.As(tutor).Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "grading", "title": "채점 강좌",
		"category": "frontend", "skill_level": "beginner", "price": 0, "status": "draft",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "add", "title": "더하기", "kind": "assignment", "assignment": map[string]any{
				"prompt": "더하세요", "grader": "javascript", "function": "add", "starter_code": "function add(a, b) {}",
				"solution": "function add(a, b) { return a + b; }", "tests": tests}}}}}}).Status(201).JSON(&created)
	var d catalog.CourseDetail
	ta.As(tutor).Get(fmt.Sprintf("/api/courses/%d/", created.ID)).Status(200).JSON(&d)
	path := fmt.Sprintf("/studio/courses/%d/topics/%d", d.ID, d.Lectures[0].Topics[0].ID)
	page := testkit.NewPageBrowser(ta.As(tutor))
	page.Get(path).Status(200).Contains(`id="run-tests"`).NotContains("채점이 켜지면")

	form := func(version int64, solution string) url.Values {
		f := url.Values{"title": {"더하기"}, "premium": {"0"}, "mission": {"none"}, "pass_score": {"100"},
			"version": {strconv.FormatInt(version, 10)}, "prompt": {"더하세요"}, "grader": {"javascript"}, "function": {"add"},
			"starter_code": {"function add(a, b) {}"}, "solution": {solution}, "run_tests": {"1"}}
		for i, tc := range tests {
			args, _ := json.Marshal(tc["args"])
			f.Set(fmt.Sprintf("t.%d.name", i), tc["name"].(string))
			f.Set(fmt.Sprintf("t.%d.args", i), string(args))
			f.Set(fmt.Sprintf("t.%d.expect", i), fmt.Sprint(tc["expect"]))
			if tc["hidden"] == true {
				f.Set(fmt.Sprintf("t.%d.hidden", i), "1")
			}
		}
		return f
	}
	page.Do(http.MethodPost, path, form(d.Version, "function add(a, b) { return a + b; }")).Status(200).
		Contains(`id="test-outcomes"`, "<strong>작은 수</strong> — 통과", "<strong>큰 수</strong> — 통과")
	page.Do(http.MethodPost, path, form(d.Version+1, "function add(a, b) { return a * b; }")).Status(200).
		Contains("<strong>작은 수</strong> — 실패: 기대한 값은 3인데 2을(를) 반환했습니다.",
			"<strong>큰 수</strong> — 실패: 기대한 값은 42인데 440을(를) 반환했습니다.")
	page.Do(http.MethodPost, path, form(d.Version+2, "function add(a, b) { while (true) {} }")).Status(200).
		Contains("<strong>작은 수</strong> — 실패: 시간 제한을 넘었습니다")
	// The grader's messages in the page's language.
	page.Do(http.MethodPost, path+"?lang=en", form(d.Version+3, "function add(a, b) { return a * b; }")).Status(200).
		Contains("<strong>작은 수</strong> — failed: expected 3, got 2")
}
