package accounts_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/password"
	"github.com/weaverse/weaverse/platform/testkit"
)

// jsonRequest is a request with a JSON body and headers as name/value pairs.
func jsonRequest(method, path string, body any, headers ...string) *http.Request {
	b, _ := json.Marshal(body)
	r := httptest.NewRequest(method, path, bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

// changePassword asks to change u's password.
func changePassword(ta *apptest.T, u user, oldPw, newPw string) *testkit.Response {
	return ta.Request(http.MethodPost, "/api/password/change/", map[string]string{"old_password": oldPw, "new_password": newPw}, as(u)...)
}

// A stolen session cannot guess the password through the password change:
// wrong old passwords count like failed sign-ins (10 per 15 minutes, per
// account), then 429 with Retry-After — before, there was no limit.
func TestPasswordChangeThrottle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		u := register(t, ta, "guessed@example.com", "추측당함")
		const newPw = "a-brand-new-secret-7"
		for i := range 10 {
			changePassword(ta, u, fmt.Sprintf("guess-%d-password", i), newPw).Problem(422, "accounts.old_password_wrong")
		}
		r := changePassword(ta, u, "guess-x-password", newPw)
		p := r.Problem(429, "accounts.password_attempts")
		if r.Header.Get("Retry-After") == "" || p["detail"] == "" {
			t.Fatalf("429 without Retry-After or detail: %v", p)
		}
		// The right password too, until the window ends.
		changePassword(ta, u, pw, newPw).Problem(429, "accounts.password_attempts")
		// Nothing changed: the old password still signs in — the guesses
		// did not lock the owner's sign-in either.
		login(t, ta, "guessed@example.com", pw)
		// Another account is not affected.
		v := register(t, ta, "bystander@example.com", "구경꾼")
		changePassword(ta, v, "guess-0-password", newPw).Problem(422, "accounts.old_password_wrong")

		ta.Clock.Advance(15*time.Minute + time.Second)
		u.Token = login(t, ta, "guessed@example.com", pw) // the access token expired meanwhile
		changePassword(ta, u, pw, newPw).Status(204)
		login(t, ta, "guessed@example.com", newPw)
	})
}

// Concurrent guesses are counted before any is checked: at most the limit
// are checked (422), the rest refused (429).
func TestPasswordChangeThrottleConcurrent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		u := register(t, ta, "hurried@example.com", "급한사람")
		const n = 30
		got := map[int]int{}
		var mu sync.Mutex
		ta.Together(t, n, func(i int) *http.Request {
			return jsonRequest(http.MethodPost, "/api/password/change/", map[string]string{
				"old_password": fmt.Sprintf("guess-%d-password", i), "new_password": "a-brand-new-secret-7"}, as(u)...)
		}, func(_ int, resp *http.Response) {
			mu.Lock()
			got[resp.StatusCode]++
			mu.Unlock()
		})
		if got[422] != 10 || got[429] != n-10 {
			t.Fatalf("%d concurrent wrong old passwords: %v, want 10×422 and %d×429", n, got, n-10)
		}
	})
}

// The password page says so too, with Retry-After.
func TestPasswordChangePageThrottle(t *testing.T) {
	ta := apptest.New(t, "sqlite")
	pageTime(ta)
	b := newPageBrowser(t, ta)
	b.signup("page-guessed@example.com", "페이지추측")
	b.login("page-guessed@example.com", pagePassword)
	const newPw = "a-brand-new-secret-7"
	for range 10 {
		b.Post("/me/password", "old_password", "not-my-password", "new_password", newPw, "new_password_confirm", newPw).Status(422)
	}
	r := b.Post("/me/password", "old_password", pagePassword, "new_password", newPw, "new_password_confirm", newPw).Status(429)
	r.Contains("현재 비밀번호를 너무 여러 번 틀렸습니다.", "분 뒤에 다시 시도해 주세요.").NotContains(newPw, pagePassword)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

// Every response with personal data tells caches (shared or the browser's)
// not to keep it: profiles, the lists of students and tutors, tokens and
// sessions, and the pages that show them.
func TestPersonalDataNotCached(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		pageTime(ta)
		admin := register(t, ta, "cache-admin@example.com", "캐시관리자")
		promote(t, ta, admin.ID, "admin")
		stu := register(t, ta, "cache-student@example.com", "캐시학생", "phone_number", "010-1234-5678")
		noStore := func(r *testkit.Response) {
			t.Helper()
			if got := r.Header.Get("Cache-Control"); got != "private, no-store" {
				t.Errorf("%s %s: Cache-Control %q, want private, no-store", r.Request.Method, r.Request.URL, got)
			}
		}
		var tok struct {
			RefreshToken string `json:"refresh_token"`
		}
		loginResp := ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "cache-student@example.com", "password": pw}).Status(200)
		noStore(loginResp)
		loginResp.JSON(&tok)
		noStore(ta.Request(http.MethodPost, "/api/refresh/", map[string]string{"refresh_token": tok.RefreshToken}).Status(200))
		noStore(ta.Request(http.MethodPost, "/api/student/register/", map[string]any{"email": "cache-new@example.com",
			"password": pw, "password_confirm": pw, "nickname": "캐시신입"}).Status(201))
		for _, path := range []string{"/api/me/", fmt.Sprintf("/api/students/%d/", stu.ID), "/api/sessions/"} {
			noStore(ta.Get(path, as(stu)...).Status(200))
		}
		noStore(ta.Get("/api/me/").Status(401)) // the problem too
		noStore(ta.Request(http.MethodPatch, "/api/me/", map[string]any{"introduction": "안녕"}, as(stu)...).Status(200))
		for _, path := range []string{"/api/students/", "/api/tutors/", fmt.Sprintf("/api/tutors/%d/", admin.ID)} {
			noStore(ta.Get(path, as(admin)...).Status(200))
		}
		noStore(ta.Request(http.MethodPost, "/api/admin/users/", map[string]any{"email": "cache-tutor@example.com",
			"password": pw, "password_confirm": pw, "nickname": "캐시강사", "role": "tutor"}, as(admin)...).Status(201))

		b := newPageBrowser(t, ta)
		b.login("cache-admin@example.com", pw)
		for _, path := range []string{"/me", "/me/sessions", "/admin/users", "/password/reset/confirm?token=x"} {
			noStore(b.Get(path).Status(200))
		}
	})
}

// Registration under a burst, at the production argon2 cost: the hasher
// runs a few at a time and refuses the overflow with a clear 503 (code
// password.busy, Retry-After, a message in the caller's language) that
// creates nothing — before the bound, every request took 19 MiB at once.
func TestRegistrationBurstRefusedClearly(t *testing.T) {
	if testing.Short() {
		t.Skip("argon2 at production cost")
	}
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, _ *app.Options) {
		cfg.Auth.Argon2 = config.Defaults().Auth.Argon2
	})
	before := countUsers(t, ta)
	// More than the hasher runs and queues together on this machine (100
	// on 2 cores).
	a := config.Defaults().Auth.Argon2
	l := password.AutoLimits(password.Params{Memory: a.MemoryKiB, Iterations: a.Iterations, Parallelism: a.Parallelism})
	n := int(l.MemoryKiB/uint64(a.MemoryKiB)) + l.Queue + 34
	type answer struct {
		status     int
		code       string
		detail     string
		retryAfter string
	}
	answers := make([]answer, n)
	ta.Together(t, n, func(i int) *http.Request {
		return jsonRequest(http.MethodPost, "/api/student/register/", map[string]any{"email": fmt.Sprintf("crowd-%d@example.com", i),
			"password": pw, "password_confirm": pw, "nickname": fmt.Sprintf("군중%d", i)}, "Accept-Language", "en")
	}, func(i int, resp *http.Response) {
		var p struct{ Code, Detail string }
		_ = json.NewDecoder(resp.Body).Decode(&p)
		answers[i] = answer{resp.StatusCode, p.Code, p.Detail, resp.Header.Get("Retry-After")}
	})
	created, refused := 0, 0
	for _, a := range answers {
		switch {
		case a.status == http.StatusCreated:
			created++
		case a.status == http.StatusServiceUnavailable && a.code == "password.busy" && a.retryAfter != "" &&
			strings.HasPrefix(a.detail, "Too many sign-ins and password changes"):
			refused++
		default:
			t.Errorf("answer %+v", a)
		}
	}
	if refused == 0 || created+refused != n {
		t.Fatalf("%d created, %d refused of %d: want the overflow refused", created, refused, n)
	}
	if got := countUsers(t, ta) - before; got != created {
		t.Fatalf("%d accounts created for %d 201s: a refused registration created something", got, created)
	}
}
