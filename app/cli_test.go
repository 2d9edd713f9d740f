package app_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
		addr := freePort(t)
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "WEAVERSE_LISTEN="+addr)
		if dialect != "sqlite" {
			cmd.Env = append(cmd.Env, "WEAVERSE_DATABASE_URL="+testkit.DatabaseURL(t, dialect))
		} else {
			cmd.Env = append(cmd.Env, "WEAVERSE_DATABASE_URL=")
		}
		stdout, _ := cmd.StdoutPipe()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		line := make(chan string, 1)
		go func() {
			s := bufio.NewScanner(stdout)
			if s.Scan() {
				line <- s.Text()
			}
			_, _ = io.Copy(io.Discard, stdout)
		}()
		select {
		case l := <-line:
			if !strings.Contains(l, "http://"+addr) {
				t.Fatalf("first line %q does not give the URL", l)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no start-up line; stderr: %s", stderr.String())
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
		if code != app.ExitError || !strings.Contains(errOut, "accounts.email_taken") {
			t.Fatalf("duplicate: %d %q", code, errOut)
		}
		code, _, errOut = runMain(t, env, "user", "create", "--email", "weak@example.com", "--password", "short")
		if code != app.ExitError || !strings.Contains(errOut, "password") {
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
