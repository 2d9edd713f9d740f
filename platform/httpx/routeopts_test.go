package httpx_test

import (
	"testing"
	"time"

	"github.com/weaverse/weaverse/platform/httpx"
)

func TestRouteOptions(t *testing.T) {
	opts := httpx.RouteOptions{
		{Path: "/api/images/upload", StreamBody: true, NoTimeout: true},
		{Path: "/api/videos/tus/*", StreamBody: true, NoTimeout: true},
		{Path: "/media/*", WriteTimeout: 2 * time.Hour, NoCompress: true},
		{Path: "/media/*", WriteTimeout: time.Hour, BodyLimit: 10},
		{Path: "/api/payments/webhook/", RawBody: true, BodyLimit: 1 << 20},
	}
	cases := []struct {
		path string
		want httpx.RouteOption
	}{
		{"/api/images/upload", httpx.RouteOption{StreamBody: true, NoTimeout: true}},
		{"/api/images/upload/", httpx.RouteOption{StreamBody: true, NoTimeout: true}},
		{"/api/images/uploads", httpx.RouteOption{}},
		{"/api/images/upload/x", httpx.RouteOption{}},
		{"/api/videos/tus", httpx.RouteOption{StreamBody: true, NoTimeout: true}},
		{"/api/videos/tus/abc", httpx.RouteOption{StreamBody: true, NoTimeout: true}},
		{"/api/videos/tusx", httpx.RouteOption{}},
		{"/media/videos/1/a.ts", httpx.RouteOption{WriteTimeout: 2 * time.Hour, NoCompress: true, BodyLimit: 10}},
		{"/api/payments/webhook", httpx.RouteOption{RawBody: true, BodyLimit: 1 << 20}},
		{"/", httpx.RouteOption{}},
	}
	for _, c := range cases {
		got := opts.For(c.path)
		got.Path = ""
		if got != c.want {
			t.Errorf("For(%q) = %+v, want %+v", c.path, got, c.want)
		}
	}
}
