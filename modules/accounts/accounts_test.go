package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

const pw = "correct-horse-battery-9"

type user struct {
	ID    int64
	Token string
}

func register(t *testing.T, ta *apptest.T, email, nickname string, extra ...string) user {
	t.Helper()
	body := map[string]any{"email": email, "password": pw, "password_confirm": pw, "nickname": nickname}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	var u user
	ta.Request(http.MethodPost, "/api/student/register/", body).Status(201).JSON(&u)
	u.Token = login(t, ta, email, pw)
	return u
}

func login(t *testing.T, ta *apptest.T, email, password string) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": email, "password": password}).Status(200).JSON(&tok)
	return tok.AccessToken
}

func promote(t *testing.T, ta *apptest.T, id int64, role string) {
	t.Helper()
	_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", id).Exec(context.Background())
	testkit.Must(t, err)
}

func as(u user) []string { return []string{"Authorization", "Bearer " + u.Token} }

func countUsers(t *testing.T, ta *apptest.T) int {
	n, err := ta.App.DB.R.NewSelect().Table("accounts_users").Count(context.Background())
	testkit.Must(t, err)
	return int(n)
}

func TestRegisterValidation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		register(t, ta, "first@example.com", "먼저온사람")
		before := countUsers(t, ta)
		cases := []struct {
			name   string
			body   map[string]any
			status int
			code   string
			loc    string
		}{
			{"bad email", map[string]any{"email": "not-an-email", "nickname": "닉네임", "password": pw, "password_confirm": pw}, 422, "request.validation", "body.email"},
			{"short password", map[string]any{"email": "a@example.com", "nickname": "닉네임", "password": "short", "password_confirm": "short"}, 422, "request.validation", "body.password"},
			{"common password", map[string]any{"email": "a@example.com", "nickname": "닉네임", "password": "1q2w3e4r5t", "password_confirm": "1q2w3e4r5t"}, 422, "request.validation", "body.password"},
			{"password is e-mail", map[string]any{"email": "longname@example.com", "nickname": "닉네임", "password": "longname@example.com", "password_confirm": "longname@example.com"}, 422, "request.validation", "body.password"},
			{"mismatch", map[string]any{"email": "a@example.com", "nickname": "닉네임", "password": pw, "password_confirm": pw + "x"}, 422, "request.validation", "body.password_confirm"},
			{"nickname", map[string]any{"email": "a@example.com", "nickname": "x", "password": pw, "password_confirm": pw}, 422, "request.validation", "body.nickname"},
			{"phone", map[string]any{"email": "a@example.com", "nickname": "닉네임", "password": pw, "password_confirm": pw, "phone_number": "call me"}, 422, "request.validation", "body.phone_number"},
			{"missing field", map[string]any{"email": "a@example.com", "password": pw, "password_confirm": pw}, 422, "", ""},
			{"duplicate e-mail (case)", map[string]any{"email": "FIRST@example.com", "nickname": "다른사람", "password": pw, "password_confirm": pw}, 409, "accounts.email_taken", ""},
			{"duplicate nickname (case)", map[string]any{"email": "b@example.com", "nickname": "먼저온사람", "password": pw, "password_confirm": pw}, 409, "accounts.nickname_taken", ""},
		}
		for _, c := range cases {
			p := ta.Request(http.MethodPost, "/api/student/register/", c.body).Problem(c.status, c.code)
			if c.loc != "" && !strings.Contains(fmt.Sprint(p["errors"]), c.loc) {
				t.Errorf("%s: errors %v lack %s", c.name, p["errors"], c.loc)
			}
		}
		ta.Request(http.MethodPost, "/api/student/register/", `{"email":`, "Content-Type", "application/json").Problem(400, "")
		if after := countUsers(t, ta); after != before {
			t.Fatalf("refused registrations created %d users", after-before)
		}
	})
}

// Student A gets 404 for student B's record; students cannot list students;
// tutors see only their own students (none yet); no response shows another
// user's e-mail or phone to a caller who may not see it.
func TestPrivacyAndOwnership(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := register(t, ta, "a@example.com", "학생에이", "phone_number", "010-1111-2222")
		b := register(t, ta, "b@example.com", "학생비", "phone_number", "010-3333-4444")
		tu := register(t, ta, "tutor@example.com", "강사")
		promote(t, ta, tu.ID, "tutor")
		tu2 := register(t, ta, "tutor2@example.com", "강사둘")
		promote(t, ta, tu2.ID, "tutor")
		ad := register(t, ta, "admin@example.com", "관리자")
		promote(t, ta, ad.ID, "admin")
		bURL := fmt.Sprintf("/api/students/%d/", b.ID)

		ta.Get(fmt.Sprintf("/api/students/%d/", a.ID), as(a)...).Status(200).Contains("010-1111-2222", "a@example.com")
		ta.Get(bURL, as(a)...).Problem(404, "accounts.user_not_found")
		ta.Request(http.MethodPatch, bURL, map[string]string{"nickname": "해킹"}, as(a)...).Problem(404, "")
		ta.Request(http.MethodDelete, bURL, nil, as(a)...).Problem(404, "")
		ta.Get("/api/students/99999/", as(a)...).Problem(404, "")
		ta.Get(bURL).Problem(401, "auth.required")
		ta.Get("/api/students/", as(a)...).Problem(403, "authz.forbidden")
		ta.Get("/api/tutors/", as(a)...).Problem(403, "")
		ta.Get("/api/tutors/", as(tu)...).Problem(403, "")

		// A tutor teaches nobody until enrollments exist.
		var page struct {
			Count   int
			Results []map[string]any
		}
		ta.Get("/api/students/", as(tu)...).Status(200).JSON(&page)
		if page.Count != 0 || len(page.Results) != 0 {
			t.Fatalf("tutor sees %d students", page.Count)
		}
		ta.Get(bURL, as(tu)...).Problem(404, "")
		ta.Get(fmt.Sprintf("/api/tutors/%d/", tu.ID), as(tu)...).Status(200)
		ta.Get(fmt.Sprintf("/api/tutors/%d/", tu2.ID), as(tu)...).Problem(404, "")
		ta.Get(fmt.Sprintf("/api/students/%d/", tu.ID), as(ad)...).Problem(404, "") // a tutor is not a student

		// Admins see everyone, e-mails and phones included; search and paging work.
		resp := ta.Get("/api/students/?search=B@EXAMPLE", as(ad)...).Status(200)
		resp.Contains(`"count":1`, "b@example.com", "010-3333-4444").NotContains("a@example.com")
		ta.Get("/api/students/?search=학생", as(ad)...).Status(200).Contains(`"count":2`)
		ta.Get("/api/students/?page_size=1&ordering=email", as(ad)...).Status(200).
			Contains(`"count":2`, "a@example.com", `"next":"/api/students/?ordering=email&page=2&page_size=1"`)
		ta.Get("/api/students/?page_size=1000", as(ad)...).Problem(422, "")
		ta.Get("/api/tutors/", as(ad)...).Status(200).Contains(`"count":2`)
		for _, r := range []*testkit.Response{ta.Get("/api/students/", as(ad)...), ta.Get(bURL, as(ad)...)} {
			r.NotContains("password_hash", "argon2", "phone_enc")
		}
	})
}

func TestProfileUpdates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := register(t, ta, "me@example.com", "나나", "phone_number", "010-5555-6666")
		register(t, ta, "other@example.com", "다른닉")
		me := fmt.Sprintf("/api/students/%d/", a.ID)
		// PATCH changes one field and leaves the rest.
		ta.Request(http.MethodPatch, "/api/me/", map[string]string{"introduction": "안녕하세요"}, as(a)...).Status(200).
			Contains(`"introduction":"안녕하세요"`, `"nickname":"나나"`, "010-5555-6666")
		ta.Request(http.MethodPatch, me, map[string]string{"nickname": "새이름"}, as(a)...).Status(200).
			Contains(`"nickname":"새이름"`, `"introduction":"안녕하세요"`, "010-5555-6666")
		ta.Request(http.MethodPatch, "/api/me/", map[string]string{"nickname": "다른닉"}, as(a)...).Problem(409, "accounts.nickname_taken")
		ta.Request(http.MethodPatch, "/api/me/", map[string]string{"phone_number": ""}, as(a)...).Status(200).NotContains("phone_number")
		// Roles and activation are for admins only.
		ta.Request(http.MethodPatch, me, map[string]any{"role": "admin"}, as(a)...).Problem(403, "accounts.admin_only_field")
		ta.Request(http.MethodPatch, "/api/me/", map[string]any{"role": "admin"}, as(a)...).Problem(422, "")
		// PUT replaces: an omitted phone is removed.
		ta.Request(http.MethodPatch, "/api/me/", map[string]string{"phone_number": "010-7777-8888"}, as(a)...).Status(200)
		ta.Request(http.MethodPut, me, map[string]string{"nickname": "풋풋", "introduction": ""}, as(a)...).Status(200).
			Contains(`"nickname":"풋풋"`, `"introduction":""`).NotContains("010-7777-8888")
		ta.Request(http.MethodPut, me, map[string]string{"nickname": "풋풋"}, as(a)...).Problem(422, "")
		me2 := ta.Get("/api/me/", as(a)...).Status(200).Map()
		if me2["nickname"] != "풋풋" || me2["stats"] == nil {
			t.Fatalf("me: %v", me2)
		}
	})
}

// DELETE deactivates, ends sessions, erases personal data, keeps the row,
// and frees the e-mail.
func TestSoftDelete(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := register(t, ta, "leaver@example.com", "떠나는사람", "phone_number", "010-1234-0000")
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/students/%d/", a.ID), nil, as(a)...).Status(204)
		ta.Get("/api/me/", as(a)...).Problem(401, "")
		ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "leaver@example.com", "password": pw}).Problem(401, "auth.invalid_credentials")
		var row struct {
			Email    string
			PhoneEnc *string
			Active   bool
			Deleted  *time.Time
		}
		err := ta.App.DB.R.NewSelect().Table("accounts_users").ColumnExpr("email, phone_enc, is_active, deleted_at").
			Where("id = ?", a.ID).Scan(context.Background(), &row.Email, &row.PhoneEnc, &row.Active, &row.Deleted)
		testkit.Must(t, err)
		if strings.Contains(row.Email, "leaver") || row.PhoneEnc != nil || row.Active || row.Deleted == nil {
			t.Fatalf("row after delete: %+v", row)
		}
		again := register(t, ta, "leaver@example.com", "돌아온사람")
		if again.ID == a.ID {
			t.Fatal("re-registration reused the deleted row")
		}
	})
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_%\-]+)`)

func TestPasswordReset(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := register(t, ta, "forgot@example.com", "잊은사람")
		ta.Request(http.MethodPost, "/api/password/reset/", map[string]string{"email": "nobody@example.com"}).Status(202)
		ta.Request(http.MethodPost, "/api/password/reset/", map[string]string{"email": "FORGOT@example.com"}).Status(202)
		text := waitMailTo(t, ta, "forgot@example.com", 1)
		m := tokenRE.FindStringSubmatch(text)
		if m == nil || !strings.Contains(text, "http://127.0.0.1:8080/password/reset/confirm?token=") {
			t.Fatalf("mail: %s", text)
		}
		token := m[1]
		mailsSettled(t, ta)
		for _, msg := range ta.Mailer.Messages() {
			if msg.To[0] == "nobody@example.com" {
				t.Fatal("mailed an unknown address")
			}
		}
		confirm := func(tok, newPw string) *testkit.Response {
			return ta.Request(http.MethodPost, "/api/password/reset/confirm/", map[string]string{"token": tok, "new_password": newPw})
		}
		confirm(token, "short").Problem(422, "request.validation")
		confirm("bogus-token", "a-whole-new-secret-5").Problem(422, "accounts.reset_token_invalid")
		confirm(token, "a-whole-new-secret-5").Status(204)
		confirm(token, "another-new-secret-6").Problem(422, "accounts.reset_token_invalid") // single use
		ta.Get("/api/me/", as(a)...).Problem(401, "")                                       // sessions ended
		login(t, ta, "forgot@example.com", "a-whole-new-secret-5")

		// Links expire after an hour.
		ta.Request(http.MethodPost, "/api/password/reset/", map[string]string{"email": "forgot@example.com"}).Status(202)
		token = tokenRE.FindStringSubmatch(waitMailTo(t, ta, "forgot@example.com", 2))[1]
		ta.Clock.Advance(61 * time.Minute)
		confirm(token, "yet-another-secret-7").Problem(422, "accounts.reset_token_invalid")

		// At most three mails an hour per account.
		for range 5 {
			ta.Request(http.MethodPost, "/api/password/reset/", map[string]string{"email": "forgot@example.com"}).Status(202)
		}
		mailsSettled(t, ta)
		count := 0
		for _, msg := range ta.Mailer.Messages() {
			if msg.To[0] == "forgot@example.com" {
				count++
			}
		}
		if count != 5 { // 2 before + 3 in this hour
			t.Fatalf("%d reset mails, want 5", count)
		}
	}, withMailbox)
}

func TestAdminCreate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ad := register(t, ta, "admin@example.com", "관리자")
		promote(t, ta, ad.ID, "admin")
		st := register(t, ta, "s@example.com", "학생")
		body := map[string]any{"email": "newtutor@example.com", "password": pw, "password_confirm": pw, "nickname": "새강사", "role": "tutor"}
		ta.Request(http.MethodPost, "/api/admin/users/", body).Problem(401, "")
		ta.Request(http.MethodPost, "/api/admin/users/", body, as(st)...).Problem(403, "")
		ta.Request(http.MethodPost, "/api/admin/users/", body, as(ad)...).Status(201).Contains(`"role":"tutor"`)
		ta.Request(http.MethodPost, "/api/admin/users/", body, as(ad)...).Problem(409, "accounts.email_taken")
		body["email"], body["role"] = "x@example.com", "superuser"
		ta.Request(http.MethodPost, "/api/admin/users/", body, as(ad)...).Problem(422, "")
		// Validation errors never echo a password back.
		body["role"], body["surprise"] = "tutor", true
		echo := ta.Request(http.MethodPost, "/api/admin/users/", body, as(ad)...)
		echo.Problem(422, "")
		echo.NotContains(pw)
		login(t, ta, "newtutor@example.com", pw)
	})
}

// Encryption keys rotate: with the new key active and the old one listed as
// previous, phone numbers stay readable; `keys rotate` re-encrypts them; then
// the old key can go.
func TestKeyRotation(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		cfg := apptest.Config(t, dialect)
		build := func(c *config.Config) *apptest.T {
			a, err := app.New(ctx, c, app.Options{Logger: apptest.Logger(t), Mailer: nil})
			testkit.Must(t, err)
			t.Cleanup(func() { _ = a.Close(ctx) })
			return &apptest.T{Client: testkit.NewClient(t, a.Fiber), App: a}
		}
		oldKey := cfg.EncryptionKey
		ta := build(cfg)
		u := register(t, ta, "rot@example.com", "회전", "phone_number", "010-2468-1357")
		testkit.Must(t, ta.App.Close(ctx))

		cfg2 := *cfg
		cfg2.EncryptionKey = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE=" // 32 bytes
		cfg2.PreviousEncryptionKeys = []string{oldKey}
		tb := build(&cfg2)
		tok := login(t, tb, "rot@example.com", pw)
		tb.Get("/api/me/", "Authorization", "Bearer "+tok).Status(200).Contains("010-2468-1357")
		n, err := tb.App.RotateKeys(ctx)
		testkit.Must(t, err)
		if n != 1 {
			t.Fatalf("rotated %d values", n)
		}
		if n, _ := tb.App.RotateKeys(ctx); n != 0 {
			t.Fatalf("second rotation changed %d", n)
		}
		testkit.Must(t, tb.App.Close(ctx))

		cfg3 := cfg2
		cfg3.PreviousEncryptionKeys = nil
		tc := build(&cfg3)
		tok = login(t, tc, "rot@example.com", pw)
		tc.Get(fmt.Sprintf("/api/students/%d/", u.ID), "Authorization", "Bearer "+tok).Status(200).Contains("010-2468-1357")
	})
}
