package httpx

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/weaverse/weaverse/platform/i18n"
)

// humaSource is the directory of the huma module the build uses.
func humaSource(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/danielgtaylor/huma/v2").Output()
	if err != nil {
		t.Fatalf("go list huma: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatal("go list: no directory for huma (go mod download)")
	}
	return dir
}

// parseDir parses the non-test Go files of dir.
func parseDir(t *testing.T, dir string) map[string]*ast.File {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ast.File{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = af
	}
	return out
}

// sample fills a format's verbs, as huma would ("expected length <= 7").
func sample(format string) string {
	return verbRE.ReplaceAllStringFunc(format, func(v string) string {
		if v == "%%" {
			return "%"
		}
		return "7"
	})
}

// literalText is the text of a string expression with its non-constant
// parts filled in: "required "+p.Loc+" parameter is missing" → "required
// query parameter is missing"; fmt.Sprintf("got %v", x) → "got 7". ok is
// false when nothing of it is constant (err.Error()).
func literalText(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		l, lok := literalText(x.X)
		r, rok := literalText(x.Y)
		if !lok && !rok {
			return "", false
		}
		if !lok {
			l = "query"
		}
		if !rok {
			r = "query"
		}
		return l + r, true
	case *ast.CallExpr:
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(x.Args) > 0 {
			if f, ok := literalText(x.Args[0]); ok {
				return sample(f), true
			}
		}
	}
	return "", false
}

// humaInlineMessages are the texts huma writes into errors[] outside its
// validation package: validation results (res.Add), parameter parsing
// errors (errors.New in huma.go), error details built in place, and the
// message of a 400 without details.
func humaInlineMessages(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{} // text → where
	for name, f := range parseDir(t, dir) {
		ast.Inspect(f, func(n ast.Node) bool {
			add := func(e ast.Expr, what string) {
				if s, ok := literalText(e); ok {
					out[s] = name + ": " + what
				}
			}
			switch x := n.(type) {
			case *ast.CallExpr:
				sel, ok := x.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch {
				case sel.Sel.Name == "Add" && len(x.Args) == 3:
					add(x.Args[2], "res.Add")
				case sel.Sel.Name == "New" && len(x.Args) == 1 && name == "huma.go":
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "errors" {
						add(x.Args[0], "errors.New")
					}
				}
			case *ast.CompositeLit:
				typ := ""
				if id, ok := x.Type.(*ast.Ident); ok {
					typ = id.Name
				}
				var msg ast.Expr
				badRequest := false
				for _, el := range x.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					key, _ := kv.Key.(*ast.Ident)
					switch {
					case key == nil:
					case typ == "ErrorDetail" && key.Name == "Message":
						add(kv.Value, "ErrorDetail")
					case typ == "contextError" && key.Name == "Msg":
						msg = kv.Value
					case typ == "contextError" && key.Name == "Code":
						if sel, ok := kv.Value.(*ast.SelectorExpr); ok && sel.Sel.Name == "StatusBadRequest" {
							badRequest = true
						}
					}
				}
				if badRequest && msg != nil {
					add(msg, "400 without details")
				}
			}
			return true
		})
	}
	return out
}

// TestHumaMessagesTranslated: every message huma can put in a problem's
// errors[] has a kind here, and every kind a message in both catalogs. It
// reads huma's sources, so an upgrade that adds a message fails it.
func TestHumaMessagesTranslated(t *testing.T) {
	dir := humaSource(t)

	// validation.Msg*: each one listed, and recognised as itself (not as
	// a looser format: "expected string to be RFC 3339 date" is a date,
	// not a described pattern).
	listed := map[string]string{} // format → kind
	for _, f := range humaFormats {
		listed[*f.format] = f.kind
	}
	n := 0
	for _, f := range parseDir(t, filepath.Join(dir, "validation")) {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Msg") || i >= len(vs.Values) {
						continue
					}
					format, ok := literalText(vs.Values[i])
					if !ok {
						t.Errorf("validation.%s is not a string constant", name.Name)
						continue
					}
					n++
					kind, ok := listed[format]
					if !ok {
						t.Errorf("validation.%s (%q) has no entry in humaFormats", name.Name, format)
						continue
					}
					if got, _, _ := humaKind(sample(format)); got != kind {
						t.Errorf("validation.%s: %q is taken for %q, want %q", name.Name, sample(format), got, kind)
					}
				}
			}
		}
	}
	if n < 40 {
		t.Fatalf("found only %d validation.Msg* values in %s: has huma moved them?", n, dir)
	}

	// Texts written inline.
	inline := humaInlineMessages(t, dir)
	for _, want := range []string{"unknown query parameter", "required query parameter is missing", "invalid integer",
		"request body is required", "write only property is non-zero"} {
		if _, ok := inline[want]; !ok {
			t.Errorf("the scan of huma's sources missed %q: %v", want, inline)
		}
	}
	t.Logf("%d validation.Msg* values; inline texts: %q", n, slices.Collect(maps.Keys(inline)))
	for text, where := range inline {
		if _, _, ok := humaKind(text); !ok {
			t.Errorf("huma writes %q (%s), which has no entry in humaFormats", text, where)
		}
	}

	// Each kind has a message in both languages, using only the format's
	// parameters.
	catalogs := map[string]map[string]string{}
	for _, lang := range []string{i18n.KO, i18n.EN} {
		m := map[string]string{}
		path := filepath.Join("..", "i18n", "locales", "validation."+lang+".toml")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := toml.Decode(string(data), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		catalogs[lang] = m
	}
	param := regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)
	kinds := []string{"invalid", "body_unreadable"}
	for _, f := range humaFormats {
		for lang, m := range catalogs {
			text, ok := m["problem.field."+f.kind]
			if !ok {
				t.Errorf("%s: no problem.field.%s (for %q)", lang, f.kind, *f.format)
				continue
			}
			for _, p := range param.FindAllStringSubmatch(text, -1) {
				if !slices.Contains(f.params, p[1]) {
					t.Errorf("%s: problem.field.%s uses {{.%s}}, which %q does not give", lang, f.kind, p[1], *f.format)
				}
			}
		}
		kinds = append(kinds, f.kind)
	}
	for lang, m := range catalogs {
		for id := range m {
			if !slices.Contains(kinds, strings.TrimPrefix(id, "problem.field.")) {
				t.Errorf("%s: %s is no kind of huma message", lang, id)
			}
		}
	}
}

func TestHumaMessageInLanguage(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	env := &reqEnv{i18n: b}
	for _, c := range []struct{ lang, loc, in, want string }{
		{i18n.KO, "body.title", "expected length <= 200", "200자 이내로 입력해 주세요."},
		{i18n.EN, "body.title", "expected length <= 200", "At most 200 characters."},
		{i18n.KO, "body", "expected required property password to be present", "필수 항목 password이(가) 없습니다."},
		{i18n.EN, "body", "expected required property password to be present", "The required field password is missing."},
		{i18n.KO, "body.email", "expected string", "문자열이어야 합니다."},
		{i18n.KO, "body.price", "expected number <= 1e+08", "100,000,000 이하여야 합니다."},
		{i18n.EN, "body.price", "expected number >= -2.5", "Must be at least -2.5."},
		{i18n.KO, "body.role", `expected value to be one of "student, tutor, admin"`, "다음 중 하나여야 합니다: student, tutor, admin"},
		{i18n.KO, "body.date", "expected string to be RFC 3339 date", "YYYY-MM-DD 형식의 날짜여야 합니다."},
		{i18n.KO, "query.page", "invalid integer", "정수여야 합니다."},
		{i18n.KO, "path.id", "required path parameter is missing", "필수 매개변수가 없습니다."},
		{i18n.EN, "path.id", "required path parameter is missing", "This path parameter is required."},
		{i18n.KO, "body.email", "expected string to be RFC 5322 email: mail: missing '@'", "올바른 이메일 주소가 아닙니다."},
		// No format: Korean gets a general sentence, English huma's text.
		{i18n.KO, "body", "unexpected end of JSON input", "요청 본문을 읽을 수 없습니다. 올바른 JSON인지 확인해 주세요."},
		{i18n.KO, "body.x", "something new", "값이 올바르지 않습니다."},
		{i18n.EN, "body", "unexpected end of JSON input", "unexpected end of JSON input"},
	} {
		if got := env.humaMessage(c.lang, c.loc, c.in); got != c.want {
			t.Errorf("%s %s %q → %q, want %q", c.lang, c.loc, c.in, got, c.want)
		}
	}
	if got := (&reqEnv{}).humaMessage(i18n.KO, "body", "expected string"); got != "expected string" {
		t.Errorf("without catalogs: %q", got)
	}
	for in, want := range map[string]string{"200": "200", "1e+08": "100,000,000", "-12345.5": "-12,345.5", "x": "x"} {
		if got := paramText("Limit", in); got != want {
			t.Errorf("paramText(%q) = %q, want %q", in, got, want)
		}
	}
}
