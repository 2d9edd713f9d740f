package grader

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// The child: a process of the same binary that grades one submission and
// exits. The parent (Service) starts it with EnvChild set and the limits in
// EnvLimits, writes one request as JSON on its standard input and reads one
// response from its standard output. Before it reads anything the child
// puts itself under the limits (address space, CPU time, open files, file
// size, no core dump: see applyLimits), so nothing it is asked to run can
// outgrow them.

// Environment variables of a grading child.
const (
	EnvChild  = "WEAVERSE_GRADER_CHILD"
	EnvLimits = "WEAVERSE_GRADER_LIMITS"
)

// maxRequest bounds what a child reads on its standard input.
const maxRequest = 16 << 20

// request is what the parent sends.
type request struct {
	Task Task   `json:"task"`
	Code string `json:"code"`
}

// response is what the child answers: a result, or why it could not grade
// (an infrastructure problem, reported to the parent's caller as an error).
type response struct {
	Result *Result `json:"result,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// ChildMain grades one submission and exits when this process was started
// as a grading child (EnvChild is set); otherwise it returns at once. Call
// it first thing: from the hidden `grade` command and from TestMain of every
// test package that grades (the test binary is then the child's binary).
// The child opens no database and reads no configuration.
func ChildMain() {
	if os.Getenv(EnvChild) == "" {
		return
	}
	os.Exit(runChild(os.Stdin, os.Stdout))
}

func runChild(in io.Reader, out io.Writer) int {
	answer := func(r response) int {
		if err := json.NewEncoder(out).Encode(r); err != nil {
			return 1
		}
		return 0
	}
	var lim Limits
	if err := json.Unmarshal([]byte(os.Getenv(EnvLimits)), &lim); err != nil {
		return answer(response{Error: "grader child: bad limits: " + err.Error()})
	}
	lim = lim.withDefaults()
	if err := applyLimits(lim); err != nil {
		return answer(response{Error: "grader child: cannot limit itself: " + err.Error()})
	}
	// Goroutine stacks (deep native recursion) stop at 64 MiB instead of
	// 1 GiB. No soft memory limit: near it the GC runs without pause and a
	// runaway allocation crawls to the time limit instead of failing fast
	// at the address-space limit (memory_limit).
	debug.SetMaxStack(64 << 20)

	data, err := io.ReadAll(io.LimitReader(in, maxRequest+1))
	if err != nil || len(data) > maxRequest {
		return answer(response{Error: fmt.Sprintf("grader child: cannot read the request (%d bytes): %v", len(data), err)})
	}
	var req request
	if err := json.Unmarshal(data, &req); err != nil {
		return answer(response{Error: "grader child: bad request: " + err.Error()})
	}
	res, err := gradeLocal(req.Task, req.Code, lim)
	if err != nil {
		return answer(response{Error: err.Error()})
	}
	return answer(response{Result: &res})
}

// localGraders are the graders that run in a child.
var localGraders = map[string]func(context.Context, Task, string, Limits) Result{
	"javascript": gradeJavaScript,
	"sql":        gradeSQL,
	"html":       gradeHTML,
}

// gradeLocal grades in this process, within lim.Wall. It must only run in
// a child: learner code can take the process down.
func gradeLocal(t Task, code string, lim Limits) (res Result, err error) {
	g := localGraders[t.Grader]
	if g == nil {
		return Result{}, fmt.Errorf("grader child: no local grader %q", t.Grader)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), lim.Wall)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("grader child: %s grader panicked: %v\n%s", t.Grader, p, debug.Stack())
		}
	}()
	guard := startMemoryGuard(uint64(lim.Memory) * 2 / 5)
	defer guard.stop()
	res = g(context.WithValue(ctx, guardKey{}, guard), t, code, lim)
	res.Duration = time.Since(start)
	return res, nil
}

// memoryGuard watches the child's Go heap: goja has no memory limit of its
// own. Past the limit (after a garbage collection), it interrupts what
// runs (onExceed: the JavaScript runtime), and when the heap stays over the
// limit all the same (one native call building a huge array does not see
// interrupts), it ends the child, reporting "out of memory" as the
// address-space limit would, only sooner.
type memoryGuard struct {
	limit     uint64
	interrupt atomic.Pointer[func()]
	done      chan struct{}
}

type guardKey struct{}

// guardOf returns the grading's guard (a guard that watches nothing when
// none runs, as in tests that grade in-process).
func guardOf(ctx context.Context) *memoryGuard {
	if g, ok := ctx.Value(guardKey{}).(*memoryGuard); ok {
		return g
	}
	return &memoryGuard{}
}

// memoryGrace is how long the heap may stay over the limit after an
// interrupt before the child ends.
const memoryGrace = 200 * time.Millisecond

func startMemoryGuard(limit uint64) *memoryGuard {
	g := &memoryGuard{limit: limit, done: make(chan struct{})}
	go g.run()
	return g
}

func (g *memoryGuard) onExceed(f func()) {
	if f == nil {
		g.interrupt.Store(nil)
		return
	}
	g.interrupt.Store(&f)
}

func (g *memoryGuard) stop() { close(g.done) }

func (g *memoryGuard) run() {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var over time.Time
	for {
		select {
		case <-g.done:
			return
		case <-tick.C:
		}
		if heap() <= g.limit {
			over = time.Time{}
			continue
		}
		if over.IsZero() {
			runtime.GC() // garbage does not count
			if heap() <= g.limit {
				continue
			}
			over = time.Now()
			if f := g.interrupt.Load(); f != nil {
				(*f)()
			}
			continue
		}
		if time.Since(over) > memoryGrace {
			fmt.Fprintf(os.Stderr, "grader child: out of memory: the heap stays over %d MiB\n", g.limit>>20)
			os.Exit(3)
		}
	}
}
