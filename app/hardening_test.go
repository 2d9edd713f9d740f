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

// hardeningTutor registers a real user and makes it a tutor.
func hardeningTutor(t *testing.T, ta *apptest.T) *authz.Principal {
	t.Helper()
	pw := "correct-horse-battery-9"
	var out struct{ ID int64 }
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": "tutor@example.com",
		"password": pw, "password_confirm": pw, "nickname": "tutor"}).Status(201).JSON(&out)
	_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", "tutor").Where("id = ?", out.ID).Exec(context.Background())
	testkit.Must(t, err)
	return &authz.Principal{UserID: out.ID, Role: authz.Tutor, SessionID: "hardening"}
}

// publishCourse creates a published course with one article topic.
func publishCourse(t *testing.T, ta *apptest.T, tutor *authz.Principal, slug string) int64 {
	t.Helper()
	var out struct{ ID int64 }
	ta.As(tutor).Request(http.MethodPost, "/api/courses/", map[string]any{"slug": slug, "title": "강좌 " + slug,
		"category": "frontend", "skill_level": "beginner", "price": 1000, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "t", "title": "글", "kind": "article", "body": "본문"}}}}}).Status(201).JSON(&out)
	return out.ID
}

type pageOf struct {
	Count    int
	Next     *string
	Previous *string
	Results  []map[string]any
}

// Paging: a page number past any list is refused with 422 naming query.page
// (it used to answer the first page, with next=page=-9223372036854775808),
// and a page past the last one is empty with previous pointing at the last
// page (it used to point at page-1).
func TestPagingBounds(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := hardeningTutor(t, ta)
		for i := range 3 {
			publishCourse(t, ta, tutor, fmt.Sprintf("paged-%d", i))
		}
		for _, page := range []string{"9223372036854775807", "9223372036854775808", "1000001"} {
			p := ta.Get("/api/courses/?page_size=2&page="+page).Problem(422, "request.validation")
			errs, _ := p["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["location"] != "query.page" {
				t.Fatalf("page=%s: %v", page, p)
			}
		}
		var pg pageOf
		ta.Get("/api/courses/?page=2&page_size=2").Status(200).JSON(&pg)
		if pg.Count != 3 || len(pg.Results) != 1 || pg.Next != nil || pg.Previous == nil || *pg.Previous != "/api/courses/?page=1&page_size=2" {
			t.Fatalf("last page: %+v", pg)
		}
		for _, page := range []string{"3", "99", "1000000"} {
			pg = pageOf{}
			ta.Get("/api/courses/?page_size=2&page=" + page).Status(200).JSON(&pg)
			if pg.Count != 3 || pg.Results == nil || len(pg.Results) != 0 || pg.Next != nil ||
				pg.Previous == nil || *pg.Previous != "/api/courses/?page=2&page_size=2" {
				t.Fatalf("page %s past the last: %+v (previous %v)", page, pg, deref(pg.Previous))
			}
		}
		// An empty list's only page is the first.
		pg = pageOf{}
		ta.Get("/api/curriculums/?page=5").Status(200).JSON(&pg)
		if pg.Count != 0 || pg.Next != nil || pg.Previous == nil || *pg.Previous != "/api/curriculums/?page=1&page_size=20" {
			t.Fatalf("empty list, page 5: %+v (previous %v)", pg, deref(pg.Previous))
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
