package app_test

import (
	"fmt"
	"net/http"

	"github.com/weaverse/weaverse/platform/testkit"
)

// missionCourse is a published course of the tutor's with a premium quiz,
// a premium JavaScript assignment and a free quiz.
type missionCourse struct {
	id, quiz, assignment, freeQuiz int64
}

func (f *matrixFixture) missionCourse() missionCourse {
	f.t.Helper()
	choices := func() []map[string]any {
		out := []map[string]any{}
		for i := 0; i < 5; i++ {
			out = append(out, map[string]any{"text": fmt.Sprintf("보기 %d", i+1), "correct": i == 1})
		}
		return out
	}
	quiz := func(slug string, premium bool, mission string) map[string]any {
		return map[string]any{"slug": slug, "title": "퀴즈 " + slug, "kind": "quiz", "is_premium": premium, "mission": mission,
			"questions": []map[string]any{{"prompt": "HTML의 뜻은?", "explanation": "HyperText Markup Language", "choices": choices()}}}
	}
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	f.as("tutor", http.MethodPost, "/api/courses/", map[string]any{"slug": f.unique("mission"), "title": "미션 행렬",
		"category": "frontend", "skill_level": "beginner", "price": 30000, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			quiz("q", true, "midterm"),
			{"slug": "a", "title": "과제", "kind": "assignment", "is_premium": true, "mission": "final", "assignment": map[string]any{
				"prompt": "두 수를 더하세요", "grader": "javascript", "function": "sum", "starter_code": "function sum(a, b) {}",
				"solution": "function sum(a, b) { return a + b }",
				"tests": []map[string]any{{"name": "공개", "args": []any{1, 2}, "expect": 3},
					{"name": "비밀", "hidden": true, "args": []any{2, 2}, "expect": 4}}}},
			quiz("f", false, "none")}}}}).Status(201).JSON(&c)
	ts := c.Lectures[0].Topics
	return missionCourse{id: c.ID, quiz: ts[0].ID, assignment: ts[1].ID, freeQuiz: ts[2].ID}
}

// assessmentRows are the assessment module's API routes and pages. The
// "student" is enrolled in the tutor's course; "other_student" is not.
func assessmentRows(f *matrixFixture) []testkit.MatrixRow {
	mc := f.missionCourse()
	f.grant(mc.id, "student")
	code := map[string]any{"language": "javascript", "code": "function sum(a, b) { return a + b }"}
	var sub, att struct{ ID int64 }
	f.as("student", http.MethodPost, fmt.Sprintf("/api/topics/%d/assignment/submissions/", mc.assignment), code).Status(201).JSON(&sub)
	f.as("student", http.MethodPost, fmt.Sprintf("/api/topics/%d/quiz/attempts/", mc.quiz), map[string]any{"answers": []any{}}).
		Status(201).JSON(&att)
	// Premium missions: the enrolled student, the course's tutor, admins.
	entitled := func(status int) testkit.Expect {
		return testkit.All(401, "anonymous").And(status, "student", "tutor", "admin").And(403, "other_student", otherTutor)
	}
	own := func(status int) testkit.Expect {
		return testkit.All(401, "anonymous").And(status, "student").And(404, "other_student", "tutor", otherTutor, "admin")
	}
	// Pages: visitors are sent to sign in, learners without access to the
	// classroom's locked topic (which says how to get it).
	entitledPage := testkit.All(303, "anonymous", "other_student", otherTutor).And(200, "student", "tutor", "admin")
	ownPage := testkit.All(303, "anonymous").And(200, "student").And(404, "other_student", "tutor", otherTutor, "admin")
	return []testkit.MatrixRow{
		{Method: "GET", Path: fmt.Sprintf("/api/topics/%d/quiz/", mc.quiz), Want: entitled(200)},
		{Method: "GET", Path: fmt.Sprintf("/api/topics/%d/quiz/", mc.freeQuiz), Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/api/topics/%d/quiz/", mc.assignment), Want: testkit.All(404, everyone...)},
		{Method: "POST", Path: fmt.Sprintf("/api/topics/%d/quiz/attempts/", mc.quiz), Body: map[string]any{"answers": []any{}}, Want: entitled(201)},
		{Method: "POST", Path: fmt.Sprintf("/api/topics/%d/quiz/attempts/", mc.freeQuiz), Body: map[string]any{"answers": []any{}},
			Want: testkit.All(401, "anonymous").And(201, signedIn...)},
		{Method: "GET", Path: fmt.Sprintf("/api/topics/%d/assignment/", mc.assignment), Want: entitled(200)},
		{Method: "GET", Path: "/api/topics/999999/assignment/", Want: testkit.All(404, everyone...)},
		{Method: "POST", Path: fmt.Sprintf("/api/topics/%d/assignment/submissions/", mc.assignment), Body: code, Want: entitled(201)},
		{Method: "GET", Path: "/api/me/submissions/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: fmt.Sprintf("/api/me/submissions/%d/", sub.ID), Want: own(200)},
		{Method: "GET", Path: "/api/me/quiz-attempts/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: fmt.Sprintf("/api/me/quiz-attempts/%d/", att.ID), Want: own(200)},

		{Method: "GET", Path: fmt.Sprintf("/missions/%d", mc.quiz), Page: true, Want: entitledPage},
		{Method: "GET", Path: fmt.Sprintf("/missions/%d", mc.freeQuiz), Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/missions/%d", mc.assignment), Page: true, Want: entitledPage},
		{Method: "GET", Path: "/missions/999999", Page: true, Want: testkit.All(404, everyone...)},
		{Method: "POST", Path: fmt.Sprintf("/missions/%d/attempts", mc.freeQuiz), Page: true, Body: "confirm_unanswered=1",
			Want: testkit.All(401, "anonymous").And(303, signedIn...)},
		{Method: "GET", Path: fmt.Sprintf("/missions/%d/attempts/%d", mc.quiz, att.ID), Page: true, Want: ownPage},
		{Method: "POST", Path: fmt.Sprintf("/missions/%d/submissions", mc.assignment), Page: true,
			Body: "language=javascript&code=function+sum(a%2Cb)%7Breturn+a%2Bb%7D",
			Want: testkit.All(401, "anonymous").And(303, "student", "tutor", "admin", "other_student", otherTutor)},
		{Method: "GET", Path: fmt.Sprintf("/missions/%d/submissions/%d", mc.assignment, sub.ID), Page: true, Want: ownPage},
		{Method: "GET", Path: "/me/missions", Page: true, Want: testkit.All(303, "anonymous").And(200, signedIn...)},
	}
}
