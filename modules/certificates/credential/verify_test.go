package credential

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
)

// forge builds a compact JWS from raw header and payload JSON, signed by sign
// (nil: an empty signature).
func forge(header, payload string, sign func(input []byte) []byte) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	var sig []byte
	if sign != nil {
		sig = sign([]byte(input))
	}
	return input + "." + b64.EncodeToString(sig)
}

func TestVerifyRejects(t *testing.T) {
	s := testSigner(t)
	keys := jwks(t, s)
	kid := s.KeyID()
	good := mustSign(t, s, testBadge())
	payload := `{"iss":"did:web:weaverse.example","jti":"x"}`
	ours := func(in []byte) []byte { return ed25519.Sign(s.key, in) }
	other, _ := GenerateKey()
	theirs := func(in []byte) []byte { return ed25519.Sign(other, in) }
	hs256 := func(in []byte) []byte { // the key-confusion attack: the public key as an HMAC secret
		m := hmac.New(sha256.New, s.PublicKey())
		m.Write(in)
		return m.Sum(nil)
	}
	otherSigner, _ := NewSigner(other, Issuer{BaseURL: "https://weaverse.example", Name: "W"})

	if _, err := Verify(forge(`{"alg":"EdDSA","kid":"`+kid+`","typ":"JWT"}`, payload, ours), keys); err != nil {
		t.Fatalf("the forge helper makes a valid token: %v", err)
	}
	if _, err := Verify(forge(`{"alg":"EdDSA","kid":"`+kid+`"}`, payload, ours), keys); err != nil {
		t.Errorf("a token without typ: %v", err)
	}
	tests := []struct {
		name, token string
		jwks        []byte
		want        string
	}{
		{"alg none", forge(`{"alg":"none","kid":"`+kid+`"}`, payload, nil), keys, "algorithm"},
		{"alg HS256", forge(`{"alg":"HS256","kid":"`+kid+`","typ":"JWT"}`, payload, hs256), keys, "algorithm"},
		{"alg missing", forge(`{"kid":"`+kid+`"}`, payload, ours), keys, "algorithm"},
		{"unknown kid", forge(`{"alg":"EdDSA","kid":"did:web:weaverse.example#nope"}`, payload, ours), keys, "unknown key id"},
		{"no kid", forge(`{"alg":"EdDSA"}`, payload, ours), keys, "no kid"},
		{"wrong key", forge(`{"alg":"EdDSA","kid":"`+kid+`"}`, payload, theirs), keys, "invalid signature"},
		{"jwk header", forge(`{"alg":"EdDSA","kid":"`+kid+`","jwk":{"kty":"OKP","crv":"Ed25519","x":"`+b64.EncodeToString(s.PublicKey())+`"}}`, payload, ours), keys, `"jwk"`},
		{"jku header", forge(`{"alg":"EdDSA","kid":"`+kid+`","jku":"https://evil.example/jwks"}`, payload, ours), keys, `"jku"`},
		{"crit header", forge(`{"alg":"EdDSA","kid":"`+kid+`","crit":["b64"],"b64":false}`, payload, ours), keys, "not allowed"},
		{"other typ", forge(`{"alg":"EdDSA","kid":"`+kid+`","typ":"at+jwt"}`, payload, ours), keys, "typ"},
		{"iss of another issuer", forge(`{"alg":"EdDSA","kid":"`+kid+`"}`, `{"iss":"did:web:evil.example"}`, ours), keys, "iss"},
		{"no iss", forge(`{"alg":"EdDSA","kid":"`+kid+`"}`, `{"jti":"x"}`, ours), keys, "iss"},
		{"payload not an object", forge(`{"alg":"EdDSA","kid":"`+kid+`"}`, `[1]`, ours), keys, "JSON object"},
		{"payload null", forge(`{"alg":"EdDSA","kid":"`+kid+`"}`, `null`, ours), keys, "JSON object"},
		{"key from another JWKS", good, jwks(t, otherSigner), "unknown key id"},
		{"malformed JWKS", good, []byte(`{"keys":`), "malformed JWKS"},
		{"non-Ed25519 key with our kid", good, []byte(`{"keys":[{"kty":"RSA","kid":"` + kid + `","n":"AQAB","e":"AQAB"}]}`), "not an Ed25519 key"},
		{"empty token", "", keys, "malformed token"},
		{"two parts", "a.b", keys, "malformed token"},
		{"four parts", good + ".x", keys, "malformed token"},
		{"header not base64url", "!!!" + good[strings.Index(good, "."):], keys, "header encoding"},
		{"header not JSON", b64.EncodeToString([]byte("nope")) + good[strings.Index(good, "."):], keys, "header JSON"},
		{"signature cut", good[:len(good)-4], keys, "signature"},
		{"signature removed", good[:strings.LastIndex(good, ".")+1], keys, "malformed signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := Verify(tt.token, tt.jwks)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify = %v, %v; want an error containing %q", claims, err, tt.want)
			}
		})
	}
}
