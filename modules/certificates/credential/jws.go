package credential

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// b64 is base64url without padding, decoding strictly: a token respelled
// in the unused low bits of its last character is not the same token.
var b64 = base64.RawURLEncoding.Strict()

// jwk is the public JWK of an Ed25519 key (RFC 8037). Field order is the one
// the JWKS is written in; the thumbprint uses its own canonical form.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
}

// Thumbprint returns the RFC 7638 JWK thumbprint (SHA-256, base64url) of an
// Ed25519 public key: the hash of {"crv","kty","x"} in that lexical order,
// without whitespace.
func Thumbprint(pub ed25519.PublicKey) string {
	canon := `{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:])
}

// header is the whole JOSE header of our tokens; OB3 allows no other members.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// marshal encodes v as compact JSON without HTML escaping ("&" stays "&").
// encoding/json writes struct fields in declaration order and map keys
// sorted, so the same value always gives the same bytes.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// signJWS returns the compact JWS of payload. Ed25519 signatures are
// deterministic (RFC 8032), so equal inputs give equal tokens.
func (s *Signer) signJWS(payload any) (string, error) {
	h, err := marshal(header{Alg: "EdDSA", Kid: s.kid, Typ: "JWT"})
	if err != nil {
		return "", err
	}
	p, err := marshal(payload)
	if err != nil {
		return "", fmt.Errorf("credential: encode payload: %w", err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	sig := ed25519.Sign(s.key, []byte(input))
	return input + "." + b64.EncodeToString(sig), nil
}

// Verify checks a compact JWS issued by this package against the keys of a
// JWKS document (as JWKS() writes it) and returns the payload's claims.
//
// It accepts only "alg":"EdDSA" (the algorithm is pinned, never taken from
// the token: RFC 8725 §3.1), requires a "kid" found in jwks, refuses any
// header member other than alg, kid and typ (an embedded "jwk", "jku",
// "x5u" or "crit" would let the token choose its own key), and requires the
// "iss" claim to be the DID the key id belongs to (RFC 8725 §3.8).
//
// Claims decode as encoding/json does into any (numbers are float64).
// It does not judge time (nbf/exp) or revocation: a verification page shows
// an expired or revoked credential as such rather than as a forgery.
func Verify(token string, jwks []byte) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("credential: verify: malformed token: want 3 dot-separated parts, got %d", len(parts))
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("credential: verify: malformed header encoding: %w", err)
	}
	var h map[string]any
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("credential: verify: malformed header JSON: %w", err)
	}
	for name := range h {
		if name != "alg" && name != "kid" && name != "typ" {
			return nil, fmt.Errorf("credential: verify: header member %q is not allowed (only alg, kid, typ)", name)
		}
	}
	if alg, _ := h["alg"].(string); alg != "EdDSA" {
		return nil, fmt.Errorf("credential: verify: algorithm %v is not allowed (want EdDSA)", h["alg"])
	}
	if typ, ok := h["typ"]; ok && typ != "JWT" {
		return nil, fmt.Errorf("credential: verify: typ %v is not allowed (want JWT)", typ)
	}
	kid, _ := h["kid"].(string)
	if kid == "" {
		return nil, errors.New("credential: verify: the header has no kid")
	}
	pub, err := findKey(jwks, kid)
	if err != nil {
		return nil, err
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, errors.New("credential: verify: malformed signature")
	}
	if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, errors.New("credential: verify: invalid signature")
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("credential: verify: malformed payload encoding: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(pb, &claims); err != nil || claims == nil {
		return nil, errors.New("credential: verify: the payload is not a JSON object")
	}
	did, _, _ := strings.Cut(kid, "#")
	if iss, _ := claims["iss"].(string); iss != did {
		return nil, fmt.Errorf("credential: verify: iss %v is not the key's issuer %q", claims["iss"], did)
	}
	return claims, nil
}

// findKey returns the Ed25519 public key with id kid from a JWKS document.
func findKey(jwks []byte, kid string) (ed25519.PublicKey, error) {
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, fmt.Errorf("credential: verify: malformed JWKS: %w", err)
	}
	for _, k := range set.Keys {
		if id, _ := k["kid"].(string); id != kid {
			continue
		}
		if k["kty"] != "OKP" || k["crv"] != "Ed25519" {
			return nil, fmt.Errorf("credential: verify: key %q is not an Ed25519 key (kty %v, crv %v)", kid, k["kty"], k["crv"])
		}
		x, _ := k["x"].(string)
		pub, err := b64.DecodeString(x)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("credential: verify: key %q has a malformed x", kid)
		}
		return ed25519.PublicKey(pub), nil
	}
	return nil, fmt.Errorf("credential: verify: unknown key id %q", kid)
}
