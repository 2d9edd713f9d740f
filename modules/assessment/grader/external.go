package grader

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// External configures the external code-execution service: a Judge0 CE
// server (https://judge0.com, self-hosted or a hosted plan), which runs
// languages this server does not (Python, C, Java…) in its own sandbox.
// Off while URL is empty.
type External struct {
	// URL is the server's base URL ("http://judge0:2358").
	URL string
	// Token, when set, is sent in AuthHeader (default X-Auth-Token) on
	// every request.
	Token      string
	AuthHeader string
	// Languages maps the grader names assignments use ("python") to the
	// server's language ids (71: Python 3.8 on Judge0 CE; see its GET
	// /languages).
	Languages map[string]int
	// Poll is how often a submission's status is asked for when the server
	// does not wait for the result (wait=true refused); default 250 ms.
	Poll time.Duration
}

// Judge0's submission statuses.
const (
	j0InQueue      = 1
	j0Processing   = 2
	j0Accepted     = 3
	j0WrongAnswer  = 4
	j0TimeLimit    = 5
	j0CompileError = 6
	j0InternalErr  = 13
	j0ExecFormat   = 14
)

// Judge0's own bounds on a submission's limits (its defaults for the
// maximum a submission may ask).
const (
	j0MaxCPUSeconds = 15
	j0MaxMemoryKB   = 512000
)

type judge0 struct {
	base      *url.URL
	token     string
	header    string
	languages map[string]int
	poll      time.Duration
	client    *http.Client
	limits    Limits
	log       *slog.Logger
}

func newJudge0(cfg External, client *http.Client, lim Limits) (*judge0, error) {
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("grader: external URL %q is not an http(s) URL", cfg.URL)
	}
	if len(cfg.Languages) == 0 {
		return nil, errors.New("grader: the external grader needs a language map (name → language id)")
	}
	for name, id := range cfg.Languages {
		if name == "" || id <= 0 {
			return nil, fmt.Errorf("grader: external language %q → %d: a name and a positive id are required", name, id)
		}
		if _, local := localGraders[name]; local || name == "external" {
			return nil, fmt.Errorf("grader: external language %q is the name of a built-in grader", name)
		}
	}
	j := &judge0{base: u, token: cfg.Token, header: cfg.AuthHeader, languages: cfg.Languages, poll: cfg.Poll,
		client: client, limits: lim, log: slog.New(slog.DiscardHandler)}
	if j.header == "" {
		j.header = "X-Auth-Token"
	}
	if j.poll <= 0 {
		j.poll = 250 * time.Millisecond
	}
	return j, nil
}

// j0Submission is a submission as Judge0 returns it (base64 fields).
type j0Submission struct {
	Token         string  `json:"token"`
	Stdout        *string `json:"stdout"`
	Stderr        *string `json:"stderr"`
	CompileOutput *string `json:"compile_output"`
	Message       *string `json:"message"`
	Status        *struct {
		ID          int    `json:"id"`
		Description string `json:"description"`
	} `json:"status"`
	Error string `json:"error"`
}

// errUnavailable marks a failure of the service, not of the code.
var errUnavailable = errors.New("the code-execution service is unavailable")

// grade runs each test as one submission: the test's setup is the
// program's standard input, its expect the standard output.
func (j *judge0) grade(ctx context.Context, lang string, t Task, code string) (Result, error) {
	var done []TestResult
	for _, tc := range t.Tests {
		expected := expectedOutput(tc.Expect)
		sub, err := j.run(ctx, j.languages[lang], code, tc.Setup, expected)
		if err != nil {
			if ctx.Err() != nil {
				return Result{}, ctx.Err()
			}
			j.log.Warn("external grader", "err", err)
			return stopped(t, done, VerdictUnavailable, msg("grader.external.unavailable")), nil
		}
		tr := TestResult{Name: tc.Name, Hidden: tc.Hidden}
		switch sub.Status.ID {
		case j0Accepted, j0WrongAnswer:
			got := decode64(sub.Stdout)
			if sameOutput(got, expected) {
				tr.Passed = true
			} else {
				tr.say(msg("grader.external.output", "want", clip(expected), "got", clip(got)))
			}
		case j0TimeLimit:
			tr.say(timeLimitMsg)
			return stopped(t, append(done, tr), VerdictTimeLimit, timeLimitMsg), nil
		case j0CompileError:
			m := msg("grader.external.compile", "error", clip(strings.TrimSpace(decode64(sub.CompileOutput))))
			return stopped(t, nil, VerdictCompileError, m), nil
		case j0InternalErr, j0ExecFormat:
			j.log.Warn("external grader", "status", sub.Status.Description, "message", decode64(sub.Message))
			return stopped(t, done, VerdictUnavailable, msg("grader.external.unavailable")), nil
		default: // the runtime errors
			detail := strings.TrimSpace(decode64(sub.Stderr))
			if detail == "" {
				detail = strings.TrimSpace(decode64(sub.Message))
			}
			tr.say(msg("grader.external.runtime", "status", sub.Status.Description, "error", clip(detail)))
		}
		if out := decode64(sub.Stdout); !tr.Passed && out != "" {
			tr.Output = clip(out)
		}
		done = append(done, tr)
	}
	r := Result{Tests: done}
	r.finish()
	return r, nil
}

// run creates a submission and returns it finished: at once when the
// server waits (wait=true), else by polling its token.
func (j *judge0) run(ctx context.Context, langID int, code, stdin, expected string) (*j0Submission, error) {
	body, _ := json.Marshal(map[string]any{
		"language_id":     langID,
		"source_code":     base64.StdEncoding.EncodeToString([]byte(code)),
		"stdin":           base64.StdEncoding.EncodeToString([]byte(stdin)),
		"expected_output": base64.StdEncoding.EncodeToString([]byte(expected)),
		"cpu_time_limit":  min(j.limits.Wall.Seconds(), j0MaxCPUSeconds),
		"memory_limit":    min(j.limits.Memory/1024, j0MaxMemoryKB),
	})
	deadline := time.Now().Add(j.limits.Wall*4 + 30*time.Second)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var sub j0Submission
	status, err := j.call(ctx, http.MethodPost, "/submissions", "base64_encoded=true&wait=true", body, &sub)
	switch {
	case err != nil:
		return nil, err
	case status == http.StatusBadRequest: // "wait not allowed": create, then poll
		status, err = j.call(ctx, http.MethodPost, "/submissions", "base64_encoded=true", body, &sub)
		if err != nil {
			return nil, err
		}
		if status != http.StatusCreated && status != http.StatusOK {
			return nil, fmt.Errorf("%w: create: HTTP %d", errUnavailable, status)
		}
	case status != http.StatusCreated && status != http.StatusOK:
		return nil, fmt.Errorf("%w: create: HTTP %d %s", errUnavailable, status, sub.Error)
	}
	for sub.Status == nil || sub.Status.ID == j0InQueue || sub.Status.ID == j0Processing {
		if sub.Token == "" {
			return nil, fmt.Errorf("%w: a submission without token or status", errUnavailable)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: no result in time: %v", errUnavailable, ctx.Err())
		case <-time.After(j.poll):
		}
		token := sub.Token
		sub = j0Submission{}
		status, err := j.call(ctx, http.MethodGet, "/submissions/"+url.PathEscape(token),
			"base64_encoded=true&fields=token,stdout,stderr,compile_output,message,status", nil, &sub)
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("%w: status: HTTP %d", errUnavailable, status)
		}
		sub.Token = token
	}
	return &sub, nil
}

// call sends one request and decodes a JSON answer into out; an HTTP
// status of the server's is returned, not an error.
func (j *judge0) call(ctx context.Context, method, path, query string, body []byte, out *j0Submission) (int, error) {
	u := *j.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if j.token != "" {
		req.Header.Set(j.header, j.token)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return 0, fmt.Errorf("%w: HTTP %d", errUnavailable, resp.StatusCode)
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil && resp.StatusCode < 300 {
			return 0, fmt.Errorf("%w: bad answer: %v", errUnavailable, err)
		}
	}
	return resp.StatusCode, nil
}

func decode64(s *string) string {
	if s == nil {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*s))
	if err != nil {
		// Judge0 wraps long base64 output in lines.
		b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(*s), ""))
		if err != nil {
			return *s
		}
	}
	return string(b)
}

// expectedOutput is a test's expected standard output: a string as it is,
// anything else as JSON.
func expectedOutput(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// sameOutput compares outputs as judges do: trailing spaces of each line
// and trailing empty lines do not count.
func sameOutput(got, want string) bool {
	norm := func(s string) string {
		lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t")
		}
		return strings.TrimRight(strings.Join(lines, "\n"), "\n")
	}
	return norm(got) == norm(want)
}
