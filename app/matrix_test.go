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

// The callers grouped as the rows of catalog and media routes name them.
var (
	notAuthor  = []string{"student", "other_student"}
	otherTutor = "other_tutor"
	editors    = []string{"tutor", "admin"}
)

// matrixFixture is the data the rows refer to: the callers and a few
// resources the "tutor" caller owns.
type matrixFixture struct {
	t  *testing.T
	ta *apptest.T
	c  map[string]*authz.Principal
	// The tutor's published course and curriculum, and one of each that a
	// row deletes.
	courseURL, doomedCourse, curriculumURL, doomedCurriculum string
	courseID                                                 int64
}

func (f *matrixFixture) id(name string) int64 { return f.c[name].UserID }

func newMatrixFixture(t *testing.T, ta *apptest.T) *matrixFixture {
	f := &matrixFixture{t: t, ta: ta, c: matrixUsers(t, ta)}
	course := func(slug string) int64 {
		var out struct{ ID int64 }
		ta.As(f.c["tutor"]).Request(http.MethodPost, "/api/courses/", map[string]any{"slug": slug, "title": "행렬 강좌",
			"category": "frontend", "skill_level": "beginner", "price": 1000, "status": "published",
			"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
				{"slug": "t", "title": "글", "kind": "article", "body": "본문"}}}}}).Status(201).JSON(&out)
		return out.ID
	}
	f.courseID = course("matrix")
	f.courseURL = fmt.Sprintf("/api/courses/%d/", f.courseID)
	f.doomedCourse = fmt.Sprintf("/api/courses/%d/", course("matrix-doomed"))
	var cu struct{ ID int64 }
	curriculumBody := map[string]any{"slug": "matrix-nd", "title": "행렬 과정", "category": "frontend",
		"skill_level": "beginner", "price": 50000, "status": "published", "course_ids": []int64{}}
	ta.As(f.c["tutor"]).Request(http.MethodPost, "/api/curriculums/", curriculumBody).Status(201).JSON(&cu)
	f.curriculumURL = fmt.Sprintf("/api/curriculums/%d/", cu.ID)
	curriculumBody["slug"] = "matrix-doomed"
	ta.As(f.c["tutor"]).Request(http.MethodPost, "/api/curriculums/", curriculumBody).Status(201).JSON(&cu)
	f.doomedCurriculum = fmt.Sprintf("/api/curriculums/%d/", cu.ID)
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
			platformRows(f), catalogRows(f), mediaRows(f), accountsRows(f), authRows(f), sitePageRows(f),
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
