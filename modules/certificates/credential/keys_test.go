package credential

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestPEMRoundTrip(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	text, err := MarshalPrivateKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(text), "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("PEM %s", text)
	}
	back, err := ParsePrivateKeyPEM(text)
	if err != nil || !back.Equal(k) {
		t.Fatalf("round trip: %v", err)
	}
	// A key made by `openssl genpkey -algorithm ed25519` (RFC 8410 §10.3 example).
	openssl := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"
	if _, err := ParsePrivateKeyPEM([]byte(openssl)); err != nil {
		t.Errorf("openssl key: %v", err)
	}
}

func TestParsePrivateKeyPEMRefuses(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(testKey(t).Public())
	tests := []struct {
		name, text, want string
	}{
		{"RSA PKCS#8", string(pkcs8(rsaKey)), "RSA key; want Ed25519"},
		{"RSA PKCS#1", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})), "RSA key"},
		{"EC PKCS#8", string(pkcs8(ecKey)), "ECDSA key; want Ed25519"},
		{"EC SEC 1", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})), "EC key"},
		{"public key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), `"PUBLIC KEY"`},
		{"garbage", "not a key at all", "no PEM block"},
		{"empty", "", "no PEM block"},
		{"bad DER", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")})), "not a valid PKCS#8"},
		{"openssh", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "OpenSSH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrivateKeyPEM([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "keys")
	path := filepath.Join(dir, "credential.pem")
	k, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("first call: created %v, %v", created, err)
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v (%v)", p, fi.Mode().Perm(), want, err)
			}
		}
	}
	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || !again.Equal(k) {
		t.Errorf("second call: created %v, same key %v, %v", created, again.Equal(k), err)
	}
	assertOnlyFile(t, dir, "credential.pem")

	// A file that is not a key is reported and left as it is, never replaced.
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKeyFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("garbage file: %v", err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "garbage" {
		t.Error("the garbage file was overwritten")
	}
}

// TestLoadOrCreateKeyFileConcurrent: ten first starts at once end with one
// key, created by exactly one of them.
func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	for round := range 5 {
		dir := filepath.Join(t.TempDir(), "keys")
		path := filepath.Join(dir, "credential.pem")
		const n = 10
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			keys    [n][]byte
			created [n]bool
			errs    [n]error
		)
		for i := range n {
			wg.Go(func() {
				<-start
				k, c, err := LoadOrCreateKeyFile(path)
				keys[i], created[i], errs[i] = k, c, err
			})
		}
		close(start)
		wg.Wait()
		creators := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, goroutine %d: %v", round, i, errs[i])
			}
			if string(keys[i]) != string(keys[0]) {
				t.Fatalf("round %d: goroutine %d got a different key", round, i)
			}
			if created[i] {
				creators++
			}
		}
		if creators != 1 {
			t.Errorf("round %d: %d callers report creating the file", round, creators)
		}
		onDisk, _, err := LoadOrCreateKeyFile(path)
		if err != nil || string(onDisk) != string(keys[0]) {
			t.Errorf("round %d: the file holds another key (%v)", round, err)
		}
		assertOnlyFile(t, dir, "credential.pem")
	}
}

func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != name {
			t.Errorf("leftover file %s", e.Name())
		}
	}
}
