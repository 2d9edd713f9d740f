package password

import (
	"slices"
	"strings"
	"testing"
)

func codes(vs []Violation) []string {
	var cs []string
	for _, v := range vs {
		if v.Message != v.Code {
			panic("Message must equal Code: " + v.Code)
		}
		cs = append(cs, v.Code)
	}
	return cs
}

func TestCheck(t *testing.T) {
	const email = "Minji.Kim@example.com"
	cases := []struct {
		name, pw, confirm string
		want              []string
	}{
		{"good", "blue-river-42-lamp", "blue-river-42-lamp", nil},
		{"short", "abc123!", "abc123!", []string{CodeTooShort}},
		{"nine runes", "123456789", "123456789", []string{CodeTooShort}},
		// Ten Hangul syllables are 30 bytes but ten characters: accepted.
		{"korean 10 chars", "가나다라마바사아자차", "가나다라마바사아자차", nil},
		{"korean 9 chars", "가나다라마바사아자", "가나다라마바사아자", []string{CodeTooShort}},
		{"too long", strings.Repeat("a1b2", 64) + "x", strings.Repeat("a1b2", 64) + "x", []string{CodeTooLong}},
		{"max bytes", strings.Repeat("a1b2", 64), strings.Repeat("a1b2", 64), nil},
		{"e-mail", "minji.kim@EXAMPLE.com", "minji.kim@EXAMPLE.com", []string{CodeSameAsEmail}},
		{"local part", "MINJI.KIM", "MINJI.KIM", []string{CodeTooShort, CodeSameAsEmail}},
		{"common", "1q2w3e4r5t", "1q2w3e4r5t", []string{CodeCommon}},
		{"common any case", "PassWord123", "PassWord123", []string{CodeCommon}},
		{"common korean favourite", "Qwer1234!!", "Qwer1234!!", []string{CodeCommon}},
		{"mismatch", "blue-river-42-lamp", "blue-river-42-lamb", []string{CodeMismatch}},
		{"empty confirm", "blue-river-42-lamp", "", []string{CodeMismatch}},
		{"empty", "", "", []string{CodeTooShort}},
		{"several", "1q2w3e4r5t", "", []string{CodeCommon, CodeMismatch}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := codes(Check(c.pw, c.confirm, email))
			if !slices.Equal(got, c.want) {
				t.Fatalf("Check(%q, %q) = %v, want %v", c.pw, c.confirm, got, c.want)
			}
		})
	}
}

func TestLocalPartLongEnough(t *testing.T) {
	// A local part of 10+ characters is refused for being the local part,
	// not just for length.
	got := codes(Check("Kim.Minji.1990", "Kim.Minji.1990", "kim.minji.1990@example.com"))
	if !slices.Equal(got, []string{CodeSameAsEmail}) {
		t.Fatalf("got %v", got)
	}
	// Without an e-mail the rule does not fire.
	if got := Check("Kim.Minji.1990", "Kim.Minji.1990", ""); got != nil {
		t.Fatalf("got %v", got)
	}
}

func TestCommonList(t *testing.T) {
	set := commonSet()
	if len(set) < 1000 {
		t.Fatalf("common-password list has %d entries; vendoring went wrong", len(set))
	}
	for pw := range set {
		if pw != strings.ToLower(pw) || len([]rune(pw)) < MinLength {
			t.Fatalf("list entry %q is not lower-case or is shorter than MinLength", pw)
		}
	}
	for _, pw := range []string{"1q2w3e4r5t", "1q2w3e4r5t6y", "qwer1234!!", "asdf1234!!", "q1w2e3r4t5", "iloveyou123"} {
		if !IsCommon(pw) {
			t.Errorf("%q missing from the common list", pw)
		}
	}
	if IsCommon("blue-river-42-lamp") {
		t.Fatal("a random passphrase is flagged as common")
	}
}
