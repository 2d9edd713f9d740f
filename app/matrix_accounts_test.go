package app_test

import (
	"fmt"
	"net/http"

	"github.com/weaverse/weaverse/platform/testkit"
)

// freshUser is a MatrixRow.Fresh for a user's own routes: every cell gets
// a new user of role (path builds the route from their id), and the cell
// of the caller named self is sent by that new user, signed in: the owner
// of the resource.
func (f *matrixFixture) freshUser(self, role string, path func(id int64) string) func(string) (string, *testkit.Caller) {
	return func(caller string) (string, *testkit.Caller) {
		name := f.unique(role)
		if caller == self {
			u := signUp(f.t, f.ta, name, role)
			return path(u.UserID), u
		}
		return path(register(f.t, f.ta, name, role)), nil
	}
}

// accountsRows are the accounts module's routes.
func accountsRows(f *matrixFixture) []testkit.MatrixRow {
	studentPath := func(id int64) string { return fmt.Sprintf("/api/students/%d/", id) }
	tutorPath := func(id int64) string { return fmt.Sprintf("/api/tutors/%d/", id) }
	student := f.freshUser("student", "student", studentPath)
	tutor := f.freshUser("tutor", "tutor", tutorPath)
	invalidProfile := map[string]any{"nickname": ""}
	nonAdmins := []string{"student", "other_student", "tutor", "other_tutor"}
	// A new student per cell, for the console's actions on them.
	onStudent := func(action string) func(string) (string, *testkit.Caller) {
		return f.freshUser("", "student", func(id int64) string { return fmt.Sprintf("/admin/users/%d/%s", id, action) })
	}
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
		// The user console: admins only. An action redirects back with a flash, done or refused.
		{Method: "GET", Path: "/admin/users/new", Page: true, Want: testkit.All(303, "anonymous").And(403, nonAdmins...).And(200, "admin")},
		{Method: "POST", Path: "/admin/users/new", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, nonAdmins...).And(422, "admin")},
		{Method: "GET", Path: fmt.Sprintf("/admin/users/%d", f.id("student")), Page: true,
			Want: testkit.All(303, "anonymous").And(403, nonAdmins...).And(200, "admin")},
		{Method: "GET", Path: "/admin/users/999999", Page: true, Want: testkit.All(303, "anonymous").And(403, nonAdmins...).And(404, "admin")},
		{Method: "POST", Path: "/admin/users/{id}/role", Fresh: onStudent("role"), Page: true, Body: "role=tutor",
			Want: testkit.All(401, "anonymous").And(403, nonAdmins...).And(303, "admin")},
		{Method: "POST", Path: "/admin/users/{id}/active", Fresh: onStudent("active"), Page: true, Body: "active=0",
			Want: testkit.All(401, "anonymous").And(403, nonAdmins...).And(303, "admin")},
		{Method: "POST", Path: "/admin/users/{id}/reset", Fresh: onStudent("reset"), Page: true, Body: "",
			Want: testkit.All(401, "anonymous").And(403, nonAdmins...).And(303, "admin")},
		{Method: "POST", Path: "/admin/users/{id}/delete", Fresh: onStudent("delete"), Page: true, Body: "confirm=yes",
			Want: testkit.All(401, "anonymous").And(403, nonAdmins...).And(303, "admin")},
		{Method: "GET", Path: "/admin/audit", Page: true, Want: testkit.All(303, "anonymous").And(403, nonAdmins...).And(200, "admin")},
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
		// A student's profile: theirs, an admin's and their tutor's (the student
		// takes the tutor's course: learningRows grants it); another user finds nothing.
		{Method: "GET", Path: studentPath(f.id("student")), Want: testkit.All(401, "anonymous").And(404, "other_student", "other_tutor").And(200, "student", "tutor", "admin")},
		{Method: "PATCH", Path: "/api/students/{id}/", Fresh: student, Body: invalidProfile, Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor").And(422, "student", "admin")},
		{Method: "PUT", Path: "/api/students/{id}/", Fresh: student, Body: map[string]any{"nickname": "", "introduction": ""},
			Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor").And(422, "student", "admin")},
		{Method: "GET", Path: "/api/tutors/", Want: testkit.All(401, "anonymous").And(403, "student", "other_student", "tutor", "other_tutor").And(200, "admin")},
		{Method: "GET", Path: tutorPath(f.id("tutor")), Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "other_tutor").And(200, "tutor", "admin")},
		{Method: "PATCH", Path: "/api/tutors/{id}/", Fresh: tutor, Body: invalidProfile, Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "other_tutor").And(422, "tutor", "admin")},
		{Method: "PUT", Path: "/api/tutors/{id}/", Fresh: tutor, Body: map[string]any{"nickname": "", "introduction": ""},
			Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "other_tutor").And(422, "tutor", "admin")},
		// An admin may not delete their own account (it would lock the site out).
		{Method: "DELETE", Path: fmt.Sprintf("/api/tutors/%d/", f.id("admin")), Want: testkit.All(401, "anonymous").And(404, "student", "other_student", "tutor", "other_tutor").And(422, "admin")},
		// A student deletes their own account, and an admin anyone's.
		{Method: "DELETE", Path: "/api/students/{id}/", Fresh: student, Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor").And(204, "student", "admin")},
	}
}

// authRows are the auth module's routes.
func authRows(f *matrixFixture) []testkit.MatrixRow {
	// A cell that ends its session signs in again for it.
	ownSession := func(path string) func(string) (string, *testkit.Caller) {
		return func(caller string) (string, *testkit.Caller) { return path, f.session(caller) }
	}
	// A cell that ends every other session of its user is sent by a new
	// user of the caller's role: the run's sessions stay.
	ownUser := func(path string) func(string) (string, *testkit.Caller) {
		return func(caller string) (string, *testkit.Caller) {
			if f.c[caller] == nil {
				return path, nil
			}
			return path, signUp(f.t, f.ta, f.unique(caller), string(f.c[caller].Role))
		}
	}
	// Another session of the student's (as on another device): theirs to
	// end, nobody else's.
	studentSession := func(path string) func(string) (string, *testkit.Caller) {
		return fresh(func() string {
			s := f.session("student")
			var list []struct {
				ID      string
				Current bool
			}
			f.ta.Request(http.MethodGet, "/api/sessions/", nil, s.Headers("/api/sessions/", false)...).Status(200).JSON(&list)
			for _, x := range list {
				if x.Current {
					return fmt.Sprintf(path, x.ID)
				}
			}
			f.t.Fatalf("no current session in %+v", list)
			return ""
		})
	}
	return []testkit.MatrixRow{
		// Auth.
		{Method: "POST", Path: "/api/login/", Body: map[string]any{"email": "nobody@example.com", "password": "wrong-password"},
			Want: testkit.All(401, everyone...)},
		{Method: "POST", Path: "/api/refresh/", Body: map[string]any{"refresh_token": "invalid"}, Want: testkit.All(401, everyone...)},
		{Method: "POST", Path: "/api/logout/", Fresh: ownSession("/api/logout/"), Want: testkit.All(401, "anonymous").And(204, signedIn...)},
		{Method: "GET", Path: "/api/sessions/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "DELETE", Path: "/api/sessions/{id}/", Fresh: studentSession("/api/sessions/%s/"),
			Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor", "admin").And(204, "student")},
		{Method: "GET", Path: "/api/social-login/google/", Want: testkit.All(404, everyone...)}, // not configured here
		{Method: "GET", Path: "/api/social-login/google/callback/?code=x&state=y", Want: testkit.All(404, everyone...)},
		// Pages.
		{Method: "GET", Path: "/login", Page: true, Want: testkit.All(200, "anonymous").And(303, signedIn...)},
		{Method: "POST", Path: "/login", Page: true, Body: "email=page-nobody%40example.com&password=wrong-password", Want: testkit.All(401, everyone...)},
		{Method: "GET", Path: "/me/sessions", Page: true, Want: testkit.All(303, "anonymous").And(200, signedIn...)},
		// Ends every session of the user but the one that asks.
		{Method: "POST", Path: "/me/sessions/revoke-others", Fresh: ownUser("/me/sessions/revoke-others"), Page: true, Body: "", Want: testkit.All(401, "anonymous").And(303, signedIn...)},
		{Method: "POST", Path: "/me/sessions/:id/revoke", Fresh: studentSession("/me/sessions/%s/revoke"), Page: true, Body: "",
			Want: testkit.All(401, "anonymous").And(404, "other_student", "tutor", "other_tutor", "admin").And(303, "student")},
		{Method: "POST", Path: "/logout", Fresh: ownSession("/logout"), Page: true, Body: "", Want: testkit.All(303, everyone...)},
	}
}
