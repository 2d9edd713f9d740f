package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

var hrefRE = regexp.MustCompile(`href="([^"#]*)"`)

// No link leads to a page that does not exist: from the home page, every
// local link each kind of caller is shown is followed (breadth first, a few
// hundred pages at most) and must not answer 404 or a server error.
func TestNoDeadLinks(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		f := newMatrixFixture(t, ta) // real users, a published course and curriculum
		f.as("tutor", http.MethodPut, f.curriculumURL, map[string]any{"slug": "matrix-nd", "title": "행렬 과정",
			"category": "frontend", "skill_level": "beginner", "price": 50000, "status": "published",
			"course_ids": []int64{f.courseID}}).Status(200)
		for _, caller := range []string{"anonymous", "student", "tutor", "admin"} {
			crawl(t, ta, caller, f.c[caller])
		}
	})
}

func crawl(t *testing.T, ta *apptest.T, caller string, c *testkit.Caller) {
	t.Helper()
	seen := map[string]bool{"/": true}
	queue := []string{"/"}
	for len(queue) > 0 && len(seen) < 300 {
		page := queue[0]
		queue = queue[1:]
		path, _, _ := strings.Cut(page, "?")
		resp := ta.Get(page, append(c.Headers(path, true), "Accept", "text/html")...)
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode >= 500 {
			t.Errorf("%s: %s answers %d", caller, page, resp.StatusCode)
			continue
		}
		links := []string{resp.Header.Get("Location")}
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			for _, m := range hrefRE.FindAllStringSubmatch(string(resp.Body), -1) {
				links = append(links, strings.ReplaceAll(m[1], "&amp;", "&"))
			}
		}
		for _, l := range links {
			u, err := url.Parse(l)
			if l == "" || err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") ||
				strings.HasPrefix(u.Path, "/static/") || strings.HasPrefix(u.Path, "/api/docs/assets/") {
				continue
			}
			if !seen[u.RequestURI()] {
				seen[u.RequestURI()] = true
				queue = append(queue, u.RequestURI())
			}
		}
	}
	t.Logf("%s: %d pages", caller, len(seen))
	if len(seen) < 5 {
		t.Errorf("%s: only %d pages reached: %v", caller, len(seen), fmt.Sprint(seen))
	}
}
