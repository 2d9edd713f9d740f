package web

import "testing"

func TestRouteMatches(t *testing.T) {
	for _, c := range []struct {
		route, path string
		want        bool
	}{
		{"/", "/", true},
		{"/me", "/me", true},
		{"/me", "/ME/", true},
		{"/me", "/me/password", false},
		{"/me/password", "/me", false},
		{"/courses/:slug", "/courses/html-basics", true},
		{"/courses/:slug", "/courses", false},
		{"/watch/:id?", "/watch", true},
		{"/watch/:id?", "/watch/3", true},
		{"/media/*", "/media/a/b.png", true},
		{"/media/*", "/media", true},
		{"/files/+", "/files", false},
		{"/files/+", "/files/x", true},
		{"/studio/courses/:id/edit", "/studio/courses/3/edit", true},
		{"/studio/courses/:id/edit", "/studio/courses/3/delete", false},
	} {
		if got := routeMatches(segments(c.route), segments(c.path)); got != c.want {
			t.Errorf("route %s, path %s: %v, want %v", c.route, c.path, got, c.want)
		}
	}
}
