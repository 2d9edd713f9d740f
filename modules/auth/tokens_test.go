package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/weaverse/weaverse/platform/clock"
)

func TestSignerRotationAndTyping(t *testing.T) {
	clk := clock.NewFixed(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	oldSecret := strings.Repeat("o", 40)
	newSecret := strings.Repeat("n", 40)
	old := newSigner(oldSecret, nil, "https://learn.example", clk)
	tok, _, err := old.issue(typAccess, 7, "sid1", "jti1", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// After rotation the old key still verifies…
	rotated := newSigner(newSecret, []string{oldSecret}, "https://learn.example", clk)
	if _, uid, err := rotated.parse(tok, typAccess); err != nil || uid != 7 {
		t.Fatalf("old token after rotation: %v", err)
	}
	// …until it is dropped.
	dropped := newSigner(newSecret, nil, "https://learn.example", clk)
	if _, _, err := dropped.parse(tok, typAccess); err == nil {
		t.Fatal("a token of a removed key verified")
	}
	// New tokens carry the new key id.
	fresh, _, _ := rotated.issue(typRefresh, 7, "sid1", "jti2", time.Hour)
	parsed, _, _ := jwt.NewParser().ParseUnverified(fresh, &claims{})
	if parsed.Header["kid"] != rotated.active || rotated.active == old.active {
		t.Fatalf("kid %v", parsed.Header["kid"])
	}
	// Types never mix; issuer and audience are checked.
	if _, _, err := rotated.parse(fresh, typAccess); err == nil {
		t.Fatal("refresh token accepted as access token")
	}
	other := newSigner(newSecret, nil, "https://other.example", clk)
	if _, _, err := other.parse(fresh, typRefresh); err == nil {
		t.Fatal("token of another issuer accepted")
	}
	// HS256 only: a token signed with another HMAC size is refused even with our key.
	c := claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "https://learn.example", Subject: "7",
		Audience: jwt.ClaimStrings{audience}, ExpiresAt: jwt.NewNumericDate(clk.Now().Add(time.Hour)),
		IssuedAt: jwt.NewNumericDate(clk.Now()), ID: "x"}, Typ: typAccess, Sid: "s"}
	hs512 := jwt.NewWithClaims(jwt.SigningMethodHS512, c)
	hs512.Header["kid"] = rotated.active
	forged, _ := hs512.SignedString(rotated.keys[rotated.active])
	if _, _, err := rotated.parse(forged, typAccess); err == nil {
		t.Fatal("HS512 token accepted")
	}
	// Expiry follows the clock.
	clk.Advance(2 * time.Hour)
	if _, _, err := rotated.parse(fresh, typRefresh); err != errTokenExpired {
		t.Fatalf("expired token: %v", err)
	}
}
