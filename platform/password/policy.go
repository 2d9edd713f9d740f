package password

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// Policy bounds.
const (
	// MinLength is counted in characters (runes), so a Korean password of
	// ten syllables passes like a ten-letter Latin one.
	MinLength = 10
	// MaxBytes bounds the work argon2 does on attacker-chosen input; no real
	// password comes near it.
	MaxBytes = 256
)

// Violation codes. Each is also the i18n message id the caller localises.
const (
	CodeTooShort    = "password.too_short"
	CodeTooLong     = "password.too_long"
	CodeSameAsEmail = "password.same_as_email"
	CodeCommon      = "password.common"
	CodeMismatch    = "password.mismatch"
)

// Violation is one broken rule. Message is an i18n message id (equal to Code
// today): the caller localises it, this package stays language-free.
type Violation struct {
	Code    string
	Message string
}

func violation(code string) Violation { return Violation{Code: code, Message: code} }

// Check applies the password policy to a new password, its confirmation
// (required: an empty confirm is a mismatch) and the account's e-mail. It
// returns every violation, in a stable order, or nil.
func Check(pw, confirm, email string) []Violation {
	var vs []Violation
	if utf8.RuneCountInString(pw) < MinLength {
		vs = append(vs, violation(CodeTooShort))
	}
	if len(pw) > MaxBytes {
		vs = append(vs, violation(CodeTooLong))
	}
	if sameAsEmail(pw, email) {
		vs = append(vs, violation(CodeSameAsEmail))
	}
	if IsCommon(pw) {
		vs = append(vs, violation(CodeCommon))
	}
	if confirm != pw {
		vs = append(vs, violation(CodeMismatch))
	}
	return vs
}

// sameAsEmail reports whether pw equals the e-mail address or its local
// part, ignoring case: both are the first thing a guesser tries.
func sameAsEmail(pw, email string) bool {
	email = strings.TrimSpace(email)
	if email == "" || pw == "" {
		return false
	}
	local := email
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		local = email[:at]
	}
	return strings.EqualFold(pw, email) || (local != "" && strings.EqualFold(pw, local))
}

// commonPasswords is the list vendored by scripts/vendor-passwords.sh:
// lower-cased leaked passwords of MinLength or more characters.
//
//go:embed common-passwords.txt
var commonPasswords string

// commonSet is built on first use so processes that never check a password
// (workers, CLI commands) do not pay for it.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	lines := strings.Split(strings.TrimSpace(commonPasswords), "\n")
	set := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			set[l] = struct{}{}
		}
	}
	return set
})

// IsCommon reports whether pw, ignoring case, is on the common-password list.
func IsCommon(pw string) bool {
	_, ok := commonSet()[strings.ToLower(pw)]
	return ok
}
