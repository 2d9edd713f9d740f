package app_test

import (
	"fmt"
	"net/http"

	"github.com/weaverse/weaverse/platform/testkit"
)

// assistantRows are the assistant module's API routes and its admin page.
// The "student" is enrolled in the tutor's premium course and has a
// conversation about its article; "other_student" is not enrolled. No
// model is configured: answers come from the passages (still 200 with an
// event stream).
func assistantRows(f *matrixFixture) []testkit.MatrixRow {
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	f.as("tutor", http.MethodPost, "/api/courses/", map[string]any{"slug": f.unique("assist"), "title": "도우미 행렬",
		"category": "frontend", "skill_level": "beginner", "price": 20000, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "a", "title": "호이스팅", "kind": "article", "is_premium": true,
				"body": "호이스팅은 선언이 끌어올려지는 현상이에요."}}}}}).Status(201).JSON(&c)
	topic := c.Lectures[0].Topics[0].ID
	f.grant(c.ID, "student")
	var conv struct {
		Results []struct{ ID int64 }
	}
	f.as("student", http.MethodPost, "/api/assistant/ask/", map[string]any{"topic_id": topic, "question": "호이스팅?"}).Status(200)
	f.as("student", http.MethodGet, "/api/assistant/conversations/", nil).Status(200).JSON(&conv)
	q := map[string]any{"topic_id": topic, "question": "호이스팅이 뭐예요?"}
	return []testkit.MatrixRow{
		// Entitled learners, the course's tutor and admins ask.
		{Method: "POST", Path: "/api/assistant/ask/", Body: q, Want: testkit.All(401, "anonymous").
			And(200, "student", "tutor", "admin").And(403, "other_student", otherTutor)},
		{Method: "POST", Path: "/api/assistant/ask/", Body: map[string]any{"topic_id": 999999, "question": "q"},
			Want: testkit.All(401, "anonymous").And(404, signedIn...)},
		{Method: "POST", Path: "/api/assistant/ask/", Body: map[string]any{"topic_id": topic, "question": ""},
			Want: testkit.All(401, "anonymous").And(422, signedIn...)},
		// Conversations: one's own only; another's is not found, whoever asks.
		{Method: "GET", Path: "/api/assistant/conversations/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: fmt.Sprintf("/api/assistant/conversations/%d/", conv.Results[0].ID),
			Want: testkit.All(401, "anonymous").And(200, "student").And(404, "other_student", "tutor", otherTutor, "admin")},
		{Method: "GET", Path: "/api/assistant/conversations/999999/", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
		// Usage totals: admins.
		{Method: "GET", Path: "/api/admin/assistant/usage/", Want: testkit.All(401, "anonymous").And(403, "student", "other_student", "tutor", otherTutor).And(200, "admin")},
		{Method: "GET", Path: "/admin/assistant", Page: true, Want: testkit.All(303, "anonymous").And(403, "student", "other_student", "tutor", otherTutor).And(200, "admin")},
	}
}
