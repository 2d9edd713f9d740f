package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

func TestRandomToken(t *testing.T) {
	a, b := RandomToken(32), RandomToken(32)
	if a == b {
		t.Fatal("two random tokens are equal")
	}
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil {
		t.Fatalf("token is not base64url without padding: %v", err)
	}
	if len(raw) != 32 {
		t.Fatalf("token carries %d bytes, want 32", len(raw))
	}
	defer func() {
		if recover() == nil {
			t.Fatal("RandomToken(8) did not panic")
		}
	}()
	RandomToken(8)
}

func TestHashToken(t *testing.T) {
	// SHA-256("abc") from FIPS 180-2.
	if got, want := HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Fatalf("HashToken(abc) = %s, want %s", got, want)
	}
	if HashToken("a") == HashToken("b") {
		t.Fatal("different tokens hash alike")
	}
}

func TestDeriveKey(t *testing.T) {
	secret := []byte("a long random master secret from config")
	k1 := DeriveKey(secret, "session-cookie")
	if len(k1) != KeySize {
		t.Fatalf("derived key has %d bytes", len(k1))
	}
	if !bytes.Equal(k1, DeriveKey(secret, "session-cookie")) {
		t.Fatal("DeriveKey is not deterministic")
	}
	if bytes.Equal(k1, DeriveKey(secret, "csrf")) {
		t.Fatal("different purposes derive the same key")
	}
	if bytes.Equal(k1, DeriveKey([]byte("another secret"), "session-cookie")) {
		t.Fatal("different secrets derive the same key")
	}
	// RFC 5869 test case 3 (SHA-256, no salt, no info), first 32 bytes of OKM.
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	want, _ := hex.DecodeString("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d")
	if got := DeriveKey(ikm, ""); !bytes.Equal(got, want) {
		t.Fatalf("RFC 5869 case 3: got %x", got)
	}
	// A derived key works in a keyring.
	if _, err := NewKeyring(k1); err != nil {
		t.Fatal(err)
	}
}
