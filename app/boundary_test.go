package app_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
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

// The architecture's import rules (DESIGN.md), checked on every Go file:
//   - a module uses another module only through the names its api.go declares,
//     and never imports a module's sub-packages, app/ or config/;
//   - platform/ and config/ never import modules or app;
//   - viper is imported only by config/ and app/.
func TestArchitectureBoundaries(t *testing.T) {
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
	return bad, modules
}

// The boundary check must catch each kind of violation: run it on a
// synthetic repository that commits all of them.
func TestArchitectureBoundariesCatchViolations(t *testing.T) {
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
	} {
		if !strings.Contains(all, want) {
			t.Errorf("violation %q not caught; got:\n%s", want, all)
		}
	}
	if strings.Contains(all, "a.Reader") {
		t.Errorf("api.go name flagged:\n%s", all)
	}
}
