package app_test

import (
	"fmt"

	"github.com/weaverse/weaverse/platform/testkit"
)

// accountsRows are the accounts module's routes.
func accountsRows(f *matrixFixture) []testkit.MatrixRow {
	student := fmt.Sprintf("/api/students/%d/", f.id("student"))
	tutor := fmt.Sprintf("/api/tutors/%d/", f.id("tutor"))
	admin := fmt.Sprintf("/api/tutors/%d/", f.id("admin"))
	invalidProfile := map[string]any{"nickname": ""}
	return []testkit.MatrixRow{
		// Pages: visitors are sent to sign in (303), forms re-render with their errors (422).
		{Method: "GET", Path: "/signup", Page: true, Want: testkit.All(200, "anonymous").And(303, signedIn...)}, // signed in: on to the next page
		{Method: "POST", Path: "/signup", Page: true, Body: "", Want: testkit.All(422, everyone...)},
		{Method: "GET", Path: "/me", Page: true, Want: testkit.All(303, "anonymous").And(200, signedIn...)},
		{Method: "POST", Path: "/me", Page: true, Body: "nickname=", Want: testkit.All(401, "anonymous").And(422, signedIn...)},
		{Method: "POST", Path: "/me/password", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(422, signedIn...)},
		{Method: "GET", Path: "/password/reset", Page: true, Want: testkit.All(200, everyone...)},
		{Method: "POST", Path: "/password/reset", Page: true, Body: "email=nobody%40example.com", Want: testkit.All(200, everyone...)}, // "sent", whatever the e-mail
		{Method: "GET", Path: "/password/reset/confirm?token=x", Page: true, Want: testkit.All(200, everyone...)},
		{Method: "POST", Path: "/password/reset/confirm", Page: true, Body: "token=x", Want: testkit.All(422, everyone...)},
		{Method: "GET", Path: "/admin/users", Page: true, Want: testkit.All(303, "anonymous").And(403, "student", "other_student", "tutor", "other_tutor").And(200, "admin")},
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
	}
}

// authRows are the auth module's routes.
func authRows(f *matrixFixture) []testkit.MatrixRow {
	return []testkit.MatrixRow{
		// Auth.
		{Method: "POST", Path: "/api/login/", Body: map[string]any{"email": "nobody@example.com", "password": "wrong-password"},
			Want: testkit.All(401, everyone...)},
		{Method: "POST", Path: "/api/refresh/", Body: map[string]any{"refresh_token": "invalid"}, Want: testkit.All(401, everyone...)},
		{Method: "POST", Path: "/api/logout/", Want: testkit.All(401, "anonymous").And(404, signedIn...)}, // matrix principals have no real session
		{Method: "GET", Path: "/api/sessions/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "DELETE", Path: "/api/sessions/some-other-session/", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
		{Method: "GET", Path: "/api/social-login/google/", Want: testkit.All(404, everyone...)}, // not configured here
		{Method: "GET", Path: "/api/social-login/google/callback/?code=x&state=y", Want: testkit.All(404, everyone...)},
		// Pages.
		{Method: "GET", Path: "/login", Page: true, Want: testkit.All(200, "anonymous").And(303, signedIn...)},
		{Method: "POST", Path: "/login", Page: true, Body: "email=page-nobody%40example.com&password=wrong-password", Want: testkit.All(401, everyone...)},
		{Method: "GET", Path: "/me/sessions", Page: true, Want: testkit.All(303, "anonymous").And(200, signedIn...)},
		{Method: "POST", Path: "/me/sessions/revoke-others", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(303, signedIn...)},
		{Method: "POST", Path: "/me/sessions/some-other-session/revoke", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
		{Method: "POST", Path: "/logout", Page: true, Body: "", Want: testkit.All(303, everyone...)},
	}
}
