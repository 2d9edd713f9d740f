package auth

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
)

// Token types (the "typ" claim). Each kind is validated by its own rules and
// never accepted as the other (RFC 8725 §3.11, §3.12).
const (
	typAccess  = "access"
	typRefresh = "refresh"
	audience   = "weaverse"
)

// claims are the JWT claims of both token kinds.
type claims struct {
	jwt.RegisteredClaims
	Typ string `json:"typ"`
	Sid string `json:"sid"`
}

// signer issues and verifies HS256 tokens. Keys are derived from the
// configured secrets; the key id ("kid" header) selects the verification key,
// so the secret can be rotated while tokens signed with the previous one stay
// valid (previous_secret_keys).
type signer struct {
	active string
	keys   map[string][]byte
	issuer string
	clock  clock.Clock
}

func newSigner(secret string, previous []string, issuer string, clk clock.Clock) *signer {
	s := &signer{keys: map[string][]byte{}, issuer: issuer, clock: clk}
	for i, sec := range append([]string{secret}, previous...) {
		key := crypto.DeriveKey([]byte(sec), "weaverse/auth/jwt-hs256")
		kid := crypto.KeyID(key)
		if i == 0 {
			s.active = kid
		}
		s.keys[kid] = key
	}
	return s
}

// issue signs a token of typ for the user and session, valid for ttl.
func (s *signer) issue(typ string, userID int64, sid, jti string, ttl time.Duration) (string, time.Time, error) {
	now := s.clock.Now()
	exp := now.Add(ttl)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   strconv.FormatInt(userID, 10),
			Audience:  jwt.ClaimStrings{audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)), // tolerate clock skew between instances
			ID:        jti,
		},
		Typ: typ,
		Sid: sid,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header["kid"] = s.active
	signed, err := t.SignedString(s.keys[s.active])
	return signed, exp, err
}

var (
	errTokenInvalid = errors.New("invalid token")
	errTokenExpired = errors.New("expired token")
)

// parse verifies a token of the wanted type: algorithm pinned to HS256, key
// chosen by kid among ours only, issuer, audience, expiry and type checked.
func (s *signer) parse(raw, wantTyp string) (*claims, int64, error) {
	c := &claims{}
	_, err := jwt.ParseWithClaims(raw, c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := s.keys[kid]
		if !ok {
			return nil, fmt.Errorf("unknown key id")
		}
		return key, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(s.issuer),
		jwt.WithAudience(audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.clock.Now))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, 0, errTokenExpired
		}
		return nil, 0, errTokenInvalid
	}
	uid, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || uid <= 0 || c.Typ != wantTyp || c.Sid == "" || c.ID == "" {
		return nil, 0, errTokenInvalid
	}
	return c, uid, nil
}
