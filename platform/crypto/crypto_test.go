package crypto

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// testKey returns a deterministic 32-byte key, distinct per seed.
func testKey(seed byte) []byte {
	return bytes.Repeat([]byte{seed}, KeySize)
}

func mustKeyring(t testing.TB, active []byte, previous ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(active, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyID(t *testing.T) {
	id := KeyID(testKey(1))
	if len(id) != 8 || !isKeyID(id) {
		t.Fatalf("KeyID = %q, want 8 lower-case hex chars", id)
	}
	if id != KeyID(testKey(1)) {
		t.Fatal("KeyID is not stable")
	}
	if id == KeyID(testKey(2)) {
		t.Fatal("different keys share an id")
	}
	// Pinned (computed independently with Python hashlib) so that a change of derivation, which would orphan every
	// stored token, cannot go unnoticed.
	if got, want := KeyID(make([]byte, 32)), "2f98df31"; got != want {
		t.Fatalf("KeyID(zero key) = %q, want %q", got, want)
	}
}

func TestNewKeyringRejectsBadKeys(t *testing.T) {
	cases := map[string]struct {
		active   []byte
		previous [][]byte
	}{
		"short active":   {active: make([]byte, 16)},
		"long previous":  {active: testKey(1), previous: [][]byte{make([]byte, 33)}},
		"nil active":     {active: nil},
		"duplicate keys": {active: testKey(1), previous: [][]byte{testKey(2), testKey(1)}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := NewKeyring(c.active, c.previous...); err == nil {
				t.Fatal("NewKeyring accepted bad keys")
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	key := []byte{0xfb, 0xff, 0xfe} // encodes to characters that differ between alphabets
	key = append(key, bytes.Repeat([]byte{0xfa}, KeySize-len(key))...)
	forms := []string{
		base64.StdEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key),
		"  " + base64.RawURLEncoding.EncodeToString(key) + "\n",
	}
	for _, f := range forms {
		got, err := ParseKey(f)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", f, err)
		}
		if !bytes.Equal(got, key) {
			t.Fatalf("ParseKey(%q) = %x, want %x", f, got, key)
		}
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := ParseKey(bad); err == nil {
			t.Fatalf("ParseKey(%q) accepted a bad key", bad)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	for _, plain := range []string{"", "010-1234-5678", "서울특별시 강남구 테헤란로 1"} {
		tok, err := k.EncryptString(plain, "accounts_users.phone:42")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, "v1:"+k.ActiveID()+":") {
			t.Fatalf("token %q lacks the v1:<kid>: prefix", tok)
		}
		if plain != "" && strings.Contains(tok, plain) {
			t.Fatal("plaintext visible in token")
		}
		got, err := k.DecryptString(tok, "accounts_users.phone:42")
		if err != nil {
			t.Fatal(err)
		}
		if got != plain {
			t.Fatalf("round trip: got %q, want %q", got, plain)
		}
	}
}

func TestAADMismatchFails(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	tok, err := k.EncryptString("010-1234-5678", "accounts_users.phone:42")
	if err != nil {
		t.Fatal(err)
	}
	for _, aad := range []string{"accounts_users.phone:43", "accounts_users.address:42", ""} {
		if _, err := k.DecryptString(tok, aad); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("aad %q: err = %v, want ErrDecrypt", aad, err)
		}
	}
}

func TestTamperingFails(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	tok, err := k.Encrypt([]byte("secret address"), []byte("ctx"))
	if err != nil {
		t.Fatal(err)
	}
	prefix := "v1:" + k.ActiveID() + ":"
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, prefix))
	if err != nil {
		t.Fatal(err)
	}
	// Flip one bit in every byte position in turn: nonce, ciphertext and tag
	// are all covered by GCM's authentication.
	for i := range payload {
		bad := bytes.Clone(payload)
		bad[i] ^= 0x01
		_, err := k.Decrypt(prefix+base64.RawURLEncoding.EncodeToString(bad), []byte("ctx"))
		if !errors.Is(err, ErrDecrypt) {
			t.Fatalf("byte %d flipped: err = %v, want ErrDecrypt", i, err)
		}
	}
	// Truncation below nonce+tag is malformed, not a crash.
	short := prefix + base64.RawURLEncoding.EncodeToString(payload[:20])
	if _, err := k.Decrypt(short, []byte("ctx")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("truncated: err = %v, want ErrMalformed", err)
	}
}

func TestMalformedTokens(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	id := k.ActiveID()
	for _, tok := range []string{
		"", "v1", "v1:" + id, "v2:" + id + ":AAAA", "v1:XYZ:AAAA", "v1:" + strings.ToUpper("abcdef12") + ":AAAA",
		"v1:" + id + ":not*base64", "v1:" + id + ":AAAA=",
	} {
		if _, err := k.Decrypt(tok, nil); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decrypt(%q) err = %v, want ErrMalformed", tok, err)
		}
	}
}

func TestUnknownKey(t *testing.T) {
	old := mustKeyring(t, testKey(1))
	tok, err := old.EncryptString("x", "ctx")
	if err != nil {
		t.Fatal(err)
	}
	other := mustKeyring(t, testKey(2))
	if _, err := other.DecryptString(tok, "ctx"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
}

func TestNoncesDiffer(t *testing.T) {
	k := mustKeyring(t, testKey(1))
	a, _ := k.EncryptString("same", "ctx")
	b, _ := k.EncryptString("same", "ctx")
	if a == b {
		t.Fatal("two encryptions of the same text are identical: nonce reuse")
	}
	pa, _ := base64.RawURLEncoding.DecodeString(a[strings.LastIndex(a, ":")+1:])
	pb, _ := base64.RawURLEncoding.DecodeString(b[strings.LastIndex(b, ":")+1:])
	if bytes.Equal(pa[:12], pb[:12]) {
		t.Fatal("nonces are equal")
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := testKey(1), testKey(2)
	before := mustKeyring(t, oldKey)
	tok, err := before.EncryptString("010-9876-5432", "accounts_users.phone:7")
	if err != nil {
		t.Fatal(err)
	}

	after := mustKeyring(t, newKey, oldKey)
	if after.ActiveID() != KeyID(newKey) {
		t.Fatal("active key is not the first one")
	}
	// Old tokens still open after the switch.
	if got, err := after.DecryptString(tok, "accounts_users.phone:7"); err != nil || got != "010-9876-5432" {
		t.Fatalf("old token after rotation: %q, %v", got, err)
	}
	if !after.NeedsRotation(tok) {
		t.Fatal("NeedsRotation = false for a token under the old key")
	}
	if after.NeedsRotation("garbage") {
		t.Fatal("NeedsRotation = true for a malformed token")
	}

	fresh, changed, err := after.Rotate(tok, []byte("accounts_users.phone:7"))
	if err != nil || !changed {
		t.Fatalf("Rotate: changed=%v err=%v", changed, err)
	}
	if after.NeedsRotation(fresh) {
		t.Fatal("rotated token still needs rotation")
	}
	// Once the old key is dropped, the rotated token still opens.
	onlyNew := mustKeyring(t, newKey)
	if got, err := onlyNew.DecryptString(fresh, "accounts_users.phone:7"); err != nil || got != "010-9876-5432" {
		t.Fatalf("rotated token under the new key only: %q, %v", got, err)
	}

	same, changed, err := after.Rotate(fresh, []byte("accounts_users.phone:7"))
	if err != nil || changed || same != fresh {
		t.Fatalf("Rotate of a current token: %q changed=%v err=%v", same, changed, err)
	}
	// The aad is checked on rotation: a moved value is not laundered.
	if _, _, err := after.Rotate(tok, []byte("accounts_users.phone:8")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Rotate with wrong aad: err = %v, want ErrDecrypt", err)
	}
	if _, _, err := after.Rotate("v1:zz", nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Rotate of malformed token: err = %v, want ErrMalformed", err)
	}
}

func FuzzDecrypt(f *testing.F) {
	k := mustKeyring(f, testKey(1), testKey(2))
	valid, _ := k.EncryptString("seed", "ctx")
	for _, s := range []string{valid, "", "v1:", "v1:" + k.ActiveID() + ":", "v1:" + k.ActiveID() + ":AAAA", "v1:00000000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add(s, "ctx")
	}
	f.Fuzz(func(t *testing.T, token, aad string) {
		plain, err := k.DecryptString(token, aad)
		if err == nil {
			// Only a genuine token may open; with overwhelming probability
			// that is the seed itself.
			if plain != "seed" {
				t.Fatalf("forged token %q opened to %q", token, plain)
			}
			return
		}
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrDecrypt) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		_ = k.NeedsRotation(token)
		_, _, _ = k.Rotate(token, []byte(aad))
	})
}
