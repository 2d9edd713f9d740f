package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

const matrixPW = "correct-horse-battery-9"

// signUp registers a user through the API, gives them role (the database
// stands in for an admin's decision), and signs them in as a client does:
// the caller holds a real session's tokens.
func signUp(t testing.TB, ta *apptest.T, name, role string) *testkit.Caller {
	t.Helper()
	id := register(t, ta, name, role)
	c := testkit.Login(t, ta.Client, name+"@example.com", matrixPW)
	if c.UserID != id || string(c.Role) != role {
		t.Fatalf("signed in as %d (%s), want %d (%s)", c.UserID, c.Role, id, role)
	}
	return c
}

// register registers a user of role through the API and returns their id.
func register(t testing.TB, ta *apptest.T, name, role string) int64 {
	t.Helper()
	var out struct{ ID int64 }
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": name + "@example.com",
		"password": matrixPW, "password_confirm": matrixPW, "nickname": name}).Status(201).JSON(&out)
	if role != "student" {
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", out.ID).Exec(context.Background())
		testkit.Must(t, err)
	}
	return out.ID
}

var everyone = []string{"anonymous", "student", "other_student", "tutor", "other_tutor", "admin"}
var signedIn = []string{"student", "other_student", "tutor", "other_tutor", "admin"}

// The callers grouped as the rows of catalog and media routes name them.
var (
	notAuthor  = []string{"student", "other_student"}
	otherTutor = "other_tutor"
	editors    = []string{"tutor", "admin"}
)

// matrixFixture is the data the rows refer to: the callers (real users with
// real sessions), the resources the rows only read, and the factories of
// the resources each cell of a changing row gets for itself.
//
// Rows that only read (GET) share one resource of the "tutor" caller; every
// other row on a resource names a factory (MatrixRow.Fresh), so a cell never
// meets what another cell did: the admin deletes a course of its own, not
// one the tutor deleted before.
type matrixFixture struct {
	t  *testing.T
	ta *apptest.T
	c  map[string]*testkit.Caller
	n  int // for unique names
	// The tutor's published course and curriculum, read by the GET rows.
	courseURL, curriculumURL string
	courseID                 int64
	// Whether this instance can transcode (ffmpeg and ffprobe on PATH).
	transcoding bool
}

func (f *matrixFixture) id(name string) int64 { return f.c[name].UserID }

// unique returns a name no other call returned.
func (f *matrixFixture) unique(prefix string) string {
	f.n++
	return fmt.Sprintf("%s-%d", prefix, f.n)
}

// as sends a request as the named caller, as a client does.
func (f *matrixFixture) as(name, method, path string, body any, headers ...string) *testkit.Response {
	f.t.Helper()
	return f.ta.Request(method, path, body, append(f.c[name].Headers(path, false), headers...)...)
}

// session signs the named caller in again: a session of their own for a
// cell that ends it (nil for the anonymous caller).
func (f *matrixFixture) session(name string) *testkit.Caller {
	f.t.Helper()
	if f.c[name] == nil {
		return nil
	}
	return testkit.Login(f.t, f.ta.Client, name+"@example.com", matrixPW)
}

// course creates a published course of the tutor's and returns its id.
func (f *matrixFixture) course() int64 {
	f.t.Helper()
	var out struct{ ID int64 }
	f.as("tutor", http.MethodPost, "/api/courses/", map[string]any{"slug": f.unique("matrix"), "title": "행렬 강좌",
		"category": "frontend", "skill_level": "beginner", "price": 1000, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "t", "title": "글", "kind": "article", "body": "본문"}}}}}).Status(201).JSON(&out)
	return out.ID
}

// curriculum creates a published curriculum of the tutor's and returns its id.
func (f *matrixFixture) curriculum() int64 {
	f.t.Helper()
	var out struct{ ID int64 }
	f.as("tutor", http.MethodPost, "/api/curriculums/", map[string]any{"slug": f.unique("matrix-nd"), "title": "행렬 과정",
		"category": "frontend", "skill_level": "beginner", "price": 50000, "status": "published",
		"course_ids": []int64{}}).Status(201).JSON(&out)
	return out.ID
}

// fresh is a MatrixRow.Fresh that makes a new resource for every cell
// (path returns its path) and sends the request as the run's caller.
func fresh(path func() string) func(string) (string, *testkit.Caller) {
	return func(string) (string, *testkit.Caller) { return path(), nil }
}

func newMatrixFixture(t *testing.T, ta *apptest.T) *matrixFixture {
	f := &matrixFixture{t: t, ta: ta, c: map[string]*testkit.Caller{"anonymous": nil}}
	for _, u := range []struct{ name, role string }{
		{"student", "student"}, {"other_student", "student"}, {"tutor", "tutor"}, {"other_tutor", "tutor"}, {"admin", "admin"},
	} {
		f.c[u.name] = signUp(t, ta, u.name, u.role)
	}
	f.courseID = f.course()
	f.courseURL = fmt.Sprintf("/api/courses/%d/", f.courseID)
	f.curriculumURL = fmt.Sprintf("/api/curriculums/%d/", f.curriculum())
	caps, _ := ta.Get("/readyz").Status(200).Map()["capabilities"].(map[string]any)
	transcoding, ok := caps["transcoding"].(bool)
	if !ok {
		t.Fatalf("readyz without capabilities.transcoding: %v", caps)
	}
	f.transcoding = transcoding
	return f
}

// The golden authorization matrix: every route — API operations and pages —
// × every kind of caller, including "another student's resource". Each
// module keeps its rows in matrix_<module>_test.go, and the coverage checks
// fail for a route without rows.
func TestGoldenMatrix(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		f := newMatrixFixture(t, ta)
		var rows []testkit.MatrixRow
		for _, part := range [][]testkit.MatrixRow{
			platformRows(f), catalogRows(f), mediaRows(f), accountsRows(f), authRows(f), sitePageRows(f), learningRows(f),
			learningPageRows(f), assessmentRows(f), assistantRows(f), commerceRows(f), certificatesRows(f),
			dashboardRows(f),
		} {
			rows = append(rows, part...)
		}
		testkit.RunMatrix(t, ta.Client, f.c, rows)
		testkit.CheckCoverage(t, ta.App.API, rows, map[string]string{
			"GET /api/openapi.json": "the API description is public",
		})
		testkit.CheckPageCoverage(t, ta.App.Fiber, ta.App.API, rows, map[string]string{
			"GET /api/openapi.json":     "the API description is public",
			"GET /static/*":             "embedded, fingerprinted static files: public",
			"GET /api/docs/assets/*":    "the interactive docs' static files: public",
			"GET /api/schemas/:schema":  "the API's JSON Schemas: public",
			"GET /api/openapi.yaml":     "the API description is public",
			"GET /api/openapi-3.0.json": "the API description is public",
			"GET /api/openapi-3.0.yaml": "the API description is public",
		})
	})
}

// platformRows are the operational endpoints app serves itself.
func platformRows(f *matrixFixture) []testkit.MatrixRow {
	return []testkit.MatrixRow{
		// Operations.
		{Method: "GET", Path: "/healthz", Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/readyz", Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/api/docs", Page: true, Want: testkit.All(200, everyone...)},
		// Metrics: admins (or a token, or loopback; test requests come from 0.0.0.0).
		{Method: "GET", Path: "/metrics", Want: testkit.All(404, "anonymous", "student", "other_student", "tutor", "other_tutor").And(200, "admin")},
	}
}
