package app_test

import (
	"fmt"
	"net/http"

	"github.com/weaverse/weaverse/platform/testkit"
)

// learningPageRows are the learning module's pages: the classroom (a
// course's topics), "my learning", and a course's learner list.
func learningPageRows(f *matrixFixture) []testkit.MatrixRow {
	// The shared course's free article (open to everyone), and a premium
	// article of another course of the tutor's (locked for all but its
	// tutor and admins: the page says why, never 404).
	free := firstTopic(f, f.courseID)
	premium := f.premiumCourse()
	lockedTopic := firstTopic(f, premium)
	learners := fmt.Sprintf("/studio/courses/%d/learners", f.courseID)
	// A revocation needs a live enrollment of its own: a new course, the
	// student granted access to it.
	revoke := func() string {
		id := f.course()
		var e struct{ ID int64 }
		f.as("tutor", http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", id),
			map[string]any{"email": "student@example.com", "reason": "행렬"}).Status(201).JSON(&e)
		return fmt.Sprintf("/studio/courses/%d/learners/%d/revoke", id, e.ID)
	}
	managers := func() testkit.Expect { return testkit.All(404, notAuthor...).And(404, otherTutor) }
	return []testkit.MatrixRow{
		// The classroom: anyone may open a course's topic; a locked one explains itself.
		{Method: "GET", Path: fmt.Sprintf("/learn/%d", f.courseID), Page: true, Want: testkit.All(303, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/learn/%d/%d", f.courseID, free), Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/learn/%d/%d", premium, lockedTopic), Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/learn/%d/999999", f.courseID), Page: true, Want: testkit.All(404, everyone...)},
		// Marking read: anyone signed in who may view the article.
		{Method: "POST", Path: fmt.Sprintf("/learn/%d/%d/read", f.courseID, free), Page: true, Body: "",
			Want: testkit.All(401, "anonymous").And(303, signedIn...)},
		{Method: "POST", Path: fmt.Sprintf("/learn/%d/%d/read", premium, lockedTopic), Page: true, Body: "",
			Want: testkit.All(401, "anonymous").And(303, signedIn...)},
		// My learning: the signed-in user's own.
		{Method: "GET", Path: "/me/learning", Page: true, Want: testkit.All(303, "anonymous").And(200, signedIn...)},
		// A course's learners: its tutor and admins; others do not learn it exists.
		{Method: "GET", Path: learners, Page: true, Want: managers().And(303, "anonymous").And(200, editors...)},
		{Method: "POST", Path: learners, Page: true, Body: "", Want: managers().And(401, "anonymous").And(422, editors...)},
		{Method: "POST", Path: "/studio/courses/:id/learners/:eid/revoke", Fresh: fresh(revoke), Page: true, Body: "reason=x",
			Want: managers().And(401, "anonymous").And(303, editors...)},
	}
}

// firstTopic is the id of a course's first topic.
func firstTopic(f *matrixFixture, courseID int64) int64 {
	f.t.Helper()
	var c struct {
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	f.as("tutor", http.MethodGet, fmt.Sprintf("/api/courses/%d/", courseID), nil).Status(200).JSON(&c)
	return c.Lectures[0].Topics[0].ID
}

// premiumCourse creates a published course of the tutor's whose only topic
// is premium, and returns its id.
func (f *matrixFixture) premiumCourse() int64 {
	f.t.Helper()
	var out struct{ ID int64 }
	f.as("tutor", http.MethodPost, "/api/courses/", map[string]any{"slug": f.unique("matrix-premium"), "title": "행렬 유료 강좌",
		"category": "frontend", "skill_level": "beginner", "price": 1000, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "t", "title": "유료 글", "kind": "article", "body": "본문", "is_premium": true}}}}}).Status(201).JSON(&out)
	return out.ID
}
