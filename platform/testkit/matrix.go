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

	"github.com/weaverse/weaverse/platform/authz"
)

// MatrixRow is one route of the golden authorization matrix: the expected
// status for each caller. Every caller of the run must have an expectation,
// so adding a caller (or a route) forces a decision for every cell.
type MatrixRow struct {
	Method string
	Path   string
	Body   any
	// Page sends the request as a browser does: Accept: text/html, and a
	// string Body as an HTML form (application/x-www-form-urlencoded). Pages
	// redirect anonymous callers to sign in (303) where the API says 401.
	Page bool
	Want map[string]int // caller name → status
}

// CallerOrder is the order in which RunMatrix sends each row: least
// privileged first, so a row whose request changes state (a delete) is
// allowed for the last callers only after everyone else has been refused.
var CallerOrder = []string{"anonymous", "other_student", "other_tutor", "tutor", "student", "admin"}

// RunMatrix sends every row as every caller and reports all mismatches at
// once, as a table.
func RunMatrix(t *testing.T, c *Client, callers map[string]*authz.Principal, rows []MatrixRow) {
	t.Helper()
	names := make([]string, 0, len(callers))
	for n := range callers {
		names = append(names, n)
	}
	rank := map[string]int{}
	for i, n := range CallerOrder {
		rank[n] = i + 1
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank[names[i]], rank[names[j]]
		if ri != rj {
			return ri != 0 && (rj == 0 || ri < rj)
		}
		return names[i] < names[j]
	})
	var bad []string
	for _, row := range rows {
		for _, name := range names {
			want, ok := row.Want[name]
			if !ok {
				bad = append(bad, fmt.Sprintf("%s %s: no expectation for caller %q", row.Method, row.Path, name))
				continue
			}
			var headers []string
			if row.Page {
				headers = append(headers, "Accept", "text/html")
				if _, ok := row.Body.(string); ok {
					headers = append(headers, "Content-Type", "application/x-www-form-urlencoded")
				}
			}
			resp := c.As(callers[name]).Request(row.Method, row.Path, row.Body, headers...)
			if resp.StatusCode != want {
				bad = append(bad, fmt.Sprintf("%s %s as %s: got %d, want %d", row.Method, row.Path, name, resp.StatusCode, want))
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
