package assessment_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/assessment/grader"
	"github.com/weaverse/weaverse/platform/testkit"
)

// TestMain lets this test binary serve as the graders' sandboxed child.
func TestMain(m *testing.M) {
	grader.ChildMain()
	os.Exit(m.Run())
}

const pw = "correct-horse-battery-9"

type user struct {
	ID    int64
	Token string
}

func newUser(t testing.TB, ta *apptest.T, name, role string) user {
	t.Helper()
	var u user
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": name + "@example.com",
		"password": pw, "password_confirm": pw, "nickname": name}).Status(201).JSON(&u)
	if role != "student" {
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", u.ID).Exec(context.Background())
		testkit.Must(t, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return u
}

func as(u user) []string { return []string{"Authorization", "Bearer " + u.Token} }

// world is a published premium course of a tutor's: a two-question
// midterm quiz (pass score 50; the correct choices are the second and the
// fifth), a final JavaScript assignment with a visible and a hidden test,
// and an article; and a learner with access to it.
type world struct {
	tutor, learner       user
	course               int64
	quiz, assignment     int64
	article              int64
	questions            []int64
	choices              [][]int64
	correct              []int64
	explanation          string
	hiddenExpectMarkerID string
}

func choices(correct int) []map[string]any {
	out := []map[string]any{}
	for i := 0; i < 5; i++ {
		out = append(out, map[string]any{"text": fmt.Sprintf("보기 %d", i+1), "correct": i == correct})
	}
	return out
}

func newWorld(t *testing.T, ta *apptest.T) world {
	t.Helper()
	w := world{tutor: newUser(t, ta, "tutor", "tutor"), learner: newUser(t, ta, "learner", "student"),
		explanation: "HyperText Markup Language"}
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct {
				ID      int64
				Content struct {
					Questions []struct {
						ID      int64
						Choices []struct {
							ID        int64
							IsCorrect *bool `json:"is_correct"`
						}
					}
				}
			}
		}
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "미션 강좌", "category": "frontend",
		"skill_level": "beginner", "price": 30000, "status": "published",
		"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
			{"title": "중간 퀴즈", "kind": "quiz", "is_premium": true, "mission": "midterm", "pass_score": 50, "questions": []map[string]any{
				{"prompt": "HTML의 뜻은?", "explanation": w.explanation, "choices": choices(1)},
				{"prompt": "CSS의 **뜻**은?", "explanation": "Cascading Style Sheets", "choices": choices(4)}}},
			{"title": "기말 과제", "kind": "assignment", "is_premium": true, "mission": "final", "pass_score": 100, "assignment": map[string]any{
				"prompt": "두 수를 더하세요", "grader": "javascript", "function": "sum", "starter_code": "function sum(a, b) {}",
				"solution": "function sum(a, b) { return a + b }",
				"tests": []map[string]any{{"name": "공개 테스트", "args": []any{1, 2}, "expect": 3},
					{"name": "비밀테스트-이름", "hidden": true, "args": []any{20, 22}, "expect": 42}}}},
			{"title": "글", "kind": "article", "body": "본문", "is_premium": true}}}}}, as(w.tutor)...).Status(201).JSON(&c)
	w.course = c.ID
	ts := c.Lectures[0].Topics
	w.quiz, w.assignment, w.article = ts[0].ID, ts[1].ID, ts[2].ID
	for _, q := range ts[0].Content.Questions {
		w.questions = append(w.questions, q.ID)
		var ids []int64
		for _, ch := range q.Choices {
			ids = append(ids, ch.ID)
			if ch.IsCorrect != nil && *ch.IsCorrect {
				w.correct = append(w.correct, ch.ID)
			}
		}
		w.choices = append(w.choices, ids)
	}
	if len(w.correct) != 2 {
		t.Fatalf("correct choices: %v", w.correct)
	}
	ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", w.course),
		map[string]any{"email": "learner@example.com", "reason": "테스트"}, as(w.tutor)...).Status(201)
	return w
}

type quiz struct {
	Attempt   int
	PassScore int `json:"pass_score"`
	Questions []struct {
		ID      int64
		Choices []struct{ ID int64 }
	}
	Standing *assessment.MissionStatus
}

type attempt struct {
	ID, Number, Score, Correct, Total int
	Passed                            bool
	Questions                         []struct {
		QuestionID  int64 `json:"question_id"`
		Correct     bool
		Explanation string
	}
}

func answers(w world, picks ...int64) map[string]any {
	var a []map[string]any
	for i, p := range picks {
		if p != 0 {
			a = append(a, map[string]any{"question_id": w.questions[i], "choice_ids": []int64{p}})
		}
	}
	return map[string]any{"answers": a}
}

func TestQuiz(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		path := fmt.Sprintf("/api/topics/%d/quiz/", w.quiz)
		r := ta.Get(path, as(w.learner)...).Status(200)
		r.NotContains("is_correct", "correct", w.explanation, "explanation")
		var q quiz
		r.JSON(&q)
		if q.Attempt != 1 || q.PassScore != 50 || len(q.Questions) != 2 || len(q.Questions[0].Choices) != 5 ||
			q.Standing == nil || q.Standing.State != assessment.StateNotStarted {
			t.Fatalf("quiz %+v", q)
		}
		// The order is the attempt's: the same on a reload.
		var again quiz
		ta.Get(path, as(w.learner)...).Status(200).JSON(&again)
		for i := range q.Questions {
			if !slices.Equal(ids(q.Questions[i].Choices), ids(again.Questions[i].Choices)) {
				t.Fatal("a reload reshuffled the choices")
			}
			if !sameSet(ids(q.Questions[i].Choices), w.choices[i]) {
				t.Fatalf("choices %v, want a permutation of %v", ids(q.Questions[i].Choices), w.choices[i])
			}
		}

		// Bad answers: refused, nothing stored.
		for name, body := range map[string]map[string]any{
			"another quiz's question":   {"answers": []map[string]any{{"question_id": 999999, "choice_ids": []int64{w.correct[0]}}}},
			"another question's choice": {"answers": []map[string]any{{"question_id": w.questions[0], "choice_ids": []int64{w.correct[1]}}}},
			"two choices":               {"answers": []map[string]any{{"question_id": w.questions[0], "choice_ids": []int64{w.choices[0][0], w.choices[0][1]}}}},
			"answered twice": {"answers": []map[string]any{{"question_id": w.questions[0], "choice_ids": []int64{w.correct[0]}},
				{"question_id": w.questions[0], "choice_ids": []int64{w.correct[0]}}}},
		} {
			t.Run(name, func(t *testing.T) {
				ta.Request(http.MethodPost, path+"attempts/", body, as(w.learner)...).Problem(422, "request.validation")
			})
		}
		ta.Request(http.MethodPost, path+"attempts/", `{"answers": [`, append(as(w.learner), "Content-Type", "application/json")...).Problem(400, "")

		// One right, one unanswered: 50 points, passes the 50 needed.
		var first attempt
		ta.Request(http.MethodPost, path+"attempts/", merge(answers(w, w.correct[0], 0), "attempt", 1), as(w.learner)...).
			Status(201).NotContains(fmt.Sprint(w.correct[1])).JSON(&first)
		if first.Number != 1 || first.Score != 50 || first.Correct != 1 || first.Total != 2 || !first.Passed ||
			!first.Questions[0].Correct || first.Questions[1].Correct || first.Questions[0].Explanation != w.explanation {
			t.Fatalf("first attempt %+v", first)
		}
		// The same attempt again (a double click): 409, nothing added.
		ta.Request(http.MethodPost, path+"attempts/", merge(answers(w, w.correct[0], w.correct[1]), "attempt", 1), as(w.learner)...).
			Problem(409, "assessment.attempt_taken")
		// The next attempt: all wrong; the best score stays.
		var second attempt
		ta.Request(http.MethodPost, path+"attempts/", answers(w, w.choices[0][0], w.choices[1][0]), as(w.learner)...).Status(201).JSON(&second)
		if second.Number != 2 || second.Score != 0 || second.Passed {
			t.Fatalf("second attempt %+v", second)
		}
		ta.Get(path, as(w.learner)...).Status(200).JSON(&q)
		if q.Attempt != 3 || q.Standing.State != assessment.StatePassed || q.Standing.BestScore != 50 || q.Standing.LastScore != 0 ||
			q.Standing.Attempts != 2 {
			t.Fatalf("standing %+v", q.Standing)
		}
		// The quiz is completed in the learner's progress.
		var prog struct {
			Topics []struct {
				ID     int64
				Status string
			}
		}
		ta.Get(fmt.Sprintf("/api/me/courses/%d/progress/", w.course), as(w.learner)...).Status(200).JSON(&prog)
		done := map[int64]string{}
		for _, tp := range prog.Topics {
			done[tp.ID] = tp.Status
		}
		if done[w.quiz] != "completed" || done[w.assignment] == "completed" {
			t.Fatalf("progress %v", done)
		}
		// Mine: listed and readable; another learner's are not.
		var list struct {
			Count   int
			Results []attempt
		}
		ta.Get("/api/me/quiz-attempts/", as(w.learner)...).Status(200).JSON(&list)
		if list.Count != 2 || list.Results[0].ID != second.ID || list.Results[0].Questions[0].Explanation != "" {
			t.Fatalf("my attempts %+v", list)
		}
		ta.Get(fmt.Sprintf("/api/me/quiz-attempts/%d/", first.ID), as(w.learner)...).Status(200).Contains(w.explanation)
		ta.Get(fmt.Sprintf("/api/me/quiz-attempts/%d/", first.ID), as(w.tutor)...).Problem(404, "assessment.attempt_not_found")
		// A student without access: 403, nothing stored.
		other := newUser(t, ta, "other", "student")
		ta.Get(path, as(other)...).Problem(403, "assessment.locked")
		ta.Request(http.MethodPost, path+"attempts/", answers(w, w.correct[0], w.correct[1]), as(other)...).Problem(403, "assessment.locked")
		ta.Get("/api/me/quiz-attempts/", as(other)...).Status(200).Contains(`"count":0`)

		// The course's missions, as other modules read them.
		ms, err := assessmentModule(t, ta).Missions().CourseMissions(context.Background(), w.learner.ID, w.course)
		testkit.Must(t, err)
		if len(ms) != 2 || ms[0].State != assessment.StatePassed || ms[0].Mission != "midterm" ||
			ms[1].State != assessment.StateNotStarted || ms[1].Mission != "final" {
			t.Fatalf("missions %+v", ms)
		}
	})
}

func merge(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

func ids(cs []struct{ ID int64 }) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func sameSet(a, b []int64) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func assessmentModule(t *testing.T, ta *apptest.T) *assessment.Module {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if a, ok := m.(*assessment.Module); ok {
			return a
		}
	}
	t.Fatal("no assessment module")
	return nil
}

type submission struct {
	ID      int64
	Status  string
	Score   int
	Passed  bool
	Verdict string
	Message string
	Tests   []struct {
		Name    string
		Hidden  bool
		Passed  bool
		Message string
	}
}

// submit sends JavaScript code and waits until it is graded.
func submit(t *testing.T, ta *apptest.T, u user, topic int64, code string) submission {
	t.Helper()
	return submitCode(t, ta, topic, "javascript", code, as(u)...)
}

func TestAssignment(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		path := fmt.Sprintf("/api/topics/%d/assignment/", w.assignment)
		r := ta.Get(path, as(w.learner)...).Status(200).Contains("function sum(a, b) {}", "공개 테스트", `"hidden_tests":1`)
		r.NotContains("비밀테스트-이름", "return a + b", "42")

		// Wrong code: graded, fails; the hidden test says only that it failed.
		bad := submit(t, ta, w.learner, w.assignment, "function sum(a, b) { return a - b }")
		if bad.Status != "graded" || bad.Passed || bad.Score != 0 || len(bad.Tests) != 2 || !bad.Tests[1].Hidden ||
			bad.Tests[1].Message != "" || bad.Tests[0].Message == "" {
			t.Fatalf("wrong code: %+v", bad)
		}
		raw := ta.Get(fmt.Sprintf("/api/me/submissions/%d/", bad.ID), as(w.learner)...).Status(200)
		raw.NotContains("비밀테스트-이름", "42")
		// An endless loop: a time limit, and the server goes on.
		loop := submit(t, ta, w.learner, w.assignment, "function sum(a, b) { while (true) {} }")
		if loop.Passed || loop.Verdict != "time_limit" {
			t.Fatalf("endless loop: %+v", loop)
		}
		// Right code: passes, completes the topic.
		good := submit(t, ta, w.learner, w.assignment, "function sum(a, b) { return a + b }")
		if good.Status != "graded" || !good.Passed || good.Score != 100 {
			t.Fatalf("right code: %+v", good)
		}
		var a struct{ Standing *assessment.MissionStatus }
		ta.Get(path, as(w.learner)...).Status(200).JSON(&a)
		if a.Standing.State != assessment.StatePassed || a.Standing.Attempts != 3 || a.Standing.BestScore != 100 {
			t.Fatalf("standing %+v", a.Standing)
		}

		// Refused input: nothing stored.
		ta.Request(http.MethodPost, path+"submissions/", map[string]any{"language": "sql", "code": "SELECT 1"}, as(w.learner)...).
			Problem(422, "request.validation")
		ta.Request(http.MethodPost, path+"submissions/", map[string]any{"language": "javascript", "code": strings.Repeat("x", 70<<10)},
			as(w.learner)...).Problem(422, "request.validation")
		var list struct{ Count int }
		ta.Get("/api/me/submissions/", as(w.learner)...).Status(200).JSON(&list)
		if list.Count != 3 {
			t.Fatalf("%d submissions stored", list.Count)
		}
		// A student without access may not submit.
		other := newUser(t, ta, "other", "student")
		ta.Request(http.MethodPost, path+"submissions/", map[string]any{"language": "javascript", "code": "x"}, as(other)...).
			Problem(403, "assessment.locked")
		// Too many at once: 429 with Retry-After.
		for i := 0; i < 7; i++ {
			submit(t, ta, w.learner, w.assignment, "function sum(a, b) { return a + b }")
		}
		lim := ta.Request(http.MethodPost, path+"submissions/", map[string]any{"language": "javascript", "code": "x"}, as(w.learner)...)
		lim.Problem(429, "assessment.too_many_submissions")
		if lim.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
}

// TestConcurrentSubmissions: 50 learners submit at once; every submission
// is graded, and the catalog keeps answering meanwhile (its p99 is
// logged).
func TestConcurrentSubmissions(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ta := apptest.New(t, "sqlite")
	testkit.Must(t, ta.App.Start(context.Background())) // the grading queue
	w := newWorld(t, ta)
	const n = 50
	learners := make([]user, n)
	for i := range learners {
		learners[i] = newUser(t, ta, fmt.Sprintf("l%d", i), "student")
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", w.course),
			map[string]any{"email": fmt.Sprintf("l%d@example.com", i), "reason": "부하"}, as(w.tutor)...).Status(201)
	}
	stop := make(chan struct{})
	var lat []time.Duration
	var mu sync.Mutex
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			r := ta.Get("/api/courses/")
			d := time.Since(start)
			if r.StatusCode != 200 {
				t.Errorf("catalog: %d", r.StatusCode)
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	results := make([]submission, n)
	for i := range learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = submit(t, ta, learners[i], w.assignment, "function sum(a, b) { return a + b }")
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(stop)
	bg.Wait()
	for i, s := range results {
		if !s.Passed {
			t.Errorf("learner %d: %+v", i, s)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	t.Logf("%d submissions graded in %v; GET /api/courses/ meanwhile: %d requests, p50 %v, p99 %v, max %v",
		n, took.Round(time.Millisecond), len(lat), p(.5), p(.99), lat[len(lat)-1])
	if p(.99) > 2*time.Second {
		t.Errorf("the catalog was blocked: p99 %v", p(.99))
	}
}

// A quiz with an attempt limit and a question with several correct
// choices: the learner is told so, answers with several choices, is right
// only with exactly the correct ones, and runs out of attempts.
func TestQuizRules(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor, learner := newUser(t, ta, "tutor", "tutor"), newUser(t, ta, "learner", "student")
		several := choices(0)
		several[2]["correct"], several[4]["correct"] = true, true
		course := func(topic map[string]any) map[string]any {
			return map[string]any{"title": "규칙 강좌", "category": "frontend", "skill_level": "beginner", "price": 0, "status": "published",
				"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{topic}}}}
		}
		quizTopic := map[string]any{"title": "기말 퀴즈", "kind": "quiz", "mission": "final", "pass_score": 100, "max_attempts": 2,
			"questions": []map[string]any{
				{"prompt": "하나만 맞는 문제", "choices": choices(3)},
				{"prompt": "여럿이 맞는 문제", "multiple": true, "choices": several}}}

		// The author's mistakes: refused.
		noneCorrect := map[string]any{"title": "q", "kind": "quiz", "questions": []map[string]any{{"prompt": "p", "multiple": true, "choices": choices(-1)}}}
		ta.Request(http.MethodPost, "/api/courses/", course(noneCorrect), as(tutor)...).Status(422).Contains("questions[0].choices", "정답을 하나 이상")
		capped := map[string]any{"title": "a", "kind": "article", "body": "글", "max_attempts": 3}
		ta.Request(http.MethodPost, "/api/courses/", course(capped), as(tutor)...).Status(422).Contains("max_attempts", "퀴즈에만")
		tooMany := merge(maps.Clone(quizTopic), "max_attempts", 101)
		ta.Request(http.MethodPost, "/api/courses/", course(tooMany), as(tutor)...).Problem(422, "")

		var c struct {
			ID       int64
			Lectures []struct {
				Topics []struct {
					ID          int64
					MaxAttempts int `json:"max_attempts"`
					Content     struct {
						Questions []struct {
							ID       int64
							Multiple bool
							Choices  []struct {
								ID        int64
								IsCorrect *bool `json:"is_correct"`
							}
						}
					}
				}
			}
		}
		ta.Request(http.MethodPost, "/api/courses/", course(quizTopic), as(tutor)...).Status(201).JSON(&c)
		tp := c.Lectures[0].Topics[0]
		qs := tp.Content.Questions
		if tp.MaxAttempts != 2 || qs[0].Multiple || !qs[1].Multiple {
			t.Fatalf("saved quiz %+v", tp)
		}
		one, multi := qs[0].ID, qs[1].ID
		right := func(i int) (out []int64) {
			for _, ch := range qs[i].Choices {
				if *ch.IsCorrect {
					out = append(out, ch.ID)
				}
			}
			return out
		}
		oneRight, multiRight := right(0), right(1)
		if len(oneRight) != 1 || len(multiRight) != 3 {
			t.Fatalf("correct choices %v %v", oneRight, multiRight)
		}
		path := fmt.Sprintf("/api/topics/%d/quiz/", tp.ID)
		r := ta.Get(path, as(learner)...).Status(200).NotContains("is_correct")
		var q struct {
			AttemptsLeft *int `json:"attempts_left"`
			Questions    []struct {
				ID       int64
				Multiple bool
			}
		}
		r.JSON(&q)
		if q.AttemptsLeft == nil || *q.AttemptsLeft != 2 || q.Questions[0].Multiple || !q.Questions[1].Multiple {
			t.Fatalf("quiz %+v", q)
		}
		body := func(oneIDs, multiIDs []int64) map[string]any {
			return map[string]any{"answers": []map[string]any{{"question_id": one, "choice_ids": oneIDs}, {"question_id": multi, "choice_ids": multiIDs}}}
		}
		// Two choices for a one-answer question, or a choice twice: refused.
		ta.Request(http.MethodPost, path+"attempts/", body([]int64{qs[0].Choices[0].ID, qs[0].Choices[1].ID}, multiRight), as(learner)...).
			Status(422).Contains("request.validation", "하나만 고를")
		ta.Request(http.MethodPost, path+"attempts/", body(oneRight, []int64{multiRight[0], multiRight[0]}), as(learner)...).
			Status(422).Contains("request.validation", "두 번 골랐어요")

		// Two of the three correct choices: that question is wrong.
		var a attempt
		ta.Request(http.MethodPost, path+"attempts/", body(oneRight, multiRight[:2]), as(learner)...).Status(201).JSON(&a)
		if a.Correct != 1 || a.Passed || !a.Questions[0].Correct || a.Questions[1].Correct {
			t.Fatalf("partial answer %+v", a)
		}
		// All three, in any order: right, and the quiz is passed.
		ta.Request(http.MethodPost, path+"attempts/", body(oneRight, []int64{multiRight[2], multiRight[0], multiRight[1]}), as(learner)...).
			Status(201).JSON(&a)
		if a.Correct != 2 || !a.Passed || a.Number != 2 {
			t.Fatalf("full answer %+v", a)
		}
		// No third attempt.
		ta.Request(http.MethodPost, path+"attempts/", body(oneRight, multiRight), as(learner)...).Problem(409, "assessment.no_attempts_left")
		ta.Get(path, as(learner)...).Status(200).JSON(&q)
		if *q.AttemptsLeft != 0 {
			t.Fatalf("attempts left %d", *q.AttemptsLeft)
		}

		// The pages: checkboxes for the question with several answers, and
		// the form sends them all.
		pages := func(u user) []string {
			return append([]string{"Accept", "text/html", "Sec-Fetch-Site", "same-origin"}, as(u)...)
		}
		mission := fmt.Sprintf("/missions/%d", tp.ID)
		ta.Get(mission, pages(learner)...).Status(200).Contains(`id="quiz-exhausted"`, "응시 횟수를 모두 사용했어요").NotContains(`id="quiz-submit"`)
		fresh := newUser(t, ta, "fresh", "student")
		ta.Get(mission, pages(fresh)...).Status(200).
			Contains(fmt.Sprintf(`type="checkbox" name="q%d"`, multi), fmt.Sprintf(`type="radio" name="q%d"`, one), "정답을 모두 고르세요", "남은 응시 2회").
			NotContains(`id="quiz-exhausted"`)
		form := url.Values{"attempt": {"1"}, "questions": {fmt.Sprintf("%d %d", one, multi)}, "q" + fmt.Sprint(one): {fmt.Sprint(oneRight[0])}}
		for _, id := range multiRight {
			form.Add("q"+fmt.Sprint(multi), fmt.Sprint(id))
		}
		res := ta.Request(http.MethodPost, mission+"/attempts", form.Encode(), append(pages(fresh), "Content-Type", "application/x-www-form-urlencoded")...).Status(303)
		next := res.Header.Get("Location")
		if !strings.HasPrefix(next, mission+"/attempts/") {
			t.Fatalf("redirect to %q", next)
		}
		ta.Get(next, pages(fresh)...).Status(200).Contains("100", "정답을 모두 고르세요")
		// One question left unanswered: the form comes back asking to confirm.
		form.Del("q" + fmt.Sprint(multi))
		form.Set("attempt", "2")
		ta.Request(http.MethodPost, mission+"/attempts", form.Encode(), append(pages(fresh), "Content-Type", "application/x-www-form-urlencoded")...).
			Status(422).Contains("confirm_unanswered", "checked")
	})
}
