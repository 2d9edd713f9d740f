package credential

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// contexts are the JSON-LD contexts of an OB3 credential on VCDM 2.0.
var contexts = []string{
	"https://www.w3.org/ns/credentials/v2",
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
}

// Achievement is what was achieved: a course or a curriculum.
type Achievement struct {
	ID          string // URL of the achievement, e.g. BaseURL+"/courses/12"
	Name        string // course or curriculum title
	Description string // defaults to Name (OB3 requires a description)
	Criteria    string // narrative, e.g. "모든 토픽 완료, 중간·기말 미션 통과"; empty: criteria {id: ID}
	Credits     int    // creditsAvailable; omitted when 0
	Kind        string // "course" → achievementType "Course", "curriculum" → "Certificate"; "": omitted
	ImageURL    string // optional
}

// Evidence supports the award, e.g. {Name: "기말 미션", Description: "92점"}.
type Evidence struct {
	ID          string // optional URL
	Name        string
	Description string
}

// StatusEntry points at the credential's bit in a revocation status list.
type StatusEntry struct {
	ListURL string // URL of the BitstringStatusListCredential
	Index   int    // bit index in that list
}

// Badge is one awarded credential.
type Badge struct {
	CredentialID string // URL, e.g. BaseURL+"/verify/WV-7K3M-Q9XP-2B4D-HJ6R"
	HolderName   string // name of the holder at issue; optional
	// HolderEmail identifies the subject only as a salted SHA-256 hash
	// (IdentityHash); the plain address never appears in the credential. It
	// is hashed as given: normalize it (trim, lower-case) before, the same way
	// a later "is this yours?" check will.
	HolderEmail string
	Salt        string // required with HolderEmail; deterministic per certificate
	Achievement Achievement
	ValidFrom   time.Time // kept to the second, in UTC
	ValidUntil  *time.Time
	Status      *StatusEntry // nil: no credentialStatus
	Evidence    []Evidence
}

// IdentityHash is the OB3 identityHash of an email for a salt:
// "sha256$" + hex(SHA-256(email + salt)).
func IdentityHash(email, salt string) string {
	sum := sha256.Sum256([]byte(email + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// The JSON shapes below are unexported: struct field order fixes the JSON
// member order, which keeps tokens byte-for-byte reproducible.

type vc struct {
	Context           []string   `json:"@context"`
	ID                string     `json:"id"`
	Type              []string   `json:"type"`
	Issuer            any        `json:"issuer"` // the Profile object, or the DID alone
	Name              string     `json:"name,omitempty"`
	ValidFrom         string     `json:"validFrom"`
	ValidUntil        string     `json:"validUntil,omitempty"`
	CredentialSubject any        `json:"credentialSubject"`
	CredentialStatus  *status    `json:"credentialStatus,omitempty"`
	Evidence          []evidence `json:"evidence,omitempty"`
}

// jwtClaims are the VC-JWT registered claims added next to the credential's
// own members (VCDM 2.0 style: the payload is the credential, no "vc" claim).
type jwtClaims struct {
	vc
	Iss string `json:"iss"`
	Jti string `json:"jti"`
	Sub string `json:"sub,omitempty"`
	Nbf int64  `json:"nbf"`
	Exp int64  `json:"exp,omitempty"`
}

type achievementSubject struct {
	Type        []string    `json:"type"`
	Identifier  []identity  `json:"identifier"`
	Achievement achievement `json:"achievement"`
}

type identity struct {
	Type         string `json:"type"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
	IdentityHash string `json:"identityHash"`
	Salt         string `json:"salt,omitempty"`
}

type achievement struct {
	ID               string   `json:"id"`
	Type             []string `json:"type"`
	AchievementType  string   `json:"achievementType,omitempty"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	Criteria         criteria `json:"criteria"`
	CreditsAvailable int      `json:"creditsAvailable,omitempty"`
	Image            *image   `json:"image,omitempty"`
}

type criteria struct {
	ID        string `json:"id,omitempty"`
	Narrative string `json:"narrative,omitempty"`
}

type status struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

type evidence struct {
	ID          string   `json:"id,omitempty"`
	Type        []string `json:"type"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
}

var achievementTypes = map[string]string{"": "", "course": "Course", "curriculum": "Certificate"}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// build validates b and returns the credential and its JWT claims.
func (s *Signer) build(b Badge) (jwtClaims, error) {
	a := b.Achievement
	switch {
	case b.CredentialID == "":
		return jwtClaims{}, errors.New("credential: badge: CredentialID is required")
	case b.HolderEmail == "":
		return jwtClaims{}, errors.New("credential: badge: HolderEmail is required (it identifies the subject, hashed)")
	case b.Salt == "":
		return jwtClaims{}, errors.New("credential: badge: Salt is required (an unsalted email hash is easily reversed)")
	case b.ValidFrom.IsZero():
		return jwtClaims{}, errors.New("credential: badge: ValidFrom is required")
	case a.ID == "" || strings.TrimSpace(a.Name) == "":
		return jwtClaims{}, errors.New("credential: badge: Achievement.ID and Achievement.Name are required")
	case a.Credits < 0:
		return jwtClaims{}, errors.New("credential: badge: Achievement.Credits is negative")
	}
	kind, ok := achievementTypes[a.Kind]
	if !ok {
		return jwtClaims{}, fmt.Errorf("credential: badge: Achievement.Kind %q is not \"course\" or \"curriculum\"", a.Kind)
	}
	// Seconds only, so validFrom and nbf state the same instant.
	from := b.ValidFrom.UTC().Truncate(time.Second)

	ach := achievement{
		ID: a.ID, Type: []string{"Achievement"}, AchievementType: kind, Name: a.Name, Description: a.Description,
		Criteria: criteria{Narrative: a.Criteria}, CreditsAvailable: a.Credits, Image: newImage(a.ImageURL),
	}
	if ach.Description == "" {
		ach.Description = a.Name
	}
	if a.Criteria == "" { // OB3 needs an id or a narrative: the achievement's page says what it takes
		ach.Criteria.ID = a.ID
	}
	ids := []identity{{Type: "IdentityObject", IdentityType: "emailAddress", Hashed: true,
		IdentityHash: IdentityHash(b.HolderEmail, b.Salt), Salt: b.Salt}}
	if b.HolderName != "" { // the usual OB3 way to show a name: a plain "name" identity
		ids = append(ids, identity{Type: "IdentityObject", IdentityType: "name", IdentityHash: b.HolderName})
	}

	c := jwtClaims{
		vc: vc{
			Context:   contexts,
			ID:        b.CredentialID,
			Type:      []string{"VerifiableCredential", "OpenBadgeCredential"},
			Issuer:    s.profile(),
			Name:      a.Name,
			ValidFrom: rfc3339(from),
			CredentialSubject: achievementSubject{
				Type: []string{"AchievementSubject"}, Identifier: ids, Achievement: ach,
			},
		},
		Iss: s.did, Jti: b.CredentialID, Nbf: from.Unix(),
	}
	if b.ValidUntil != nil {
		until := b.ValidUntil.UTC().Truncate(time.Second)
		if !until.After(from) {
			return jwtClaims{}, errors.New("credential: badge: ValidUntil must be after ValidFrom")
		}
		c.ValidUntil, c.Exp = rfc3339(until), until.Unix()
	}
	if st := b.Status; st != nil {
		if st.ListURL == "" || st.Index < 0 {
			return jwtClaims{}, errors.New("credential: badge: Status needs a ListURL and an Index >= 0")
		}
		idx := strconv.Itoa(st.Index)
		c.CredentialStatus = &status{ID: st.ListURL + "#" + idx, Type: "BitstringStatusListEntry",
			StatusPurpose: "revocation", StatusListIndex: idx, StatusListCredential: st.ListURL}
	}
	for _, e := range b.Evidence {
		c.Evidence = append(c.Evidence, evidence{ID: e.ID, Type: []string{"Evidence"}, Name: e.Name, Description: e.Description})
	}
	return c, nil
}

// Credential returns the unsigned OpenBadgeCredential JSON of b (what a
// holder downloads, and what the token's payload holds besides the JWT
// claims).
func (s *Signer) Credential(b Badge) ([]byte, error) {
	c, err := s.build(b)
	if err != nil {
		return nil, err
	}
	return marshal(c.vc)
}

// Sign returns b as a VC-JWT: a compact JWS with header
// {"alg":"EdDSA","kid":KeyID(),"typ":"JWT"} whose payload is the credential
// plus iss, jti, nbf and exp (when ValidUntil is set). The subject has no id,
// so there is no sub. The same Badge and key always give the same token.
func (s *Signer) Sign(b Badge) (string, error) {
	c, err := s.build(b)
	if err != nil {
		return "", err
	}
	return s.signJWS(c)
}
