package password

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"
)

// fast keeps tests quick; the defaults are exercised once in TestDefaultParams.
var fast = Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func mustHash(t testing.TB, pw string, p Params) string {
	t.Helper()
	enc, err := Hash(pw, p)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func TestDefaultParams(t *testing.T) {
	p := DefaultParams()
	if p != (Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}) {
		t.Fatalf("DefaultParams = %+v, not the OWASP minimum", p)
	}
	enc := mustHash(t, "올바른 말 배터리 스테이플", p)
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoding %q lacks the PHC prefix", enc)
	}
	parts := strings.Split(enc, "$")
	if len(parts[4]) != 22 || len(parts[5]) != 43 || strings.ContainsRune(parts[4]+parts[5], '=') {
		t.Fatalf("salt/hash not unpadded base64 of 16/32 bytes: %q", enc)
	}
	ok, rehash, err := Verify("올바른 말 배터리 스테이플", enc, p)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify = %v, %v, %v", ok, rehash, err)
	}
}

// TestKnownVector checks interoperability with other argon2id
// implementations: the hash below was made by the reference C
// implementation's CLI (Debian package argon2), not by this package:
//
//	echo -n password | argon2 somesaltsomesalt -id -t 1 -m 10 -p 1 -l 32 -e
func TestKnownVector(t *testing.T) {
	const enc = "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$FiU+I6KbINfHoMBfkVDnS6qmzxgy7cg41IT8JQoCvvk"
	ok, rehash, err := Verify("password", enc, fast)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify(reference hash) = %v, %v, %v", ok, rehash, err)
	}
	if ok, _, _ := Verify("Password", enc, fast); ok {
		t.Fatal("reference hash accepted a wrong password")
	}
}

func TestHashVerify(t *testing.T) {
	enc := mustHash(t, "correct horse battery", fast)
	if ok, rehash, err := Verify("correct horse battery", enc, fast); err != nil || !ok || rehash {
		t.Fatalf("right password: %v, %v, %v", ok, rehash, err)
	}
	for _, wrong := range []string{"correct horse batterY", "", "correct horse battery "} {
		if ok, rehash, err := Verify(wrong, enc, fast); err != nil || ok || rehash {
			t.Fatalf("wrong password %q: %v, %v, %v", wrong, ok, rehash, err)
		}
	}
}

func TestSaltMakesHashesDiffer(t *testing.T) {
	a, b := mustHash(t, "same password", fast), mustHash(t, "same password", fast)
	if a == b {
		t.Fatal("two hashes of the same password are equal: salt is not random")
	}
}

func TestNeedsRehash(t *testing.T) {
	enc := mustHash(t, "old cost password", fast)
	changes := map[string]func(*Params){
		"memory":      func(p *Params) { p.Memory = 2048 },
		"iterations":  func(p *Params) { p.Iterations = 2 },
		"parallelism": func(p *Params) { p.Parallelism = 2 },
		"salt length": func(p *Params) { p.SaltLen = 32 },
		"key length":  func(p *Params) { p.KeyLen = 64 },
	}
	for name, change := range changes {
		p := fast
		change(&p)
		ok, rehash, err := Verify("old cost password", enc, p)
		if err != nil || !ok || !rehash {
			t.Errorf("%s changed: ok=%v rehash=%v err=%v, want rehash", name, ok, rehash, err)
		}
	}
	// A wrong password never asks for a rehash: there is nothing to store.
	p := fast
	p.Memory = 2048
	if _, rehash, _ := Verify("wrong", enc, p); rehash {
		t.Fatal("needsRehash for a wrong password")
	}
}

func TestHashRejectsBadParams(t *testing.T) {
	for name, p := range map[string]Params{
		"zero":          {},
		"no iterations": {Memory: 1024, Parallelism: 1, SaltLen: 16, KeyLen: 32},
		"short salt":    {Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 4, KeyLen: 32},
		"short key":     {Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 8},
		"huge memory":   {Memory: 1<<20 + 1, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32},
	} {
		if _, err := Hash("x", p); err == nil {
			t.Errorf("%s: Hash accepted %+v", name, p)
		}
	}
}

var malformed = []string{
	"",
	"$argon2id$",
	"plaintext-password",
	"$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=16$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$t=1,m=1024,p=1$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=1024,t=1$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=1024,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=1024,t=1,p=0$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=1024,t=1,p=256$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=+1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA==$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=1024,t=1,p=1$!!!$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA",
	"$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo",
	"$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9uSCrD/gUm9j4vEQCcW4eylBJX1AWkQYBnsWVrY3gIo$",
}

func TestMalformedEncodings(t *testing.T) {
	for _, enc := range malformed {
		ok, rehash, err := Verify("password", enc, fast)
		if !errors.Is(err, ErrMalformed) || ok || rehash {
			t.Errorf("Verify(%q) = %v, %v, %v; want ErrMalformed", enc, ok, rehash, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("password", mustHash(f, "password", fast))
	for _, enc := range malformed {
		f.Add("password", enc)
	}
	f.Fuzz(func(t *testing.T, pw, enc string) {
		p, _, _, err := decode(enc)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("decode error of the wrong kind: %v", err)
			}
			return
		}
		// The parser accepted it: run the real Verify when it is cheap, so
		// the fuzzer does not stall on a legitimately costly m/t.
		if uint64(p.Memory)*uint64(p.Iterations) <= 1<<16 {
			_, _, _ = Verify(pw, enc, fast)
		}
	})
}

func TestHasher(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(fast, Limits{})
	enc, err := h.Hash(ctx, "hasher password")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := h.Verify(ctx, "hasher password", enc); err != nil || !ok || rehash {
		t.Fatalf("Hasher.Verify = %v, %v, %v", ok, rehash, err)
	}
	if ok, _, _ := h.Verify(ctx, "other", enc); ok {
		t.Fatal("Hasher.Verify accepted a wrong password")
	}
	if _, _, err := h.Verify(ctx, "other", "$argon2id$garbage"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Hasher.Verify(garbage) = %v", err)
	}
}

// TestDummyVerifyTiming checks that a login for an unknown account costs
// about as much as one with a wrong password. The cost is made large enough
// (8 MiB) that argon2 dominates scheduling noise; medians of several runs
// are compared within a generous factor.
func TestDummyVerifyTiming(t *testing.T) {
	p := Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
	ctx := context.Background()
	h := NewHasher(p, Limits{})
	enc, err := h.Hash(ctx, "the real password")
	if err != nil {
		t.Fatal(err)
	}
	testkitMust(t, h.DummyVerify(ctx, "warm up")) // computes the dummy hash outside the timing

	const runs = 7
	real, dummy := make([]time.Duration, runs), make([]time.Duration, runs)
	for i := range runs {
		start := time.Now()
		_, _, _ = h.Verify(ctx, "wrong password", enc)
		real[i] = time.Since(start)
		start = time.Now()
		_ = h.DummyVerify(ctx, "wrong password")
		dummy[i] = time.Since(start)
	}
	ratio := float64(median(dummy)) / float64(median(real))
	t.Logf("median verify %v, dummy %v, ratio %.2f", median(real), median(dummy), ratio)
	if ratio < 0.3 || ratio > 3 {
		t.Fatalf("DummyVerify/Verify time ratio %.2f outside [0.3, 3]", ratio)
	}
	if h.dummy == "" || !strings.HasPrefix(h.dummy, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("dummy hash %q not made with the hasher's params", h.dummy)
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func testkitMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
