package web_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

var testPages = fstest.MapFS{
	"hello.html": {Data: []byte(`{{define "title"}}Hello{{end}}
{{define "content"}}<p id="msg">{{.Page}}</p><p id="lang">{{lang}}</p><p id="t">{{t "web.nav.courses"}}</p>{{end}}`)},
	"sub/deep.html": {Data: []byte(`{{define "title"}}Deep{{end}}{{define "content"}}deep{{end}}`)},
}

// newApp builds a bare Fiber app the way app/ wires web: middleware
// app-wide, /static mounted, an error handler that maps ErrCSRF to 403.
func newApp(t *testing.T) (*fiber.App, *web.Web) {
	t.Helper()
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{I18n: b, BaseURL: "https://learn.example.com", Secret: []byte("test-secret")})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddTemplates("test", testPages); err != nil {
		t.Fatal(err)
	}
	// Menus as modules declare them: everyone's, and a tutor's and an
	// admin's guarded by casbin rules.
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := en.Add("test", []authz.Policy{{Role: authz.Tutor, Obj: "test.course", Act: "create", Rel: authz.Any}}); err != nil {
		t.Fatal(err)
	}
	if err := w.SetNav([]web.NavEntry{
		{Menu: web.MenuMain, Href: "/courses", Label: "web.nav.courses", Order: 20},
		{Menu: web.MenuMain, Href: "/", Label: "web.nav.roadmap", Order: 10},
		{Menu: web.MenuAccount, Href: "/studio/courses", Label: "web.nav.studio", Icon: "easel2", Obj: "test.course", Act: "create"},
		{Menu: web.MenuAccount, Href: "/admin/users", Label: "web.nav.admin", Obj: "test.user", Act: "manage"},
		{Menu: web.MenuFooterSupport, Href: "/api/docs", Label: "web.footer.api"},
		{Menu: web.MenuGuest, Href: "/login", Label: "web.nav.login", Order: 1},
		{Menu: web.MenuGuest, Href: "/signup", Label: "web.nav.signup", Order: 2, Primary: true},
		{Menu: web.MenuAccount, Href: "/logout", Label: "web.nav.logout", Post: true, Order: 100},
	}, en); err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{
		Immutable: true,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			if errors.Is(err, web.ErrCSRF) {
				return c.Status(http.StatusForbidden).SendString("csrf")
			}
			var fe *fiber.Error
			if errors.As(err, &fe) {
				return c.Status(fe.Code).SendString(fe.Message)
			}
			return c.Status(500).SendString(err.Error())
		},
	})
	app.Use(w.Middleware(nil))
	w.Mount(app)
	app.Get("/hello", func(c *fiber.Ctx) error {
		return w.Render(c, http.StatusOK, "test/hello", c.Query("msg", "hi"))
	})
	app.Get("/as-admin", func(c *fiber.Ctx) error {
		c.SetUserContext(authz.WithPrincipal(c.UserContext(), &authz.Principal{UserID: 1, Role: authz.Admin}))
		return w.Render(c, http.StatusOK, "test/hello", "admin")
	})
	app.Get("/deep", func(c *fiber.Ctx) error { return w.Render(c, http.StatusOK, "test/sub/deep", nil) })
	app.Post("/form", func(c *fiber.Ctx) error {
		web.SetFlash(c, "success", "저장했습니다 <b>ok</b>")
		return c.Redirect("/hello", http.StatusSeeOther)
	})
	app.Post("/api/x", func(c *fiber.Ctx) error { return c.SendStatus(http.StatusNoContent) })
	app.Get("/oops", func(c *fiber.Ctx) error {
		return w.RenderError(c, http.StatusNotFound, "", "없는 페이지입니다.", "req-12345")
	})
	return app, w
}

func do(t *testing.T, app *fiber.App, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func get(t *testing.T, app *fiber.App, target string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, app, req)
}

func TestRenderLayoutAndLanguage(t *testing.T) {
	app, _ := newApp(t)

	resp, body := get(t, app, "/hello")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="ko">`, `<title>Hello · Weaverse</title>`, `<main id="main"`, `본문 바로가기`,
		`<p id="lang">ko</p>`, `<p id="t">강좌</p>`, `href="/login"`, `href="/signup"`, `href="?lang=en"`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if strings.Contains(body, `action="/logout"`) {
		t.Error("anonymous page shows logout")
	}

	resp, body = get(t, app, "/hello?lang=en&msg=x")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, `<p id="t">Courses</p>`) {
		t.Fatalf("?lang=en not English:\n%s", body)
	}
	ck := cookie(resp, "lang")
	if ck == nil || ck.Value != "en" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || !ck.Secure {
		t.Fatalf("lang cookie = %+v", ck)
	}
	if !strings.Contains(body, `href="?lang=ko&amp;msg=x"`) {
		t.Error("langURL does not keep the query")
	}
	// A crafted path never makes the language links leave the site.
	_, body = get(t, app, "//evil.example/phish")
	if strings.Contains(body, `href="//evil.example`) {
		t.Error("language link follows a protocol-relative path")
	}

	_, body = get(t, app, "/hello", "Cookie", "lang=en")
	if !strings.Contains(body, `<html lang="en">`) {
		t.Error("lang cookie not honoured")
	}
	resp, body = get(t, app, "/hello", "Accept-Language", "en-US,en;q=0.9")
	if !strings.Contains(body, `<html lang="en">`) || resp.Header.Get("Content-Language") != "en" {
		t.Error("Accept-Language en-US not honoured")
	}
	if cookie(resp, "lang") != nil {
		t.Error("Accept-Language must not set the lang cookie")
	}
	_, body = get(t, app, "/hello?lang=ko", "Accept-Language", "en-US")
	if !strings.Contains(body, `<html lang="ko">`) {
		t.Error("?lang wins over Accept-Language")
	}

	_, body = get(t, app, "/deep")
	if !strings.Contains(body, "deep") {
		t.Error("nested page not registered as test/sub/deep")
	}
}

func TestSignedInNav(t *testing.T) {
	app, _ := newApp(t)
	_, body := get(t, app, "/as-admin")
	for _, want := range []string{`action="/logout"`, `href="/admin/users"`, "로그아웃", `href="/studio/courses"`, `href="/api/docs"`} {
		if !strings.Contains(body, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
	if strings.Contains(body, `href="/login"`) {
		t.Error("signed-in page shows login")
	}
}

func TestEscaping(t *testing.T) {
	app, _ := newApp(t)
	_, body := get(t, app, "/hello?msg=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatal("data was not escaped")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("escaped data missing:\n%s", body)
	}
}

func TestRenderError(t *testing.T) {
	app, _ := newApp(t)
	resp, body := get(t, app, "/oops")
	if resp.StatusCode != 404 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"404", "페이지를 찾을 수 없습니다", "없는 페이지입니다.", "req-12345", "요청 번호"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	_, body = get(t, app, "/oops?lang=en")
	if !strings.Contains(body, "Page not found") || !strings.Contains(body, "Request ID") {
		t.Error("English error page")
	}
}

func TestStaticAssets(t *testing.T) {
	app, w := newApp(t)
	u := w.Asset("css/app.css")
	if !regexp.MustCompile(`^/static/css/app\.[0-9a-f]{10}\.css$`).MatchString(u) {
		t.Fatalf("Asset = %q", u)
	}
	resp, body := get(t, app, u)
	if resp.StatusCode != 200 || !strings.Contains(body, "--wv-primary") {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/css; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}

	// Wrong or stale fingerprint: 404, never other bytes under an immutable URL.
	if resp, _ := get(t, app, "/static/css/app.0123456789.css"); resp.StatusCode != 404 {
		t.Errorf("wrong fingerprint: %d", resp.StatusCode)
	}

	// Plain name (fonts referenced relatively by vendor CSS): short cache + ETag/304.
	font := "/static/vendor/bootstrap-icons/fonts/bootstrap-icons.woff2"
	resp, _ = get(t, app, font)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "font/woff2" {
		t.Fatalf("font: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=86400" {
		t.Errorf("plain Cache-Control = %q", got)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp, body = get(t, app, font, "If-None-Match", etag)
	if resp.StatusCode != 304 || body != "" {
		t.Errorf("If-None-Match: %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, _ = get(t, app, font, "If-None-Match", `W/"nope", `+etag)
	if resp.StatusCode != 304 {
		t.Errorf("If-None-Match list: %d", resp.StatusCode)
	}

	// Types of the vendored files.
	for p, want := range map[string]string{
		"vendor/bootstrap/bootstrap.bundle.min.js":                "text/javascript; charset=utf-8",
		"img/favicon.svg":                                         "image/svg+xml",
		"vendor/pretendard/pretendardvariable-dynamic-subset.css": "text/css; charset=utf-8",
	} {
		if resp, _ := get(t, app, w.Asset(p)); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want {
			t.Errorf("%s: %d %q", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	// HEAD: headers, no body.
	resp, body = do(t, app, httptest.NewRequest(http.MethodHead, u, nil))
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("HEAD: %d, %d bytes", resp.StatusCode, len(body))
	}

	// Traversal and unknown files.
	for _, p := range []string{"/static/../web.go", "/static/%2e%2e/web.go", "/static/css/../../web.go",
		"/static/..%2fweb.go", "/static/", "/static/nope.css", "/static//etc/passwd"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path, req.URL.RawPath = "", ""
		req.RequestURI = p
		req.URL.Opaque = p
		resp, body := do(t, app, req)
		t.Logf("%s → %d", p, resp.StatusCode)
		if resp.StatusCode == 200 && strings.Contains(body, "package web") {
			t.Errorf("%s served source", p)
		} else if resp.StatusCode == 200 && strings.HasPrefix(p, "/static/") {
			t.Errorf("%s: 200", p)
		}
	}

	if got := w.Asset("nope.css"); got != "/static/nope.css" {
		t.Errorf("unknown Asset = %q", got)
	}
}

func TestCSRF(t *testing.T) {
	app, _ := newApp(t)
	post := func(target string, hdr ...string) int {
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader("a=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, _ := do(t, app, req)
		return resp.StatusCode
	}
	cases := []struct {
		name   string
		target string
		hdr    []string
		want   int
	}{
		{"cross-site page POST", "/form", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, 403},
		{"same-site (sibling) page POST", "/form", []string{"Sec-Fetch-Site", "same-site", "Origin", "https://evil.example.com"}, 403},
		{"cross origin by Origin only", "/form", []string{"Origin", "https://evil.example"}, 403},
		{"same-origin page POST", "/form", []string{"Sec-Fetch-Site", "same-origin", "Origin", "http://example.com"}, 303},
		{"Origin matches Host", "/form", []string{"Origin", "http://example.com"}, 303},
		{"trusted BaseURL origin", "/form", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://learn.example.com"}, 303},
		{"non-browser (no headers)", "/form", nil, 303},
		{"api cross-site with bearer token", "/api/x", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example", "Authorization", "Bearer x"}, 204},
		{"api cross-site with cookies only", "/api/x", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, 403},
	}
	for _, tc := range cases {
		if got := post(tc.target, tc.hdr...); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// Safe methods always pass.
	if resp, _ := get(t, app, "/hello", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); resp.StatusCode != 200 {
		t.Errorf("cross-site GET: %d", resp.StatusCode)
	}
}

func TestFlashShownOnce(t *testing.T) {
	app, _ := newApp(t)
	req := httptest.NewRequest(http.MethodPost, "/form", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, _ := do(t, app, req)
	fc := cookie(resp, "flash")
	if resp.StatusCode != 303 || fc == nil || fc.Value == "" || !fc.HttpOnly || fc.SameSite != http.SameSiteLaxMode {
		t.Fatalf("POST: %d, flash cookie %+v", resp.StatusCode, fc)
	}

	resp, body := get(t, app, "/hello", "Cookie", "flash="+fc.Value)
	if !strings.Contains(body, "저장했습니다 &lt;b&gt;ok&lt;/b&gt;") || !strings.Contains(body, `alert-success`) || !strings.Contains(body, `role="status"`) {
		t.Fatalf("flash not shown (escaped):\n%s", body)
	}
	if c := cookie(resp, "flash"); c == nil || c.Value != "" || c.MaxAge >= 0 {
		t.Fatalf("flash cookie not cleared: %+v", c)
	}
	// The browser now has no flash cookie: the next page shows nothing.
	if _, body := get(t, app, "/hello"); strings.Contains(body, "저장했습니다") {
		t.Error("flash shown twice")
	}

	// A tampered cookie is ignored and deleted.
	payload, _, _ := strings.Cut(fc.Value, ".")
	resp, body = get(t, app, "/hello", "Cookie", "flash="+payload+".AAAA")
	if strings.Contains(body, "저장했습니다") {
		t.Error("tampered flash shown")
	}
	if c := cookie(resp, "flash"); c == nil || c.Value != "" {
		t.Error("tampered flash cookie not deleted")
	}
	// An API request does not consume it.
	req = httptest.NewRequest(http.MethodPost, "/api/x", nil)
	req.Header.Set("Cookie", "flash="+fc.Value)
	req.Header.Set("Authorization", "Bearer t")
	if resp, _ := do(t, app, req); cookie(resp, "flash") != nil {
		t.Error("API request touched the flash cookie")
	}
}

func TestSetFlashWithoutMiddlewarePanics(t *testing.T) {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) (err error) {
		defer func() {
			if recover() == nil {
				err = errors.New("no panic")
			}
		}()
		web.SetFlash(c, "info", "x")
		return nil
	})
	resp, body := get(t, app, "/")
	if resp.StatusCode != 200 {
		t.Fatal(body)
	}
}

func TestAddTemplatesErrors(t *testing.T) {
	_, w := newApp(t)
	if err := w.AddTemplates("test", testPages); err == nil {
		t.Error("duplicate registration accepted")
	}
	bad := fstest.MapFS{"x.html": {Data: []byte(`{{define "content"}}{{.Nope`)}}
	if err := w.AddTemplates("bad", bad); err == nil {
		t.Error("parse error not reported")
	}
	noContent := fstest.MapFS{"x.html": {Data: []byte(`{{define "title"}}x{{end}}`)}}
	if err := w.AddTemplates("nocontent", noContent); err == nil {
		t.Error("page without content accepted")
	}
}

func TestNewValidatesBaseURL(t *testing.T) {
	b, _ := i18n.New()
	if _, err := web.New(web.Options{I18n: b, BaseURL: "learn.example.com"}); err == nil {
		t.Error("relative BaseURL accepted")
	}
	if _, err := web.New(web.Options{}); err == nil {
		t.Error("missing I18n accepted")
	}
}

func cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSafeRedirect(t *testing.T) {
	for in, want := range map[string]string{
		"/me": "/me", "/courses?x=1#a": "/courses?x=1#a", "": "/", "//evil.example": "/", "/\\evil.example": "/",
		"https://evil.example": "/", "evil": "/", "/ok\r\nSet-Cookie: x": "/", "/%2F%2Fevil": "/%2F%2Fevil",
	} {
		if got := web.SafeRedirect(in, "/"); got != want {
			t.Errorf("SafeRedirect(%q) = %q, want %q", in, got, want)
		}
	}
}

// Menus list their entries in order, each shown only to callers its casbin
// rule admits; a malformed entry is refused at start-up.
func TestNavEntries(t *testing.T) {
	app, w := newApp(t)
	_, body := get(t, app, "/hello")
	roadmap, courses := strings.Index(body, `href="/"`), strings.Index(body, `href="/courses"`)
	if roadmap < 0 || courses < 0 || roadmap > courses {
		t.Errorf("main menu out of order or incomplete (roadmap at %d, courses at %d)", roadmap, courses)
	}
	if !strings.Contains(body, `href="/api/docs"`) || strings.Contains(body, `href="/admin/users"`) || strings.Contains(body, `href="/studio/courses"`) {
		t.Error("anonymous menus wrong")
	}
	if !strings.Contains(body, `<a class="btn btn-link nav-login" href="/login">`) || !strings.Contains(body, `<a class="btn btn-primary" href="/signup">`) ||
		strings.Contains(body, `action="/logout"`) {
		t.Error("a visitor should see sign-in and sign-up, not sign-out")
	}
	if w.SignInURL("/x?y=1") != "" {
		t.Error("a sign-in URL without a sign-in page")
	}
	w.SetSignInPage("/login")
	if got := w.SignInURL("/x?y=1"); got != "/login?next=%2Fx%3Fy%3D1" {
		t.Errorf("SignInURL = %q", got)
	}
	for _, bad := range []web.NavEntry{
		{Menu: "sidebar", Href: "/x", Label: "l"},
		{Menu: web.MenuMain, Href: "https://evil.example/", Label: "l"},
		{Menu: web.MenuMain, Href: "//evil.example/", Label: "l"},
		{Menu: web.MenuMain, Href: "/x"},
		{Menu: web.MenuMain, Href: "/x", Label: "l", Obj: "test.course"},
	} {
		if err := w.SetNav([]web.NavEntry{bad}, nil); err == nil {
			t.Errorf("SetNav accepted %+v", bad)
		}
	}
}
