package app_test

import (
	"fmt"
	"net/http"

	"github.com/weaverse/weaverse/platform/testkit"
)

// certified has the named student complete a new one-article premium
// course of the tutor's, claims its certificate and returns the course and
// the certificate.
func (f *matrixFixture) certified(name string) (course, cert int64, serial string) {
	f.t.Helper()
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	f.as("tutor", http.MethodPost, "/api/courses/", map[string]any{"slug": f.unique("cert"), "title": "수료 행렬",
		"category": "frontend", "skill_level": "beginner", "price": 1000, "credits": 2, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "a", "title": "글", "kind": "article", "body": "본문", "is_premium": true}}}}}).Status(201).JSON(&c)
	f.grant(c.ID, name)
	f.as(name, http.MethodPost, fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", c.ID, c.Lectures[0].Topics[0].ID), nil).
		Status(204)
	// The matrix's app runs no jobs: the claim issues it at once.
	var got struct {
		ID     int64
		Serial string
	}
	f.as(name, http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": c.ID}).Status(201).JSON(&got)
	return c.ID, got.ID, got.Serial
}

// certificatesRows are the certificates module's API routes, pages and
// public documents. The "student" holds the fixture's certificate; the
// others have completed nothing (a claim is a 409 for them). Revocation
// is the admins'; the rest is the holder's, and the PDF also the admins'.
func certificatesRows(f *matrixFixture) []testkit.MatrixRow {
	course, cert, serial := f.certified("student")
	authed := func(status int) testkit.Expect { return testkit.All(401, "anonymous").And(status, signedIn...) }
	own := func(status int) testkit.Expect {
		return testkit.All(401, "anonymous").And(status, "student").And(404, "other_student", "tutor", otherTutor, "admin")
	}
	ownOrAdmin := func(status int) testkit.Expect {
		return testkit.All(401, "anonymous").And(status, "student", "admin").And(404, "other_student", "tutor", otherTutor)
	}
	admin := func(status, anon int) testkit.Expect {
		return testkit.All(anon, "anonymous").And(403, "student", "other_student", "tutor", otherTutor).And(status, "admin")
	}
	fresh := func(format string) func(string) (string, *testkit.Caller) {
		return func(string) (string, *testkit.Caller) {
			_, id, _ := f.certified("student")
			return fmt.Sprintf(format, id), nil
		}
	}
	return []testkit.MatrixRow{
		{Method: "GET", Path: "/api/certificates/", Want: authed(200)},
		{Method: "GET", Path: fmt.Sprintf("/api/certificates/courses/%d/", course), Want: authed(200)},
		{Method: "GET", Path: "/api/certificates/courses/999999/", Want: authed(404)},
		// The holder gets the certificate held; the others have not completed the course.
		{Method: "POST", Path: "/api/certificates/claim/", Body: map[string]any{"course_id": course},
			Want: testkit.All(401, "anonymous").And(200, "student").And(409, "other_student", "tutor", otherTutor, "admin")},
		{Method: "POST", Path: "/api/certificates/claim/", Body: map[string]any{"course_id": 999999}, Want: authed(404)},
		{Method: "POST", Path: "/api/certificates/claim/", Body: map[string]any{}, Want: authed(422)},
		{Method: "GET", Path: "/api/admin/certificates/", Want: admin(200, 401)},
		{Method: "GET", Path: fmt.Sprintf("/api/certificates/%d/", cert), Want: ownOrAdmin(200)},
		{Method: "GET", Path: fmt.Sprintf("/api/certificates/%d/pdf/", cert), Want: ownOrAdmin(200)},
		// The signed credential is the holder's alone, admins' included.
		{Method: "GET", Path: fmt.Sprintf("/api/certificates/%d/credential/", cert), Want: own(200)},
		{Method: "GET", Path: "/api/certificates/999999/", Want: authed(404)},
		{Method: "POST", Path: "/api/certificates/{id}/revoke/", Body: map[string]any{"reason": "행렬"},
			Fresh: fresh("/api/certificates/%d/revoke/"), Want: admin(200, 401)},
		{Method: "POST", Path: fmt.Sprintf("/api/certificates/%d/revoke/", cert), Body: map[string]any{"reason": ""},
			Want: authed(422)},
		{Method: "GET", Path: "/api/certificates/verify/" + serial + "/", Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/api/certificates/verify/WV-0000-0000-0000-0000/", Want: testkit.All(404, everyone...)},

		// Pages.
		{Method: "GET", Path: "/me/certificates", Page: true, Want: testkit.All(303, "anonymous").And(200, signedIn...)},
		{Method: "POST", Path: "/me/certificates/claim", Page: true, Body: fmt.Sprintf("course_id=%d", course),
			Want: testkit.All(401, "anonymous").And(303, signedIn...)},
		{Method: "GET", Path: "/certificates/verify", Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/certificates/verify?serial=nope", Page: true, Want: testkit.All(422, everyone...)},
		{Method: "GET", Path: "/certificates/verify?serial=" + serial, Page: true, Want: testkit.All(303, everyone...)},
		{Method: "GET", Path: "/verify/" + serial, Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/verify/WV-0000-0000-0000-0000", Page: true, Want: testkit.All(404, everyone...)},
		{Method: "GET", Path: "/admin/certificates", Page: true, Want: admin(200, 303)},
		{Method: "POST", Path: "/admin/certificates/{id}/revoke", Page: true, Body: "reason=test",
			Fresh: fresh("/admin/certificates/%d/revoke"), Want: admin(303, 401)},

		// The issuer's public documents.
		{Method: "GET", Path: "/.well-known/jwks.json", Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/.well-known/did.json", Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/certificates/issuer", Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/certificates/status/1", Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/certificates/status/0", Page: true, Want: testkit.All(404, everyone...)},
	}
}
