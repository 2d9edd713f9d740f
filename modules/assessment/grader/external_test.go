package grader

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeJudge0 follows Judge0 CE's documented contract: POST /submissions
// (base64_encoded, wait) creates a submission; GET /submissions/{token}
// returns it; fields are Base64 when base64_encoded=true; X-Auth-Token
// guards every request when a token is set; status ids 1–2 are pending,
// 3 Accepted, 4 Wrong Answer, 5 Time Limit Exceeded, 6 Compilation Error,
// 7–12 runtime errors, 13 Internal Error. Its "programs" are scripted: the
// source code says what the run does.
type fakeJudge0 struct {
	t         *testing.T
	token     string
	allowWait bool
	mu        sync.Mutex
	subs      map[string]map[string]any
	polls     int
	seen      []map[string]any
}

func (f *fakeJudge0) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.token != "" && r.Header.Get("X-Auth-Token") != f.token {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.URL.Query().Get("base64_encoded") != "true" {
		f.t.Errorf("%s %s without base64_encoded=true", r.Method, r.URL)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/submissions":
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.seen = append(f.seen, in)
		if id, _ := in["language_id"].(float64); id != 71 {
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprintf(w, `{"language_id": ["language with id %v doesn't exist"]}`, in["language_id"])
			return
		}
		sub := f.execute(unb64(in["source_code"]), unb64(in["stdin"]))
		token := fmt.Sprintf("tok-%d", len(f.subs))
		sub["token"] = token
		f.subs[token] = sub
		wait := r.URL.Query().Get("wait") == "true"
		if wait && !f.allowWait {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error": "wait not allowed"}`))
			delete(f.subs, token)
			return
		}
		w.WriteHeader(http.StatusCreated)
		if wait {
			_ = json.NewEncoder(w).Encode(sub)
			return
		}
		fmt.Fprintf(w, `{"token": %q}`, token)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/submissions/"):
		sub, ok := f.subs[strings.TrimPrefix(r.URL.Path, "/submissions/")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		f.polls++
		if f.polls%2 == 1 { // first asked: still processing
			_ = json.NewEncoder(w).Encode(map[string]any{"token": sub["token"], "status": map[string]any{"id": 2, "description": "Processing"}})
			return
		}
		_ = json.NewEncoder(w).Encode(sub)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// execute "runs" a scripted program: "echo" prints its input upper-cased,
// "loop" times out, "syntax" does not compile, "crash" exits non-zero,
// "internal" fails the server.
func (f *fakeJudge0) execute(code, stdin string) map[string]any {
	status := func(id int, d string) map[string]any { return map[string]any{"id": id, "description": d} }
	switch strings.TrimSpace(code) {
	case "echo":
		return map[string]any{"stdout": b64(strings.ToUpper(stdin) + "\n"), "status": status(3, "Accepted"), "time": "0.01", "memory": 3000}
	case "loop":
		return map[string]any{"stdout": nil, "status": status(5, "Time Limit Exceeded")}
	case "syntax":
		return map[string]any{"compile_output": b64("main.py:1: SyntaxError: invalid syntax\n"), "status": status(6, "Compilation Error")}
	case "crash":
		return map[string]any{"stderr": b64("ZeroDivisionError: division by zero\n"), "status": status(11, "Runtime Error (NZEC)")}
	case "internal":
		return map[string]any{"message": b64("isolate failed"), "status": status(13, "Internal Error")}
	}
	return map[string]any{"stdout": b64(""), "status": status(4, "Wrong Answer")}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func unb64(v any) string {
	s, _ := v.(string)
	b, _ := base64.StdEncoding.DecodeString(s)
	return string(b)
}

var echoTask = Task{Grader: "python", Tests: []Test{
	{Name: "hello", Setup: "hello", Expect: "HELLO"},
	{Name: "hidden", Hidden: true, Setup: "weaverse\n", Expect: "WEAVERSE\n\n"},
}}

func judgeService(t *testing.T, f *fakeJudge0, url string) *Service {
	t.Helper()
	return newTestService(t, func(c *Config) {
		c.External = External{URL: url, Token: f.token, Languages: map[string]int{"python": 71, "haskell": 999}, Poll: 5 * time.Millisecond}
	})
}

func TestExternal(t *testing.T) {
	t.Parallel()
	for _, wait := range []bool{true, false} {
		t.Run(fmt.Sprintf("wait=%v", wait), func(t *testing.T) {
			t.Parallel()
			f := &fakeJudge0{t: t, token: "secret", allowWait: wait, subs: map[string]map[string]any{}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			s := judgeService(t, f, srv.URL+"/")
			if !s.Has("python") || !s.Has("external") || strings.Join(s.Names(), ",") != "haskell,html,javascript,python,sql" {
				t.Fatalf("names %v", s.Names())
			}
			for _, tc := range []gradeCase{
				{"happy path", echoTask, "echo", want{passed: true, score: 100}},
				{"external with a language", Task{Grader: "external", Language: "python", Tests: echoTask.Tests}, "echo", want{passed: true, score: 100}},
				{"wrong answer", echoTask, "print('no')", want{msgs: []string{`expected output "HELLO", got ""`}}},
				{"compile error", echoTask, "syntax", want{verdict: VerdictCompileError, msgs: []string{"SyntaxError: invalid syntax"}}},
				{"time limit", echoTask, "loop", want{verdict: VerdictTimeLimit, msgs: []string{"Time limit"}}},
				{"runtime error", echoTask, "crash", want{msgs: []string{"Runtime Error (NZEC): ZeroDivisionError"}}},
				{"internal error", echoTask, "internal", want{verdict: VerdictUnavailable}},
				{"unknown language id", Task{Grader: "haskell", Tests: echoTask.Tests}, "echo", want{verdict: VerdictUnavailable}},
				{"language not configured", Task{Grader: "ruby", Tests: echoTask.Tests}, "echo", want{verdict: VerdictUnavailable}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					check(t, grade(t, s, tc.task, tc.code), tc.want)
				})
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.seen) == 0 || unb64(f.seen[0]["stdin"]) != "hello" || unb64(f.seen[0]["expected_output"]) != "HELLO" {
				t.Fatalf("first submission %v", f.seen)
			}
			if !wait && f.polls == 0 {
				t.Fatal("a server that does not wait was never polled")
			}
		})
	}
}

func TestExternalUnavailable(t *testing.T) {
	t.Parallel()
	f := &fakeJudge0{t: t, token: "secret", allowWait: true, subs: map[string]map[string]any{}}
	srv := httptest.NewServer(f)
	s := judgeService(t, f, srv.URL)
	srv.Close() // the server is down
	check(t, grade(t, s, echoTask, "echo"), want{verdict: VerdictUnavailable, msgs: []string{"unavailable"}})

	// A wrong token, and a server answering 500.
	srv = httptest.NewServer(f)
	defer srv.Close()
	bad := newTestService(t, func(c *Config) {
		c.External = External{URL: srv.URL, Token: "wrong", Languages: map[string]int{"python": 71}}
	})
	check(t, grade(t, bad, echoTask, "echo"), want{verdict: VerdictUnavailable})
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer broken.Close()
	s = newTestService(t, func(c *Config) { c.External = External{URL: broken.URL, Languages: map[string]int{"python": 71}} })
	check(t, grade(t, s, echoTask, "echo"), want{verdict: VerdictUnavailable})

	// A cancelled caller gets its context's error, not a verdict.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Grade(ctx, echoTask, "echo"); err == nil {
		t.Fatal("a cancelled grading succeeded")
	}
}

func TestExternalConfig(t *testing.T) {
	t.Parallel()
	for _, ext := range []External{
		{URL: "ftp://x", Languages: map[string]int{"python": 71}},
		{URL: "http://x"},
		{URL: "http://x", Languages: map[string]int{"python": 0}},
		{URL: "http://x", Languages: map[string]int{"sql": 82}},
	} {
		if _, err := New(Config{External: ext}); err == nil {
			t.Errorf("%+v accepted", ext)
		}
	}
	s, err := New(Config{})
	if err != nil || s.Has("external") || s.Has("python") {
		t.Fatalf("off by default: %v %v", err, s.Names())
	}
}
