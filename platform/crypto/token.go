package crypto

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// MinTokenBytes is the least entropy RandomToken hands out: 128 bits, the
// bound that makes HashToken's unsalted hash safe.
const MinTokenBytes = 16

// RandomToken returns nBytes from crypto/rand, base64url-encoded without
// padding, for opaque secrets such as password-reset or session tokens.
// nBytes below MinTokenBytes panics: such a call is a programming error
// that would make tokens guessable.
func RandomToken(nBytes int) string {
	if nBytes < MinTokenBytes {
		panic(fmt.Sprintf("crypto: RandomToken(%d): need at least %d bytes", nBytes, MinTokenBytes))
	}
	b := make([]byte, nBytes)
	// crypto/rand.Read never returns an error since Go 1.24: it crashes the
	// program instead if the system source fails.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of token, the form in which a token is
// stored so a database leak does not hand out usable tokens.
//
// Passwords need a salt and a slow KDF because people choose them from a
// small space that an attacker can enumerate. Tokens from RandomToken carry
// at least 128 random bits: no dictionary or precomputed table covers that
// space, so a single fast hash is already preimage-resistant, and a fast
// hash lets us look tokens up by their hash with an index.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// DeriveKey derives a 32-byte key for one purpose (e.g. "session-cookie",
// "csrf") from a master secret with HKDF-SHA256, the purpose as HKDF info.
// Separate purposes get independent keys, so one compromised use does not
// expose the others and one config secret can feed several subsystems.
// No salt is used: the secret is expected to be a high-entropy key already
// (RFC 5869 §3.1 allows that), and derivation must be reproducible across
// instances from config alone.
func DeriveKey(secret []byte, purpose string) []byte {
	key, err := hkdf.Key(sha256.New, secret, nil, purpose, KeySize)
	if err != nil {
		// Only a length above 255*32 bytes can fail; KeySize is constant.
		panic("crypto: hkdf: " + err.Error())
	}
	return key
}
