package i18n

import (
	"context"
	"testing"
	"testing/fstest"
)

func TestNegotiate(t *testing.T) {
	cases := []struct{ explicit, cookie, accept, want string }{
		{"", "", "", KO},
		{"en", "", "ko", EN},
		{"EN", "", "", EN},
		{"fr", "en", "", EN}, // unsupported explicit value falls through to the cookie
		{"", "", "en-US,en;q=0.9", EN},
		{"", "", "ko-KR,ko;q=0.9,en;q=0.8", KO},
		{"", "", "fr-FR,en;q=0.5", EN},
		{"", "", "ja", KO},
		{"", "", ";;garbage,,", KO},
	}
	for _, c := range cases {
		if got := Negotiate(c.explicit, c.cookie, c.accept); got != c.want {
			t.Errorf("Negotiate(%q,%q,%q) = %q, want %q", c.explicit, c.cookie, c.accept, got, c.want)
		}
	}
}

func TestBundle(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := b.T(KO, "problem.not_found", nil); got != "찾을 수 없습니다." {
		t.Fatalf("ko: %q", got)
	}
	if got := b.T(EN, "problem.not_found", nil); got != "Not found." {
		t.Fatalf("en: %q", got)
	}
	err = b.Load(fstest.MapFS{
		"x.ko.toml": {Data: []byte(`"hello" = "안녕하세요, {{.Name}}님"` + "\n" + `"only_ko" = "한국어만"`)},
		"x.en.toml": {Data: []byte(`"hello" = "Hello, {{.Name}}"`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.T(EN, "hello", map[string]any{"Name": "<Ada>"}); got != "Hello, <Ada>" {
		t.Fatalf("template: %q", got)
	}
	if got := b.T(EN, "only_ko", nil); got != "한국어만" {
		t.Fatalf("fallback to Korean: %q", got)
	}
	if got := b.T(KO, "missing.key", nil); got != "missing.key" {
		t.Fatalf("missing: %q", got)
	}
	if !b.Has("hello") || b.Has("missing.key") {
		t.Fatal("Has")
	}
	if err := b.Load(fstest.MapFS{"bad.ko.toml": {Data: []byte("= broken")}}); err == nil {
		t.Fatal("broken catalog accepted")
	}
	if LangFrom(WithLang(context.Background(), "en-GB")) != EN || LangFrom(context.Background()) != KO {
		t.Fatal("context language")
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "-1234567": "-1,234,567",
		"100000000": "100,000,000", "12345.678": "12,345.678", "-0.5": "-0.5"} {
		if got := GroupDigits(in); got != want {
			t.Errorf("GroupDigits(%q) = %q, want %q", in, got, want)
		}
	}
}
