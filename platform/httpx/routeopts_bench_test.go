package httpx_test

import (
	"testing"
	"time"

	"github.com/weaverse/weaverse/platform/httpx"
)

// The platform asks the route options of every request a few times (body
// guard, timeout, gzip, CSRF, write deadline): it must cost next to nothing.
func BenchmarkRouteOptionsFor(b *testing.B) {
	opts := httpx.RouteOptions{
		{Path: "/api/images/upload", StreamBody: true, NoTimeout: true},
		{Path: "/api/videos/upload", StreamBody: true, NoTimeout: true},
		{Path: "/api/videos/tus/*", StreamBody: true, NoTimeout: true},
		{Path: "/studio/media/videos", StreamBody: true},
		{Path: "/studio/media/images", StreamBody: true},
		{Path: "/studio/media/*", NoTimeout: true},
		{Path: "/media/*", WriteTimeout: 2 * time.Hour, NoCompress: true},
	}
	for b.Loop() {
		_ = opts.For("/api/courses/12/")
	}
}
