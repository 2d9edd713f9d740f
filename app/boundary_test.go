package app_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/weaverse/weaverse"

// goFile is one parsed source file of the repository.
type goFile struct {
	rel  string // path relative to the repository root
	dir  string // its directory, relative
	test bool
	ast  *ast.File
}

func parseRepo(t *testing.T, root string) []goFile {
	t.Helper()
	fset := token.NewFileSet()
	var files []goFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" || d.Name() == "node_modules" || d.Name() == "data" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, goFile{rel: filepath.ToSlash(rel), dir: filepath.ToSlash(filepath.Dir(rel)),
			test: strings.HasSuffix(path, "_test.go"), ast: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// moduleOf returns the module name of a repo-relative path under modules/.
func moduleOf(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) >= 2 && parts[0] == "modules" {
		return parts[1]
	}
	return ""
}

// apiSurface returns the exported top-level names declared in modules/<m>/api.go.
func apiSurface(t *testing.T, root, m string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "modules", m, "api.go"), nil, parser.SkipObjectResolution)
	if err != nil {
		if os.IsNotExist(err) {
			return names
		}
		t.Fatal(err)
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() {
				names[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names[s.Name.Name] = s.Name.IsExported()
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names[n.Name] = n.IsExported()
					}
				}
			}
		}
	}
	return names
}

// The architecture's rules (DESIGN.md, modules/README.md), checked on every
// Go file:
//   - a module uses another module only through the names its api.go declares,
//     and never imports a module's sub-packages, app/ or config/;
//   - platform/ and config/ never import modules or app;
//   - viper is imported only by config/ and app/;
//   - no module compares roles (IsAdmin, RoleOf, == authz.Admin…): every
//     permission decision is a casbin check with the relations computed in SQL;
//   - a module's queries (bun query builders, raw SQL) live in its store files
//     (store.go, store_<aggregate>.go);
//   - app/http.go and the layout templates name no module's path: modules
//     declare their route options and menu entries.
func TestArchitectureBoundaries(t *testing.T) {
	t.Parallel()
	bad, modules := boundaryViolations(t, "..")
	if modules == 0 {
		t.Fatal("no module found: the walk is broken")
	}
	for _, b := range bad {
		t.Error(b)
	}
}

func boundaryViolations(t *testing.T, root string) (bad []string, modules int) {
	t.Helper()
	files := parseRepo(t, root)
	surfaces := map[string]map[string]bool{}
	for _, f := range files {
		if f.dir == "modules" {
			continue
		}
		self := moduleOf(f.rel)
		if self != "" && f.rel == "modules/"+self+"/module.go" {
			modules++
		}
		aliases := map[string]string{} // local name → imported module
		for _, imp := range f.ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			internal := strings.HasPrefix(path, modulePath+"/")
			rel := strings.TrimPrefix(path, modulePath+"/")
			if path == "github.com/spf13/viper" && !strings.HasPrefix(f.dir, "config") && !strings.HasPrefix(f.dir, "app") {
				bad = append(bad, fmt.Sprintf("%s imports viper: only config/ and app/ may", f.rel))
			}
			if !internal {
				continue
			}
			switch {
			case strings.HasPrefix(f.dir, "platform") || strings.HasPrefix(f.dir, "config") || strings.HasPrefix(f.dir, "migrations"):
				if strings.HasPrefix(rel, "modules/") || rel == "app" || strings.HasPrefix(rel, "app/") {
					bad = append(bad, fmt.Sprintf("%s imports %s: platform, config and migrations must not depend on modules or app", f.rel, rel))
				}
			case self != "":
				// Tests may build the whole app with a configuration; code may not.
				if (rel == "config" || rel == "app" || strings.HasPrefix(rel, "app/")) && !f.test {
					bad = append(bad, fmt.Sprintf("%s imports %s: modules get their dependencies through Deps", f.rel, rel))
				}
				other := moduleOf(rel)
				if other == "" || other == self {
					continue
				}
				if rel != "modules/"+other {
					bad = append(bad, fmt.Sprintf("%s imports %s: only another module's root package (its api.go) may be used", f.rel, rel))
					continue
				}
				name := other
				if imp.Name != nil {
					name = imp.Name.Name
				}
				aliases[name] = other
			}
		}
		if self != "" && !f.test {
			bad = append(bad, roleComparisons(f)...)
			bad = append(bad, queriesOutsideStore(f)...)
		}
		if f.dir == "app" && !f.test {
			bad = append(bad, modulePathsInApp(f)...)
		}
		if len(aliases) == 0 {
			continue
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			other, ok := aliases[id.Name]
			if !ok {
				return true
			}
			if surfaces[other] == nil {
				surfaces[other] = apiSurface(t, root, other)
			}
			if !surfaces[other][sel.Sel.Name] {
				bad = append(bad, fmt.Sprintf("%s uses %s.%s, which modules/%s/api.go does not declare", f.rel, other, sel.Sel.Name, other))
			}
			return true
		})
	}
	bad = append(bad, modulePathsInLayout(t, root)...)
	return bad, modules
}

// roleNames are the roles as strings.
var roleNames = map[string]bool{"admin": true, "tutor": true, "student": true, "anonymous": true}

// roleComparisons finds role-based decisions in a module's code: the
// principal's role read (IsAdmin, RoleOf) or a role constant compared.
func roleComparisons(f goFile) []string {
	authzName := ""
	for _, imp := range f.ast.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == modulePath+"/platform/authz" {
			authzName = "authz"
			if imp.Name != nil {
				authzName = imp.Name.Name
			}
		}
	}
	isRole := func(e ast.Expr) bool {
		for {
			switch x := e.(type) {
			case *ast.ParenExpr:
				e = x.X
				continue
			case *ast.CallExpr: // string(authz.Admin), authz.Role(…)
				if len(x.Args) == 1 {
					e = x.Args[0]
					continue
				}
			case *ast.SelectorExpr:
				id, ok := x.X.(*ast.Ident)
				switch x.Sel.Name {
				case "Admin", "Tutor", "Student", "Anonymous":
					return ok && authzName != "" && id.Name == authzName
				}
			case *ast.BasicLit: // p.Role == "admin"
				v, err := strconv.Unquote(x.Value)
				return x.Kind == token.STRING && err == nil && roleNames[v]
			}
			return false
		}
	}
	var bad []string
	ast.Inspect(f.ast, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if x.Sel.Name == "IsAdmin" || x.Sel.Name == "RoleOf" {
				bad = append(bad, fmt.Sprintf("%s reads the caller's role (%s): decide with authz Check and relations", f.rel, x.Sel.Name))
			}
		case *ast.BinaryExpr:
			if (x.Op == token.EQL || x.Op == token.NEQ) && (isRole(x.X) || isRole(x.Y)) {
				bad = append(bad, fmt.Sprintf("%s compares a role (role ==): decide with authz Check and relations", f.rel))
			}
		case *ast.CaseClause:
			for _, e := range x.List {
				if isRole(e) {
					bad = append(bad, fmt.Sprintf("%s switches on a role: decide with authz Check and relations", f.rel))
				}
			}
		}
		return true
	})
	return bad
}

// storeFile matches the files a module's queries live in.
var storeFile = regexp.MustCompile(`^store(_[a-z0-9_]+)?\.go$`)

// sqlSandbox runs learners' SQL on throwaway in-memory databases of its
// own, never the module's: its queries are not the module's store.
const sqlSandbox = "modules/assessment/grader"

// queryMethods are bun's query builders and database/sql's raw calls.
var queryMethods = map[string]bool{
	"NewSelect": true, "NewInsert": true, "NewUpdate": true, "NewDelete": true, "NewRaw": true, "NewValues": true,
	"NewMerge": true, "NewCreateTable": true, "NewDropTable": true, "NewTruncateTable": true, "NewCreateIndex": true,
	"NewDropIndex": true, "NewAddColumn": true, "NewDropColumn": true,
	"ExecContext": true, "QueryContext": true, "QueryRowContext": true, "Exec": true, "QueryRow": true,
}

// queriesOutsideStore finds queries built outside a module's store files.
func queriesOutsideStore(f goFile) []string {
	if storeFile.MatchString(filepath.Base(f.rel)) || f.dir == sqlSandbox {
		return nil
	}
	var bad []string
	ast.Inspect(f.ast, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && queryMethods[sel.Sel.Name] {
				bad = append(bad, fmt.Sprintf("%s builds a query (%s) outside a store file: move it to store.go or store_<aggregate>.go", f.rel, sel.Sel.Name))
			}
		}
		return true
	})
	return bad
}

// platformPaths are the paths app/ serves itself (or prefixes of them,
// ending in "/").
var platformPaths = []string{"/healthz", "/readyz", "/metrics", "/api/docs", "/api/docs/", "/api/openapi.json"}

func platformPath(v string) bool {
	for _, p := range platformPaths {
		if v == p || strings.HasSuffix(p, "/") && strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// modulePathsInApp finds path literals in app/ that are not the platform's
// own: a module's paths come from its route options and menu entries.
func modulePathsInApp(f goFile) []string {
	var bad []string
	ast.Inspect(f.ast, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			v, err := strconv.Unquote(lit.Value)
			if err == nil && strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") && len(v) > 1 && !platformPath(v) {
				bad = append(bad, fmt.Sprintf("%s names the path %q: a module declares what its routes need (RouteOptions)", f.rel, v))
			}
		}
		return true
	})
	return bad
}

// layoutLink finds a URL attribute starting with a path, to its end.
var layoutLink = regexp.MustCompile(`(?:href|action|src|formaction)=["'](/[^"']*)["']`)

// modulePathsInLayout finds links to module pages in the shared templates:
// menus come from the modules' NavEntry values.
func modulePathsInLayout(t *testing.T, root string) []string {
	t.Helper()
	var bad []string
	dir := filepath.Join(root, "platform", "web", "templates")
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".html" {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, m := range layoutLink.FindAllStringSubmatch(string(src), -1) {
			if m[1] != "/" && !strings.HasPrefix(m[1], "/static/") { // "/courses/{{.ID}}" too
				bad = append(bad, fmt.Sprintf("%s links to %s: modules put their pages in the menus (Nav)", filepath.ToSlash(rel), m[1]))
			}
		}
		return nil
	})
	return bad
}

// The boundary check must catch each kind of violation: run it on a
// synthetic repository that commits all of them.
func TestArchitectureBoundariesCatchViolations(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	write := func(rel, src string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("modules/a/api.go", "package a\n\ntype Reader interface{ Get() }\n")
	write("modules/a/module.go", "package a\n\ntype Module struct{}\n")
	write("modules/a/internal/x/x.go", "package x\n")
	write("modules/b/module.go", `package b
import (
	"github.com/spf13/viper"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/a"
	"github.com/weaverse/weaverse/modules/a/internal/x"
)
var _ a.Reader  // fine: declared in api.go
var _ a.Module  // not in api.go
var _ = viper.New
var _ config.Config
var _ = x.Y
`)
	write("platform/p/p.go", "package p\nimport _ \"github.com/weaverse/weaverse/modules/a\"\n")
	write("modules/b/service.go", `package b
import az "github.com/weaverse/weaverse/platform/authz"
func decide(p *az.Principal, role string, db interface{ NewSelect() int }) {
	_ = p.IsAdmin()
	_ = p.RoleOf() == "tutor"
	_ = role == string(az.Admin)
	_ = p.Role == "admin"
	switch az.Role(role) {
	case az.Tutor:
	}
	_ = db.NewSelect()
}
func raw(db interface{ Exec(string) }) { db.Exec("DELETE FROM x") }
`)
	write("modules/b/store.go", "package b\nfunc q(db interface{ NewSelect() int }) int { return db.NewSelect() }\n")
	write("modules/b/store_course.go", "package b\nfunc q2(db interface{ NewUpdate() int }) int { return db.NewUpdate() }\n")
	write("modules/b/b_test.go", "package b\nfunc t(db interface{ NewSelect() int }, p interface{ IsAdmin() bool }) { db.NewSelect(); p.IsAdmin() }\n")
	write("app/http.go", "package app\nvar skip = []string{\"/healthz\", \"/studio/media/\", \"/api/docs/assets/x.js\"}\n")
	write("app/other.go", "package app\nconst home = \"/me/courses\"\n")
	write("platform/web/templates/layout/nav.html", `<a href="/">home</a><a href="/courses">x</a><link href="/static/app.css"><a href="{{.Href}}">y</a><a href='/me/{{.ID}}'>z</a>`)
	bad, modules := boundaryViolations(t, root)
	if modules != 2 {
		t.Fatalf("found %d modules, want 2", modules)
	}
	all := strings.Join(bad, "\n")
	for _, want := range []string{
		"uses a.Module",
		"modules/b/module.go imports viper",
		"imports config",
		"imports modules/a/internal/x",
		"platform/p/p.go imports modules/a",
		"modules/b/service.go reads the caller's role (IsAdmin)",
		"modules/b/service.go reads the caller's role (RoleOf)",
		"modules/b/service.go compares a role",
		"modules/b/service.go switches on a role",
		"modules/b/service.go builds a query (NewSelect) outside a store file",
		"modules/b/service.go builds a query (Exec) outside a store file",
		`app/other.go names the path "/me/courses"`,
		"platform/web/templates/layout/nav.html links to /me/{{.ID}}",
		`app/http.go names the path "/studio/media/"`,
		"platform/web/templates/layout/nav.html links to /courses",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("violation %q not caught; got:\n%s", want, all)
		}
	}
	for _, fine := range []string{"a.Reader", "modules/b/store.go", "modules/b/store_course.go", "modules/b/b_test.go", `"/healthz"`, "links to /static", "links to / "} {
		if strings.Contains(all, fine) {
			t.Errorf("%s flagged:\n%s", fine, all)
		}
	}
	if n := strings.Count(all, "compares a role"); n != 3 { // == "tutor", == string(az.Admin), == "admin"
		t.Errorf("%d role comparisons flagged, want 3:\n%s", n, all)
	}
	if strings.Contains(all, "/api/docs/assets/x.js") {
		t.Errorf("a platform path flagged:\n%s", all)
	}
}
