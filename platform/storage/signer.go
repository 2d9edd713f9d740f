package storage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// SignerKeySize is the size of the key NewSigner expects.
const SignerKeySize = 32

// signDomain separates these MACs from any other HMAC made with a key that
// was derived from the same secret, and versions the message format.
const signDomain = "weaverse-media-url-v1"

// Signer makes and checks the signatures of expiring media URLs: an
// HMAC-SHA256 over the object key and the expiry (Unix seconds). It is safe
// for concurrent use.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer with key, which should be derived from the app
// secret for this purpose alone (the caller passes 32 bytes). A shorter key
// is a programming error and panics, so it shows at start-up.
func NewSigner(key []byte) *Signer {
	if len(key) < SignerKeySize {
		panic("storage: signer key must be at least 32 bytes")
	}
	return &Signer{key: append([]byte(nil), key...)}
}

// Sign returns the exp and sig query values for key, valid until expires
// (truncated to the second, so a URL never outlives what was asked).
func (s *Signer) Sign(key string, expires time.Time) (exp string, sig string) {
	exp = strconv.FormatInt(expires.Unix(), 10)
	return exp, base64.RawURLEncoding.EncodeToString(s.mac(key, exp))
}

// Verify checks exp and sig for key at time now. A forged or altered URL is
// ErrBadSignature whatever its expiry; only a genuine one can be
// ErrExpired, so "expired" never tells a forger anything. The comparison is
// constant-time.
func (s *Signer) Verify(key, exp, sig string, now time.Time) error {
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(key, exp)) {
		return ErrBadSignature
	}
	// The MAC covers exp as text, so only a string Sign produced gets here.
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if now.Unix() >= unix {
		return ErrExpired
	}
	return nil
}

// mac computes HMAC-SHA256(domain NUL key NUL exp). The NULs keep the fields
// apart: a key cannot contain NUL (ValidateKey), so no two (key, exp) pairs
// share a message.
func (s *Signer) mac(key, exp string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(signDomain))
	m.Write([]byte{0})
	m.Write([]byte(key))
	m.Write([]byte{0})
	m.Write([]byte(exp))
	return m.Sum(nil)
}

// signedQuery returns "exp=…&sig=…" for key.
func (s *Signer) signedQuery(key string, expires time.Time) string {
	exp, sig := s.Sign(key, expires)
	return "exp=" + exp + "&sig=" + sig
}

// URL returns the signed address of key under base, where Handler serves
// it ("/media" → "/media/videos/1/poster.jpg?exp=…&sig=…"), whatever the
// store's own URLs are (a bucket's presigned ones, say).
func (s *Signer) URL(base, key string, expires time.Time) string {
	return strings.TrimRight(base, "/") + "/" + escapeKey(key) + "?" + s.signedQuery(key, expires)
}
