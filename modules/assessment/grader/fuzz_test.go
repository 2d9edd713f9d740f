package grader

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/weaverse/weaverse/modules/catalog"
)

// The fuzz tests feed random code to each grader, end to end through a
// child: whatever the code, the grading ends with a result (never a Go
// error, never a crash of the child that is not a verdict), one outcome
// per test, and a message beside any verdict.

var (
	fuzzOnce sync.Once
	fuzzSvc  *Service
)

func fuzzService(t *testing.T) *Service {
	fuzzOnce.Do(func() { fuzzSvc = newTestService(t) })
	return fuzzSvc
}

func checkFuzz(t *testing.T, task Task, code string) {
	t.Helper()
	r, err := fuzzService(t).Grade(context.Background(), task, code)
	if err != nil {
		t.Fatalf("%q: error %v", code, err)
	}
	if len(r.Tests) != len(task.Tests) || !slices.Contains(Verdicts(), r.Verdict) || (r.Verdict != "") != (r.Message != "") {
		t.Fatalf("%q: result %+v", code, r)
	}
	if r.Passed && (r.Verdict != "" || r.Score != 100) {
		t.Fatalf("%q: passed with %+v", code, r)
	}
	if _, ok := englishMessages[r.Code]; ok != (r.Verdict != "") {
		t.Fatalf("%q: verdict %q with message code %q", code, r.Verdict, r.Code)
	}
	for _, tr := range r.Tests {
		if strings.Contains(tr.Message, "engine failed") {
			t.Fatalf("%q: %s", code, tr.Message)
		}
		if _, ok := englishMessages[tr.Code]; ok == tr.Passed || tr.Message != (Msg{Code: tr.Code, Args: tr.Args}).English() {
			t.Fatalf("%q: test %+v: an unknown code, or a message unlike its code's", code, tr)
		}
	}
}

func FuzzJavaScript(f *testing.F) {
	for _, seed := range []string{
		addSolution,
		"function add(a, b) { return [a, b, {a}]; }",
		"const add = async (a, b) => { throw a; };",
		"function add() { return Symbol('x'); }",
		"function add() { return 10n ** 10n; }",
		"function add() { const o = {}; o.o = o; return o; }",
		"function add() { return {toJSON() { throw new Error('no'); }}; }",
		"function add() { console.log({toString() { return 'x'; }}, Symbol.iterator, null, undefined); }",
		"var add = new Proxy(function () {}, {apply() { return 3; }});",
		"function add(",
		"\x00\xff",
		"function add() { return 'x'.repeat(10000); }",
		"class add {}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		checkFuzz(t, addTask, code)
	})
}

func FuzzSQL(f *testing.F) {
	task := Task{Grader: "sql", Schema: "CREATE TABLE t (x INTEGER, s TEXT, d DATE); INSERT INTO t VALUES (1, 'a', '2025-01-01'), (2, NULL, NULL);",
		Tests: []Test{{Name: "rows", Expect: []any{[]any{1.0, "a"}}}, {Name: "setup", Setup: "DELETE FROM t;", Expect: []any{}}}}
	for _, seed := range []string{
		"SELECT x, s FROM t WHERE x = 1",
		"SELECT * FROM t; SELECT d FROM t",
		"SELECT x'00ff', 1.5e308 * 10, -0.0, NULL",
		"SELECT json_object('a', x) FROM t",
		"VALUES (1, 2), (3, 4)",
		"SELECT * FROM sqlite_master",
		"DROP TABLE t",
		"SELECT 'unterminated",
		"/* only a comment",
		"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c LIMIT 100) SELECT n FROM c",
		"SELECT * FROM dbstat",
		"SELECT zeroblob(1000000000)",
	} {
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, code string, ordered bool) {
		tk := task
		tk.Ordered = ordered
		checkFuzz(t, tk, code)
	})
}

func FuzzHTML(f *testing.F) {
	for _, seed := range []struct{ doc, sel string }{
		{"<html lang=ko><body><h1>x</h1></body></html>", "h1"},
		{"<table><tr><td><table><tr>", "td > table"},
		{"<svg><foreignObject><math><mi>", ":not(svg) *"},
		{"<!-- <img alt=", "img[alt]"},
		{"<a href=x>y</a>", "a:contains(\"y\")"},
		{"", "::before"},
		{"<p>", ":nth-child(2n+1 of p)"},
		{"<style>h1 { color: red !important } @media x { a, h1 { color: #f00 } }</style><h1 style='color:blue'>", "h1"},
		{"<style>@import 'x'; :root{--a:{}} h1{color:rgb(1 2 3 / 4%);}}}}</style><h1>", "h1"},
		{"<style>/* ", "*"},
	} {
		f.Add(seed.doc, seed.sel)
	}
	f.Fuzz(func(t *testing.T, doc, sel string) {
		task := Task{Grader: "html", Tests: []Test{
			{Name: "count", Selector: sel, Count: intp(1)},
			{Name: "min", Selector: sel, MinCount: intp(0)},
			{Name: "text", Selector: sel, Text: "y"},
			{Name: "attr", Selector: sel, Attr: map[string]string{"name": "alt", "href": "x"}},
			{Name: "css", Selector: sel, CSS: &catalog.CSSCheck{Property: "color", Value: "red"}},
			{Name: "css any", Selector: sel, CSS: &catalog.CSSCheck{Property: "--a"}},
		}}
		checkFuzz(t, task, doc)
	})
}

// FuzzCSSValue: the value normalisation ends, keeps text valid and does
// not blow it up (a color name becomes at most #rrggbbaa).
func FuzzCSSValue(f *testing.F) {
	for _, seed := range []string{"red", "#F00 !important", "rgb(255 0 0 / 50%)", "calc(1px + (2em", "'a", "url(x", "hsl(1turn 1% 1%)",
		"1e999px", "\\\\", "!important", "rgb(", "--x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n := cssValue(v)
		if utf8.ValidString(v) && !utf8.ValidString(n) || len(n) > 3*len(v)+16 {
			t.Fatalf("cssValue(%q) = %q", v, n)
		}
	})
}
