package credential

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// testKey is RFC 8037 Appendix A.1's Ed25519 key, so tests are reproducible.
func testKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	seed, err := b64.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	if err != nil {
		t.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func testSigner(t testing.TB) *Signer {
	t.Helper()
	s, err := NewSigner(testKey(t), Issuer{BaseURL: "https://weaverse.example/", Name: "Weaverse", ImageURL: "https://weaverse.example/logo.png"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var kst = time.FixedZone("KST", 9*3600)

func testBadge() Badge {
	until := time.Date(2031, 3, 1, 9, 30, 0, 0, kst)
	return Badge{
		CredentialID: "https://weaverse.example/verify/WV-7K3M-Q9XP-2B4D-HJ6R",
		HolderName:   "김위버",
		HolderEmail:  "learner@example.com",
		Salt:         "c0ffee-salt",
		Achievement: Achievement{
			ID:          "https://weaverse.example/courses/12",
			Name:        "웹 개발 기초 & HTML",
			Description: "HTML, CSS, 자바스크립트의 기초",
			Criteria:    "모든 토픽 완료, 중간·기말 미션 통과",
			Credits:     3,
			Kind:        "course",
			ImageURL:    "https://weaverse.example/courses/12/badge.png",
		},
		ValidFrom:  time.Date(2026, 3, 1, 18, 30, 15, 987654321, kst), // 09:30:15Z, nanoseconds dropped
		ValidUntil: &until,
		Status:     &StatusEntry{ListURL: "https://weaverse.example/status/1", Index: 94567},
		Evidence:   []Evidence{{ID: "https://weaverse.example/missions/7", Name: "기말 미션", Description: "기말 미션 92점"}},
	}
}

func mustSign(t testing.TB, s *Signer, b Badge) string {
	t.Helper()
	tok, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func jwks(t testing.TB, s *Signer) []byte {
	t.Helper()
	j, err := s.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// tamper flips one byte of the decoded payload inside the jti value, which
// keeps the JSON valid: only the signature can catch it.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	p, err := b64.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(p), `"jti":"`)
	if i < 0 {
		t.Fatal("no jti in payload")
	}
	p[i+len(`"jti":"`)] ^= 0x01
	parts[1] = b64.EncodeToString(p)
	return strings.Join(parts, ".")
}

// TestRoundTripIndependentLibraries: tokens verify with go-jose and
// golang-jwt, given only the public key read back from JWKS(), and a payload
// changed by one byte fails in both and in Verify.
func TestRoundTripIndependentLibraries(t *testing.T) {
	s := testSigner(t)
	tok := mustSign(t, s, testBadge())
	tampered := tamper(t, tok)

	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks(t, s), &set); err != nil {
		t.Fatal(err)
	}
	keys := set.Key(s.KeyID())
	if len(keys) != 1 || !keys[0].Valid() || !keys[0].IsPublic() {
		t.Fatalf("JWKS key %q: %+v", s.KeyID(), keys)
	}
	pub := keys[0].Key

	t.Run("go-jose", func(t *testing.T) {
		obj, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.EdDSA})
		if err != nil {
			t.Fatal(err)
		}
		if h := obj.Signatures[0].Header; h.KeyID != s.KeyID() || h.Algorithm != "EdDSA" {
			t.Errorf("header: %+v", h)
		}
		payload, err := obj.Verify(pub)
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		if err := json.Unmarshal(payload, &claims); err != nil || claims["jti"] != testBadge().CredentialID {
			t.Errorf("payload: %v %v", claims, err)
		}
		obj, err = jose.ParseSignedCompact(tampered, []jose.SignatureAlgorithm{jose.EdDSA})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := obj.Verify(pub); err == nil {
			t.Error("go-jose accepted a tampered payload")
		}
	})
	t.Run("golang-jwt", func(t *testing.T) {
		keyFunc := func(*jwt.Token) (any, error) { return pub, nil }
		parsed, err := jwt.Parse(tok, keyFunc, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(s.IssuerID()))
		if err != nil || !parsed.Valid {
			t.Fatalf("golang-jwt: %v", err)
		}
		if _, err := jwt.Parse(tampered, keyFunc, jwt.WithValidMethods([]string{"EdDSA"})); err == nil {
			t.Error("golang-jwt accepted a tampered payload")
		}
	})
	t.Run("Verify", func(t *testing.T) {
		if _, err := Verify(tok, jwks(t, s)); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(tampered, jwks(t, s)); err == nil || !strings.Contains(err.Error(), "invalid signature") {
			t.Errorf("tampered: %v", err)
		}
	})
}

func TestPayload(t *testing.T) {
	s := testSigner(t)
	b := testBadge()
	tok := mustSign(t, s, b)
	c, err := Verify(tok, jwks(t, s))
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	hb, _ := b64.DecodeString(strings.Split(tok, ".")[0])
	if err := json.Unmarshal(hb, &h); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"alg": "EdDSA", "kid": s.KeyID(), "typ": "JWT"}; !reflect.DeepEqual(h, want) {
		t.Errorf("header %v, want %v", h, want)
	}

	sum := sha256.Sum256([]byte(b.HolderEmail + b.Salt))
	subject := c["credentialSubject"].(map[string]any)
	ach := subject["achievement"].(map[string]any)
	checks := []struct {
		name      string
		got, want any
	}{
		{"@context", c["@context"], []any{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}},
		{"type", c["type"], []any{"VerifiableCredential", "OpenBadgeCredential"}},
		{"id", c["id"], b.CredentialID},
		{"issuer", c["issuer"], map[string]any{"id": "did:web:weaverse.example", "type": []any{"Profile"}, "name": "Weaverse",
			"url": "https://weaverse.example", "image": map[string]any{"id": "https://weaverse.example/logo.png", "type": "Image"}}},
		{"iss", c["iss"], "did:web:weaverse.example"},
		{"jti", c["jti"], b.CredentialID},
		{"nbf", c["nbf"], float64(time.Date(2026, 3, 1, 9, 30, 15, 0, time.UTC).Unix())},
		{"exp", c["exp"], float64(time.Date(2031, 3, 1, 0, 30, 0, 0, time.UTC).Unix())},
		{"sub", c["sub"], nil},
		{"validFrom", c["validFrom"], "2026-03-01T09:30:15Z"},
		{"validUntil", c["validUntil"], "2031-03-01T00:30:00Z"},
		{"name", c["name"], "웹 개발 기초 & HTML"},
		{"subject type", subject["type"], []any{"AchievementSubject"}},
		{"subject id", subject["id"], nil},
		{"identifier", subject["identifier"], []any{
			map[string]any{"type": "IdentityObject", "identityType": "emailAddress", "hashed": true,
				"identityHash": "sha256$" + hex.EncodeToString(sum[:]), "salt": "c0ffee-salt"},
			map[string]any{"type": "IdentityObject", "identityType": "name", "hashed": false, "identityHash": "김위버"},
		}},
		{"achievement", ach, map[string]any{
			"id": "https://weaverse.example/courses/12", "type": []any{"Achievement"}, "achievementType": "Course",
			"name": "웹 개발 기초 & HTML", "description": "HTML, CSS, 자바스크립트의 기초",
			"criteria":         map[string]any{"narrative": "모든 토픽 완료, 중간·기말 미션 통과"},
			"creditsAvailable": float64(3),
			"image":            map[string]any{"id": "https://weaverse.example/courses/12/badge.png", "type": "Image"},
		}},
		{"credentialStatus", c["credentialStatus"], map[string]any{
			"id": "https://weaverse.example/status/1#94567", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
			"statusListIndex": "94567", "statusListCredential": "https://weaverse.example/status/1",
		}},
		{"evidence", c["evidence"], []any{map[string]any{"id": "https://weaverse.example/missions/7", "type": []any{"Evidence"},
			"name": "기말 미션", "description": "기말 미션 92점"}}},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %#v\nwant %#v", ck.name, ck.got, ck.want)
		}
	}

	// The plain email appears nowhere: not in the token, its decoded parts, or the credential JSON.
	vcJSON, err := s.Credential(b)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := b64.DecodeString(strings.Split(tok, ".")[1])
	for where, text := range map[string]string{"token": tok, "header": string(hb), "payload": string(pb), "Credential()": string(vcJSON)} {
		if strings.Contains(strings.ToLower(text), "learner@example.com") {
			t.Errorf("the plain email appears in the %s", where)
		}
	}
	if !strings.Contains(string(pb), "웹 개발 기초 & HTML") {
		t.Error("the payload does not hold the Hangul title as UTF-8 (with & unescaped)")
	}

	// Credential() is the payload without the JWT claims.
	var vcMap map[string]any
	if err := json.Unmarshal(vcJSON, &vcMap); err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{"iss", "jti", "nbf", "exp"} {
		delete(c, claim)
	}
	if !reflect.DeepEqual(vcMap, c) {
		t.Errorf("Credential() = %v\npayload claims = %v", vcMap, c)
	}
}

func TestPayloadOptionalParts(t *testing.T) {
	s := testSigner(t)
	b := testBadge()
	b.HolderName, b.ValidUntil, b.Status, b.Evidence = "", nil, nil, nil
	b.Achievement = Achievement{ID: "https://weaverse.example/curriculums/3", Name: "웹 개발 나노디그리", Kind: "curriculum"}
	c, err := Verify(mustSign(t, s, b), jwks(t, s))
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"exp", "validUntil", "credentialStatus", "evidence", "sub"} {
		if _, ok := c[absent]; ok {
			t.Errorf("%s present: %v", absent, c[absent])
		}
	}
	subject := c["credentialSubject"].(map[string]any)
	if ids := subject["identifier"].([]any); len(ids) != 1 {
		t.Errorf("identifier without a holder name: %v", ids)
	}
	want := map[string]any{"id": "https://weaverse.example/curriculums/3", "type": []any{"Achievement"},
		"achievementType": "Certificate", "name": "웹 개발 나노디그리", "description": "웹 개발 나노디그리",
		"criteria": map[string]any{"id": "https://weaverse.example/curriculums/3"}}
	if got := subject["achievement"]; !reflect.DeepEqual(got, want) {
		t.Errorf("achievement = %v\nwant %v", got, want)
	}
}

func TestBadgeValidation(t *testing.T) {
	s := testSigner(t)
	before := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(*Badge)
		want   string
	}{
		{"no credential id", func(b *Badge) { b.CredentialID = "" }, "CredentialID"},
		{"no email", func(b *Badge) { b.HolderEmail = "" }, "HolderEmail"},
		{"no salt", func(b *Badge) { b.Salt = "" }, "Salt"},
		{"no validFrom", func(b *Badge) { b.ValidFrom = time.Time{} }, "ValidFrom"},
		{"until before from", func(b *Badge) { b.ValidUntil = &before }, "ValidUntil"},
		{"no achievement id", func(b *Badge) { b.Achievement.ID = "" }, "Achievement.ID"},
		{"blank achievement name", func(b *Badge) { b.Achievement.Name = " " }, "Achievement.Name"},
		{"unknown kind", func(b *Badge) { b.Achievement.Kind = "degree" }, `"degree"`},
		{"negative credits", func(b *Badge) { b.Achievement.Credits = -1 }, "Credits"},
		{"negative index", func(b *Badge) { b.Status.Index = -1 }, "Index"},
		{"no list url", func(b *Badge) { b.Status.ListURL = "" }, "ListURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testBadge()
			tt.change(&b)
			_, err := s.Sign(b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Sign: %v, want an error naming %s", err, tt.want)
			}
			if _, err := s.Credential(b); err == nil {
				t.Error("Credential accepted it")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	s := testSigner(t)
	first := mustSign(t, s, testBadge())
	again := mustSign(t, s, testBadge())
	s2 := testSigner(t) // a new signer over the same key, as after a restart
	restarted := mustSign(t, s2, testBadge())
	if first != again || first != restarted {
		t.Errorf("tokens differ:\n%s\n%s\n%s", first, again, restarted)
	}
	other := testBadge()
	other.Status.Index++
	if mustSign(t, s, other) == first {
		t.Error("a different badge gave the same token")
	}
}

func TestDIDWeb(t *testing.T) {
	tests := []struct {
		base, did, docPath string
	}{
		{"https://weaverse.example", "did:web:weaverse.example", "/.well-known/did.json"},
		{"https://weaverse.example/", "did:web:weaverse.example", "/.well-known/did.json"},
		{"https://Weaverse.Example", "did:web:weaverse.example", "/.well-known/did.json"},
		{"http://127.0.0.1:8080", "did:web:127.0.0.1%3A8080", "/.well-known/did.json"},
		{"https://host/lms", "did:web:host:lms", "/did.json"},
		{"https://host:8443/a/b/", "did:web:host%3A8443:a:b", "/did.json"},
		{"http://[::1]:8080", "did:web:%5B%3A%3A1%5D%3A8080", "/.well-known/did.json"},
	}
	for _, tt := range tests {
		s, err := NewSigner(testKey(t), Issuer{BaseURL: tt.base, Name: "W"})
		if err != nil {
			t.Errorf("%s: %v", tt.base, err)
			continue
		}
		if s.IssuerID() != tt.did || s.DIDDocumentPath() != tt.docPath {
			t.Errorf("%s: IssuerID %q, path %q; want %q, %q", tt.base, s.IssuerID(), s.DIDDocumentPath(), tt.did, tt.docPath)
		}
		if !strings.HasPrefix(s.KeyID(), tt.did+"#") {
			t.Errorf("%s: KeyID %q", tt.base, s.KeyID())
		}
		if want := strings.TrimRight(tt.base, "/") + tt.docPath; s.DIDDocumentURL() != want {
			t.Errorf("%s: DIDDocumentURL %q, want %q", tt.base, s.DIDDocumentURL(), want)
		}
	}
	for _, bad := range []string{"", "weaverse.example", "ftp://host", "https://", "https://host/?q=1", "https://host/#x", "https://u:p@host"} {
		if _, err := NewSigner(testKey(t), Issuer{BaseURL: bad, Name: "W"}); err == nil {
			t.Errorf("NewSigner accepted base URL %q", bad)
		}
	}
	if _, err := NewSigner(testKey(t), Issuer{BaseURL: "https://host", Name: " "}); err == nil {
		t.Error("NewSigner accepted an empty name")
	}
	if _, err := NewSigner(testKey(t)[:32], Issuer{BaseURL: "https://host", Name: "W"}); err == nil {
		t.Error("NewSigner accepted a 32-byte key")
	}
	bad := append(ed25519.PrivateKey{}, testKey(t)...)
	bad[40] ^= 1 // public half no longer matches the seed
	if _, err := NewSigner(bad, Issuer{BaseURL: "https://host", Name: "W"}); err == nil {
		t.Error("NewSigner accepted a key whose public half does not match")
	}
}

// TestThumbprintRFC8037 uses RFC 8037 Appendix A.3.
func TestThumbprintRFC8037(t *testing.T) {
	x, _ := b64.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	if got := Thumbprint(ed25519.PublicKey(x)); got != "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Errorf("thumbprint %s", got)
	}
	// testKey is the RFC's key (A.1 d → A.2 x), so the key id ends with that thumbprint.
	s := testSigner(t)
	if s.KeyID() != "did:web:weaverse.example#kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Errorf("KeyID %s", s.KeyID())
	}
	// go-jose agrees.
	tp, err := (&jose.JSONWebKey{Key: s.PublicKey()}).Thumbprint(crypto.SHA256)
	if err != nil || b64.EncodeToString(tp) != Thumbprint(s.PublicKey()) {
		t.Errorf("go-jose thumbprint %x, %v", tp, err)
	}
}

func TestPublishedDocuments(t *testing.T) {
	s := testSigner(t)
	x := "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	decode := func(b []byte, err error) map[string]any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"d"`) {
			t.Errorf("private key material in %s", b)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if got, want := decode(s.JWKS()), map[string]any{"keys": []any{map[string]any{
		"kty": "OKP", "crv": "Ed25519", "x": x, "kid": s.KeyID(), "alg": "EdDSA", "use": "sig"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("JWKS %v", got)
	}
	doc := decode(s.DIDDocument())
	want := map[string]any{
		"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"},
		"id":       s.IssuerID(),
		"verificationMethod": []any{map[string]any{"id": s.KeyID(), "type": "JsonWebKey2020", "controller": s.IssuerID(),
			"publicKeyJwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": x}}},
		"assertionMethod": []any{s.KeyID()},
		"authentication":  []any{s.KeyID()},
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("DID document %v", doc)
	}
	p := decode(s.Profile())
	if p["id"] != s.IssuerID() || !reflect.DeepEqual(p["type"], []any{"Profile"}) || p["name"] != "Weaverse" ||
		p["url"] != "https://weaverse.example" || p["@context"] == nil {
		t.Errorf("Profile %v", p)
	}
}

// BenchmarkSign and BenchmarkVerify: one credential signed, and checked
// against the published JWKS.
func BenchmarkSign(b *testing.B) {
	s, bd := testSigner(b), testBadge()
	for b.Loop() {
		mustSign(b, s, bd)
	}
}

func BenchmarkVerify(b *testing.B) {
	s := testSigner(b)
	tok, set := mustSign(b, s, testBadge()), jwks(b, s)
	for b.Loop() {
		if _, err := Verify(tok, set); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatusList: a 131,072-entry list with 1,000 revoked, encoded.
func BenchmarkStatusList(b *testing.B) {
	revoked := make([]int, 1000)
	for i := range revoked {
		revoked[i] = i * 131
	}
	for b.Loop() {
		if _, err := EncodeStatusList(revoked, MinStatusListBits); err != nil {
			b.Fatal(err)
		}
	}
}
