package credential

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// GenerateKey returns a new random Ed25519 private key.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("credential: generate key: %w", err)
	}
	return k, nil
}

// MarshalPrivateKeyPEM encodes k as a PKCS#8 "PRIVATE KEY" PEM block (the
// format of `openssl genpkey -algorithm ed25519`).
func MarshalPrivateKeyPEM(k ed25519.PrivateKey) ([]byte, error) {
	if err := checkKey(k); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("credential: marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKeyPEM decodes the first PEM block of pemText, which must be a
// PKCS#8 "PRIVATE KEY" holding an Ed25519 key. Other keys are refused with an
// error that names what was found.
func ParsePrivateKeyPEM(pemText []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(pemText)
	if block == nil {
		return nil, errors.New("credential: key: no PEM block found (want a PKCS#8 \"PRIVATE KEY\" holding an Ed25519 key)")
	}
	switch block.Type {
	case "PRIVATE KEY":
	case "RSA PRIVATE KEY":
		return nil, errors.New("credential: key: found an RSA key (PKCS#1); want Ed25519 (openssl genpkey -algorithm ed25519)")
	case "EC PRIVATE KEY":
		return nil, errors.New("credential: key: found an EC key (SEC 1); want Ed25519 (openssl genpkey -algorithm ed25519)")
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("credential: key: the key is encrypted; want an unencrypted PKCS#8 Ed25519 key")
	case "OPENSSH PRIVATE KEY":
		return nil, errors.New("credential: key: found an OpenSSH key; want PKCS#8 (openssl genpkey -algorithm ed25519)")
	default:
		return nil, fmt.Errorf("credential: key: found a PEM block %q; want \"PRIVATE KEY\" (PKCS#8 Ed25519)", block.Type)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("credential: key: not a valid PKCS#8 key: %w", err)
	}
	k, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("credential: key: found a %s key; want Ed25519", keyKind(parsed))
	}
	return k, nil
}

func keyKind(k any) string {
	t := fmt.Sprintf("%T", k) // *rsa.PrivateKey, *ecdsa.PrivateKey, *ecdh.PrivateKey
	t = strings.TrimPrefix(t, "*")
	t, _, _ = strings.Cut(t, ".")
	return strings.ToUpper(t)
}

// checkKey refuses a key of the wrong size or whose public half does not
// match its seed (a corrupted key would sign tokens nobody can verify).
func checkKey(k ed25519.PrivateKey) error {
	if len(k) != ed25519.PrivateKeySize {
		return fmt.Errorf("credential: key: an Ed25519 private key has %d bytes, got %d", ed25519.PrivateKeySize, len(k))
	}
	if !ed25519.NewKeyFromSeed(k.Seed()).Equal(k) {
		return errors.New("credential: key: the public half does not match the seed")
	}
	return nil
}

// LoadOrCreateKeyFile reads the PEM key at path. When the file does not exist
// it creates one: parent directories 0700, the file 0600, written to a
// temporary file in the same directory and published with a hard link, which
// (unlike rename) fails when path already exists. So several processes
// starting together for the first time all end up with the one key that won,
// and no reader ever sees a partly written file. created reports whether this
// call wrote the file. The directory's file system must support hard links
// (any local one does). An existing file that does not parse is an error, never
// overwritten.
func LoadOrCreateKeyFile(path string) (k ed25519.PrivateKey, created bool, err error) {
	if k, err := readKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("credential: key file: %w", err)
	}
	k, err = GenerateKey()
	if err != nil {
		return nil, false, err
	}
	pemText, err := MarshalPrivateKeyPEM(k)
	if err != nil {
		return nil, false, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return nil, false, fmt.Errorf("credential: key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(pemText)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, false, fmt.Errorf("credential: key file: write %s: %w", tmp.Name(), werr)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
			k, err := readKeyFile(path)
			return k, false, err
		}
		return nil, false, fmt.Errorf("credential: key file: publish %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil { // make the new name durable
		_ = d.Sync()
		_ = d.Close()
	}
	return k, true, nil
}

func readKeyFile(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("credential: key file: %w", err)
	}
	k, err := ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return k, nil
}
