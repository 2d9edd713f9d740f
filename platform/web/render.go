package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/i18n"
)

// View is the data every template receives. Module data is .Page; the rest
// serves the layout and any page that needs it. Inside {{range}} or {{with}}
// reach it through $ ($.Lang, $.SignedIn …).
type View struct {
	Page      any    // the module's data, as passed to Render
	SiteName  string // "Weaverse"
	Lang      string // "ko" | "en"
	Path      string // request path, for active navigation
	Principal *authz.Principal
	Flashes   []Flash
	Dev       bool
	Session   SessionHint // the sign-in session's state, for static/js/session.js

	query   url.Values // the request query, for LangURL
	langFor string     // the GET-able path the language links go to; "" = this page
	web     *Web       // for Nav and Can
}

// SignedIn reports whether the request has an authenticated principal.
func (v *View) SignedIn() bool { return v.Principal.RoleOf() != authz.Anonymous }

// LangURL returns the current URL with ?lang= set to lang. It is a
// query-only reference ("?lang=en&…"): the browser keeps the current path, so
// a crafted path such as "//evil.example" can never turn the link into an
// off-site one.
//
// A page rendered in answer to a form (POST /me/password with a wrong
// password) sits at an address with no GET page: there the links go to a
// page that exists instead (see langTarget), never to a 405.
func (v *View) LangURL(lang string) string {
	q := url.Values{}
	base := ""
	if v.langFor != "" {
		u, _ := url.Parse(v.langFor) // langTarget returns parseable local paths
		base = u.Path
		q = u.Query()
	} else {
		for k, vs := range v.query {
			q[k] = vs
		}
	}
	q.Set("lang", i18n.Normalize(lang))
	return base + "?" + q.Encode()
}

// langTarget returns "" when the language links may stay on the current
// address (a GET page), else the first page that answers GET among: the
// same-origin page the form was sent from (Referer), the current path's
// ancestors ("/me/password" → "/me"), "/".
func langTarget(c *fiber.Ctx, status int) string {
	if (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead) && status != fiber.StatusMethodNotAllowed {
		return ""
	}
	var candidates []string
	if ref, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && ref.Host == string(c.Request().Host()) &&
		(ref.Scheme == "http" || ref.Scheme == "https") {
		q := ref.Query()
		q.Del("lang")
		target := ref.Path
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		candidates = append(candidates, target)
	}
	for p := strings.TrimSuffix(c.Path(), "/"); p != ""; p = p[:strings.LastIndex(p, "/")] {
		candidates = append(candidates, p)
	}
	for _, cand := range candidates {
		if target := SafeRedirect(cand, ""); target != "" && servesGET(c.App(), strings.SplitN(target, "?", 2)[0]) {
			return target
		}
	}
	return "/"
}

// servesGET reports whether the app has a GET route for path (Fiber's
// parameters ":id", optional ":id?" and wildcards "*", "+"; a trailing
// slash and letter case do not matter, as in the router's defaults).
func servesGET(app *fiber.App, path string) bool {
	want := segments(path)
	for _, r := range app.GetRoutes(true) {
		if r.Method == fiber.MethodGet && routeMatches(segments(r.Path), want) {
			return true
		}
	}
	return false
}

func segments(p string) []string {
	p = strings.Trim(strings.ToLower(p), "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func routeMatches(route, path []string) bool {
	for i, seg := range route {
		switch {
		case seg == "*":
			return true
		case seg == "+":
			return len(path) > i
		case strings.HasPrefix(seg, ":") && strings.HasSuffix(seg, "?"):
			if len(path) <= i {
				return i == len(route)-1
			}
		case i >= len(path):
			return false
		case strings.HasPrefix(seg, ":"):
			if path[i] == "" {
				return false
			}
		case seg != path[i]:
			return false
		}
	}
	return len(path) == len(route)
}

// SafeRedirect returns target when it is a local path ("/x", not "//x" or
// "/\x", no scheme or host), else fallback. Every redirect taken from user
// input (?next=) goes through it.
func SafeRedirect(target, fallback string) string {
	if target == "" || target[0] != '/' || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") ||
		strings.ContainsAny(target, "\\\r\n\x00") {
		return fallback
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return target
}

// Active reports whether the current path is prefix (exactly "/" for the
// root), for aria-current and the active nav style.
func (v *View) Active(prefix string) bool {
	if prefix == "/" {
		return v.Path == "/"
	}
	return v.Path == prefix || strings.HasPrefix(v.Path, strings.TrimSuffix(prefix, "/")+"/")
}

// ErrorPage is the .Page of the shared error page ("web/error").
type ErrorPage struct {
	Status    int
	Title     string
	Detail    string
	RequestID string
}

// baseTemplates is the shared layout and partials, parsed once and never
// executed (html/template cannot clone an executed template).
type baseTemplates struct{ t *template.Template }

// pageTemplate is one page parsed with the layout, bound to one language.
type pageTemplate struct{ t *template.Template }

// funcs returns the template functions. t and lang depend on the language;
// every page is cloned once per supported language at registration, so
// rendering never clones or re-escapes.
func (w *Web) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":    func(id string, kv ...any) string { return w.i18n.T(lang, id, pairs(kv)) },
		"lang": func() string { return lang },
		"asset": func(p string) (string, error) {
			u, ok := w.assets.url(p)
			if !ok {
				return "", fmt.Errorf("unknown asset %q", p)
			}
			return u, nil
		},
		// number formats an integer with thousands separators: 50000 → "50,000".
		"number": formatNumber,
		// date and datetime format a time.Time (or *time.Time; nil → "") in
		// Korean time: "2026년 3월 2일" / "Mar 2, 2026", with "18:05" added.
		"date":     func(t any) string { return formatTime(lang, t, false) },
		"datetime": func(t any) string { return formatTime(lang, t, true) },
		// dict builds a map for passing several values to a sub-template.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			return pairs(kv), nil
		},
	}
}

func (w *Web) parseBase() (*baseTemplates, error) {
	t, err := template.New("").Funcs(w.funcs(i18n.KO)).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	return &baseTemplates{t: t}, nil
}

// AddTemplates registers every *.html file of fsys (recursively) as a page of
// module: "home.html" of "site" becomes "site/home", "admin/users.html"
// becomes "site/admin/users". Each page is parsed together with the layout
// and partials ("layout", "nav", "footer", "flash") and the module's own
// partials (partials/*.html, not pages themselves), so a page only defines
// "title" and "content", optionally "head" and "scripts". Call it at start-up.
func (w *Web) AddTemplates(module string, fsys fs.FS) error {
	if module == "" || strings.Contains(module, "/") {
		return fmt.Errorf("web: invalid module name %q", module)
	}
	parsed := map[string]map[string]*pageTemplate{}
	// The module's own partials (partials/*.html) are parsed into each of
	// its pages: blocks several of its pages share.
	partials, err := fs.Glob(fsys, "partials/*.html")
	if err != nil {
		return err
	}
	var shared []string
	for _, p := range partials {
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		shared = append(shared, string(src))
	}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".html" || strings.HasPrefix(p, "partials/") {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := module + "/" + strings.TrimSuffix(p, ".html")
		master, err := w.base.t.Clone()
		if err != nil {
			return err
		}
		for i, src := range shared {
			if _, err := master.New(fmt.Sprintf("%s/partial-%d", name, i)).Parse(src); err != nil {
				return fmt.Errorf("web: %s partials: %w", module, err)
			}
		}
		if _, err := master.New(name).Parse(string(src)); err != nil {
			return fmt.Errorf("web: page %s: %w", name, err)
		}
		if master.Lookup("content") == nil {
			return fmt.Errorf("web: page %s: no {{define \"content\"}}", name)
		}
		byLang := map[string]*pageTemplate{}
		for _, lang := range []string{i18n.KO, i18n.EN} {
			t, err := master.Clone()
			if err != nil {
				return err
			}
			byLang[lang] = &pageTemplate{t: t.Funcs(w.funcs(lang))}
		}
		parsed[name] = byLang
		return nil
	})
	if err != nil {
		return fmt.Errorf("web: templates of %s: %w", module, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for name, byLang := range parsed {
		if _, dup := w.pages[name]; dup {
			return fmt.Errorf("web: page %s registered twice", name)
		}
		w.pages[name] = byLang
	}
	return nil
}

func (w *Web) lookup(page, lang string) *pageTemplate {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.pages[page][i18n.Normalize(lang)]
}

// Render renders page (e.g. "site/home") with data as .Page into the layout
// and sends it as text/html with status. Nothing is written if rendering
// fails; the error is returned for the app's error handler.
func (w *Web) Render(c *fiber.Ctx, status int, page string, data any) error {
	lang := i18n.LangFrom(c.UserContext())
	pt := w.lookup(page, lang)
	if pt == nil {
		return fmt.Errorf("web: unknown page %q", page)
	}
	v := &View{
		Page:      data,
		SiteName:  w.opts.SiteName,
		Lang:      lang,
		Path:      c.Path(),
		Principal: authz.PrincipalFrom(c.UserContext()),
		Dev:       w.opts.Dev,
		Session:   SessionHintFrom(c.UserContext()),
		langFor:   langTarget(c, status),
		web:       w,
	}
	if q := c.Context().QueryArgs().String(); q != "" {
		v.query, _ = url.ParseQuery(q)
	}
	st := flashes(c)
	if st != nil {
		v.Flashes = st.all()
	}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	if st != nil && len(v.Flashes) > 0 {
		w.clearFlash(c) // shown once
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, lang)
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	if len(c.Response().Header.Peek(fiber.HeaderCacheControl)) == 0 {
		// Pages depend on the session, language and flash: never share them.
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
	}
	return c.Status(status).Send(buf.Bytes())
}

// RenderError renders the shared error page with status. An empty title
// becomes the localized title for status; requestID, when set, is shown small
// for support.
func (w *Web) RenderError(c *fiber.Ctx, status int, title, detail, requestID string) error {
	if title == "" {
		title = w.statusTitle(c, status)
	}
	return w.Render(c, status, "web/error", ErrorPage{Status: status, Title: title, Detail: detail, RequestID: requestID})
}

func (w *Web) statusTitle(c *fiber.Ctx, status int) string {
	id := fmt.Sprintf("web.error.title.%d", status)
	if w.i18n.Has(id) {
		return w.T(c, id)
	}
	if status >= 500 {
		return w.T(c, "web.error.title.500")
	}
	if s := http.StatusText(status); s != "" && i18n.LangFrom(c.UserContext()) == i18n.EN {
		return s
	}
	return w.T(c, "web.error.title.generic")
}

func formatNumber(n any) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case int32:
		v = int64(x)
	case int64:
		v = x
	case uint:
		v = int64(x)
	default:
		return fmt.Sprint(n)
	}
	return i18n.GroupDigits(strconv.FormatInt(v, 10))
}
