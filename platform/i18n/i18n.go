// Package i18n holds the message catalogs (Korean first, English second) and
// the language negotiation shared by the JSON API (problem details) and the
// server-rendered pages.
//
// Catalogs are TOML files named "<anything>.<lang>.toml" (go-i18n format).
// The platform ships its own in locales/; each module may add its own with
// Bundle.Load at start-up.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Supported languages. Korean is the default.
const (
	KO = "ko"
	EN = "en"
)

// Supported lists the languages in order of preference.
var supportedTags = []language.Tag{language.Korean, language.English}

var matcher = language.NewMatcher(supportedTags)

//go:embed locales/*.toml
var platformLocales embed.FS

// Bundle is a set of message catalogs. It is safe for concurrent use once
// loading has finished; Load may be called again (it takes a lock) but is meant
// for start-up.
type Bundle struct {
	mu         sync.RWMutex
	b          *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
}

// New returns a bundle with the platform's own messages loaded.
func New() (*Bundle, error) {
	b := goi18n.NewBundle(language.Korean)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	bundle := &Bundle{b: b}
	if err := bundle.Load(platformLocales); err != nil {
		return nil, err
	}
	return bundle, nil
}

// Load parses every "*.ko.toml" / "*.en.toml" file found anywhere in fsys.
func (b *Bundle) Load(fsys fs.FS) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".toml" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if _, err := b.b.ParseMessageFileBytes(data, path.Base(p)); err != nil {
			return fmt.Errorf("i18n: %s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.localizers = map[string]*goi18n.Localizer{
		KO: goi18n.NewLocalizer(b.b, KO),
		EN: goi18n.NewLocalizer(b.b, EN, KO),
	}
	return nil
}

// T translates message id into lang. data fills the template ({{.Name}}).
// A missing translation falls back to Korean, then to the id itself, so a
// missing key is visible but never an error.
func (b *Bundle) T(lang, id string, data map[string]any) string {
	b.mu.RLock()
	l := b.localizers[Normalize(lang)]
	b.mu.RUnlock()
	if l == nil {
		return id
	}
	// On a fallback to the default language go-i18n returns the Korean text
	// together with a MessageNotFoundErr: the text is what we want.
	msg, _ := l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if msg == "" {
		return id
	}
	return msg
}

// Has reports whether id exists in at least one catalog.
func (b *Bundle) Has(id string) bool {
	b.mu.RLock()
	l := b.localizers[KO]
	b.mu.RUnlock()
	if l == nil {
		return false
	}
	_, _, err := l.LocalizeWithTag(&goi18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// Normalize maps any language tag to a supported language ("ko" or "en").
func Normalize(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	switch {
	case lang == EN || strings.HasPrefix(lang, "en-") || strings.HasPrefix(lang, "en_"):
		return EN
	default:
		return KO
	}
}

// Negotiate picks the language of a request: an explicit choice (?lang=, then
// the lang cookie) wins over the Accept-Language header; Korean otherwise.
func Negotiate(explicit, cookie, acceptLanguage string) string {
	for _, v := range []string{explicit, cookie} {
		if v = strings.ToLower(strings.TrimSpace(v)); v == KO || v == EN {
			return v
		}
	}
	if acceptLanguage == "" {
		return KO
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return KO
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return KO
	}
	if supportedTags[idx] == language.English {
		return EN
	}
	return KO
}

type ctxKey struct{}

// WithLang stores the request language in ctx.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, ctxKey{}, Normalize(lang))
}

// LangFrom returns the request language stored by WithLang (Korean if none).
func LangFrom(ctx context.Context) string {
	if v, ok := ctx.Value(ctxKey{}).(string); ok {
		return v
	}
	return KO
}

// GroupDigits puts thousands separators into a decimal number written out
// in full: "-1234567.25" → "-1,234,567.25". Korean and English group alike.
func GroupDigits(s string) string {
	sign, digits := "", s
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	digits, frac, hasFrac := strings.Cut(digits, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}
