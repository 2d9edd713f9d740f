package storage

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestSigner(t *testing.T) {
	s := testSigner(1)
	now := time.Unix(1_800_000_000, 0)
	key := "videos/42/hls/720p/seg-00001.ts"
	exp, sig := s.Sign(key, now.Add(time.Hour))
	if exp != strconv.FormatInt(now.Unix()+3600, 10) {
		t.Fatalf("exp = %q", exp)
	}
	if err := s.Verify(key, exp, sig, now); err != nil {
		t.Fatalf("valid URL: %v", err)
	}
	if err := s.Verify(key, exp, sig, now.Add(time.Hour-time.Second)); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}

	// Signing is deterministic and truncates to the second.
	if e2, s2 := s.Sign(key, now.Add(time.Hour+900*time.Millisecond)); e2 != exp || s2 != sig {
		t.Fatal("sub-second expiry changed the URL")
	}

	cases := map[string]struct {
		s             *Signer
		key, exp, sig string
		at            time.Time
		want          error
	}{
		"expired exactly": {s, key, exp, sig, now.Add(time.Hour), ErrExpired},
		"expired later":   {s, key, exp, sig, now.Add(48 * time.Hour), ErrExpired},
		"other key":       {s, "videos/42/hls/720p/seg-00002.ts", exp, sig, now, ErrBadSignature},
		"key prefix":      {s, "videos/42", exp, sig, now, ErrBadSignature},
		"later exp":       {s, key, strconv.FormatInt(now.Unix()+7200, 10), sig, now, ErrBadSignature},
		"exp with sign":   {s, key, "+" + exp, sig, now, ErrBadSignature},
		"exp with zero":   {s, key, "0" + exp, sig, now, ErrBadSignature},
		"sig flipped":     {s, key, exp, flip(sig), now, ErrBadSignature},
		"sig truncated":   {s, key, exp, sig[:len(sig)-1], now, ErrBadSignature},
		"sig padded":      {s, key, exp, sig + "=", now, ErrBadSignature},
		"sig empty":       {s, key, exp, "", now, ErrBadSignature},
		"exp empty":       {s, key, "", sig, now, ErrBadSignature},
		"other secret":    {testSigner(2), key, exp, sig, now, ErrBadSignature},
		// A forged URL is "bad", never "expired": expiry is only reported
		// for genuine signatures.
		"forged and expired": {s, "other.ts", exp, sig, now.Add(48 * time.Hour), ErrBadSignature},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if err := c.s.Verify(c.key, c.exp, c.sig, c.at); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

// flip changes the first character of a base64url string to another valid one.
func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func TestNewSignerRejectsShortKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewSigner accepted a 16-byte key")
		}
	}()
	NewSigner(make([]byte, 16))
}

func TestSignerCopiesKey(t *testing.T) {
	key := make([]byte, SignerKeySize)
	s := NewSigner(key)
	exp, sig := s.Sign("a.ts", time.Unix(2_000_000_000, 0))
	key[0] = 1 // the caller reusing its buffer must not change the signer
	if err := s.Verify("a.ts", exp, sig, time.Unix(1_000_000_000, 0)); err != nil {
		t.Fatal(err)
	}
}

func FuzzVerify(f *testing.F) {
	s := testSigner(1)
	exp, sig := s.Sign("videos/1/a.ts", time.Unix(2_000_000_000, 0))
	f.Add("videos/1/a.ts", exp, sig)
	f.Add("", "", "")
	f.Add("a", "-1", "====")
	f.Add("a\x00b", "99999999999999999999999", "\xff")
	f.Fuzz(func(t *testing.T, key, exp, sig string) {
		err := s.Verify(key, exp, sig, time.Unix(1_000_000_000, 0))
		if err != nil && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrExpired) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		// Whatever verifies must be exactly what Sign produces.
		if err == nil {
			unix, perr := strconv.ParseInt(exp, 10, 64)
			if perr != nil {
				t.Fatalf("accepted non-numeric exp %q", exp)
			}
			if e2, s2 := s.Sign(key, time.Unix(unix, 0)); e2 != exp || s2 != sig {
				t.Fatalf("accepted a URL Sign would not make: %q %q %q", key, exp, sig)
			}
		}
	})
}
