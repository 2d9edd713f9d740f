package grader

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/modules/catalog"
)

// testLimits are tighter than the defaults, so the limits are met fast.
var testLimits = Limits{Wall: 2 * time.Second, CPU: 4 * time.Second, Memory: 256 << 20, MaxCode: 16 << 10,
	MaxOutput: 8 << 10, Statements: 5}

func newTestService(t testing.TB, edit ...func(*Config)) *Service {
	t.Helper()
	cfg := Config{Limits: testLimits, Concurrency: 4}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func grade(t testing.TB, s *Service, task Task, code string) Result {
	t.Helper()
	r, err := s.Grade(context.Background(), task, code)
	if err != nil {
		t.Fatalf("grade %.80q: %v", code, err)
	}
	if len(r.Tests) != len(task.Tests) {
		t.Fatalf("grade %.80q: %d results for %d tests", code, len(r.Tests), len(task.Tests))
	}
	return r
}

func intp(n int) *int { return &n }

// jsonArgs decodes a JSON array as tests from YAML or JSON arrive.
func jsonValue(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

var addTask = Task{Grader: "javascript", Function: "add", Tests: []Test{
	{Name: "small", Args: []any{1.0, 2.0}, Expect: 3.0},
	{Name: "hidden", Hidden: true, Args: []any{20.0, 22.0}, Expect: 42.0},
}}

const addSolution = "function add(a, b) { return a + b; }"

type want struct {
	passed  bool
	score   int
	verdict string
	msgs    []string // substrings of the tests' messages, in order ("" skips)
	outputs []string
}

// gradeCase is a row of a grader's table test.
type gradeCase struct {
	name string
	task Task
	code string
	want want
}

// runCase grades code as a parallel subtest and checks the result.
func runCase(t *testing.T, s *Service, name string, task Task, code string, w want) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		check(t, grade(t, s, task, code), w)
	})
}

func check(t *testing.T, r Result, w want) {
	t.Helper()
	if r.Passed != w.passed || r.Score != w.score || r.Verdict != w.verdict {
		t.Fatalf("got passed=%v score=%d verdict=%q (%s), want %v %d %q; tests %+v", r.Passed, r.Score, r.Verdict, r.Message,
			w.passed, w.score, w.verdict, r.Tests)
	}
	for i, m := range w.msgs {
		if !strings.Contains(r.Tests[i].Message, m) {
			t.Errorf("test %d message %q, want it to contain %q", i, r.Tests[i].Message, m)
		}
	}
	for i, o := range w.outputs {
		if r.Tests[i].Output != o {
			t.Errorf("test %d output %q, want %q", i, r.Tests[i].Output, o)
		}
	}
	if w.verdict != "" && r.Message == "" {
		t.Error("a verdict without a message")
	}
}

func TestJavaScript(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	objTask := Task{Grader: "javascript", Function: "pick", Tests: []Test{
		{Name: "object", Args: []any{jsonValue(t, `{"a": 1, "b": [1, 2.5, "x"], "c": null}`)},
			Expect: jsonValue(t, `{"c": null, "b": [1.0, 2.5, "x"], "a": 1.0}`)},
	}}
	for _, tc := range []gradeCase{
		{"solution", addTask, addSolution, want{passed: true, score: 100}},
		{"arrow const", addTask, "const add = (a, b) => a + b;", want{passed: true, score: 100}},
		{"wrong", addTask, "function add(a, b) { return a - b; }", want{score: 0, msgs: []string{"expected 3, got -1", "expected 42, got -2"}}},
		{"half", addTask, "function add(a, b) { return a === 1 ? 3 : 0; }", want{score: 50, msgs: []string{"", "expected 42, got 0"}}},
		{"string is not number", addTask, "function add(a, b) { return String(a + b); }", want{msgs: []string{`expected 3, got "3"`}}},
		{"exception", addTask, "function add(a, b) { return a.b.c; }", want{msgs: []string{"TypeError"}}},
		{"thrown", addTask, "function add() { throw new RangeError('nope'); }", want{msgs: []string{"RangeError: nope"}}},
		{"top level throw", addTask, "throw new Error('at load'); function add() {}", want{msgs: []string{"Error: at load"}}},
		{"missing", addTask, "function plus(a, b) { return a + b; }", want{msgs: []string{"No function named add"}}},
		{"not a function", addTask, "var add = 3;", want{msgs: []string{"add is not a function"}}},
		{"undefined", addTask, "function add() {}", want{msgs: []string{"got undefined"}}},
		{"NaN", addTask, "function add() { return NaN; }", want{msgs: []string{"got NaN"}}},
		{"syntax", addTask, "function add(a, b) { return a +; }", want{verdict: VerdictCompileError, msgs: []string{"SyntaxError"}}},
		{"recursion", addTask, "function add(a, b) { return add(a, b); }", want{msgs: []string{"Maximum call stack size exceeded"}}},
		{"async", addTask, "async function add(a, b) { await null; return a + b; }", want{passed: true, score: 100}},
		{"rejected", addTask, "async function add() { throw new Error('late'); }", want{msgs: []string{"rejected: Error: late"}}},
		{"never settles", addTask, "function add() { return new Promise(() => {}); }", want{msgs: []string{"never settled"}}},
		{"console", addTask, "function add(a, b) { console.log('sum', a + b, {x: [1]}); return a + b; }",
			want{passed: true, score: 100, outputs: []string{"sum 3 {\"x\":[1]}\n", "sum 42 {\"x\":[1]}\n"}}},
		{"fresh runtime per test", addTask, "var n = (globalThis.n || 0) + 1; globalThis.n = n; function add(a, b) { return a + b + n - 1; }",
			want{passed: true, score: 100}},
		{"JSON replaced", addTask, "JSON.stringify = () => '3'; JSON.parse = () => [1, 2]; function add(a, b) { return a * b; }",
			want{score: 0, msgs: []string{"expected 3, got 2"}}},
		{"object keys in any order", objTask, "function pick(o) { return {a: o.a, c: o.c, b: o.b}; }", want{passed: true, score: 100}},
		{"object extra key", objTask, "function pick(o) { return {...o, d: 1}; }", want{msgs: []string{`"d":1`}}},
	} {
		runCase(t, s, tc.name, tc.task, tc.code, tc.want)
	}
}

func TestSQL(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	schema := `CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT, price INTEGER, at DATE);
INSERT INTO p VALUES (1, 'a', 300, '2025-01-02'), (2, 'b', 100, '2025-01-03'), (3, 'c', 200, NULL);`
	ordered := Task{Grader: "sql", Schema: schema, Ordered: true, Tests: []Test{
		{Name: "rows", Expect: jsonValue(t, `[["b", 100], ["c", 200], ["a", 300]]`)},
		{Name: "after setup", Hidden: true, Setup: "INSERT INTO p VALUES (4, 'd', 50, NULL);",
			Expect: jsonValue(t, `[["d", 50], ["b", 100], ["c", 200], ["a", 300]]`)},
	}}
	unordered := ordered
	unordered.Ordered = false
	dates := Task{Grader: "sql", Schema: schema, Tests: []Test{{Name: "dates", Expect: jsonValue(t, `[["2025-01-02"]]`)}}}
	good := "SELECT name, price FROM p ORDER BY price;"
	for _, tc := range []gradeCase{
		{"solution", ordered, good, want{passed: true, score: 100}},
		{"comments and two statements", ordered, "-- first\nSELECT 1; /* then ; */ SELECT name, price FROM p ORDER BY price", want{passed: true, score: 100}},
		{"wrong order", ordered, "SELECT name, price FROM p ORDER BY id", want{msgs: []string{`row 1: expected ["b",100], got ["a",300]`}}},
		{"any order", unordered, "SELECT name, price FROM p ORDER BY id DESC", want{passed: true, score: 100}},
		{"missing row", unordered, "SELECT name, price FROM p WHERE price > 100", want{msgs: []string{`expected 3 rows, got 2: missing ["b",100]`}}},
		{"extra column", ordered, "SELECT name, price, id FROM p ORDER BY price", want{msgs: []string{"expected 2 columns, got 3"}}},
		{"date column", dates, "SELECT at FROM p WHERE id = 1", want{passed: true, score: 100}},
		{"no such column", ordered, "SELECT nope FROM p", want{msgs: []string{"no such column: nope"}}},
		{"syntax", ordered, "SELEC name FROM p", want{verdict: VerdictCompileError, msgs: []string{"syntax error"}}},
		{"empty", ordered, "  -- nothing\n ; ", want{verdict: VerdictCompileError}},
		{"too many statements", ordered, strings.Repeat("SELECT 1;", 6), want{verdict: VerdictRefused, msgs: []string{"at most 5"}}},
		{"insert", ordered, "INSERT INTO p VALUES (9, 'x', 1, NULL)", want{verdict: VerdictRefused, msgs: []string{"INSERT is not allowed"}}},
		{"delete then select", ordered, "DELETE FROM p; " + good, want{verdict: VerdictRefused, msgs: []string{"DELETE"}}},
		{"create", ordered, "CREATE TABLE x (a)", want{verdict: VerdictRefused, msgs: []string{"changing the schema"}}},
		{"create view", ordered, "CREATE TEMP VIEW v AS SELECT 1", want{verdict: VerdictRefused}},
		{"update", ordered, "UPDATE p SET price = 0", want{verdict: VerdictRefused, msgs: []string{"UPDATE"}}},
		{"attach", ordered, "ATTACH 'x.db' AS y", want{verdict: VerdictRefused, msgs: []string{"ATTACH"}}},
		{"attach memory", ordered, "ATTACH ':memory:' AS y; SELECT 1", want{verdict: VerdictRefused, msgs: []string{"ATTACH"}}},
		{"pragma", ordered, "PRAGMA writable_schema = 1", want{verdict: VerdictRefused, msgs: []string{"PRAGMA"}}},
		{"pragma function", ordered, "SELECT name FROM pragma_table_info('p')", want{verdict: VerdictRefused, msgs: []string{"PRAGMA"}}},
		{"load_extension", ordered, "SELECT load_extension('/tmp/x.so')", want{verdict: VerdictRefused}},
		{"transaction", ordered, "BEGIN; " + good, want{verdict: VerdictRefused}},
		{"recursive CTE bomb", ordered, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
			want{verdict: VerdictTimeLimit}},
		{"string bomb", ordered, "WITH RECURSIVE c(x, s) AS (SELECT 1, 'x' UNION ALL SELECT x + 1, s || s FROM c WHERE x < 64) SELECT max(length(s)) FROM c",
			want{msgs: []string{"too big"}}},
		{"randomblob", ordered, "SELECT length(randomblob(2000000000))", want{msgs: []string{"too big"}}},
		{"too many rows", ordered, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000) SELECT x FROM c",
			want{verdict: VerdictOutputLimit}},
	} {
		runCase(t, s, tc.name, tc.task, tc.code, tc.want)
	}
}

var cssTask = Task{Grader: "html", Tests: []Test{
	{Name: "red title", Selector: "h1", CSS: &catalog.CSSCheck{Property: "color", Value: "red"}},
	{Name: "sized title", Selector: "h1", CSS: &catalog.CSSCheck{Property: "font-size"}},
}}

func TestHTML(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	task := Task{Grader: "html", Tests: []Test{
		{Name: "one h1", Selector: "header h1", Count: intp(1)},
		{Name: "items", Selector: "nav li", MinCount: intp(2)},
		{Name: "title", Selector: "title", Text: "자기 소개"},
		{Name: "alt", Hidden: true, Selector: "img", Attr: map[string]string{"name": "alt"}},
		{Name: "lang", Selector: "html", Attr: map[string]string{"lang": "ko"}},
	}}
	good := `<!doctype html><html lang="ko"><head><title>나의  자기
소개</title></head><body><header><h1>안녕</h1><nav><ul><li>a<li>b</ul></nav></header>
<img src="a.png" alt="사진"><img src="b.png" alt="두 번째"></body></html>`
	for _, tc := range []gradeCase{
		{"solution", task, good, want{passed: true, score: 100}},
		{"broken markup is repaired", task, `<html lang=ko><title>자기 소개</title><header><h1>안녕<nav><li>a<li>b</header><img alt=x>`,
			want{passed: true, score: 100}},
		{"empty", task, "", want{score: 0, msgs: []string{"expected 1 elements", "at least 2", "no element matches", "no element matches", "has no lang"}}},
		{"other title", task, strings.Replace(good, "나의  자기\n소개", "블로그", 1), want{score: 80, msgs: []string{"", "", `the text of "title" is "블로그"; it should contain "자기 소개"`}}},
		{"empty alt", task, strings.Replace(good, `alt="두 번째"`, `alt=" "`, 1), want{score: 80, msgs: []string{"", "", "", "element 2 matching \"img\" has an empty alt"}}},
		{"missing alt", task, strings.Replace(good, `alt="사진"`, ``, 1), want{score: 80, msgs: []string{"", "", "", "element 1 matching \"img\" has no alt"}}},
		{"wrong lang", task, strings.Replace(good, `lang="ko"`, `lang="en"`, 1), want{score: 80, msgs: []string{"", "", "", "", `has lang="en", expected "ko"`}}},
		{"scripts do not run", task, "<script>while(true){}</script>" + good, want{passed: true, score: 100}},
		{"bad selector", Task{Grader: "html", Tests: []Test{{Name: "x", Selector: "a[", Count: intp(1)}}}, good,
			want{msgs: []string{"not valid CSS"}}},
		{"deep nesting", task, strings.Repeat("<div>", 3000), want{verdict: VerdictCompileError, msgs: []string{"exceeds 512 nodes"}}},
		{"css", cssTask, `<style>header h1 { color: #F00 }</style><header><h1 style="font-size: 2em">x</h1></header>`,
			want{passed: true, score: 100}},
		{"css missing", cssTask, `<style>h1 { color: blue }</style><h1>x</h1>`,
			want{msgs: []string{`"h1" gets color: blue; expected color: red`, `no style gives "h1" a font-size`}}},
	} {
		runCase(t, s, tc.name, tc.task, tc.code, tc.want)
	}
}

// The sandbox: learner code that tries to escape, exhaust or crash gets a
// verdict, and the very next grading by the same service works.
func TestEscapes(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	memSvc := newTestService(t, func(c *Config) { c.Limits.Wall, c.Limits.CPU = 30*time.Second, 60*time.Second })
	sqlTask := Task{Grader: "sql", Schema: "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);", Tests: []Test{
		{Name: "rows", Expect: jsonValue(t, `[[1], [2]]`)}}}
	globals := "function add() { return Object.getOwnPropertyNames(globalThis).filter(n => !%s.includes(n)); }"
	standard, _ := json.Marshal(standardGlobals)
	for _, tc := range []struct {
		name    string
		task    Task
		code    string
		verdict string
		msg     string
	}{
		{"endless loop", addTask, "function add() { while (true) {} }", VerdictTimeLimit, "Time limit"},
		{"endless loop at load", addTask, "for (;;) {} function add() {}", VerdictTimeLimit, "Time limit"},
		{"huge array", addTask, "function add() { return new Array(300000000).fill(0).length; }", VerdictMemoryLimit, "Memory limit"},
		{"growing array", addTask, "function add() { const a = []; for (;;) a.push({n: a.length, s: 'x' + a.length}); }", VerdictMemoryLimit, "Memory limit"},
		{"huge string", addTask, "function add() { let s = 'x'; for (;;) s += s; }", VerdictMemoryLimit, "Memory limit"},
		{"console flood", addTask, "function add() { for (;;) console.log('spam spam spam'); }", VerdictOutputLimit, "Output limit"},
		{"huge result", addTask, "function add() { return 'x'.repeat(1 << 20); }", VerdictOutputLimit, "too large"},
		{"require", addTask, "function add() { return require('fs').readFileSync('/etc/passwd', 'utf8'); }", "", "ReferenceError: require is not defined"},
		{"process", addTask, "function add() { process.exit(1); }", "", "ReferenceError: process is not defined"},
		{"global constructor", addTask, "function add() { return globalThis.constructor.constructor('return process')().exit(1); }", "", "ReferenceError: process is not defined"},
		{"no host globals", addTask, strings.Replace(globals, "%s", string(standard), 1), "", `got ["add"]`},
		{"no timers", addTask, "function add() { setTimeout(() => {}, 0); }", "", "ReferenceError: setTimeout is not defined"},
		{"no import", addTask, "function add() { return import('fs'); }", VerdictCompileError, "SyntaxError"},
		{"sql attach", sqlTask, "ATTACH 'x' AS y", VerdictRefused, "ATTACH is not allowed"},
		{"sql pragma", sqlTask, "PRAGMA hard_heap_limit = 0", VerdictRefused, "PRAGMA is not allowed"},
		{"sql CTE bomb", sqlTask, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r ORDER BY n DESC LIMIT 1", VerdictTimeLimit, "Time limit"},
		{"sql CTE memory bomb", sqlTask, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(DISTINCT printf('%.*c', 900000, 'x') || n) FROM r",
			timeOrMemory, "limit exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := s
			if tc.verdict == VerdictMemoryLimit {
				// Memory is what must run out, not time: on a loaded
				// machine the allocations can take seconds.
				s = memSvc
			}
			r := grade(t, s, tc.task, tc.code)
			verdictOK := r.Verdict == tc.verdict || tc.verdict == timeOrMemory && (r.Verdict == VerdictTimeLimit || r.Verdict == VerdictMemoryLimit)
			if r.Passed || !verdictOK || !strings.Contains(r.Message+r.Tests[0].Message, tc.msg) {
				t.Fatalf("got verdict %q (%s), test 0: %q; want %q with %q", r.Verdict, r.Message, r.Tests[0].Message, tc.verdict, tc.msg)
			}
			good := addSolution
			if tc.task.Grader == "sql" {
				good = "SELECT x FROM t"
			}
			if r := grade(t, s, tc.task, good); !r.Passed {
				t.Fatalf("the next grading: %+v", r)
			}
		})
	}
	t.Run("the parent is unharmed", func(t *testing.T) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > 200<<20 {
			t.Fatalf("the test process holds %d MiB of heap", m.HeapAlloc>>20)
		}
	})
}

// timeOrMemory: a bomb that stops by whichever limit it meets first (it
// depends on the machine's speed).
const timeOrMemory = "time_limit or memory_limit"

// standardGlobals are the global names of a goja runtime: ECMAScript's
// built-ins, plus the console the grader adds.
var standardGlobals = []string{"Object", "Function", "Array", "String", "globalThis", "NaN", "undefined", "Infinity",
	"isNaN", "isFinite", "parseFloat", "parseInt", "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent",
	"escape", "unescape", "eval", "Number", "BigInt", "RegExp", "Date", "Boolean", "Proxy", "Reflect", "Error",
	"AggregateError", "TypeError", "ReferenceError", "SyntaxError", "RangeError", "EvalError", "URIError", "GoError",
	"Math", "JSON", "ArrayBuffer", "DataView", "Uint8Array", "Uint8ClampedArray", "Int8Array", "Uint16Array",
	"Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
	"Symbol", "WeakSet", "WeakMap", "Map", "Set", "Promise", "console", "WeakRef", "FinalizationRegistry", "Iterator"}

// The default memory limit stops the huge array too (the acceptance case,
// with the memory a server gives a grading unless configured).
func TestDefaultLimitsStopHugeArray(t *testing.T) {
	t.Parallel()
	s := newTestService(t, func(c *Config) { c.Limits = Limits{Wall: 30 * time.Second} }) // memory must run out first
	r := grade(t, s, addTask, "function add() { return new Array(300000000).fill(0).length; }")
	if r.Verdict != VerdictMemoryLimit {
		t.Fatalf("verdict %q: %s", r.Verdict, r.Message)
	}
}

func TestServiceRefusesAndRoutes(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	r := grade(t, s, addTask, strings.Repeat("x", testLimits.MaxCode+1))
	if r.Verdict != VerdictRefused || !strings.Contains(r.Message, "too long") {
		t.Fatalf("big code: %+v", r)
	}
	r = grade(t, s, Task{Grader: "cobol", Tests: []Test{{Name: "a"}}}, "x")
	if r.Verdict != VerdictUnavailable {
		t.Fatalf("unknown grader: %+v", r)
	}
	r = grade(t, s, Task{Grader: "javascript", Function: "not an identifier", Tests: []Test{{Name: "a"}}}, "x")
	if r.Verdict != VerdictUnavailable {
		t.Fatalf("bad function name: %+v", r)
	}
	if got := strings.Join(s.Names(), ","); got != "html,javascript,sql" || !s.Has("sql") || s.Has("external") {
		t.Fatalf("names %s", got)
	}
	if _, err := New(Config{Limits: Limits{Memory: 1 << 20}}); err == nil {
		t.Fatal("a 1 MiB memory limit was accepted")
	}
}

// A child that does not answer as one is an infrastructure error, never a
// verdict: the caller must not blame the learner.
func TestBrokenChild(t *testing.T) {
	t.Parallel()
	for _, cmd := range [][]string{{"/bin/true"}, {"/bin/sh", "-c", "echo nonsense"}, {"/bin/sh", "-c", "exit 3"},
		{"/nonexistent/weaverse"}} {
		s := newTestService(t, func(c *Config) { c.Command = cmd })
		if _, err := s.Grade(context.Background(), addTask, addSolution); err == nil {
			t.Errorf("%v: no error", cmd)
		}
	}
}

// The caller's context ends a grading (and its child) at once.
func TestGradeCancelled(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Grade(ctx, addTask, "function add() { while (true) {} }")
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

// Gradings beyond Concurrency wait: never more children than that.
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	s := newTestService(t, func(c *Config) { c.Concurrency = 2 })
	var wg sync.WaitGroup
	var mu sync.Mutex
	most := int64(0)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			mu.Lock()
			most = max(most, s.children.Load())
			mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := grade(t, s, addTask, addSolution); !r.Passed {
				t.Errorf("%+v", r)
			}
		}()
	}
	wg.Wait()
	close(stop)
	mu.Lock()
	defer mu.Unlock()
	if most > 2 || most == 0 {
		t.Fatalf("%d children at once", most)
	}
}

func TestSplitSQL(t *testing.T) {
	for in, want := range map[string]int{
		"":                             0,
		";;":                           0,
		"-- a; b\n":                    0,
		"SELECT 1":                     1,
		"SELECT 1;":                    1,
		"SELECT ';' ; SELECT \"a;b\"":  2,
		"SELECT [x;y] FROM t; -- ;\n":  1,
		"SELECT 1 /* ; */ ; SELECT 2":  2,
		"SELECT 'it''s;' ; /* open ;":  1,
		"SELECT `a;b`; SELECT 2; ;  ;": 2,
	} {
		if got := splitSQL(in); len(got) != want {
			t.Errorf("splitSQL(%q) = %q, want %d statements", in, got, want)
		}
	}
}
