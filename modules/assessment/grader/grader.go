// Package grader grades learners' code: JavaScript functions (goja), SQL
// queries (SQLite in memory), HTML documents (CSS selectors) and, through
// an external service (Judge0), other languages. It is a pure package: no
// database, no HTTP routes.
//
// Learner code never runs in the caller's process. goja stops an endless
// loop when interrupted but cannot cap memory (`new Array(3e8).fill(0)`
// kills the whole Go process), so Service runs every grading in a child
// process of the same binary (ChildMain), under OS limits (address space,
// CPU time, no files, no core dumps), and kills it at a wall-clock
// deadline. A child that dies of those limits becomes a verdict
// (time_limit, memory_limit), never a crash of the server.
package grader

import (
	"context"
	"time"

	"github.com/weaverse/weaverse/modules/catalog"
)

// Test is one test of an assignment; which fields apply depends on the
// grader (the same JSON as catalog.AssignmentTest).
//
//   - javascript: Args are the call's arguments, Expect the value it must
//     return (compared deeply, with JSON semantics).
//   - sql: Setup runs after the schema, before the learner's query; Expect
//     is the rows, each a list of values in column order.
//   - html: Selector with exactly one of Count, MinCount, Text (the first
//     match's trimmed text contains it), Attr ({name: alt}: every match
//     has the attribute alt, not empty; {href: "#x"}: every match has
//     href="#x") or CSS (some match gets the property, and value, from the
//     document's styles: see css.go).
//   - external: Setup is the program's standard input, Expect (a string)
//     its expected standard output (trailing spaces and newlines ignored).
type Test struct {
	Name     string            `json:"name"`
	Hidden   bool              `json:"hidden,omitempty"`
	Args     []any             `json:"args,omitempty"`
	Expect   any               `json:"expect,omitempty"`
	Setup    string            `json:"setup,omitempty"`
	Selector string            `json:"selector,omitempty"`
	Count    *int              `json:"count,omitempty"`
	MinCount *int              `json:"min_count,omitempty"`
	Text     string            `json:"text,omitempty"`
	Attr     map[string]string `json:"attr,omitempty"`
	CSS      *catalog.CSSCheck `json:"css,omitempty"`
}

// Task is what a grader needs of an assignment.
type Task struct {
	// Grader names the grader: javascript, sql, html, external, or a
	// language of the external service's language map (python, …).
	Grader   string `json:"grader"`
	Function string `json:"function,omitempty"` // javascript: the function the tests call
	Schema   string `json:"schema,omitempty"`   // sql: statements run before each test
	Ordered  bool   `json:"ordered,omitempty"`  // sql: whether row order matters
	// Language is the external service's language (a key of its language
	// map) for the grader "external"; a grader named after a language
	// implies it.
	Language string `json:"language,omitempty"`
	Tests    []Test `json:"tests"`
}

// TaskFrom is the task of an assignment's answer key.
func TaskFrom(k *catalog.AssignmentKey) Task {
	return Task{Grader: k.Grader, Function: k.Function, Schema: k.Schema, Ordered: k.Ordered, Tests: TestsFrom(k.Tests)}
}

// TestsFrom converts an assignment's tests.
func TestsFrom(tests []catalog.AssignmentTest) []Test {
	out := make([]Test, len(tests))
	for i, t := range tests {
		out[i] = Test{Name: t.Name, Hidden: t.Hidden, Args: t.Args, Expect: t.Expect, Setup: t.Setup,
			Selector: t.Selector, Count: t.Count, MinCount: t.MinCount, Text: t.Text, Attr: t.Attr, CSS: t.CSS}
	}
	return out
}

// TestResult is how one test went. Message (and Output) are written for the
// learner; they are filled for hidden tests too, and the caller redacts
// them there (a hidden test's message may quote its arguments). Message
// is in English; Code and Args are the same message to render in the
// reader's language (see Msg).
type TestResult struct {
	Name    string         `json:"name"`
	Hidden  bool           `json:"hidden,omitempty"`
	Passed  bool           `json:"passed"`
	Message string         `json:"message,omitempty"`
	Code    string         `json:"code,omitempty"`
	Args    map[string]any `json:"args,omitempty"`
	// Output is what the code printed during the test (javascript:
	// console.log), bounded by Limits.MaxOutput.
	Output string `json:"output,omitempty"`
}

// Verdicts: why a grading stopped short of running every test normally.
// The empty verdict means every test ran and Tests says how each went.
const (
	VerdictOK           = ""
	VerdictTimeLimit    = "time_limit"    // the time limit ran out (wall clock or CPU)
	VerdictMemoryLimit  = "memory_limit"  // the code needed more memory than allowed
	VerdictOutputLimit  = "output_limit"  // the code printed or returned too much
	VerdictCompileError = "compile_error" // the code does not parse
	VerdictRuntimeError = "runtime_error" // the code crashed the runner (e.g. too deep a recursion)
	VerdictRefused      = "refused"       // the code asked for something not allowed (ATTACH, PRAGMA, too big)
	VerdictUnavailable  = "unavailable"   // the grader cannot run now (external service down, not configured)
)

// Verdicts lists every verdict, the empty one first.
func Verdicts() []string {
	return []string{VerdictOK, VerdictTimeLimit, VerdictMemoryLimit, VerdictOutputLimit, VerdictCompileError,
		VerdictRuntimeError, VerdictRefused, VerdictUnavailable}
}

// Result is a grading's outcome.
type Result struct {
	// Passed: every test passed.
	Passed bool `json:"passed"`
	// Score is the share of tests passed, 0–100 (rounded down).
	Score int `json:"score"`
	// Verdict is "" when every test ran, else why grading stopped (see
	// the Verdict constants); Message then says it to the learner, in
	// English, and Code and Args in any language (see Msg).
	Verdict string         `json:"verdict,omitempty"`
	Message string         `json:"message,omitempty"`
	Code    string         `json:"code,omitempty"`
	Args    map[string]any `json:"args,omitempty"`
	// Tests are the tests' outcomes, in the task's order (every test has
	// one, failed when it could not run).
	Tests    []TestResult  `json:"tests"`
	Duration time.Duration `json:"duration"`
}

// Limits bound one grading.
type Limits struct {
	// Wall is the time all tests of one grading may take (a child is
	// killed a little after it, start-up included).
	Wall time.Duration `json:"wall"`
	// CPU is the CPU time the child may use (all threads; RLIMIT_CPU,
	// rounded up to whole seconds).
	CPU time.Duration `json:"cpu"`
	// Memory is the memory a child may map beyond what it has at start, in
	// bytes (RLIMIT_AS is set to its start-up address space plus this);
	// the Go heap is kept well below it.
	Memory int64 `json:"memory"`
	// MaxCode is the largest code accepted, in bytes.
	MaxCode int `json:"max_code"`
	// MaxOutput bounds what a grading reports of the code's output
	// (console.log, returned values shown in messages), in bytes.
	MaxOutput int `json:"max_output"`
	// Statements is the most SQL statements a learner's query may hold.
	Statements int `json:"statements"`
}

// DefaultLimits are the limits of a grading when nothing is configured.
func DefaultLimits() Limits {
	return Limits{Wall: 5 * time.Second, CPU: 10 * time.Second, Memory: 512 << 20, MaxCode: 64 << 10,
		MaxOutput: 64 << 10, Statements: 10}
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Wall <= 0 {
		l.Wall = d.Wall
	}
	if l.CPU <= 0 {
		l.CPU = max(d.CPU, 2*l.Wall)
	}
	if l.Memory <= 0 {
		l.Memory = d.Memory
	}
	if l.MaxCode <= 0 {
		l.MaxCode = d.MaxCode
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = d.MaxOutput
	}
	if l.Statements <= 0 {
		l.Statements = d.Statements
	}
	return l
}

// Grader grades code against a task. The error is for infrastructure
// failures only (the child could not start, the caller's context ended);
// every learner mistake, however bad, is a Result.
type Grader interface {
	Grade(ctx context.Context, t Task, code string) (Result, error)
}

// finish computes a result's score and pass from its tests.
func (r *Result) finish() {
	passed := 0
	for _, t := range r.Tests {
		if t.Passed {
			passed++
		}
	}
	r.Score = 0
	if len(r.Tests) > 0 {
		r.Score = passed * 100 / len(r.Tests)
	}
	r.Passed = r.Verdict == VerdictOK && len(r.Tests) > 0 && passed == len(r.Tests)
}

// say sets the test's message.
func (tr *TestResult) say(m Msg) { tr.Message, tr.Code, tr.Args = m.English(), m.Code, m.Args }

// stopped is the result of a grading that ran none (or not all) of its
// tests: the tests without an outcome fail with m.
func stopped(t Task, done []TestResult, verdict string, m Msg) Result {
	r := Result{Verdict: verdict, Message: m.English(), Code: m.Code, Args: m.Args, Tests: make([]TestResult, len(t.Tests))}
	for i, tc := range t.Tests {
		if i < len(done) {
			r.Tests[i] = done[i]
			continue
		}
		r.Tests[i] = TestResult{Name: tc.Name, Hidden: tc.Hidden}
		r.Tests[i].say(m)
	}
	r.finish()
	return r
}

// eachTest runs t's tests in order with run, which returns a test's result
// and, when the grading must stop there, a verdict and its message.
func eachTest(t Task, run func(Test) (tr TestResult, verdict string, m Msg)) Result {
	var done []TestResult
	for _, tc := range t.Tests {
		tr, verdict, m := run(tc)
		done = append(done, tr)
		if verdict != VerdictOK {
			return stopped(t, done, verdict, m)
		}
	}
	r := Result{Tests: done}
	r.finish()
	return r
}
