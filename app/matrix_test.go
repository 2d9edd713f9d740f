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
		{"student", "student"}, {"other_student", "student"}, {"tutor", "tutor"}, {"admin", "admin"},
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

var everyone = []string{"anonymous", "student", "other_student", "tutor", "admin"}
var signedIn = []string{"student", "other_student", "tutor", "admin"}

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
				Want: testkit.All(401, "anonymous").And(403, "student", "other_student", "tutor").And(422, "admin")},
			{Method: "GET", Path: "/api/students/", Want: testkit.All(401, "anonymous").And(403, "student", "other_student").And(200, "tutor", "admin")},
			{Method: "GET", Path: student, Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor").And(200, "student", "admin")},
			{Method: "PATCH", Path: student, Body: invalidProfile, Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor").And(422, "student", "admin")},
			{Method: "PUT", Path: student, Body: map[string]any{"nickname": "", "introduction": ""},
				Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor").And(422, "student", "admin")},
			{Method: "GET", Path: "/api/tutors/", Want: testkit.All(401, "anonymous").And(403, "student", "other_student", "tutor").And(200, "admin")},
			{Method: "GET", Path: tutor, Want: testkit.All(401, "anonymous").And(404, "student", "other_student").And(200, "tutor", "admin")},
			{Method: "PATCH", Path: tutor, Body: invalidProfile, Want: testkit.All(401, "anonymous").And(404, "student", "other_student").And(422, "tutor", "admin")},
			{Method: "PUT", Path: tutor, Body: map[string]any{"nickname": "", "introduction": ""},
				Want: testkit.All(401, "anonymous").And(404, "student", "other_student").And(422, "tutor", "admin")},
			// An admin may not delete their own account (it would lock the site out).
			{Method: "DELETE", Path: admin, Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "tutor").And(422, "admin")},
			// Deleting a student: refused to others; the student deletes itself, so
			// the admin (who comes after) finds nothing left.
			{Method: "DELETE", Path: student, Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "admin").And(204, "student")},
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
