package storage

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLocalSweepsStaleTemp(t *testing.T) {
	root := t.TempDir()
	l, err := NewLocal(root, testSigner(1))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	stale := filepath.Join(root, tmpDir, "put-stale")
	fresh := filepath.Join(root, tmpDir, "put-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	l, err = NewLocal(root, testSigner(1))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// A fresh temp file may belong to another process's upload in flight.
	if got := dirFiles(t, filepath.Join(root, tmpDir)); !slices.Equal(got, []string{"put-fresh"}) {
		t.Fatalf("temp dir after start: %q", got)
	}
}

func TestLocalStaysInsideRoot(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	// A symlink planted inside the media directory must not lead out of it.
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	l, err := NewLocal(root, testSigner(1))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Open(ctx, "escape/secret.txt"); err == nil {
		t.Fatal("read through a symlink out of the root")
	}
	if err := l.Put(ctx, "escape/new.txt", strings.NewReader("x"), 1, ""); err == nil {
		t.Fatal("wrote through a symlink out of the root")
	}
	if _, err := os.Stat(filepath.Join(outside, "new.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("file created outside the root")
	}
}

func TestLocalPrunesEmptyDirectories(t *testing.T) {
	root := t.TempDir()
	l, err := NewLocal(root, testSigner(1))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	put(t, l, "videos/42/hls/720p/seg-1.ts", []byte("a"))
	put(t, l, "videos/7/poster.jpg", []byte("b"))
	if err := l.DeletePrefix(ctx, "videos/42/"); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, "videos/7/poster.jpg"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != tmpDir {
			t.Fatalf("left %q in the root", e.Name())
		}
	}
	// A failed Put creates no directories either.
	if err := l.Put(ctx, "videos/9/a.ts", &failingReader{n: 10, err: errBoom}, -1, ""); err == nil {
		t.Fatal("Put succeeded")
	}
	if _, err := os.Stat(filepath.Join(root, "videos")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("failed Put left directories: %v", err)
	}
}

func TestLocalKeyThroughObject(t *testing.T) {
	l := newTestLocal(t)
	put(t, l, "a.ts", []byte("x"))
	// "a.ts" is a file, so "a.ts/b" cannot exist on a filesystem; S3 would
	// allow it, but refusing it as an invalid key is the honest answer here.
	if err := l.Put(ctx, "a.ts/b", strings.NewReader("y"), 1, ""); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("Put through a file = %v", err)
	}
	if left := localLeftovers(t, l); len(left) != 0 {
		t.Fatalf("left %q", left)
	}
}

func TestLocalURLPrefix(t *testing.T) {
	l, err := NewLocal(t.TempDir(), testSigner(1), WithURLPrefix("https://media.example.com/m/"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	u, err := l.URL(ctx, "v/a b.ts", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://media.example.com/m/v/a%20b.ts?exp=") || !strings.Contains(u, "&sig=") {
		t.Fatalf("URL = %q", u)
	}
}

func TestValidateKey(t *testing.T) {
	for _, k := range []string{"a", "videos/42/hls/720p/seg-00001.ts", "a..b/c", "강의/1.mp4", "a b/c#d?.ts", "v/x..y"} {
		if err := ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q) = %v", k, err)
		}
	}
	for _, k := range invalidKeys {
		if err := ValidateKey(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v", k, err)
		}
	}
	// The error says why but does not echo the key (it may be hostile).
	if err := ValidateKey("../secret"); strings.Contains(err.Error(), "secret") {
		t.Fatalf("error echoes the key: %v", err)
	}
}
