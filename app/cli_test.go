package app_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/migrations"
	"github.com/weaverse/weaverse/platform/testkit"
)

func runMain(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code = app.Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIBadConfigExits2WithOneLine(t *testing.T) {
	t.Chdir(t.TempDir())
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"mode", nil, []string{"--mode", "prodution"}, "WEAVERSE_MODE"},
		{"database", map[string]string{"WEAVERSE_DATABASE_URL": "mysql://root@db/x"}, nil, "WEAVERSE_DATABASE_URL"},
		{"production secrets", map[string]string{"WEAVERSE_MODE": "production", "WEAVERSE_BASE_URL": "https://x.example"}, nil, "required in production"},
		{"listen", nil, []string{"serve", "--listen", "nowhere"}, "WEAVERSE_LISTEN"},
		{"missing file", nil, []string{"--config", "nope.yaml"}, "nope.yaml"},
		{"unknown flag", nil, []string{"--frobnicate"}, "unknown flag"},
		{"unknown command", nil, []string{"frobnicate"}, "unknown command"},
		{"down steps", nil, []string{"migrate", "down", "--steps", "0"}, "--steps"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runMain(t, tc.env, tc.args...)
			if code != app.ExitConfig {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr %q: want one line mentioning %q", stderr, tc.want)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
				t.Fatalf("stderr %q", stderr)
			}
		})
	}
	if _, err := os.Stat("data"); !os.IsNotExist(err) {
		t.Fatal("a refused configuration left a data directory behind")
	}
}

func TestCLIVersionAndMigrate(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, _ := runMain(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "weaverse ") {
		t.Fatalf("version: %d %q", code, out)
	}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		env := map[string]string{"WEAVERSE_DATABASE_URL": testkit.DatabaseURL(t, dialect)}
		n, _ := fs.Glob(migrations.Files(), "*.up.sql")
		pending := fmt.Sprintf("0 applied, %d pending", len(n))
		code, out, errOut := runMain(t, env, "migrate", "status")
		if code != 0 || !strings.Contains(out, pending) {
			t.Fatalf("status: %d %q %q", code, out, errOut)
		}
		code, out, _ = runMain(t, env, "migrate", "up")
		if code != 0 || !strings.Contains(out, "applied  20261124000000_platform_settings") {
			t.Fatalf("up: %d %q", code, out)
		}
		code, out, _ = runMain(t, env, "migrate", "up")
		if code != 0 || !strings.Contains(out, "nothing to apply") {
			t.Fatalf("second up: %d %q", code, out)
		}
		code, out, _ = runMain(t, env, "migrate", "down", "--all")
		if code != 0 || !strings.Contains(out, "rolled back") {
			t.Fatalf("down: %d %q", code, out)
		}
		code, out, _ = runMain(t, env, "migrate", "status")
		if code != 0 || !strings.Contains(out, pending) {
			t.Fatalf("status after down: %d %q", code, out)
		}
	})
}

// buildBinary compiles the product once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "weaverse")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freePort returns a loopback address whose port was free a moment ago.
// Another process may take it before the binary listens there:
// startBinary retries with another port then.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// started is a running binary and the first line it printed.
type started struct {
	cmd       *exec.Cmd
	addr      string
	firstLine string
	stderr    *syncBuffer
	attempts  int
}

// syncBuffer is a bytes.Buffer the child's stderr copier and the test may
// use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startBinary starts bin in dir, listening on an address from port (a free
// loopback port: freePort), and waits for its first line on standard
// output. The port is chosen by the kernel and released before the binary
// binds it, so another process may take it in between: when the binary
// then exits because the address is in use, it is started again on another
// port (a few times).
func startBinary(t *testing.T, bin, dir string, env []string, port func(*testing.T) string) *started {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := port(t)
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), env...), "WEAVERSE_LISTEN="+addr)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		stderr := &syncBuffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line := make(chan string, 1)
		go func() {
			s := bufio.NewScanner(stdout)
			if s.Scan() {
				line <- s.Text()
			}
			close(line)
			_, _ = io.Copy(io.Discard, stdout)
		}()
		select {
		case l, ok := <-line:
			if ok {
				t.Cleanup(func() { _ = cmd.Process.Kill() })
				return &started{cmd: cmd, addr: addr, firstLine: l, stderr: stderr, attempts: attempt}
			}
			// Standard output closed without a line: the binary exited.
			err := cmd.Wait()
			if strings.Contains(stderr.String(), "address already in use") && attempt < 5 {
				t.Logf("port %s taken meanwhile; trying another", addr)
				continue
			}
			t.Fatalf("the binary exited before printing a line (%v); stderr: %s", err, stderr.String())
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("no start-up line; stderr: %s", stderr.String())
		}
	}
}

// The acceptance path of a newcomer: the binary with no arguments starts the
// product (SQLite under ./data, or Postgres from WEAVERSE_DATABASE_URL),
// prints its URL, answers /healthz, /readyz, / and the OpenAPI document, and
// exits 0 on SIGTERM.
func TestBinaryServesAndStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		dir := t.TempDir()
		env := []string{"WEAVERSE_DATABASE_URL="}
		if dialect != "sqlite" {
			env = []string{"WEAVERSE_DATABASE_URL=" + testkit.DatabaseURL(t, dialect)}
		}
		port := freePort
		if dialect == "sqlite" {
			// The first port offered is taken by another process (as may
			// happen between freePort and the binary's listen): the binary
			// is started again on another.
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer taken.Close()
			offered := 0
			port = func(t *testing.T) string {
				if offered++; offered == 1 {
					return taken.Addr().String()
				}
				return freePort(t)
			}
		}
		run := startBinary(t, bin, dir, env, port)
		cmd, addr, stderr := run.cmd, run.addr, run.stderr
		if want := map[bool]int{true: 2, false: 1}[dialect == "sqlite"]; run.attempts != want {
			t.Fatalf("started after %d attempts, want %d", run.attempts, want)
		}
		if !strings.Contains(run.firstLine, "http://"+addr) {
			t.Fatalf("first line %q does not give the URL", run.firstLine)
		}
		base := "http://" + addr
		for path, want := range map[string]string{
			"/healthz":          `"status":"ok"`,
			"/readyz":           `"status":"ready"`,
			"/":                 `<html lang="ko"`,
			"/?lang=en":         `<html lang="en"`,
			"/api/openapi.json": `"openapi":"3.1.0"`,
		} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Fatalf("GET %s: %d, want 200 with %q", path, resp.StatusCode, want)
			}
		}
		if dialect == "sqlite" {
			if _, err := os.Stat(filepath.Join(dir, "data", "weaverse.db")); err != nil {
				t.Fatalf("./data/weaverse.db was not created: %v", err)
			}
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v; stderr: %s", err, stderr.String())
			}
		case <-time.After(15 * time.Second):
			t.Fatal("did not exit after SIGTERM")
		}
	})
}

func TestCLIUserCreateAndKeysRotate(t *testing.T) {
	t.Chdir(t.TempDir())
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		env := map[string]string{"WEAVERSE_DATABASE_URL": testkit.DatabaseURL(t, dialect),
			"WEAVERSE_AUTH_ARGON2_MEMORY_KIB": "1024", "WEAVERSE_AUTH_ARGON2_ITERATIONS": "1"}
		code, out, errOut := runMain(t, env, "user", "create", "--email", "boss@example.com", "--password", "a-long-admin-secret-1", "--role", "admin")
		if code != 0 || !strings.Contains(out, "created admin boss@example.com") {
			t.Fatalf("user create: %d %q %q", code, out, errOut)
		}
		code, _, errOut = runMain(t, env, "user", "create", "--email", "BOSS@example.com", "--password", "a-long-admin-secret-1", "--nickname", "boss2")
		if code != app.ExitError || !strings.Contains(errOut, "이미 가입된 이메일입니다.") {
			t.Fatalf("duplicate: %d %q", code, errOut)
		}
		code, _, errOut = runMain(t, env, "user", "create", "--email", "weak@example.com", "--password", "short")
		if code != app.ExitError || !strings.Contains(errOut, "password: 비밀번호는 10자 이상이어야 합니다.") {
			t.Fatalf("weak password: %d %q", code, errOut)
		}
		code, _, errOut = runMain(t, env, "user", "create", "--email", "x@example.com", "--password", "a-long-admin-secret-1", "--role", "king")
		if code != app.ExitConfig {
			t.Fatalf("bad role: %d %q", code, errOut)
		}
		code, out, errOut = runMain(t, env, "keys", "rotate")
		if code != 0 || !strings.Contains(out, "re-encrypted 0 values") {
			t.Fatalf("keys rotate: %d %q %q", code, out, errOut)
		}
	})
}

// The command line says what the web says, in the locale's language
// (Korean unless it is English), never a raw code; and a one-letter e-mail
// gets a valid, unused nickname.
func TestCLIMessagesAndDerivedNickname(t *testing.T) {
	t.Chdir(t.TempDir())
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		env := map[string]string{"WEAVERSE_DATABASE_URL": testkit.DatabaseURL(t, dialect),
			"WEAVERSE_AUTH_ARGON2_MEMORY_KIB": "1024", "WEAVERSE_AUTH_ARGON2_ITERATIONS": "1",
			"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}
		create := func(env map[string]string, args ...string) (int, string, string) {
			return runMain(t, env, append([]string{"user", "create", "--password", "a-long-admin-secret-1"}, args...)...)
		}
		// One-letter local parts: the nickname is derived, valid and unique.
		for _, email := range []string{"a@example.com", "b@example.com"} {
			if code, out, errOut := create(env, "--email", email); code != 0 || !strings.Contains(out, "created student "+email) {
				t.Fatalf("user create %s: %d %q %q", email, code, out, errOut)
			}
		}
		with := func(kv ...string) map[string]string {
			e := maps.Clone(env)
			for i := 0; i+1 < len(kv); i += 2 {
				e[kv[i]] = kv[i+1]
			}
			return e
		}
		for _, tc := range []struct {
			env  map[string]string
			args []string
			want string
		}{
			{env, []string{"--email", "A@example.com"}, "refused: 이미 가입된 이메일입니다."},
			{with("LANG", "ko_KR.UTF-8"), []string{"--email", "c@example.com", "--nickname", "x"},
				"refused: nickname: 닉네임은 2~20자로 입력해 주세요."},
			{with("LANG", "en_US.UTF-8"), []string{"--email", "a@example.com"}, "refused: This e-mail is already registered."},
			{with("LANG", "en_GB.UTF-8"), []string{"--email", "c@example.com", "--nickname", "x"},
				"refused: nickname: Nicknames have 2 to 20 characters"},
			{with("LANG", "ko_KR.UTF-8", "LC_ALL", "en_US.UTF-8"), []string{"--email", "not-an-address"},
				"refused: email: Enter a valid e-mail address."},
			{with("LANG", "C.UTF-8"), []string{"--email", "d@example.com", "--nickname", "<b>"}, "refused: nickname: 닉네임은"},
		} {
			code, _, errOut := create(tc.env, tc.args...)
			if code != app.ExitError || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "accounts.") {
				t.Errorf("%v (LANG=%s LC_ALL=%s): %d %q, want %q", tc.args, tc.env["LANG"], tc.env["LC_ALL"], code, errOut, tc.want)
			}
		}
	})
}
