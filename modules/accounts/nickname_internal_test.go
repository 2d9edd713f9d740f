package accounts

import "testing"

// A derived nickname always passes the nickname rules, leaves room for a
// number, and falls back when the e-mail gives too little.
func TestDerivedNickname(t *testing.T) {
	for email, want := range map[string]string{
		"ada@example.com":                    "ada",
		"a@example.com":                      "student",
		" b@example.com ":                    "student",
		"o'brien@example.com":                "obrien",
		"<&>@example.com":                    "student",
		"x\"y@example.com":                   "xy",
		"홍길동@example.com":                    "홍길동",
		"averyveryverylonglocal@example.com": "averyveryverylon",
		"":                                   "student",
	} {
		got := derivedNickname(email, "student")
		if got != want {
			t.Errorf("derivedNickname(%q) = %q, want %q", email, got, want)
		}
		if _, fe := checkNickname(got); fe != nil {
			t.Errorf("derivedNickname(%q) = %q breaks the nickname rules", email, got)
		}
	}
}
