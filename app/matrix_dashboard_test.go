package app_test

import "github.com/weaverse/weaverse/platform/testkit"

// dashboardRows are the dashboards: the platform's for admins, a tutor's
// for tutors (and admins: their own courses), everyone's own learning.
// A student is refused the other two (403), never shown an empty one.
func dashboardRows(f *matrixFixture) []testkit.MatrixRow {
	adminOnly := func(anon int) testkit.Expect {
		return testkit.All(anon, "anonymous").And(403, "student", "other_student", "tutor", otherTutor).And(200, "admin")
	}
	teachers := func(anon int) testkit.Expect {
		return testkit.All(anon, "anonymous").And(403, notAuthor...).And(200, "tutor", otherTutor, "admin")
	}
	return []testkit.MatrixRow{
		{Method: "GET", Path: "/api/admin/dashboard/", Want: adminOnly(401)},
		{Method: "GET", Path: "/api/admin/dashboard/?days=400", Want: testkit.All(401, "anonymous").
			And(403, "student", "other_student", "tutor", otherTutor).And(422, "admin")},
		{Method: "GET", Path: "/api/tutor/dashboard/", Want: teachers(401)},
		{Method: "GET", Path: "/api/me/dashboard/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: "/admin", Page: true, Want: adminOnly(303)},
		{Method: "GET", Path: "/admin/dashboard/daily.csv", Page: true, Want: adminOnly(303)},
		{Method: "GET", Path: "/admin/dashboard/learners.csv", Page: true, Want: testkit.All(303, "anonymous").
			And(403, "student", "other_student", "tutor", otherTutor).And(404, "admin")},
		{Method: "GET", Path: "/studio", Page: true, Want: teachers(303)},
		{Method: "GET", Path: "/studio/dashboard/learners.csv", Page: true, Want: teachers(303)},
	}
}
