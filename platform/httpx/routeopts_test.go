package httpx_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
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

// A module's options must name paths it serves; "/" and "/*" would change
// the defaults everywhere.
func TestRouteOptionsValidate(t *testing.T) {
	routes := []string{"/", "/api/videos/tus", "/api/videos/tus/:id", "/media/*", "/studio/media/videos"}
	for _, o := range []httpx.RouteOption{{Path: "/api/videos/tus/*"}, {Path: "/media/*"}, {Path: "/studio/media/videos/"}} {
		if err := (httpx.RouteOptions{o}).Validate(routes); err != nil {
			t.Errorf("%s: %v", o.Path, err)
		}
	}
	for _, o := range []httpx.RouteOption{{Path: "/*"}, {Path: "/"}, {Path: ""}, {Path: "api/x"}, {Path: "/nope"}, {Path: "/studio/x/*"}} {
		if err := (httpx.RouteOptions{o}).Validate(routes); err == nil {
			t.Errorf("%q accepted", o.Path)
		}
	}
}

// On a raw-body route (a webhook) a cookie session does not act; a bearer
// token does.
func TestDropAmbientPrincipal(t *testing.T) {
	app := fiber.New()
	app.Use(func(c *fiber.Ctx) error {
		c.SetUserContext(authz.WithPrincipal(c.UserContext(), &authz.Principal{UserID: 7, Role: authz.Student}))
		return c.Next()
	})
	app.Use(httpx.DropAmbientPrincipal(httpx.RouteOptions{{Path: "/hook", RawBody: true}}))
	who := func(c *fiber.Ctx) error {
		return c.SendString(fmt.Sprint(authz.PrincipalFrom(c.UserContext()) != nil))
	}
	app.Post("/hook", who)
	app.Post("/form", who)
	for _, c := range []struct {
		path, auth, want string
	}{{"/hook", "", "false"}, {"/hook", "Bearer x", "true"}, {"/form", "", "true"}} {
		req := httptest.NewRequest(http.MethodPost, c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if string(body) != c.want {
			t.Errorf("%s (auth %q): principal kept = %s, want %s", c.path, c.auth, body, c.want)
		}
	}
}
