package credential_test

import (
	"fmt"
	"log"
	"time"

	"github.com/weaverse/weaverse/modules/certificates/credential"
)

// The certificates module's flow: one Signer at start-up (the key from
// LoadOrCreateKeyFile), a token per certificate, and the issuer documents
// served at fixed URLs.
func Example() {
	key, err := credential.GenerateKey() // in the app: credential.LoadOrCreateKeyFile(path)
	if err != nil {
		log.Fatal(err)
	}
	s, err := credential.NewSigner(key, credential.Issuer{BaseURL: "http://127.0.0.1:8080", Name: "Weaverse"})
	if err != nil {
		log.Fatal(err)
	}
	token, err := s.Sign(credential.Badge{
		CredentialID: "http://127.0.0.1:8080/verify/WV-7K3M-Q9XP-2B4D-HJ6R",
		HolderName:   "김위버",
		HolderEmail:  "learner@example.com",
		Salt:         "per-certificate-salt",
		Achievement: credential.Achievement{
			ID: "http://127.0.0.1:8080/courses/12", Name: "웹 개발 기초", Kind: "course",
			Criteria: "모든 토픽 완료, 중간·기말 미션 통과",
		},
		ValidFrom: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC),
		Status:    &credential.StatusEntry{ListURL: "http://127.0.0.1:8080/status/1", Index: 42},
	})
	if err != nil {
		log.Fatal(err)
	}
	jwks, _ := s.JWKS() // serve at /.well-known/jwks.json; s.DIDDocument() at s.DIDDocumentPath()
	claims, err := credential.Verify(token, jwks)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.IssuerID())
	fmt.Println(s.DIDDocumentPath())
	fmt.Println(claims["jti"], claims["validFrom"])
	// Output:
	// did:web:127.0.0.1%3A8080
	// /.well-known/did.json
	// http://127.0.0.1:8080/verify/WV-7K3M-Q9XP-2B4D-HJ6R 2026-12-07T00:00:00Z
}
