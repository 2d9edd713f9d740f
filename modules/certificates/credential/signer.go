package credential

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Issuer describes the issuing platform.
type Issuer struct {
	BaseURL  string // "https://weaverse.example" or "http://127.0.0.1:8080"; a trailing slash is dropped
	Name     string // "Weaverse"
	ImageURL string // optional logo URL
}

// Signer signs credentials with one Ed25519 key for one issuer. It is
// immutable and safe for concurrent use.
type Signer struct {
	key  ed25519.PrivateKey
	pub  ed25519.PublicKey
	iss  Issuer
	did  string
	kid  string
	path bool // BaseURL has a path: the DID document is at <BaseURL>/did.json
}

// NewSigner checks the key and the issuer and derives the DID and key id.
func NewSigner(key ed25519.PrivateKey, iss Issuer) (*Signer, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	iss.BaseURL = strings.TrimRight(iss.BaseURL, "/")
	if strings.TrimSpace(iss.Name) == "" {
		return nil, errors.New("credential: issuer: name is required")
	}
	did, hasPath, err := didWeb(iss.BaseURL)
	if err != nil {
		return nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	return &Signer{key: key, pub: pub, iss: iss, did: did, kid: did + "#" + Thumbprint(pub), path: hasPath}, nil
}

// didWeb derives the did:web DID of a base URL (W3C did:web method): the host,
// its port percent-encoded (":" → "%3A"), then each path segment after ":".
func didWeb(base string) (did string, hasPath bool, err error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", false, fmt.Errorf("credential: issuer: base URL %q: %w", base, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", false, fmt.Errorf("credential: issuer: base URL %q must be http(s)://host[:port][/path] without query or fragment", base)
	}
	id := "did:web:" + didEscape(strings.ToLower(u.Host))
	for _, seg := range strings.Split(u.Path, "/") {
		if seg != "" {
			id += ":" + didEscape(seg)
			hasPath = true
		}
	}
	return id, hasPath, nil
}

// didEscape percent-encodes every byte outside the DID idchar set
// (ALPHA / DIGIT / "." / "-" / "_"), so ":" and "[" "]" of a host become
// %3A, %5B, %5D and cannot be read as segment separators.
func didEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// IssuerID is the issuer's did:web DID ("did:web:weaverse.example").
func (s *Signer) IssuerID() string { return s.did }

// KeyID is IssuerID()+"#"+the RFC 7638 thumbprint of the public key: the
// "kid" of every token and the id of the key in JWKS() and DIDDocument().
func (s *Signer) KeyID() string { return s.kid }

// PublicKey returns the signing key's public half.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.pub }

func (s *Signer) publicJWK(withUse bool) jwk {
	k := jwk{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(s.pub)}
	if withUse {
		k.Kid, k.Alg, k.Use = s.kid, "EdDSA", "sig"
	}
	return k
}

// JWKS returns the JSON Web Key Set of the public key, to serve at
// BaseURL+"/.well-known/jwks.json". It never holds the private part.
func (s *Signer) JWKS() ([]byte, error) {
	return marshal(map[string][]jwk{"keys": {s.publicJWK(true)}})
}

// DIDDocumentPath is where, relative to BaseURL, the DID document must be
// served for did:web resolution: "/.well-known/did.json" when BaseURL is a
// bare host, "/did.json" when it has a path ("https://host/lms" →
// https://host/lms/did.json). Resolvers always fetch it over https, so a
// plain-http BaseURL (local development) yields a DID nobody else resolves.
func (s *Signer) DIDDocumentPath() string {
	if s.path {
		return "/did.json"
	}
	return "/.well-known/did.json"
}

// DIDDocumentURL is BaseURL+DIDDocumentPath().
func (s *Signer) DIDDocumentURL() string { return s.iss.BaseURL + s.DIDDocumentPath() }

// DIDDocument returns the did:web document (DID Core v1) naming the key as a
// JsonWebKey2020 verification method usable for assertions (signing
// credentials) and authentication.
func (s *Signer) DIDDocument() ([]byte, error) {
	type method struct {
		ID           string `json:"id"`
		Type         string `json:"type"`
		Controller   string `json:"controller"`
		PublicKeyJwk jwk    `json:"publicKeyJwk"`
	}
	doc := struct {
		Context            []string `json:"@context"`
		ID                 string   `json:"id"`
		VerificationMethod []method `json:"verificationMethod"`
		AssertionMethod    []string `json:"assertionMethod"`
		Authentication     []string `json:"authentication"`
	}{
		Context:            []string{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"},
		ID:                 s.did,
		VerificationMethod: []method{{ID: s.kid, Type: "JsonWebKey2020", Controller: s.did, PublicKeyJwk: s.publicJWK(false)}},
		AssertionMethod:    []string{s.kid},
		Authentication:     []string{s.kid},
	}
	return marshal(doc)
}

// profile is the OB3 issuer Profile, embedded in every credential.
type profile struct {
	Context []string `json:"@context,omitempty"`
	ID      string   `json:"id"`
	Type    []string `json:"type"`
	Name    string   `json:"name"`
	URL     string   `json:"url,omitempty"`
	Image   *image   `json:"image,omitempty"`
}

type image struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func newImage(u string) *image {
	if u == "" {
		return nil
	}
	return &image{ID: u, Type: "Image"}
}

func (s *Signer) profile() profile {
	return profile{ID: s.did, Type: []string{"Profile"}, Name: s.iss.Name, URL: s.iss.BaseURL, Image: newImage(s.iss.ImageURL)}
}

// Profile returns the OB3 issuer Profile as a standalone JSON-LD document
// (the same object every credential embeds as "issuer", plus @context).
func (s *Signer) Profile() ([]byte, error) {
	p := s.profile()
	p.Context = contexts
	return marshal(p)
}
