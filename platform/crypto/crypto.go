// Package crypto protects personal data at rest and handles opaque secrets.
//
// Personal data (phone numbers, addresses) is sealed with AES-256-GCM under a
// Keyring: one active key that encrypts, plus older keys that still decrypt,
// so keys can be rotated without a flag day. Every token names the key that
// sealed it ("v1:<kid>:<payload>"), which lets a background job find and
// re-seal values still under an old key (NeedsRotation, Rotate).
//
// The additional authenticated data (aad) given to Encrypt and Decrypt binds
// a value to where it is stored, e.g. "accounts_users.phone:42": a database
// writer who copies another row's ciphertext into their own row gets
// ErrDecrypt instead of someone else's phone number.
package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of an AES-256 key in bytes.
const KeySize = 32

// tokenVersion prefixes every token so the format can change later while old
// tokens stay readable.
const tokenVersion = "v1"

// kidLen is the length of a key id in hex characters.
const kidLen = 8

// The errors Decrypt returns. They say what went wrong in kind only: a
// decryption oracle must not learn more than "no".
var (
	ErrMalformed  = errors.New("crypto: malformed token")
	ErrUnknownKey = errors.New("crypto: token sealed with an unknown key")
	ErrDecrypt    = errors.New("crypto: cannot decrypt token")
)

// payloadEncoding encodes nonce||ciphertext. URL-safe without padding keeps
// tokens free of characters that need escaping in URLs, CSV or logs.
var payloadEncoding = base64.RawURLEncoding.Strict() // Strict: one canonical string per payload

// KeyID derives a short stable id for a key: the first 8 hex characters of
// SHA-256("weaverse-key-id\x00"+key). The domain-separation prefix keeps the
// id from being a plain hash of the key that could be matched elsewhere; 32
// bits are enough to tell a handful of keys apart (NewKeyring rejects
// collisions) and reveal nothing useful about the key.
func KeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("weaverse-key-id\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil))[:kidLen]
}

// Keyring holds the active key and older keys still accepted for decryption.
// It is safe for concurrent use: it is never modified after NewKeyring.
type Keyring struct {
	active string
	aeads  map[string]cipher.AEAD
}

// NewKeyring builds a keyring. active encrypts; previous keys only decrypt
// (keep them until Rotate has re-sealed every value they protect). Every key
// must be KeySize bytes, and no two keys may share an id.
func NewKeyring(active []byte, previous ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: make(map[string]cipher.AEAD, 1+len(previous))}
	for i, key := range append([][]byte{active}, previous...) {
		id, err := k.add(key)
		if err != nil {
			return nil, fmt.Errorf("crypto: key #%d: %w", i, err)
		}
		if i == 0 {
			k.active = id
		}
	}
	return k, nil
}

// add registers one key and returns its id.
func (k *Keyring) add(key []byte) (string, error) {
	if len(key) != KeySize {
		return "", fmt.Errorf("want %d bytes, got %d", KeySize, len(key))
	}
	id := KeyID(key)
	if _, dup := k.aeads[id]; dup {
		return "", fmt.Errorf("duplicate key id %s", id)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	k.aeads[id] = aead
	return id, nil
}

// ParseKey decodes a key as written in config: base64, standard or URL
// alphabet, padded or not, surrounding spaces ignored. It requires exactly
// KeySize bytes so a truncated or mistyped key fails at start-up rather than
// at the first encryption. Errors never echo the input.
func ParseKey(b64 string) ([]byte, error) {
	s := strings.TrimSpace(b64)
	s = strings.TrimRight(s, "=")
	// Map the URL alphabet onto the standard one; the two differ only there.
	s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	key, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("crypto: key is not valid base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("crypto: key must be %d bytes, got %d", KeySize, len(key))
	}
	return key, nil
}

// ActiveID is the id of the key that Encrypt uses.
func (k *Keyring) ActiveID() string { return k.active }

// Encrypt seals plaintext with the active key and a fresh random 96-bit
// nonce. aad binds the ciphertext to its context (e.g.
// "accounts_users.phone:42") and must be given again to Decrypt. The result
// is "v1:<kid>:<base64url-nopad(nonce||ciphertext)>".
//
// Random 96-bit nonces are safe for about 2^32 encryptions per key (NIST SP
// 800-38D); rotating keys keeps us far below that.
func (k *Keyring) Encrypt(plaintext, aad []byte) (string, error) {
	aead := k.aeads[k.active]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("crypto: nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plaintext, aad)
	return tokenVersion + ":" + k.active + ":" + payloadEncoding.EncodeToString(sealed), nil
}

// Decrypt opens a token made by Encrypt with the same aad. It returns
// ErrMalformed, ErrUnknownKey or ErrDecrypt (wrong aad, tampering, or a
// different key that happens to share the id), never anything more specific.
func (k *Keyring) Decrypt(token string, aad []byte) ([]byte, error) {
	kid, payload, err := parseToken(token)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[kid]
	if !ok {
		return nil, ErrUnknownKey
	}
	if len(payload) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrMalformed
	}
	nonce, sealed := payload[:aead.NonceSize()], payload[aead.NonceSize():]
	plaintext, err := aead.Open(nil, nonce, sealed, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plaintext, nil
}

// parseToken splits "v1:<kid>:<payload>" and decodes the payload.
func parseToken(token string) (kid string, payload []byte, err error) {
	version, rest, ok := strings.Cut(token, ":")
	if !ok || version != tokenVersion {
		return "", nil, ErrMalformed
	}
	kid, encoded, ok := strings.Cut(rest, ":")
	if !ok || !isKeyID(kid) {
		return "", nil, ErrMalformed
	}
	payload, err = payloadEncoding.DecodeString(encoded)
	if err != nil {
		return "", nil, ErrMalformed
	}
	return kid, payload, nil
}

// isKeyID reports whether s looks like a KeyID: kidLen lower-case hex digits.
func isKeyID(s string) bool {
	if len(s) != kidLen {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// EncryptString is Encrypt for strings.
func (k *Keyring) EncryptString(s, aad string) (string, error) {
	return k.Encrypt([]byte(s), []byte(aad))
}

// DecryptString is Decrypt for strings.
func (k *Keyring) DecryptString(token, aad string) (string, error) {
	b, err := k.Decrypt(token, []byte(aad))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// NeedsRotation reports whether token was sealed with a key other than the
// active one. A malformed token reports false: there is nothing Rotate could
// do with it, and a re-encryption job should not loop on it.
func (k *Keyring) NeedsRotation(token string) bool {
	kid, _, err := parseToken(token)
	return err == nil && kid != k.active
}

// Rotate re-seals token under the active key with the same aad and reports
// whether it changed. A token already under the active key is returned as is
// without being opened, so a batch job over many rows stays cheap.
func (k *Keyring) Rotate(token string, aad []byte) (string, bool, error) {
	kid, _, err := parseToken(token)
	if err != nil {
		return "", false, err
	}
	if kid == k.active {
		return token, false, nil
	}
	plaintext, err := k.Decrypt(token, aad)
	if err != nil {
		return "", false, err
	}
	fresh, err := k.Encrypt(plaintext, aad)
	if err != nil {
		return "", false, err
	}
	return fresh, true, nil
}
