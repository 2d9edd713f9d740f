package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

// matrixUsers creates one real user per caller of the golden matrix and
// returns the callers (principals with the real ids and roles).
func matrixUsers(t *testing.T, ta *apptest.T) map[string]*authz.Principal {
	t.Helper()
	pw := "correct-horse-battery-9"
	callers := map[string]*authz.Principal{"anonymous": nil}
	for _, u := range []struct{ name, role string }{
		{"student", "student"}, {"other_student", "student"}, {"tutor", "tutor"}, {"other_tutor", "tutor"}, {"admin", "admin"},
	} {
		var out struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": u.name + "@example.com",
			"password": pw, "password_confirm": pw, "nickname": u.name}).Status(201).JSON(&out)
		if u.role != "student" {
			_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", u.role).Where("id = ?", out.ID).Exec(context.Background())
			testkit.Must(t, err)
		}
		callers[u.name] = &authz.Principal{UserID: out.ID, Role: authz.Role(u.role), SessionID: "matrix"}
	}
	return callers
}

var everyone = []string{"anonymous", "student", "other_student", "tutor", "other_tutor", "admin"}
var signedIn = []string{"student", "other_student", "tutor", "other_tutor", "admin"}

// The golden authorization matrix: every API route × every kind of caller,
// including "another student's resource". Each module adds its rows here,
// and CheckCoverage fails for a route without rows.
func TestGoldenMatrix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		c := matrixUsers(t, ta)
		id := func(name string) int64 { return c[name].UserID }
		student := fmt.Sprintf("/api/students/%d/", id("student"))
		tutor := fmt.Sprintf("/api/tutors/%d/", id("tutor"))
		admin := fmt.Sprintf("/api/tutors/%d/", id("admin"))
		invalidProfile := map[string]any{"nickname": ""}
		course := func(slug string) int64 {
			var out struct{ ID int64 }
			ta.As(c["tutor"]).Request(http.MethodPost, "/api/courses/", map[string]any{"slug": slug, "title": "행렬 강좌",
				"category": "frontend", "skill_level": "beginner", "price": 1000, "status": "published",
				"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
					{"slug": "t", "title": "글", "kind": "article", "body": "본문"}}}}}).Status(201).JSON(&out)
			return out.ID
		}
		courseURL := fmt.Sprintf("/api/courses/%d/", course("matrix"))
		doomedCourse := fmt.Sprintf("/api/courses/%d/", course("matrix-doomed"))
		var cu struct{ ID int64 }
		curriculumBody := map[string]any{"slug": "matrix-nd", "title": "행렬 과정", "category": "frontend",
			"skill_level": "beginner", "price": 50000, "status": "published", "course_ids": []int64{}}
		ta.As(c["tutor"]).Request(http.MethodPost, "/api/curriculums/", curriculumBody).Status(201).JSON(&cu)
		curriculumURL := fmt.Sprintf("/api/curriculums/%d/", cu.ID)
		curriculumBody["slug"] = "matrix-doomed"
		ta.As(c["tutor"]).Request(http.MethodPost, "/api/curriculums/", curriculumBody).Status(201).JSON(&cu)
		doomedCurriculum := fmt.Sprintf("/api/curriculums/%d/", cu.ID)
		notAuthor := []string{"student", "other_student"}
		otherTutor := "other_tutor"
		editors := []string{"tutor", "admin"}
		rows := []testkit.MatrixRow{
			// Operations.
			{Method: "GET", Path: "/healthz", Want: testkit.All(200, everyone...)},
			{Method: "GET", Path: "/readyz", Want: testkit.All(200, everyone...)},
			// Accounts: open to everyone (an empty body is refused as invalid, not as forbidden).
			{Method: "POST", Path: "/api/student/register/", Body: map[string]any{}, Want: testkit.All(422, everyone...)},
			{Method: "POST", Path: "/api/password/reset/", Body: map[string]any{"email": "nobody@example.com"}, Want: testkit.All(202, everyone...)},
			{Method: "POST", Path: "/api/password/reset/confirm/", Body: map[string]any{"token": "x", "new_password": "y"}, Want: testkit.All(422, everyone...)},
			// Accounts: signed in.
			{Method: "GET", Path: "/api/me/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
			{Method: "PATCH", Path: "/api/me/", Body: invalidProfile, Want: testkit.All(401, "anonymous").And(422, signedIn...)},
			{Method: "POST", Path: "/api/password/change/", Body: map[string]any{"old_password": "wrong-old-password", "new_password": "x"},
				Want: testkit.All(401, "anonymous").And(422, signedIn...)},
			{Method: "POST", Path: "/api/admin/users/", Body: map[string]any{},
				Want: testkit.All(401, "anonymous").And(403, "student", "other_student", "tutor", "other_tutor").And(422, "admin")},
			{Method: "GET", Path: "/api/students/", Want: testkit.All(401, "anonymous").And(403, "student", "other_student").And(200, "tutor", "other_tutor", "admin")},
			{Method: "GET", Path: student, Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor").And(200, "student", "admin")},
			{Method: "PATCH", Path: student, Body: invalidProfile, Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor").And(422, "student", "admin")},
			{Method: "PUT", Path: student, Body: map[string]any{"nickname": "", "introduction": ""},
				Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor").And(422, "student", "admin")},
			{Method: "GET", Path: "/api/tutors/", Want: testkit.All(401, "anonymous").And(403, "student", "other_student", "tutor", "other_tutor").And(200, "admin")},
			{Method: "GET", Path: tutor, Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "other_tutor").And(200, "tutor", "admin")},
			{Method: "PATCH", Path: tutor, Body: invalidProfile, Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "other_tutor").And(422, "tutor", "admin")},
			{Method: "PUT", Path: tutor, Body: map[string]any{"nickname": "", "introduction": ""},
				Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "other_tutor").And(422, "tutor", "admin")},
			// An admin may not delete their own account (it would lock the site out).
			{Method: "DELETE", Path: admin, Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "tutor", "other_tutor").And(422, "admin")},
			// Deleting a student: refused to others; the student deletes itself, so
			// the admin (who comes after) finds nothing left.
			{Method: "DELETE", Path: student, Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor", "admin").And(204, "student")},
			// Catalog: anyone reads; tutors create; authors (and admins) change.
			{Method: "GET", Path: "/api/courses/", Want: testkit.All(200, everyone...)},
			{Method: "GET", Path: courseURL, Want: testkit.All(200, everyone...)},
			{Method: "POST", Path: "/api/courses/", Body: map[string]any{}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(422, editors...).And(422, otherTutor)},
			{Method: "PATCH", Path: courseURL, Body: map[string]any{"price": -1}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(422, editors...)},
			{Method: "PUT", Path: courseURL, Body: map[string]any{"slug": "matrix", "title": "t", "category": "frontend", "skill_level": "beginner",
				"price": 0, "lectures": []any{}}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(422, editors...)},
			{Method: "DELETE", Path: doomedCourse, Want: testkit.All(401, "anonymous").And(403, "other_student", otherTutor).And(204, "tutor").And(404, "student", "admin")},
			{Method: "GET", Path: "/api/curriculums/", Want: testkit.All(200, everyone...)},
			{Method: "GET", Path: curriculumURL, Want: testkit.All(200, everyone...)},
			{Method: "POST", Path: "/api/curriculums/", Body: map[string]any{}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(422, editors...).And(422, otherTutor)},
			{Method: "PATCH", Path: curriculumURL, Body: map[string]any{"price": -1}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(422, editors...)},
			{Method: "PUT", Path: curriculumURL, Body: map[string]any{"slug": "BAD SLUG", "title": "t", "category": "frontend", "skill_level": "beginner",
				"price": 0, "course_ids": []int64{}}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(422, editors...)},
			{Method: "DELETE", Path: doomedCurriculum, Want: testkit.All(401, "anonymous").And(403, "other_student", otherTutor).And(204, "tutor").And(404, "student", "admin")},
			{Method: "GET", Path: "/api/roadmap/", Want: testkit.All(200, everyone...)},
			// Media (owners and admins; per-owner rules are tested in modules/media).
			{Method: "GET", Path: "/api/images/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
			{Method: "GET", Path: "/api/images/999999/", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
			{Method: "PUT", Path: "/api/images/999999/", Body: map[string]any{"alt": "x"}, Want: testkit.All(401, "anonymous").And(404, signedIn...)},
			{Method: "DELETE", Path: "/api/images/999999/", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
			{Method: "GET", Path: "/api/videos/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
			{Method: "GET", Path: "/api/videos/999999/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
			{Method: "PUT", Path: "/api/videos/999999/", Body: map[string]any{"title": "x"}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
			{Method: "DELETE", Path: "/api/videos/999999/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
			{Method: "POST", Path: "/api/videos/999999/attach/", Body: map[string]any{"topic_id": 1}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
			{Method: "GET", Path: "/api/videos/999999/playback/", Want: testkit.All(404, everyone...)},
			{Method: "PUT", Path: "/api/videos/999999/captions/ko/", Body: "WEBVTT\n", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
			{Method: "DELETE", Path: "/api/videos/999999/captions/ko/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
			// Auth.
			{Method: "POST", Path: "/api/login/", Body: map[string]any{"email": "nobody@example.com", "password": "wrong-password"},
				Want: testkit.All(401, everyone...)},
			{Method: "POST", Path: "/api/refresh/", Body: map[string]any{"refresh_token": "invalid"}, Want: testkit.All(401, everyone...)},
			{Method: "POST", Path: "/api/logout/", Want: testkit.All(401, "anonymous").And(404, signedIn...)}, // matrix principals have no real session
			{Method: "GET", Path: "/api/sessions/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
			{Method: "DELETE", Path: "/api/sessions/some-other-session/", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
			{Method: "GET", Path: "/api/social-login/google/", Want: testkit.All(404, everyone...)}, // not configured here
			{Method: "GET", Path: "/api/social-login/google/callback/?code=x&state=y", Want: testkit.All(404, everyone...)},
		}
		testkit.RunMatrix(t, ta.Client, c, rows)
		testkit.CheckCoverage(t, ta.App.API, rows, map[string]string{
			"GET /api/openapi.json": "the API description is public",
		})
	})
}
