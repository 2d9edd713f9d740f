package grader

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Config configures a Service.
type Config struct {
	// Limits bound each grading; zero fields take DefaultLimits.
	Limits Limits
	// Concurrency is how many gradings run at once (children alive at
	// once); 0: the number of CPUs. Others wait their turn (or their
	// context's end).
	Concurrency int
	// Command is the child's command line: the binary and its arguments.
	// Empty: this executable with the hidden `grade` command (in a test
	// binary: with -test.run=^$ too, so that a test binary whose TestMain
	// forgot ChildMain runs no test and answers nothing, rather than
	// running every test again).
	Command []string
	// Warm is how many children are kept started, waiting for a grading
	// (each is used once): a child's start-up (exec and the binary's
	// package initialisation, tens of milliseconds) is then off the
	// grading's path. 0: min(Concurrency, 4); negative: none.
	Warm int
	// External is the code-execution service for other languages; off
	// when its URL is empty.
	External External
	// HTTPClient calls the external service (default: one with a 30 s
	// timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Service grades code: the javascript, sql and html graders in a child
// process each (see ChildMain), the external one over HTTP. It is safe for
// concurrent use.
type Service struct {
	limits  Limits
	command []string
	sem     chan struct{}
	warm    chan *child
	closed  atomic.Bool
	ext     *judge0
	log     *slog.Logger
	// children counts children alive, for tests.
	children atomic.Int64
}

// grace is how long after Limits.Wall the parent kills a child that has
// not answered: its start-up and its own deadline handling.
const grace = 2 * time.Second

// stderrMax bounds what is kept of a child's standard error.
const stderrMax = 64 << 10

// New returns a Service.
func New(cfg Config) (*Service, error) {
	lim := cfg.Limits.withDefaults()
	if lim.Memory < 128<<20 {
		return nil, fmt.Errorf("grader: a memory limit of %d bytes is too small for a grading child (at least 128 MiB)", lim.Memory)
	}
	n := cfg.Concurrency
	if n <= 0 {
		n = runtime.NumCPU()
	}
	warm := cfg.Warm
	if warm == 0 {
		warm = min(n, 4)
	}
	s := &Service{limits: lim, command: cfg.Command, sem: make(chan struct{}, n), warm: make(chan *child, max(warm, 0)),
		log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if len(s.command) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("grader: cannot find this executable for grading children: %w", err)
		}
		s.command = []string{exe}
		if flag.Lookup("test.run") != nil {
			s.command = append(s.command, "-test.run=^$")
		}
		s.command = append(s.command, "grade")
	}
	if cfg.External.URL != "" {
		client := cfg.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: 30 * time.Second}
		}
		ext, err := newJudge0(cfg.External, client, lim)
		if err != nil {
			return nil, err
		}
		ext.log = s.log
		s.ext = ext
	}
	return s, nil
}

// Limits returns the limits each grading runs under.
func (s *Service) Limits() Limits { return s.limits }

// Names lists the graders assignments may name, sorted: javascript, sql,
// html, and with the external service, its languages.
func (s *Service) Names() []string {
	names := []string{"html", "javascript", "sql"}
	if s.ext != nil {
		for lang := range s.ext.languages {
			if !slices.Contains(names, lang) {
				names = append(names, lang)
			}
		}
	}
	sort.Strings(names)
	return names
}

// Has reports whether the service grades with a grader of that name
// ("external" too, when the external service is configured).
func (s *Service) Has(name string) bool {
	return slices.Contains(s.Names(), name) || name == "external" && s.ext != nil
}

// Grade grades code against t. The error is for infrastructure failures
// only: the child could not be started or answered nonsense, or ctx ended.
func (s *Service) Grade(ctx context.Context, t Task, code string) (Result, error) {
	start := time.Now()
	res, err := s.grade(ctx, t, code)
	if err != nil {
		return Result{}, err
	}
	if len(res.Tests) != len(t.Tests) {
		// A child that lost tests on the way is treated as broken.
		return Result{}, fmt.Errorf("grader: %s answered %d test results for %d tests", t.Grader, len(res.Tests), len(t.Tests))
	}
	res.finish()
	res.Duration = time.Since(start)
	return res, nil
}

func (s *Service) grade(ctx context.Context, t Task, code string) (Result, error) {
	if len(code) > s.limits.MaxCode {
		return stopped(t, nil, VerdictRefused, msg("grader.code_too_long", "size", len(code), "max", s.limits.MaxCode)), nil
	}
	if _, local := localGraders[t.Grader]; local {
		if !sandboxed {
			return stopped(t, nil, VerdictUnavailable, msg("grader.no_sandbox")), nil
		}
		return s.runChild(ctx, t, code)
	}
	if s.ext != nil {
		lang := t.Grader
		if lang == "external" {
			lang = t.Language
		}
		if _, ok := s.ext.languages[lang]; ok {
			return s.ext.grade(ctx, lang, t, code)
		}
	}
	return stopped(t, nil, VerdictUnavailable, msg("grader.no_grader", "grader", clip(t.Grader))), nil
}

// acquire waits for a grading slot.
func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.sem }

// child is a started grading child, waiting for its request.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *capped
	stderr *capped
	done   chan struct{} // closed once the child has ended
	err    error         // cmd.Wait's, once done
}

// spawn starts a child. It reads its request only when given one: a warm
// child costs a sleeping process.
func (s *Service) spawn() (*child, error) {
	limits, _ := json.Marshal(s.limits)
	cmd := exec.Command(s.command[0], s.command[1:]...)
	cmd.Env = childEnv(string(limits))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	// The answer holds the tests' messages and output: bounded by
	// MaxOutput, plus room for the rest.
	c := &child{cmd: cmd, stdin: stdin, stdout: &capped{max: 4*s.limits.MaxOutput + 1<<20},
		stderr: &capped{max: stderrMax}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.stdout, c.stderr
	cmd.WaitDelay = time.Second
	childAttrs(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("grader: cannot start a grading child (%s): %w", s.command[0], err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// take returns a warm child if one is alive, else a new one; either way a
// warm one is started in the background for the next grading.
func (s *Service) take() (*child, error) {
	defer s.refill()
	for {
		select {
		case c := <-s.warm:
			select {
			case <-c.done: // died while waiting
				continue
			default:
				return c, nil
			}
		default:
			return s.spawn()
		}
	}
}

// refill starts a warm child when the pool has room.
func (s *Service) refill() {
	if cap(s.warm) == 0 || s.closed.Load() {
		return
	}
	go func() {
		if len(s.warm) >= cap(s.warm) {
			return
		}
		c, err := s.spawn()
		if err != nil {
			s.log.Warn("grader: cannot start a warm child", "err", err)
			return
		}
		select {
		case s.warm <- c:
			if s.closed.Load() {
				s.drain()
			}
		default:
			killChild(c.cmd)
		}
	}()
}

func (s *Service) drain() {
	for {
		select {
		case c := <-s.warm:
			killChild(c.cmd)
		default:
			return
		}
	}
}

// Close ends the warm children. Gradings still running finish.
func (s *Service) Close() error {
	s.closed.Store(true)
	s.drain()
	return nil
}

// runChild grades in a child process: it writes the request, reads the
// answer, and turns the child's death (killed at the deadline, out of
// memory, out of CPU) into a verdict.
func (s *Service) runChild(ctx context.Context, t Task, code string) (Result, error) {
	if err := s.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer s.release()
	req, err := json.Marshal(request{Task: t, Code: code})
	if err != nil {
		return Result{}, fmt.Errorf("grader: request: %w", err)
	}
	c, err := s.take()
	if err != nil {
		return Result{}, err
	}
	s.children.Add(1)
	defer s.children.Add(-1)
	var timedOut atomic.Bool
	timer := time.AfterFunc(s.limits.Wall+grace, func() {
		timedOut.Store(true)
		killChild(c.cmd)
	})
	stopCtx := context.AfterFunc(ctx, func() { killChild(c.cmd) })
	// A child that died before reading fails the write: its end says why.
	_, _ = c.stdin.Write(req)
	_ = c.stdin.Close()
	<-c.done
	timer.Stop()
	stopCtx()

	switch {
	case ctx.Err() != nil:
		return Result{}, ctx.Err()
	case timedOut.Load():
		return stopped(t, nil, VerdictTimeLimit, timeLimitMsg), nil
	case c.stdout.over:
		return stopped(t, nil, VerdictOutputLimit, msg("grader.results_limit")), nil
	}
	if c.err == nil {
		var resp response
		if err := json.Unmarshal(c.stdout.buf.Bytes(), &resp); err != nil || (resp.Result == nil && resp.Error == "") {
			return Result{}, fmt.Errorf("grader: the grading child answered no result (%d bytes; is grader.ChildMain called first thing, in TestMain for tests?): %s",
				c.stdout.buf.Len(), tail(c.stderr.buf.String()))
		}
		if resp.Error != "" {
			return Result{}, fmt.Errorf("grader: %s", resp.Error)
		}
		return *resp.Result, nil
	}
	return s.died(t, c.cmd, c.err, c.stderr.buf.String())
}

// died turns a child's abnormal end into a verdict, or an error when it is
// none of the learner's doing.
func (s *Service) died(t Task, cmd *exec.Cmd, waitErr error, stderr string) (Result, error) {
	ps := cmd.ProcessState
	if ps == nil {
		return Result{}, fmt.Errorf("grader: grading child: %w", waitErr)
	}
	signaled, cpuKilled := killedBy(ps, s.limits.CPU)
	if cpuKilled {
		return stopped(t, nil, VerdictTimeLimit, msg("grader.cpu_limit")), nil
	}
	switch {
	case strings.Contains(stderr, "out of memory") || strings.Contains(stderr, "cannot allocate memory") ||
		strings.Contains(stderr, "pthread_create failed") || strings.Contains(stderr, "failed to create new OS thread"):
		// The address space ran out: for the heap, or for a new thread's
		// stack.
		return stopped(t, nil, VerdictMemoryLimit, memoryLimitMsg), nil
	case strings.Contains(stderr, "stack overflow") || strings.Contains(stderr, "stack exceeds"):
		return stopped(t, nil, VerdictRuntimeError, msg("grader.stack_limit")), nil
	case signaled && strings.TrimSpace(stderr) == "":
		// Killed from outside without a word (the kernel's OOM killer):
		// the child's memory is the likely cause.
		return stopped(t, nil, VerdictMemoryLimit, memoryLimitMsg), nil
	}
	s.log.Error("grading child failed", "grader", t.Grader, "err", waitErr, "stderr", tail(stderr))
	return Result{}, fmt.Errorf("grader: grading child failed (%v): %s", waitErr, tail(stderr))
}

// childEnv is the child's whole environment: nothing of the server's
// (secrets, database URLs) reaches learner code.
func childEnv(limits string) []string {
	env := []string{EnvChild + "=1", EnvLimits + "=" + limits, "GOMAXPROCS=2", "GOTRACEBACK=none", "MALLOC_ARENA_MAX=1"}
	if d := os.Getenv("GOCOVERDIR"); d != "" {
		env = append(env, "GOCOVERDIR="+d)
	}
	return env
}

// capped keeps the first max bytes written to it and drops the rest.
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room < len(p) {
		c.over = true
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	c.buf.Write(p)
	return len(p), nil
}

// tail is the end of a child's standard error, for logs and errors.
func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}
