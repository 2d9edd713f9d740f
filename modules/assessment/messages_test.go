package assessment_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// submitCode sends code in a language and waits until it is graded;
// headers go with every request.
func submitCode(t *testing.T, ta *apptest.T, topic int64, lang, code string, headers ...string) submission {
	t.Helper()
	var s submission
	r := ta.Request(http.MethodPost, fmt.Sprintf("/api/topics/%d/assignment/submissions/", topic),
		map[string]any{"language": lang, "code": code}, headers...)
	if r.StatusCode != 201 && r.StatusCode != 202 {
		t.Fatalf("submit: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(&s)
	for deadline := time.Now().Add(60 * time.Second); s.Status == "queued" || s.Status == "running"; {
		if time.Now().After(deadline) {
			t.Fatalf("submission %d still %s", s.ID, s.Status)
		}
		time.Sleep(100 * time.Millisecond)
		ta.Get(fmt.Sprintf("/api/me/submissions/%d/", s.ID), headers...).Status(200).JSON(&s)
	}
	return s
}

// TestGraderMessagesInRequestLanguage: a failed test's message, and a
// verdict's, are in the request's language (Korean by default, English
// with Accept-Language: en), on the API and on the submission's page;
// a hidden test's stays empty in both; a submission graded before
// messages had codes shows its English text as it is.
func TestGraderMessagesInRequestLanguage(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		en := append(as(w.learner), "Accept-Language", "en")
		get := func(id int64, headers ...string) submission {
			var s submission
			ta.Get(fmt.Sprintf("/api/me/submissions/%d/", id), headers...).Status(200).JSON(&s)
			return s
		}

		// javascript: a wrong value, and an exception quoting the learner's text.
		bad := submitCode(t, ta, w.assignment, "javascript", "function sum(a, b) { return a - b }", as(w.learner)...)
		if got := bad.Tests[0].Message; got != "기대한 값은 3인데 -1을(를) 반환했습니다." {
			t.Errorf("korean: %q", got)
		}
		if got := get(bad.ID, en...).Tests[0].Message; got != "expected 3, got -1" {
			t.Errorf("english: %q", got)
		}
		raw := ta.Get(fmt.Sprintf("/api/me/submissions/%d/", bad.ID), as(w.learner)...).Status(200)
		raw.Contains(`"message_code":"grader.js.expected"`, `"message_args":{"got":"-1","want":"3"}`)
		raw.NotContains("비밀테스트-이름", "42")
		if h := bad.Tests[1]; !h.Hidden || h.Message != "" || h.Name != "" {
			t.Errorf("hidden test: %+v", h)
		}
		thrown := submitCode(t, ta, w.assignment, "javascript", "function sum() { throw new Error('앗 실수') }", as(w.learner)...)
		if got := thrown.Tests[0].Message; !strings.HasPrefix(got, "코드에서 예외가 발생했습니다: Error: 앗 실수") {
			t.Errorf("exception: %q", got)
		}
		// A verdict's message.
		loop := submitCode(t, ta, w.assignment, "javascript", "function sum() { for (;;) {} }", as(w.learner)...)
		if loop.Verdict != "time_limit" || !strings.HasPrefix(loop.Message, "시간 제한을 넘었습니다") {
			t.Errorf("time limit, korean: %+v", loop)
		}
		if s := get(loop.ID, en...); !strings.HasPrefix(s.Message, "Time limit exceeded") || !strings.HasPrefix(s.Tests[0].Message, "Time limit exceeded") {
			t.Errorf("time limit, english: %+v", s)
		}

		// html with a CSS rule check, in a course of its own.
		var c struct {
			ID       int64
			Lectures []struct{ Topics []struct{ ID int64 } }
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "CSS 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 10000, "status": "published",
			"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
				{"title": "제목 꾸미기", "kind": "assignment", "is_premium": true, "pass_score": 100, "assignment": map[string]any{
					"prompt": "제목을 빨갛게", "grader": "html", "starter_code": "<h1>안녕</h1>",
					"solution": "<style>h1 { color: red }</style><h1>안녕</h1>",
					"tests": []map[string]any{
						{"name": "빨간 제목", "selector": "h1", "css": map[string]any{"property": "color", "value": "red"}},
						{"name": "숨은-비밀-검사", "hidden": true, "selector": "h1.secret-marker", "css": map[string]any{"property": "font-size"}},
					}}}}}}}, as(w.tutor)...).Status(201).JSON(&c)
		topic := c.Lectures[0].Topics[0].ID
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
			map[string]any{"email": "learner@example.com", "reason": "테스트"}, as(w.tutor)...).Status(201)
		ta.Get(fmt.Sprintf("/missions/%d", topic), as(w.learner)...).Status(200).Contains("h1 { color: red }").NotContains("secret-marker")
		html := submitCode(t, ta, topic, "html", "<style>h1 { color: blue }</style><h1>안녕</h1>", as(w.learner)...)
		if got := html.Tests[0].Message; got != `"h1" 요소의 color 값이 blue입니다: color: red여야 합니다.` {
			t.Errorf("css, korean: %q", got)
		}
		plain := submitCode(t, ta, topic, "html", "<h1>안녕</h1>", en...)
		if got := plain.Tests[0].Message; got != `no style gives "h1" color: red` {
			t.Errorf("css, english: %q", got)
		}
		if got := get(plain.ID, as(w.learner)...).Tests[0].Message; got != `"h1" 요소에 color: red 규칙이 없습니다.` {
			t.Errorf("css, korean: %q", got)
		}
		for _, id := range []int64{html.ID, plain.ID} {
			ta.Get(fmt.Sprintf("/api/me/submissions/%d/", id), en...).Status(200).NotContains("secret-marker", "숨은-비밀-검사", "font-size")
		}
		// The page says it in the page's language.
		page := fmt.Sprintf("/missions/%d/submissions/%d", topic, plain.ID)
		ta.Get(page, as(w.learner)...).Status(200).Contains("&#34;h1&#34; 요소에 color: red 규칙이 없습니다.").NotContains("secret-marker")
		ta.Get(page+"?lang=en", as(w.learner)...).Status(200).Contains("no style gives &#34;h1&#34; color: red")

		// A submission graded before codes: its English text as it is.
		_, err := ta.App.DB.W.NewUpdate().Table("assessment_submissions").
			Set("message_code = ''").Set("message_args = ?", "{}").
			Set("results = ?", `[{"name":"공개 테스트","passed":false,"message":"expected 3, got -1\nprinted"},{"name":"h","hidden":true,"passed":false,"message":"secret"}]`).
			Where("id = ?", bad.ID).Exec(context.Background())
		testkit.Must(t, err)
		old := get(bad.ID, as(w.learner)...)
		if old.Tests[0].Message != "expected 3, got -1\nprinted" || old.Tests[1].Message != "" {
			t.Errorf("a legacy row: %+v", old)
		}
	})
}
