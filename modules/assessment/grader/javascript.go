package grader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/dop251/goja"
)

// The javascript grader runs in the child (see child.go). Each test gets a
// fresh goja runtime (nothing leaks from one test to the next): the
// learner's program runs, then the named function is called with the
// test's arguments, built by the engine's own JSON.parse (taken before the
// learner's code could replace it), and its result, read back with the
// engine's JSON.stringify, is compared with the expected value with JSON
// semantics. The runtime has the ECMAScript built-ins and a console whose
// output is captured; no require, process, timers, files or network.

var jsIdentRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// jsMaxCallDepth bounds the learner's recursion: deeper calls throw a
// RangeError the learner sees, long before the Go stack is at risk.
const jsMaxCallDepth = 2000

// Why a runtime was interrupted.
var (
	errJSTime   = errors.New("time limit")
	errJSMemory = errors.New("memory limit")
	errJSOutput = errors.New("output limit")
)

func gradeJavaScript(ctx context.Context, t Task, code string, lim Limits) Result {
	if !jsIdentRE.MatchString(t.Function) {
		return stopped(t, nil, VerdictUnavailable, msg("grader.js.no_function", "function", clip(t.Function)))
	}
	prog, err := goja.Compile("solution.js", code, false)
	if err != nil {
		return stopped(t, nil, VerdictCompileError, msg("grader.js.syntax", "error", compileMessage(err)))
	}
	guard := guardOf(ctx)
	out := &consoleOutput{max: lim.MaxOutput}
	return eachTest(t, func(tc Test) (TestResult, string, Msg) {
		return runJSTest(ctx, prog, t.Function, tc, out, guard)
	})
}

func compileMessage(err error) string {
	m := err.Error()
	if !strings.HasPrefix(m, "SyntaxError") {
		m = "SyntaxError: " + m
	}
	return clip(m)
}

// runJSTest runs one test in a fresh runtime. A verdict other than "" stops
// the grading (time, memory, output); the test's own failure does not.
func runJSTest(ctx context.Context, prog *goja.Program, fn string, tc Test, out *consoleOutput, guard *memoryGuard) (tr TestResult, verdict string, m Msg) {
	tr = TestResult{Name: tc.Name, Hidden: tc.Hidden}
	defer func() {
		if p := recover(); p != nil {
			// goja failed on this code (a bug of the engine, not the
			// learner's): the test fails, the grading goes on.
			tr.Passed = false
			tr.say(msg("grader.js.engine", "error", clip(fmt.Sprint(p))))
		}
	}()
	vm := goja.New()
	vm.SetMaxCallStackSize(jsMaxCallDepth)
	out.start()
	defer func() { tr.Output = out.take() }()
	installConsole(vm, out)
	// The engine's own JSON functions, before the learner may replace them.
	jsonObj := vm.Get("JSON").ToObject(vm)
	parse, _ := goja.AssertFunction(jsonObj.Get("parse"))
	stringify, _ := goja.AssertFunction(jsonObj.Get("stringify"))

	// Memory running out interrupts the test (see memoryGuard).
	guard.onExceed(func() { vm.Interrupt(errJSMemory) })
	defer guard.onExceed(nil)
	stop := context.AfterFunc(ctx, func() { vm.Interrupt(errJSTime) })
	defer stop()
	if ctx.Err() != nil {
		return tr, VerdictTimeLimit, timeLimitMsg
	}

	fail := func(err error) (TestResult, string, Msg) {
		if v, m := interruptVerdict(err, out); v != VerdictOK {
			tr.say(m)
			return tr, v, m
		}
		tr.say(exceptionMessage(err))
		return tr, VerdictOK, Msg{}
	}
	if _, err := vm.RunProgram(prog); err != nil {
		return fail(err)
	}
	// fn is an identifier: evaluating it finds a function declaration
	// as well as a top-level const or let.
	fv, err := vm.RunString(fn)
	if err != nil {
		var exc *goja.Exception
		if errors.As(err, &exc) && strings.HasPrefix(exc.Value().String(), "ReferenceError") {
			tr.say(msg("grader.js.missing_function", "function", fn))
			return tr, VerdictOK, Msg{}
		}
		return fail(err)
	}
	call, ok := goja.AssertFunction(fv)
	if !ok {
		tr.say(msg("grader.js.not_function", "function", fn, "type", describeJS(fv)))
		return tr, VerdictOK, Msg{}
	}
	argsJSON, err := json.Marshal(tc.Args)
	if err != nil || tc.Args == nil {
		argsJSON = []byte("[]")
	}
	argv, err := parse(goja.Undefined(), vm.ToValue(string(argsJSON)))
	if err != nil {
		return fail(err)
	}
	var args []goja.Value
	if obj, ok := argv.(*goja.Object); ok {
		n := int(obj.Get("length").ToInteger())
		for i := range n {
			args = append(args, obj.Get(fmt.Sprint(i)))
		}
	}
	ret, err := call(goja.Undefined(), args...)
	if err != nil {
		return fail(err)
	}
	if p, ok := ret.Export().(*goja.Promise); ok {
		switch p.State() {
		case goja.PromiseStateFulfilled:
			ret = p.Result()
		case goja.PromiseStateRejected:
			tr.say(msg("grader.js.rejected", "error", valueMessage(p.Result())))
			return tr, VerdictOK, Msg{}
		default:
			tr.say(msg("grader.js.unsettled"))
			return tr, VerdictOK, Msg{}
		}
	}
	got, gotText, err := jsResult(vm, stringify, ret)
	if err != nil {
		return fail(err)
	}
	if len(gotText) > out.max {
		m := msg("grader.js.too_large", "size", len(gotText), "max", out.max)
		tr.say(m)
		return tr, VerdictOutputLimit, m
	}
	want, wantText := normalizeJSON(tc.Expect)
	switch {
	case got == nil && gotText == "undefined" && tc.Expect == nil:
		tr.Passed = true // nothing expected, nothing returned
	case gotText != "undefined" && jsonEqual(got, want):
		tr.Passed = true
	default:
		tr.say(msg("grader.js.expected", "want", clip(wantText), "got", clip(gotText)))
	}
	return tr, VerdictOK, Msg{}
}

var (
	timeLimitMsg   = msg("grader.time_limit")
	memoryLimitMsg = msg("grader.memory_limit")
)

// interruptVerdict tells a grading-stopping interruption (time, memory,
// output) from the learner's own exceptions.
func interruptVerdict(err error, out *consoleOutput) (string, Msg) {
	var ie *goja.InterruptedError
	if !errors.As(err, &ie) {
		return VerdictOK, Msg{}
	}
	switch ie.Value() {
	case errJSMemory:
		return VerdictMemoryLimit, memoryLimitMsg
	case errJSOutput:
		return VerdictOutputLimit, msg("grader.output_limit", "max", out.max)
	default:
		return VerdictTimeLimit, timeLimitMsg
	}
}

// exceptionMessage is what the learner reads of an uncaught exception:
// "TypeError: x is not a function (solution.js:3:5)".
func exceptionMessage(err error) Msg {
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return msg("grader.js.recursion")
	}
	var exc *goja.Exception
	if errors.As(err, &exc) {
		return msg("grader.js.exception", "error", clip(strings.TrimSpace(exc.Error())))
	}
	return msg("grader.js.exception", "error", clip(err.Error()))
}

// valueMessage describes a thrown or rejected value.
func valueMessage(v goja.Value) string {
	if v == nil {
		return "undefined"
	}
	return clip(v.String())
}

func describeJS(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if goja.IsNull(v) {
		return "null"
	}
	return v.ExportType().String()
}

// jsResult reads a returned value as JSON; text is what messages show
// ("undefined", "NaN" for values JSON cannot hold).
func jsResult(vm *goja.Runtime, stringify goja.Callable, v goja.Value) (got any, text string, err error) {
	if v == nil || goja.IsUndefined(v) {
		return nil, "undefined", nil
	}
	if n, ok := v.Export().(float64); ok && (math.IsNaN(n) || math.IsInf(n, 0)) {
		return nil, v.String(), nil
	}
	s, err := stringify(goja.Undefined(), v)
	if err != nil {
		return nil, "", err
	}
	if s == nil || goja.IsUndefined(s) {
		// A function or a symbol: not a JSON value.
		return nil, "undefined", nil
	}
	text = s.String()
	got, err = decodeJSON([]byte(text))
	if err != nil {
		return nil, text, nil
	}
	return got, text, nil
}

// installConsole gives the runtime a console whose output goes to out.
func installConsole(vm *goja.Runtime, out *consoleOutput) {
	console := vm.NewObject()
	for _, name := range []string{"log", "info", "warn", "error", "debug"} {
		_ = console.Set(name, func(call goja.FunctionCall) goja.Value {
			parts := make([]string, len(call.Arguments))
			for i, a := range call.Arguments {
				parts[i] = consoleText(a)
			}
			if !out.write(strings.Join(parts, " ") + "\n") {
				vm.Interrupt(errJSOutput)
			}
			return goja.Undefined()
		})
	}
	_ = vm.Set("console", console)
}

// consoleText shows a value as console.log does, roughly: strings as they
// are, objects as JSON when they have one.
func consoleText(v goja.Value) string {
	if v == nil {
		return "undefined"
	}
	if obj, ok := v.(*goja.Object); ok {
		if _, isFn := goja.AssertFunction(obj); !isFn {
			if b, err := obj.MarshalJSON(); err == nil && len(b) < 4096 {
				return string(b)
			}
		}
	}
	return v.String()
}

// consoleOutput is what tests print, bounded over the whole grading.
type consoleOutput struct {
	max   int
	total int
	cur   strings.Builder
}

func (o *consoleOutput) start() { o.cur.Reset() }

func (o *consoleOutput) take() string {
	s := o.cur.String()
	o.cur.Reset()
	return s
}

// write keeps s and reports whether the grading is still within its bound.
func (o *consoleOutput) write(s string) bool {
	o.total += len(s)
	if o.total > o.max {
		return false
	}
	o.cur.WriteString(s)
	return true
}
