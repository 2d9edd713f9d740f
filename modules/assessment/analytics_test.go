package assessment_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/rollup"
)

// pointsOf keeps the points of a metric, as "day/course/item" → value.
func pointsOf(ps []rollup.Point, metric string) map[string]int64 {
	out := map[string]int64{}
	for _, p := range ps {
		if p.Metric == metric {
			out[fmt.Sprintf("%s/%d/%d", p.Day, p.Course, p.Item)] += p.Value
		}
	}
	return out
}

func wantPoints(t *testing.T, ps []rollup.Point, metric string, want map[string]int64) {
	t.Helper()
	if got := pointsOf(ps, metric); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", metric, got, want)
	}
}

func relogin(t *testing.T, ta *apptest.T, u user, name string) user {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return u
}

// TestAnalytics counts graded quizzes and code over two days of a window
// at UTC+9 (the second day starting at 15:00 UTC of the first), with an
// attempt after the window and a second course that must not leak into
// the first, and the missions' standings now.
func TestAnalytics(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := t.Context()
		an := assessmentModule(t, ta).Analytics()
		w := newWorld(t, ta)
		// A second course: one quiz of one question.
		var b struct {
			ID       int64
			Lectures []struct {
				Topics []struct {
					ID      int64
					Content struct {
						Questions []struct {
							ID      int64
							Choices []struct{ ID int64 }
						}
					}
				}
			}
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "다른 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 10000, "status": "published",
			"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
				{"title": "퀴즈", "kind": "quiz", "is_premium": true, "mission": "midterm", "pass_score": 100, "questions": []map[string]any{
					{"prompt": "1+1?", "choices": choices(0)}}}}}}}, as(w.tutor)...).Status(201).JSON(&b)
		bQuiz := b.Lectures[0].Topics[0]
		carol, dave := newUser(t, ta, "carol", "student"), newUser(t, ta, "dave", "student")
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", w.course),
			map[string]any{"email": "carol@example.com", "reason": "테스트"}, as(w.tutor)...).Status(201)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", b.ID),
			map[string]any{"email": "dave@example.com", "reason": "테스트"}, as(w.tutor)...).Status(201)
		quiz := fmt.Sprintf("/api/topics/%d/quiz/attempts/", w.quiz)

		// 2026-03-02 18:00 KST: a pass (50) and failing code.
		ta.Request(http.MethodPost, quiz, answers(w, w.correct[0], 0), as(w.learner)...).Status(201)
		if s := submit(t, ta, w.learner, w.assignment, "function sum(a, b) { return a - b }"); s.Passed || s.Status != "graded" {
			t.Fatalf("wrong code: %+v", s)
		}
		// 16:00 UTC is 01:00 KST the next day: a failed attempt, passing
		// code, carol's failed attempt, and dave's in the other course.
		ta.Clock.Set(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
		w.learner, carol, dave = relogin(t, ta, w.learner, "learner"), relogin(t, ta, carol, "carol"), relogin(t, ta, dave, "dave")
		ta.Request(http.MethodPost, quiz, answers(w, w.choices[0][0], w.choices[1][0]), as(w.learner)...).Status(201)
		if s := submit(t, ta, w.learner, w.assignment, "function sum(a, b) { return a + b }"); !s.Passed {
			t.Fatalf("right code: %+v", s)
		}
		ta.Request(http.MethodPost, quiz, answers(w, w.choices[0][0], w.choices[1][0]), as(carol)...).Status(201)
		wrong := bQuiz.Content.Questions[0].Choices[1].ID
		ta.Request(http.MethodPost, fmt.Sprintf("/api/topics/%d/quiz/attempts/", bQuiz.ID), map[string]any{"answers": []map[string]any{
			{"question_id": bQuiz.Content.Questions[0].ID, "choice_ids": []int64{wrong}}}}, as(dave)...).Status(201)
		// After the window (2026-03-04 KST): a perfect attempt.
		ta.Clock.Set(time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC))
		w.learner = relogin(t, ta, w.learner, "learner")
		ta.Request(http.MethodPost, quiz, answers(w, w.correct[0], w.correct[1]), as(w.learner)...).Status(201)

		win := rollup.Window{From: time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC), Offset: 9 * 3600}
		key := func(day string, course, item int64) string { return fmt.Sprintf("%s/%d/%d", day, course, item) }
		d1, d2, a, bc := "2026-03-02", "2026-03-03", w.course, b.ID
		daily, err := an.Daily(ctx, win)
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, daily, "assessment.submissions", map[string]int64{key(d1, a, 0): 2, key(d2, a, 0): 3, key(d2, bc, 0): 1})
		wantPoints(t, daily, "assessment.passes", map[string]int64{key(d1, a, 0): 1, key(d2, a, 0): 1})
		if len(daily) != 5 {
			t.Errorf("daily: %+v", daily)
		}
		// The window's first day only.
		first, err := an.Daily(ctx, rollup.Window{From: win.From, To: win.From.Add(24 * time.Hour), Offset: win.Offset})
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, first, "assessment.submissions", map[string]int64{key(d1, a, 0): 2})

		snap, err := an.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, snap, "assessment.attempted", map[string]int64{key("", a, w.quiz): 2, key("", a, w.assignment): 1,
			key("", bc, bQuiz.ID): 1})
		wantPoints(t, snap, "assessment.passed", map[string]int64{key("", a, w.quiz): 1, key("", a, w.assignment): 1,
			key("", bc, bQuiz.ID): 0})
		wantPoints(t, snap, "assessment.best_sum", map[string]int64{key("", a, w.quiz): 100, key("", a, w.assignment): 100,
			key("", bc, bQuiz.ID): 0})
		for _, p := range snap {
			if p.Day != "" {
				t.Errorf("a snapshot point with a day: %+v", p)
			}
		}
	})
}
