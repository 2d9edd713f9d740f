package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
)

var langLinkRE = regexp.MustCompile(`<a href="([^"]*)" lang="(ko|en)"`)

// After a form is refused, the page is rendered at the form's POST-only
// address (/me/password). Its language links must lead to a page that
// answers GET — the page the form was sent from, or the nearest one — not
// to GET /me/password?lang=en (405).
func TestLanguageLinksAfterARefusedFormExist(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		student := signUp(t, ta, "student", "student")
		form := url.Values{"old_password": {"wrong-password-1"}, "new_password": {"new-horse-battery-9"},
			"new_password_confirm": {"new-horse-battery-9"}}.Encode()
		for _, c := range []struct{ name, referer, want string }{
			{"from the profile page", "http://127.0.0.1:8080/me?tab=security&lang=ko", "/me"},
			{"sent again from the refused page", "http://127.0.0.1:8080/me/password", "/me"},
			{"another site's referer", "https://evil.example/me", "/me"},
			{"no referer", "", "/me"},
		} {
			headers := []string{"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html",
				"Sec-Fetch-Site", "same-origin"}
			if c.referer != "" {
				headers = append(headers, "Referer", c.referer)
			}
			page := ta.Request(http.MethodPost, "/me/password", form, append(headers, student.Headers("/me/password", true)...)...)
			if page.StatusCode < 400 || page.StatusCode >= 500 {
				t.Fatalf("%s: a wrong old password answered %d", c.name, page.StatusCode)
			}
			links := langLinkRE.FindAllStringSubmatch(string(page.Body), -1)
			if len(links) != 2 {
				t.Fatalf("%s: %d language links in the refused form's page", c.name, len(links))
			}
			for _, l := range links {
				href := strings.ReplaceAll(l[1], "&amp;", "&")
				u, err := url.Parse(href)
				if err != nil || u.Path != c.want || u.Query().Get("lang") != l[2] || u.Host != "" {
					t.Errorf("%s: %s link %q, want %s?lang=%s", c.name, l[2], href, c.want, l[2])
					continue
				}
				if got := ta.Get(href, append([]string{"Accept", "text/html"}, student.Headers(href, true)...)...); got.StatusCode != http.StatusOK {
					t.Errorf("%s: GET %s answers %d", c.name, href, got.StatusCode)
				}
			}
		}
		// A page reached by GET keeps its address and query.
		home := ta.Get("/?page=2", "Accept", "text/html").Status(200)
		if !strings.Contains(string(home.Body), `href="?lang=en&amp;page=2"`) {
			t.Errorf("the home page's English link lost its address or query")
		}
	})
}
