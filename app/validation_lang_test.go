package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

var hangul = regexp.MustCompile(`\p{Hangul}`)

// TestValidationMessagesInRequestLanguage: the schema's own checks (huma's
// validation: lengths, required fields, types, enumerations, bounds,
// patterns, parameters, unreadable bodies) answer each field in the
// request's language, like the problem's detail, and keep their locations.
func TestValidationMessagesInRequestLanguage(t *testing.T) {
	tutor := &authz.Principal{UserID: 2001, Role: authz.Tutor}
	long := strings.Repeat("가", 201)
	cases := []struct {
		name         string
		as           *authz.Principal
		method, path string
		body         any
		status       int
		location     string
		ko, en       string
	}{
		{"too long", tutor, http.MethodPut, "/api/videos/1", map[string]any{"title": long}, 422,
			"body.title", "200자 이내로 입력해 주세요.", "At most 200 characters."},
		{"required", nil, http.MethodPost, "/api/login", map[string]any{"email": "a@example.com"}, 422,
			"body", "필수 항목 password이(가) 없습니다.", "The required field password is missing."},
		{"wrong type", nil, http.MethodPost, "/api/login", map[string]any{"email": 5, "password": "x"}, 422,
			"body.email", "문자열이어야 합니다.", "Must be a string."},
		{"unknown field", nil, http.MethodPost, "/api/login", map[string]any{"email": "a@example.com", "password": "x", "pin": 1}, 422,
			"body.pin", "알 수 없는 필드입니다.", "Unknown field."},
		{"enum", nil, http.MethodGet, "/api/courses?price_level=cheap", nil, 422,
			"query.price_level", "다음 중 하나여야 합니다: free, paid, ", "Must be one of: free, paid, "},
		{"minimum", nil, http.MethodGet, "/api/courses?min_price=-1", nil, 422,
			"query.min_price", "0 이상이어야 합니다.", "Must be at least 0."},
		{"not a number", nil, http.MethodGet, "/api/courses?min_price=abc", nil, 422,
			"query.min_price", "정수여야 합니다.", "Must be a whole number."},
		{"path", tutor, http.MethodGet, "/api/videos/0", nil, 422,
			"path.id", "1 이상이어야 합니다.", "Must be at least 1."},
		{"pattern", tutor, http.MethodPost, "/api/courses", map[string]any{"title": "강좌", "slug": "Not A Slug",
			"category": "frontend", "skill_level": "beginner", "price": 0, "lectures": []any{}}, 422,
			"body.slug", "형식이 올바르지 않습니다. 슬러그는 영문 소문자와 숫자로 된 단어를 하이픈(-)으로 이어 씁니다.",
			"Must be a slug: lower-case letters and digits in hyphen-separated words."},
		{"bound", tutor, http.MethodPost, "/api/courses", map[string]any{"title": "강좌",
			"category": "frontend", "skill_level": "beginner", "price": 200_000_000, "lectures": []any{}}, 422,
			"body.price", "100,000,000 이하여야 합니다.", "Must be at most 100,000,000."},
		{"not JSON", nil, http.MethodPost, "/api/login", `{"email":`, 400,
			"body", "요청 본문을 읽을 수 없습니다. 올바른 JSON인지 확인해 주세요.", "unexpected end of JSON input"},
	}
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		for _, c := range cases {
			for _, lang := range []struct {
				name, want string
				headers    []string
				query      string
			}{
				{"default", c.ko, nil, ""},
				{"ko", c.ko, []string{"Accept-Language", "ko-KR,ko;q=0.9,en;q=0.5"}, ""},
				{"en", c.en, []string{"Accept-Language", "en-US,en;q=0.9"}, ""},
				{"en by ?lang", c.en, []string{"Accept-Language", "ko"}, "lang=en"},
				{"ko by cookie", c.ko, []string{"Accept-Language", "en", "Cookie", "lang=ko"}, ""},
			} {
				t.Run(c.name+"/"+lang.name, func(t *testing.T) {
					path := c.path
					if lang.query != "" {
						path += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + lang.query
					}
					headers := lang.headers
					if s, ok := c.body.(string); ok && s != "" {
						headers = append(headers, "Content-Type", "application/json")
					}
					pr := ta.As(c.as).Request(c.method, path, c.body, headers...).Problem(c.status, "")
					var errs []huma.ErrorDetail
					raw, err := json.Marshal(pr["errors"])
					testkit.Must(t, err)
					testkit.Must(t, json.Unmarshal(raw, &errs))
					var got *huma.ErrorDetail
					for i := range errs {
						if errs[i].Location == c.location {
							got = &errs[i]
						}
					}
					if got == nil {
						t.Fatalf("no error at %s: %v", c.location, errs)
					}
					if got.Message != lang.want {
						t.Errorf("message at %s = %q, want %q", c.location, got.Message, lang.want)
					}
					// The whole problem speaks one language.
					korean := lang.want == c.ko
					if detail, _ := pr["detail"].(string); hangul.MatchString(detail) != korean {
						t.Errorf("detail %q in the other language", detail)
					}
					for _, e := range errs {
						if hangul.MatchString(e.Message) != korean {
							t.Errorf("errors[] message %q (at %s) in the other language", e.Message, e.Location)
						}
					}
				})
			}
		}
	})
}

// TestPatternDescriptionsTranslated: a schema pattern's description is
// quoted by its validation message, so each one the API declares has a
// translation ("problem.pattern.<description>").
func TestPatternDescriptionsTranslated(t *testing.T) {
	ta := apptest.New(t, "sqlite")
	seen := map[*huma.Schema]bool{}
	n := 0
	var walk func(s *huma.Schema)
	walk = func(s *huma.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if d := s.PatternDescription; d != "" {
			n++
			if !ta.App.I18n.Has("problem.pattern." + d) {
				t.Errorf("no translation problem.pattern.%q", d)
			}
			if ta.App.I18n.T("en", "problem.pattern."+d, nil) != d {
				t.Errorf("the English of problem.pattern.%q is not the description itself", d)
			}
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		for _, sub := range append(append(append([]*huma.Schema{}, s.OneOf...), s.AnyOf...), s.AllOf...) {
			walk(sub)
		}
	}
	for _, s := range ta.App.API.OpenAPI().Components.Schemas.Map() {
		walk(s)
	}
	if n == 0 {
		t.Fatal("no pattern descriptions found: the walk is broken (catalog's slugs have one)")
	}
}
