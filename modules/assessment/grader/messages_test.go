package grader

import (
	"slices"
	"testing"
	"text/template"

	"github.com/BurntSushi/toml"
)

// TestMessagesMatchLocales: every message a grader returns has a Korean
// and an English text in the assessment module's locales, the English one
// the grader's own, and each is a template that parses.
func TestMessagesMatchLocales(t *testing.T) {
	t.Parallel()
	read := func(file string) map[string]string {
		var m map[string]string
		if _, err := toml.DecodeFile("../locales/"+file, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	ko, en := read("grader.ko.toml"), read("grader.en.toml")
	codes := Messages()
	slices.Sort(codes)
	for _, c := range codes {
		if en[c] != englishMessages[c] {
			t.Errorf("%s: grader.en.toml says %q, the grader %q", c, en[c], englishMessages[c])
		}
		if ko[c] == "" {
			t.Errorf("%s: not in grader.ko.toml", c)
		}
		for _, text := range []string{ko[c], en[c]} {
			if _, err := template.New(c).Parse(text); err != nil {
				t.Errorf("%s: %v", c, err)
			}
		}
	}
	for _, m := range []map[string]string{ko, en} {
		for c := range m {
			if _, ok := englishMessages[c]; !ok {
				t.Errorf("%s: in the locales, never returned by a grader", c)
			}
		}
	}
}

func TestMsgEnglish(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    Msg
		want string
	}{
		{msg("grader.html.count", "selector", "li", "want", 3, "got", 2), `expected 3 elements matching "li", found 2`},
		{msg("grader.external.runtime", "status", "Runtime Error (NZEC)", "error", ""), "Runtime Error (NZEC)"},
		{msg("grader.external.runtime", "status", "Runtime Error (NZEC)", "error", "boom"), "Runtime Error (NZEC): boom"},
		{msg("grader.no_such_code"), "grader.no_such_code"},
		{Msg{}, ""},
	} {
		if got := tc.m.English(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.m, got, tc.want)
		}
	}
}
