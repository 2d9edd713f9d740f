package certificates

import (
	"regexp"
	"testing"
)

var serialShape = regexp.MustCompile(`^WV(-[0-9A-HJKMNP-TV-Z]{4}){4}$`)

// TestSerials: new serials are well formed, differ, and read back as
// themselves; typed variants read as the same serial.
func TestSerials(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := newSerial()
		if !serialShape.MatchString(s) || normalizeSerial(s) != s || seen[s] {
			t.Fatalf("serial %q (normalized %q, seen %v)", s, normalizeSerial(s), seen[s])
		}
		seen[s] = true
	}
	for in, want := range map[string]string{
		"wv-7k3m-q9xp-2b4d-hj6r":    "WV-7K3M-Q9XP-2B4D-HJ6R",
		"WV7K3MQ9XP2B4DHJ6R":        "WV-7K3M-Q9XP-2B4D-HJ6R",
		" WV 7K3M Q9XP 2B4D HJ6R ":  "WV-7K3M-Q9XP-2B4D-HJ6R",
		"7K3M-Q9XP-2B4D-HJ6R":       "WV-7K3M-Q9XP-2B4D-HJ6R",
		"WV-OOOO-IIII-LLLL-0000":    "WV-0000-1111-1111-0000",
		"WV-UUUU-0000-0000-0000":    "", // U is not in the alphabet
		"WV-0000-0000-0000":         "",
		"WV-0000-0000-0000-0000-00": "",
		"":                          "",
		"WV-가나다라-0000-0000-0000":    "",
	} {
		if got := normalizeSerial(in); got != want {
			t.Errorf("normalizeSerial(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNormalizeSerial: whatever is typed, the result is empty or a
// well-formed serial that reads as itself.
func FuzzNormalizeSerial(f *testing.F) {
	for _, s := range []string{"WV-7K3M-Q9XP-2B4D-HJ6R", "wv7k3m", "\x00", "WV-ÖÖÖÖ-0000-0000-0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := normalizeSerial(s)
		if got != "" && (!serialShape.MatchString(got) || normalizeSerial(got) != got) {
			t.Fatalf("normalizeSerial(%q) = %q", s, got)
		}
	})
}
