package auth_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

const goodPassword = "correct-horse-battery-9"

// register creates a student through the API and returns its id.
func register(t *testing.T, ta *apptest.T, email, nickname string, extra ...map[string]any) int64 {
	t.Helper()
	body := map[string]any{"email": email, "password": goodPassword, "password_confirm": goodPassword, "nickname": nickname}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	var u struct{ ID int64 }
	ta.Request(http.MethodPost, "/api/student/register/", body).Status(201).JSON(&u)
	return u.ID
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	User         struct {
		ID    int64
		Email string
		Role  string
	}
}

func login(t *testing.T, ta *apptest.T, email, password string) (tokens, *testkit.Response) {
	t.Helper()
	var tok tokens
	resp := ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": email, "password": password})
	if resp.StatusCode == 200 {
		resp.JSON(&tok)
	}
	return tok, resp
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func refresh(ta *apptest.T, refreshToken string) *testkit.Response {
	return ta.Request(http.MethodPost, "/api/refresh/", map[string]string{"refresh_token": refreshToken})
}

// The acceptance journey: register → login → me → refresh → refresh with the
// old token (401, and the new one dies too) → login → logout → the access
// token is refused.
func TestJourney(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		id := register(t, ta, "Ada@Example.com", "에이다", map[string]any{"phone_number": "010-1234-5678"})
		tok, resp := login(t, ta, "ada@example.COM", goodPassword)
		resp.Status(200)
		if tok.TokenType != "Bearer" || tok.ExpiresIn != 900 || tok.User.ID != id || tok.User.Role != "student" {
			t.Fatalf("login answer %+v", tok)
		}
		cookies := map[string]*http.Cookie{}
		for _, c := range resp.Cookies() {
			cookies[c.Name] = c
		}
		if c := cookies["access_token"]; c == nil || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("access cookie %+v", c)
		}
		if c := cookies["refresh_token"]; c == nil || !c.HttpOnly || c.Path != "/api/refresh" {
			t.Fatalf("refresh cookie %+v", c)
		}
		me := ta.Get("/api/me/", bearer(tok.AccessToken)...).Status(200)
		me.Contains(`"email":"Ada@Example.com"`, `"phone_number":"010-1234-5678"`, `"stats":{`).NotContains("password_hash", "argon2id")
		// Signing in notes the time (after the session is committed).
		me.Contains(`"last_login_at":"` + ta.Clock.Now().UTC().Format(time.RFC3339) + `"`)

		// Refresh rotates.
		var next tokens
		refresh(ta, tok.RefreshToken).Status(200).JSON(&next)
		if next.RefreshToken == tok.RefreshToken || next.AccessToken == "" {
			t.Fatal("refresh did not rotate")
		}
		ta.Get("/api/me/", bearer(next.AccessToken)...).Status(200)
		// The old refresh token again: reuse → the whole session dies.
		refresh(ta, tok.RefreshToken).Problem(401, "auth.refresh_reused")
		refresh(ta, next.RefreshToken).Problem(401, "auth.refresh_invalid")
		ta.Get("/api/me/", bearer(next.AccessToken)...).Problem(401, "auth.required")

		// Logout kills the access token at once.
		ta.Clock.Advance(time.Minute)
		tok, _ = login(t, ta, "ada@example.com", goodPassword)
		ta.Get("/api/me/", bearer(tok.AccessToken)...).Status(200).
			Contains(`"last_login_at":"` + ta.Clock.Now().UTC().Format(time.RFC3339) + `"`)
		out := ta.Request(http.MethodPost, "/api/logout/", nil, bearer(tok.AccessToken)...).Status(204)
		for _, c := range out.Cookies() {
			if c.MaxAge >= 0 {
				t.Errorf("logout keeps cookie %s", c.Name)
			}
		}
		ta.Get("/api/me/", bearer(tok.AccessToken)...).Problem(401, "auth.required")
		refresh(ta, tok.RefreshToken).Problem(401, "auth.refresh_invalid")
		ta.Request(http.MethodPost, "/api/logout/", nil, bearer(tok.AccessToken)...).Problem(401, "")
	})
}

// Browsers use the cookies: the refresh cookie alone refreshes, and the
// access cookie authenticates same-origin requests.
func TestCookieTransport(t *testing.T) {
	ta := apptest.New(t, "sqlite")
	register(t, ta, "cookie@example.com", "쿠키")
	_, resp := login(t, ta, "cookie@example.com", goodPassword)
	var access, refreshC string
	for _, c := range resp.Cookies() {
		switch c.Name {
		case "access_token":
			access = c.Value
		case "refresh_token":
			refreshC = c.Value
		}
	}
	ta.Get("/api/me/", "Cookie", "access_token="+access).Status(200)
	r := ta.Request(http.MethodPost, "/api/refresh/", nil, "Cookie", "refresh_token="+refreshC, "Sec-Fetch-Site", "same-origin").Status(200)
	if len(r.Cookies()) != 2 {
		t.Fatalf("refresh set %d cookies", len(r.Cookies()))
	}
	// A cross-site request riding on the cookie is refused (CSRF).
	ta.Request(http.MethodPost, "/api/logout/", nil, "Cookie", "access_token="+access, "Sec-Fetch-Site", "cross-site").
		Problem(403, "request.csrf")
}

func TestTokenMisuse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "eve@example.com", "이브")
		tok, _ := login(t, ta, "eve@example.com", goodPassword)
		// A refresh token is never an access token, and the reverse.
		ta.Get("/api/me/", bearer(tok.RefreshToken)...).Problem(401, "auth.required")
		refresh(ta, tok.AccessToken).Problem(401, "auth.refresh_invalid")
		// Tampered, garbage, alg=none.
		parts := strings.Split(tok.AccessToken, ".")
		ta.Get("/api/me/", bearer(parts[0]+"."+parts[1]+".AAAA")...).Problem(401, "")
		ta.Get("/api/me/", bearer("garbage")...).Problem(401, "")
		none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
		ta.Get("/api/me/", bearer(none)...).Problem(401, "")
		// A public route ignores a bad token.
		ta.Get("/healthz", bearer("garbage")...).Status(200)
		// Expired access token.
		ta.Clock.Advance(16 * time.Minute)
		ta.Get("/api/me/", bearer(tok.AccessToken)...).Problem(401, "")
		// The refresh token still works within 14 days, not after.
		var next tokens
		refresh(ta, tok.RefreshToken).Status(200).JSON(&next)
		ta.Clock.Advance(15 * 24 * time.Hour)
		refresh(ta, next.RefreshToken).Problem(401, "auth.refresh_invalid")
	})
}

func TestThrottle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "target@example.com", "타깃")
		statuses := map[int]int{}
		var last *testkit.Response
		for i := 0; i < 20; i++ {
			_, last = login(t, ta, "TARGET@example.com", "wrong-password-"+fmt.Sprint(i))
			statuses[last.StatusCode]++
		}
		if statuses[401] != 10 || statuses[429] != 10 {
			t.Fatalf("20 wrong passwords gave %v, want 10×401 then 10×429", statuses)
		}
		last.Problem(429, "auth.too_many_attempts")
		if last.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		// The right password is refused until the window ends…
		_, resp := login(t, ta, "target@example.com", goodPassword)
		resp.Problem(429, "auth.too_many_attempts")
		// …and accepted after it.
		ta.Clock.Advance(15*time.Minute + time.Second)
		_, resp = login(t, ta, "target@example.com", goodPassword)
		resp.Status(200)
		// Unknown e-mails answer exactly like wrong passwords.
		_, unknown := login(t, ta, "nobody@example.com", goodPassword)
		_, wrong := login(t, ta, "target@example.com", "not-the-password-1")
		u, w := unknown.Problem(401, "auth.invalid_credentials"), wrong.Problem(401, "auth.invalid_credentials")
		if u["detail"] != w["detail"] {
			t.Fatalf("unknown e-mail answers differently: %v vs %v", u, w)
		}
	})
}

// Deactivation, role changes and password changes apply on the very next request.
func TestChangesApplyAtOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		adminID := register(t, ta, "root@example.com", "관리자")
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = 'admin'").Where("id = ?", adminID).Exec(ctx)
		testkit.Must(t, err)
		admin, _ := login(t, ta, "root@example.com", goodPassword)
		sid := register(t, ta, "stu@example.com", "학생")
		stu, _ := login(t, ta, "stu@example.com", goodPassword)

		// Role change: the same token gets the new role's rights.
		ta.Get("/api/students/", bearer(stu.AccessToken)...).Problem(403, "authz.forbidden")
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/students/%d/", sid), map[string]any{"role": "tutor"}, bearer(admin.AccessToken)...).Status(200)
		ta.Get("/api/students/", bearer(stu.AccessToken)...).Status(200)
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/tutors/%d/", sid), map[string]any{"role": "student"}, bearer(admin.AccessToken)...).Status(200)

		// Password change: other sessions end, this one stays.
		other, _ := login(t, ta, "stu@example.com", goodPassword)
		ta.Request(http.MethodPost, "/api/password/change/", map[string]string{"old_password": goodPassword,
			"new_password": "a-brand-new-secret-7"}, bearer(stu.AccessToken)...).Status(204)
		ta.Get("/api/me/", bearer(stu.AccessToken)...).Status(200)
		ta.Get("/api/me/", bearer(other.AccessToken)...).Status(401)
		refresh(ta, other.RefreshToken).Status(401)
		_, resp := login(t, ta, "stu@example.com", goodPassword)
		resp.Status(401)
		stu, _ = login(t, ta, "stu@example.com", "a-brand-new-secret-7")

		// Suspension: the valid token is refused at once, login too.
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/students/%d/", sid), map[string]any{"is_active": false}, bearer(admin.AccessToken)...).Status(200)
		ta.Get("/api/me/", bearer(stu.AccessToken)...).Status(401)
		refresh(ta, stu.RefreshToken).Status(401)
		_, resp = login(t, ta, "stu@example.com", "a-brand-new-secret-7")
		resp.Status(401)
	})
}

func TestSessions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "multi@example.com", "여러기기")
		register(t, ta, "other@example.com", "다른사람")
		a, _ := login(t, ta, "multi@example.com", goodPassword)
		b, _ := login(t, ta, "multi@example.com", goodPassword)
		o, _ := login(t, ta, "other@example.com", goodPassword)
		var list []struct {
			ID      string
			Current bool
		}
		ta.Get("/api/sessions/", append(bearer(a.AccessToken), "User-Agent", "TestBrowser/1.0")...).Status(200).JSON(&list)
		if len(list) != 2 {
			t.Fatalf("%d sessions", len(list))
		}
		var other, current string
		for _, s := range list {
			if s.Current {
				current = s.ID
			} else {
				other = s.ID
			}
		}
		if current == "" || other == "" {
			t.Fatalf("sessions %+v", list)
		}
		// Another user cannot end my session (404, not 403: no oracle).
		ta.Request(http.MethodDelete, "/api/sessions/"+other+"/", nil, bearer(o.AccessToken)...).Problem(404, "auth.session_not_found")
		ta.Request(http.MethodDelete, "/api/sessions/"+other+"/", nil, bearer(a.AccessToken)...).Status(204)
		ta.Get("/api/me/", bearer(b.AccessToken)...).Status(401)
		ta.Get("/api/me/", bearer(a.AccessToken)...).Status(200)
	})
}

// The phone number is stored encrypted: the database file does not contain it.
func TestPhoneEncryptedAtRest(t *testing.T) {
	ta := apptest.New(t, "sqlite")
	register(t, ta, "phone@example.com", "전화", map[string]any{"phone_number": "010-9876-5432"})
	testkit.Must(t, ta.App.DB.Close()) // checkpoint the WAL into the file
	data, err := os.ReadFile(ta.App.DB.Path)
	testkit.Must(t, err)
	if !bytes.Contains(data, []byte("phone@example.com")) {
		t.Fatal("the check reads the wrong file")
	}
	for _, plain := range []string{"010-9876-5432", "01098765432", "9876-5432"} {
		if bytes.Contains(data, []byte(plain)) {
			t.Fatalf("plaintext phone %q found in the database file", plain)
		}
	}
}
