package testkit

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
)

// MatrixRow is one route of the golden authorization matrix: the expected
// status for each caller. Every caller of the run must have an expectation,
// so adding a caller (or a route) forces a decision for every cell.
type MatrixRow struct {
	Method string
	// Path is the request's path; with Fresh, the route's template
	// ("/api/courses/{id}/"), which only names the row (in messages and for
	// the coverage checks).
	Path string
	Body any
	// Page sends the request as a browser does: Accept: text/html, the
	// session cookies, and a string Body as an HTML form
	// (application/x-www-form-urlencoded). Pages redirect anonymous callers
	// to sign in (303) where the API says 401.
	Page bool
	// ContentType, when set, is the Content-Type of Body (a multipart
	// form, say).
	ContentType string
	// Fresh makes each cell's own resource, just before the cell's request:
	// it gets the caller's name and returns the path to send. So no cell
	// depends on what another did (a resource an earlier caller deleted, a
	// field one changed). A cell that needs a caller of its own (a user who
	// deletes themself, a session that ends) returns it too; nil keeps the
	// run's caller.
	Fresh func(caller string) (path string, as *Caller)
	Want  map[string]int // caller name → status
}

// RunMatrix sends every row as every caller and reports all mismatches at
// once, as a table. Callers are real clients (see Login; nil: anonymous):
// the API gets their bearer token, pages their session cookies, and the
// app's own authentication checks them.
func RunMatrix(t *testing.T, c *Client, callers map[string]*Caller, rows []MatrixRow) {
	t.Helper()
	names := make([]string, 0, len(callers))
	for n := range callers {
		names = append(names, n)
	}
	sort.Strings(names)
	var bad []string
	for _, row := range rows {
		for _, name := range names {
			want, ok := row.Want[name]
			if !ok {
				bad = append(bad, fmt.Sprintf("%s %s: no expectation for caller %q", row.Method, row.Path, name))
				continue
			}
			path, caller := row.Path, callers[name]
			if row.Fresh != nil {
				var as *Caller
				if path, as = row.Fresh(name); as != nil {
					caller = as
				}
			}
			reqPath, _, _ := strings.Cut(path, "?")
			headers := caller.Headers(reqPath, row.Page)
			if row.Page {
				headers = append(headers, "Accept", "text/html")
				if _, ok := row.Body.(string); ok {
					headers = append(headers, "Content-Type", "application/x-www-form-urlencoded")
				}
			}
			if row.ContentType != "" {
				headers = append(headers, "Content-Type", row.ContentType)
			}
			resp := c.As(nil).Request(row.Method, path, row.Body, headers...)
			if resp.StatusCode != want {
				bad = append(bad, fmt.Sprintf("%s %s as %s: got %d, want %d", row.Method, path, name, resp.StatusCode, want))
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("authorization matrix: %d mismatches:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
}

// Expect builds a Want map: Expect(200, "admin", "tutor").And(403, "student")…
type Expect map[string]int

// All returns expectations of status for every given caller name.
func All(status int, names ...string) Expect {
	e := Expect{}
	for _, n := range names {
		e[n] = status
	}
	return e
}

// And adds expectations.
func (e Expect) And(status int, names ...string) Expect {
	for _, n := range names {
		e[n] = status
	}
	return e
}

// CheckCoverage fails for every operation of the API that no row exercises
// (matching its path template), unless exempt names it ("GET /api/x/{id}")
// with the reason. Adding a route without deciding who may call it fails.
func CheckCoverage(t *testing.T, api huma.API, rows []MatrixRow, exempt map[string]string) {
	t.Helper()
	var missing []string
	for tmpl, item := range api.OpenAPI().Paths {
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(strings.TrimSuffix(tmpl, "/")), "[^/]+") + "/?$")
		for method := range operationsOf(item) {
			key := method + " " + tmpl
			if _, ok := exempt[key]; ok {
				continue
			}
			if !covered(rows, method, re) {
				missing = append(missing, key)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("authorization matrix: %d operations have no row:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

// CheckPageCoverage is CheckCoverage for the routes that are not API
// operations: pages, form posts, file and upload endpoints mounted on Fiber
// directly. Every such route (HEAD aside: Fiber adds one per GET) needs a row
// or an exemption with its reason ("GET /static/*").
func CheckPageCoverage(t *testing.T, app *fiber.App, api huma.API, rows []MatrixRow, exempt map[string]string) {
	t.Helper()
	operations := map[string]bool{} // "GET /api/courses/:id"
	for tmpl, item := range api.OpenAPI().Paths {
		path := regexp.MustCompile(`\{([^}]+)\}`).ReplaceAllString(strings.TrimSuffix(tmpl, "/"), ":$1")
		for method := range operationsOf(item) {
			operations[method+" "+path] = true
		}
	}
	seen := map[string]bool{}
	var missing []string
	for _, r := range app.GetRoutes(true) {
		path := strings.TrimSuffix(r.Path, "/")
		if path == "" {
			path = "/"
		}
		key := r.Method + " " + path
		if r.Method == http.MethodHead || operations[key] || seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := exempt[key]; ok {
			continue
		}
		pattern := regexp.QuoteMeta(path)
		pattern = regexp.MustCompile(`:[A-Za-z_][A-Za-z0-9_]*\??`).ReplaceAllString(pattern, "[^/]+")
		pattern = strings.ReplaceAll(pattern, `\*`, ".*")
		re := regexp.MustCompile("^" + pattern + "/?$")
		if !covered(rows, r.Method, re) {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("authorization matrix: %d page routes have no row:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

// operationsOf returns the operations of a path, by method.
func operationsOf(item *huma.PathItem) map[string]*huma.Operation {
	out := map[string]*huma.Operation{}
	for method, op := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post,
		http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete} {
		if op != nil {
			out[method] = op
		}
	}
	return out
}

// covered reports whether a row sends method to a path re matches.
func covered(rows []MatrixRow, method string, re *regexp.Regexp) bool {
	for _, r := range rows {
		path, _, _ := strings.Cut(r.Path, "?")
		if r.Method == method && re.MatchString(path) {
			return true
		}
	}
	return false
}
