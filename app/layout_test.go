package app_test

import (
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/authz"
)

// The layout's menus are the modules' entries, each shown to the callers
// its rule admits; the error page offers home and the course list
// (TestNoDeadLinks follows every link).
func TestLayoutMenus(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		page := func(p *authz.Principal, path string) string {
			return string(ta.As(p).Get(path, "Accept", "text/html").Body)
		}
		tutor := &authz.Principal{UserID: 1, Role: authz.Tutor}
		admin := &authz.Principal{UserID: 2, Role: authz.Admin}
		student := &authz.Principal{UserID: 3, Role: authz.Student}
		cases := []struct {
			name     string
			p        *authz.Principal
			has, not []string
		}{
			{"visitor", nil,
				[]string{`href="/"`, `href="/courses"`, `href="/me/learning"`, `href="/login"`, `href="/signup"`, `href="/api/docs"`,
					`href="/certificates/verify"`},
				[]string{`action="/logout"`, `href="/me"`, `href="/studio"`, `href="/studio/media"`, `href="/admin"`,
					`href="/me/certificates"`}},
			{"student", student,
				[]string{`action="/logout"`, `href="/me/learning"`, `href="/me"`, "내 정보", `href="/me/certificates"`},
				[]string{`href="/login"`, `href="/studio"`, `href="/studio/media"`, `href="/admin"`}},
			{"tutor", tutor,
				[]string{`action="/logout"`, `href="/studio"`, `href="/studio/media"`},
				[]string{`href="/admin"`}},
			{"admin", admin,
				[]string{`href="/studio"`, `href="/studio/media"`, `href="/admin"`},
				[]string{`href="/admin/users"`}},
		}
		for _, c := range cases {
			body := page(c.p, "/courses")
			for _, s := range c.has {
				if !strings.Contains(body, s) {
					t.Errorf("%s: the layout lacks %s", c.name, s)
				}
			}
			for _, s := range c.not {
				if strings.Contains(body, s) {
					t.Errorf("%s: the layout shows %s", c.name, s)
				}
			}
		}
		body := page(nil, "/no-such-page")
		i := strings.Index(body, `class="error-card"`)
		if i < 0 {
			t.Fatal("no error page")
		}
		card, _, _ := strings.Cut(body[i:], "</section>")
		if !strings.Contains(card, "홈으로 가기") || !strings.Contains(card, `href="/courses">강좌 둘러보기</a>`) || strings.Contains(card, `href="/me"`) {
			t.Errorf("the error page's buttons: %.600s", card)
		}
	})
}
