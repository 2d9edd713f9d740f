package app_test

import (
	"regexp"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// The admin console's landing page (/admin, "관리자" in the account menu) is
// the platform's dashboard, led by a link to every console the modules
// declare; each link opens for an admin: none leads to a missing page.
// Others are refused.
func TestAdminConsole(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite")
	callers := testkit.Callers()
	admin := ta.As(callers["admin"])
	page := admin.Get("/admin", "Accept", "text/html").Status(200).Contains("관리자 대시보드", `href="/admin"`)
	cards := regexp.MustCompile(`<li><a class="btn btn-light btn-sm" href="([^"]+)"`).FindAllStringSubmatch(string(page.Body), -1)
	got := map[string]bool{}
	for _, m := range cards {
		got[m[1]] = true
		admin.Get(m[1], "Accept", "text/html").Status(200)
	}
	for _, want := range []string{"/admin/users", "/studio/courses", "/studio/media"} {
		if !got[want] {
			t.Errorf("no card for %s: %v", want, got)
		}
	}
	if len(got) != len(cards) {
		t.Errorf("a console is listed twice: %v", cards)
	}
	admin.Get("/admin", "Accept", "text/html", "Accept-Language", "en").Contains("Admin dashboard", "Users", "Media library")
	for _, who := range []string{"student", "tutor"} {
		ta.As(callers[who]).Get("/admin", "Accept", "text/html").Status(403)
	}
}
