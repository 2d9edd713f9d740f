package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/riverqueue/river"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/testkit"
)

type echoInput struct {
	Body struct {
		Email string `json:"email" format:"email" doc:"An e-mail address."`
		Name  string `json:"name" minLength:"2" maxLength:"20"`
	}
}

type echoOutput struct {
	Body struct {
		Email string `json:"email"`
	}
}

// probes mounts test-only routes that exercise the platform's error paths.
func probes(cfg *config.Config, o *app.Options) {
	o.Routes = func(a *app.App) {
		if err := a.Authz.Add("probe", []authz.Policy{
			{Role: authz.Tutor, Obj: "probe.thing", Act: "create", Rel: authz.Any},
		}); err != nil {
			panic(err)
		}
		huma.Register(a.API, huma.Operation{OperationID: "probe-echo", Method: http.MethodPost, Path: "/api/probe/echo"},
			func(ctx context.Context, in *echoInput) (*echoOutput, error) {
				out := &echoOutput{}
				out.Body.Email = in.Body.Email
				return out, nil
			})
		huma.Register(a.API, huma.Operation{OperationID: "probe-domain", Method: http.MethodGet, Path: "/api/probe/domain/{kind}"},
			func(ctx context.Context, in *struct {
				Kind string `path:"kind"`
			}) (*struct{}, error) {
				switch in.Kind {
				case "conflict":
					return nil, apperr.New(apperr.Conflict, "commerce.already_owned", "problem.conflict")
				case "invalid":
					return nil, apperr.InvalidFields("probe.invalid", apperr.FieldError{Location: "body.email", Message: "problem.request.validation", Value: "x"})
				case "limited":
					return nil, apperr.Limited("auth.throttled", 90*time.Second)
				case "notfound":
					return nil, apperr.NotFoundf("course %d", 42)
				case "secret":
					return nil, errors.New("pq: password authentication failed for user secret_dsn_user")
				case "panic":
					panic("probe panic")
				}
				return &struct{}{}, nil
			})
		huma.Register(a.API, huma.Operation{OperationID: "probe-slow", Method: http.MethodGet, Path: "/api/probe/slow"},
			func(ctx context.Context, _ *struct{}) (*struct{}, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			})
		huma.Register(a.API, huma.Operation{OperationID: "probe-guarded", Method: http.MethodPost, Path: "/api/probe/things",
			Middlewares: huma.Middlewares{httpx.Require(a.API, a.Authz, "probe.thing", "create")}},
			func(ctx context.Context, _ *struct{}) (*struct{}, error) { return nil, nil })
		huma.Register(a.API, huma.Operation{OperationID: "probe-authed", Method: http.MethodGet, Path: "/api/probe/me",
			Middlewares: huma.Middlewares{httpx.Authenticated(a.API)}},
			func(ctx context.Context, _ *struct{}) (*struct{}, error) { return nil, nil })
		a.Fiber.Get("/probe/page-panic", func(c *fiber.Ctx) error { panic("page panic") })
		a.Fiber.Get("/probe/page-guarded", httpx.RequirePage(a.Authz, "probe.thing", "create"), func(c *fiber.Ctx) error {
			return c.SendString("ok")
		})
	}
	// Long enough for a real sign-in (argon2, the database) on a loaded
	// 2-core machine; the slow probe waits for the deadline, whatever it is.
	cfg.HTTP.RequestTimeout = 2 * time.Second
	cfg.HTTP.BodyLimit = 64 << 10
}

func TestOperations(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		h := ta.Get("/healthz").Status(200).Map()
		if h["status"] != "ok" {
			t.Fatalf("healthz: %v", h)
		}
		ta.Get("/healthz/").Status(200) // trailing slash is optional
		r := ta.Get("/readyz").Status(200).Map()
		if r["status"] != "ready" {
			t.Fatalf("readyz: %v", r)
		}
		if _, ok := r["capabilities"].(map[string]any)["transcoding"]; !ok {
			t.Fatalf("readyz lacks the transcoding capability: %v", r)
		}
		// The database goes away: not ready, and no internal text leaks.
		testkit.Must(t, ta.App.DB.Close())
		resp := ta.Get("/readyz").Status(503)
		resp.NotContains("sql:", "closed")
	})
}

// An instance whose database lacks migrations it expects is not ready.
func TestReadyzPendingMigrations(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		ta := apptest.New(t, dialect, func(cfg *config.Config, o *app.Options) {
			cfg.Database.MigrateOnStart = false
		})
		r := ta.Get("/readyz").Status(503).Map()
		if r["checks"].(map[string]any)["migrations"] != "pending" || r["status"] != "not_ready" {
			t.Fatalf("readyz with pending migrations: %v", r)
		}
		_, err := ta.App.Migrator.Up(context.Background())
		testkit.Must(t, err)
		ta.Get("/readyz").Status(200)
	})
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite")
	var doc map[string]any
	ta.Get("/api/openapi.json").Status(200).JSON(&doc)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/healthz", "/readyz"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("%s is not documented", p)
		}
	}
	info := doc["info"].(map[string]any)
	if info["title"] != "Weaverse API" {
		t.Fatalf("info %v", info)
	}
	if err := validateOpenAPI(ta.Get("/api/openapi.json").Body); err != nil {
		t.Fatalf("invalid OpenAPI 3.1 document: %v", err)
	}
	ta.Get("/api/openapi.yaml").Status(200).Contains("openapi: 3.1.0")
	ta.Get("/api/docs").Status(200).Contains("swagger-ui-bundle.js", "init.js")
	js := ta.Get("/api/docs/assets/swagger-ui/swagger-ui-bundle.js").Status(200)
	if !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") || len(js.Body) < 100000 {
		t.Fatalf("swagger ui bundle: %s, %d bytes", js.Header.Get("Content-Type"), len(js.Body))
	}
	ta.Get("/api/docs/assets/init.js").Status(200).Contains("SwaggerUIBundle", "/api/openapi.json")
	ta.Get("/api/docs/assets/../../../etc/passwd").Problem(404, "")
}

func TestProblems(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		// Unknown routes: a problem document for API clients and curl, a page for browsers.
		p := ta.Get("/api/nope").Problem(404, "route.not_found")
		if p["detail"] != "요청한 주소를 찾을 수 없습니다." || p["instance"] != "/api/nope" {
			t.Fatalf("404 problem: %v", p)
		}
		ta.Get("/nope").Problem(404, "route.not_found")
		page := ta.Get("/nope", "Accept", "text/html,application/xhtml+xml").Status(404)
		if !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("browser 404 is %s", page.Header.Get("Content-Type"))
		}
		ta.Request(http.MethodDelete, "/healthz", nil).Problem(405, "route.method_not_allowed")

		// English on request.
		en := ta.Get("/api/nope", "Accept-Language", "en-US,en;q=0.9").Problem(404, "route.not_found")
		if en["detail"] != "No such address." {
			t.Fatalf("english detail: %v", en["detail"])
		}

		// Validation errors carry their field locations.
		v := ta.Request(http.MethodPost, "/api/probe/echo", map[string]string{"email": "not-an-email", "name": "x"}).Problem(422, "request.validation")
		errs, _ := v["errors"].([]any)
		locs := map[string]bool{}
		for _, e := range errs {
			locs[e.(map[string]any)["location"].(string)] = true
		}
		if !locs["body.email"] || !locs["body.name"] {
			t.Fatalf("validation errors: %v", v)
		}
		ta.Request(http.MethodPost, "/api/probe/echo", `{"email": "a@b.c", "name":`, "Content-Type", "application/json").Problem(400, "")
		ta.Request(http.MethodPost, "/api/probe/echo", map[string]string{"email": "a@b.co", "name": "ok"}).Status(200).Contains(`"email":"a@b.co"`)

		// Domain errors map to their status and code.
		ta.Get("/api/probe/domain/conflict").Problem(409, "commerce.already_owned")
		inv := ta.Get("/api/probe/domain/invalid").Problem(422, "probe.invalid")
		if e := inv["errors"].([]any)[0].(map[string]any); e["location"] != "body.email" || e["message"] != "입력값을 확인해 주세요." {
			t.Fatalf("field error: %v", e)
		}
		lim := ta.Get("/api/probe/domain/limited")
		lim.Problem(429, "auth.throttled")
		if lim.Header.Get("Retry-After") != "90" {
			t.Fatalf("Retry-After %q", lim.Header.Get("Retry-After"))
		}
		nf := ta.Get("/api/probe/domain/notfound")
		nf.Problem(404, "not_found")
		nf.NotContains("course 42")

		// Unexpected errors: a generic 500 with the request id, never the text.
		secret := ta.Get("/api/probe/domain/secret", "X-Request-ID", "req-from-proxy-123")
		sp := secret.Problem(500, "internal")
		secret.NotContains("secret_dsn_user", "pq:")
		// The client's X-Request-ID is not trusted (only a trusted proxy's is).
		if rid, _ := sp["request_id"].(string); rid == "" || rid == "req-from-proxy-123" || secret.Header.Get("X-Request-ID") != rid {
			t.Fatalf("request id: %v", sp)
		}
		// Panics too, and the server keeps serving.
		pn := ta.Get("/api/probe/domain/panic")
		pn.Problem(500, "internal")
		pn.NotContains("probe panic")
		ta.Get("/probe/page-panic", "Accept", "text/html").Status(500).NotContains("page panic")
		ta.Get("/healthz").Status(200)

		// Deadlines: a request slower than http.request_timeout gets a 503.
		ta.Get("/api/probe/slow").Problem(503, "request.timeout")

		// Bodies over the limit are refused before any handler (by the
		// server itself, so this goes over a real connection).
		base := testkit.Listen(t, ta.App.Fiber)
		big := strings.Repeat("x", 100<<10)
		req, _ := http.NewRequest(http.MethodPost, base+"/api/probe/echo", strings.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		testkit.Must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != httpx.ProblemContentType || !strings.Contains(string(body), `"code":"request.too_large"`) {
			t.Fatalf("oversized body: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}, probes)
}

func TestGuardsAndMatrix(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		// Real users with real sessions, as the golden matrix's.
		callers := map[string]*testkit.Caller{"anonymous": nil}
		for _, u := range []struct{ name, role string }{{"student", "student"}, {"other_student", "student"}, {"tutor", "tutor"}, {"admin", "admin"}} {
			callers[u.name] = signUp(t, ta, u.name, u.role)
		}
		everyone := []string{"anonymous", "student", "other_student", "tutor", "admin"}
		testkit.RunMatrix(t, ta.Client, callers, []testkit.MatrixRow{
			{Method: "GET", Path: "/healthz", Want: testkit.All(200, everyone...)},
			{Method: "GET", Path: "/readyz", Want: testkit.All(200, everyone...)},
			{Method: "GET", Path: "/api/openapi.json", Want: testkit.All(200, everyone...)},
			{Method: "GET", Path: "/", Want: testkit.All(200, everyone...)},
			// Metrics: admins (and loopback callers, tested separately); not advertised to others.
			{Method: "GET", Path: "/metrics", Want: testkit.All(404, "anonymous", "student", "other_student", "tutor").And(200, "admin")},
			{Method: "POST", Path: "/api/probe/things", Want: testkit.All(401, "anonymous").And(403, "student", "other_student").And(204, "tutor", "admin")},
			{Method: "GET", Path: "/api/probe/me", Want: testkit.All(401, "anonymous").And(204, "student", "other_student", "tutor", "admin")},
		})
		resp := ta.Request(http.MethodPost, "/api/probe/things", nil)
		resp.Problem(401, "auth.required")
		if resp.Header.Get("WWW-Authenticate") == "" {
			t.Fatal("401 without WWW-Authenticate")
		}
		// Pages: anonymous browsers are sent to the login page; others see a 403 page.
		login := ta.Get("/probe/page-guarded", "Accept", "text/html").Status(303)
		if loc := login.Header.Get("Location"); loc != "/login?next=%2Fprobe%2Fpage-guarded" {
			t.Fatalf("redirect to %q", loc)
		}
		ta.Get("/probe/page-guarded", append(callers["student"].Headers("/probe/page-guarded", true), "Accept", "text/html")...).Status(403)
		ta.Get("/probe/page-guarded", append(callers["tutor"].Headers("/probe/page-guarded", true), "Accept", "text/html")...).Status(200)
	}, probes)
}

func TestSecurityHeadersAndMetrics(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite", probes)
	ta.Get("/healthz").Status(200)
	resp := ta.Get("/")
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-ID"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	// Compression.
	gz := ta.Get("/", "Accept-Encoding", "gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("home page not compressed: %v", gz.Header)
	}
	// A small answer is sent as it is: compressing it costs more than it saves.
	long := strings.Repeat("a", 64) + "@" + strings.Repeat(strings.Repeat("b", 60)+".", 3) + "com"
	small := ta.Request(http.MethodPost, "/api/probe/echo", map[string]any{"email": long, "name": "긴 주소"}, "Accept-Encoding", "gzip").Status(200)
	if enc := small.Header.Get("Content-Encoding"); enc != "" || len(small.Body) < 250 || len(small.Body) >= 1024 {
		t.Fatalf("small answer: Content-Encoding %q, %d bytes", enc, len(small.Body))
	}
	// Cross-site form posts are refused (CSRF), as a problem for the API …
	ta.Request(http.MethodPost, "/api/probe/things", nil, "Sec-Fetch-Site", "cross-site",
		"Cookie", "access_token=x").Problem(403, "request.csrf")
	// … and as a page for browsers.
	ta.Request(http.MethodPost, "/probe/page-guarded", "a=1", "Sec-Fetch-Site", "cross-site",
		"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html").Status(403)
	ta.Get("/api/courses-that-do-not-exist/123")
	ta.Get("/api/probe/domain/conflict")
	m := ta.As(testkit.Callers()["admin"]).Get("/metrics").Status(200)
	m.Contains(`weaverse_http_requests_total{method="GET",route="/healthz",status="200"}`,
		`route="/api/probe/domain/:kind",status="409"`, `route="unmatched",status="404"`,
		"go_sql_open_connections", "weaverse_http_request_duration_seconds_bucket")
	m.NotContains("courses-that-do-not-exist")
}

// /metrics over real connections: a local scraper is let in; a request
// forwarded by a proxy on the same host is not (it comes from elsewhere);
// a scraper with the token is.
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, o *app.Options) {
		cfg.Metrics.Token = "scrape-token-0123456789"
	})
	base := testkit.Listen(t, ta.App.Fiber)
	get := func(headers ...string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		testkit.Must(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get(); s != 200 {
		t.Fatalf("loopback scraper: %d", s)
	}
	if s := get("X-Forwarded-For", "203.0.113.9"); s != 404 {
		t.Fatalf("forwarded request: %d", s)
	}
	if s := get("X-Forwarded-For", "203.0.113.9", "Authorization", "Bearer scrape-token-0123456789"); s != 200 {
		t.Fatalf("token: %d", s)
	}
	if s := get("X-Forwarded-For", "203.0.113.9", "Authorization", "Bearer wrong"); s != 404 {
		t.Fatalf("wrong token: %d", s)
	}
	// Disabled metrics are not served at all, even to admins.
	off := apptest.New(t, "sqlite", func(cfg *config.Config, o *app.Options) { cfg.Metrics.Enabled = false })
	off.As(testkit.Callers()["admin"]).Get("/metrics").Status(404)
}

// Behind trusted proxies, the client address is the right-most untrusted
// hop of X-Forwarded-For (a client cannot prepend its own), and the proxy's
// request id is kept.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	var seen []string
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, o *app.Options) {
		cfg.HTTP.TrustedProxies = []string{"0.0.0.0", "10.0.0.0/8"} // app.Test's peer is 0.0.0.0
		o.Routes = func(a *app.App) {
			a.Fiber.Get("/probe/ip", func(c *fiber.Ctx) error {
				seen = append(seen, httpx.ClientIPFrom(c.UserContext()))
				return c.SendString("ok")
			})
		}
	})
	ta.Get("/probe/ip", "X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.1.2.3")
	ta.Get("/probe/ip")
	ta.Get("/probe/ip", "X-Forwarded-For", "not-an-ip")
	want := []string{"203.0.113.9", "0.0.0.0", "0.0.0.0"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("client IPs %v, want %v", seen, want)
	}
	resp := ta.Get("/healthz", "X-Request-ID", "req-from-proxy-123")
	if resp.Header.Get("X-Request-ID") != "req-from-proxy-123" {
		t.Fatalf("proxy request id not kept: %q", resp.Header.Get("X-Request-ID"))
	}
}

func TestJSONErrorsAreDecodable(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite")
	var p httpx.Problem
	testkit.Must(t, json.Unmarshal(ta.Get("/api/x").Body, &p))
	if p.Status != 404 || p.Code == "" || p.RequestID == "" {
		t.Fatalf("problem %+v", p)
	}
}

// A fresh database gets the default nano-degree once: 7 published courses
// on the roadmap; a restart imports nothing more (a marker in
// platform_settings remembers it, whatever happens to the courses).
func TestDefaultContentOnFirstStart(t *testing.T) {
	t.Parallel()
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		cfg := apptest.Config(t, dialect)
		cfg.Content.ImportDefault = true
		ctx := context.Background()
		a, err := app.New(ctx, cfg, app.Options{Logger: apptest.Logger(t)})
		testkit.Must(t, err)
		c := testkit.NewClient(t, a.Fiber)
		var rm struct {
			Curriculum struct {
				Title string
				Price int
			}
			Courses []struct{ Title string }
		}
		c.Get("/api/roadmap/").Status(200).JSON(&rm)
		if len(rm.Courses) != 7 || rm.Curriculum.Price != 50000 || rm.Curriculum.Title != "웹 개발 나노 디그리" {
			t.Fatalf("roadmap %+v", rm)
		}
		c.Get("/api/courses/?search=자바스크립트").Status(200)
		c.Get("/api/catalog/course-bundle.schema.json").Status(200).Contains(`"$schema"`)
		// Each course's picture became an image, served at its address.
		var pics []string
		testkit.Must(t, a.DB.R.NewSelect().Table("catalog_courses").Column("thumbnail").Scan(ctx, &pics))
		for _, p := range pics {
			if u := catalog.ImageURL(p, "thumbnail"); u == "" {
				t.Fatalf("a course's picture is %q", p)
			} else {
				c.Get(u).Status(200)
			}
		}
		if _, err := exec.LookPath("ffmpeg"); err == nil {
			// The bundle's six sample clips became six videos with their
			// captions, and every video topic names one.
			videos, err := a.DB.R.NewSelect().Table("media_videos").Count(ctx)
			testkit.Must(t, err)
			paths, err := a.DB.R.NewSelect().Table("catalog_topics").Where("kind = 'video'").
				Where("CAST(content AS TEXT) LIKE ?", "%web-nanodegree/%").Count(ctx)
			testkit.Must(t, err)
			if videos != 6 || paths != 0 {
				t.Fatalf("%d videos, %d video topics still naming files", videos, paths)
			}
			// A free sample plays for anyone once transcoded.
			testkit.Must(t, a.Start(ctx))
			var first int64
			testkit.Must(t, a.DB.R.NewSelect().Table("media_videos").ColumnExpr("MIN(id)").Scan(ctx, &first))
			// Wait for its transcoding job to end (however long a loaded
			// machine takes), then it must have succeeded.
			list, err := a.Jobs.List(ctx, river.NewJobListParams().Kinds("media.transcode").First(100))
			testkit.Must(t, err)
			var job int64
			for _, j := range list {
				var args struct {
					VideoID int64 `json:"video_id"`
				}
				testkit.Must(t, json.Unmarshal(j.Args, &args))
				if args.VideoID == first {
					job = j.ID
				}
			}
			if job == 0 {
				t.Fatalf("no transcoding job for the first sample clip (video %d)", first)
			}
			wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
			_, err = a.Jobs.WaitFor(wctx, job, jobs.StateCompleted)
			cancel()
			testkit.Must(t, err)
			var pb struct{ Captions []struct{ Lang string } }
			c.Get(fmt.Sprintf("/api/videos/%d/playback/", first)).Status(200).JSON(&pb)
			if len(pb.Captions) != 1 || pb.Captions[0].Lang != "ko" {
				t.Fatalf("sample clip captions %+v", pb.Captions)
			}
		} else if os.Getenv("CI") != "" {
			t.Fatal("ffmpeg is required in CI")
		}
		testkit.Must(t, a.Close(ctx))
		b, err := app.New(ctx, cfg, app.Options{Logger: apptest.Logger(t)})
		testkit.Must(t, err)
		defer b.Close(ctx)
		n, err := b.DB.R.NewSelect().Table("catalog_courses").Count(ctx)
		testkit.Must(t, err)
		if n != 7 {
			t.Fatalf("%d courses after a restart", n)
		}
	})
}
