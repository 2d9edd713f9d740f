package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

const pagePassword = "weave-the-web-2026"

// pageBrowser is a browser with the account pages' own steps.
type pageBrowser struct {
	*testkit.PageBrowser
	t *testing.T
}

func newPageBrowser(t *testing.T, ta *apptest.T) *pageBrowser {
	return &pageBrowser{PageBrowser: testkit.NewPageBrowser(ta.Client), t: t}
}

// redirect expects a 303 and returns its Location.
func redirect(t *testing.T, r *testkit.Response) string {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s %s: status %d, want 303; body: %.600s", r.Request.Method, r.Request.URL, r.StatusCode, r.Body)
	}
	return r.Header.Get("Location")
}

func (b *pageBrowser) signup(email, nickname string) {
	b.t.Helper()
	redirect(b.t, b.Post("/signup", "email", email, "nickname", nickname, "password", pagePassword, "password_confirm", pagePassword))
}

func (b *pageBrowser) login(email, password string) {
	b.t.Helper()
	redirect(b.t, b.Post("/login", "email", email, "password", password))
	if b.Cookie("access_token") == nil {
		b.t.Fatalf("login %s: no session cookie", email)
	}
}

// pageTime moves the test clock to now: the session cookies' lifetime is
// counted from the wall clock, so tokens must be issued in the present.
func pageTime(ta *apptest.T) { ta.Clock.Set(time.Now().Truncate(time.Second)) }

func pageUsers(t *testing.T, ta *apptest.T) int {
	t.Helper()
	n, err := ta.App.DB.R.NewSelect().Table("accounts_users").Count(context.Background())
	testkit.Must(t, err)
	return int(n)
}

func TestSignupPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		pageTime(ta)
		b := newPageBrowser(t, ta)
		b.Get("/signup?next=%2Fcourses").Status(200).Contains(
			`<html lang="ko">`, "<title>회원가입 · Weaverse</title>", "novalidate", `action="/signup"`,
			`<label class="form-label" for="f-email">이메일</label>`, `type="email"`, `autocomplete="email"`,
			`for="f-nickname"`, `autocomplete="nickname"`, `aria-describedby="f-nickname-help"`,
			`for="f-password"`, `autocomplete="new-password"`, `for="f-password_confirm"`,
			`for="f-phone_number"`, `type="tel"`, `autocomplete="tel"`, "(선택)",
			`name="next" value="/courses"`, `href="/login?next=%2Fcourses"`).NotContains("accounts.page.")
		newPageBrowser(t, ta).Get("/signup?lang=en").Status(200).Contains("<title>Sign up · Weaverse</title>", "Create account").
			NotContains("accounts.page.")

		// Happy path: flash, then the login page with the e-mail filled in.
		r := b.Post("/signup", "email", "new@example.com", "nickname", "새내기", "password", pagePassword,
			"password_confirm", pagePassword, "phone_number", "010-1234-5678", "next", "/courses")
		if got := redirect(t, r); got != "/login?email=new%40example.com&next=%2Fcourses" {
			t.Fatalf("signup → %q", got)
		}
		b.Get("/login?email=new%40example.com&next=%2Fcourses").Status(200).
			Contains("가입이 완료되었습니다. 로그인해 주세요.", `value="new@example.com"`, `name="next" value="/courses"`)
		b.login("new@example.com", pagePassword)
		before := pageUsers(t, ta)

		// Duplicate e-mail: 409 on the e-mail field; nothing created; no password echoed.
		c := newPageBrowser(t, ta)
		r = c.Post("/signup", "email", "NEW@example.com", "nickname", "다른사람", "password", pagePassword, "password_confirm", pagePassword)
		r.Status(409).Contains("이미 가입된 이메일입니다.", `class="form-control is-invalid" id="f-email"`,
			`aria-describedby="f-email-error" aria-invalid="true" autofocus`, `value="NEW@example.com"`, `value="다른사람"`)
		r.NotContains(pagePassword)
		c.Post("/signup", "email", "other@example.com", "nickname", "새내기", "password", pagePassword, "password_confirm", pagePassword).
			Status(409).Contains("이미 사용 중인 닉네임입니다.", `id="f-nickname-error"`)

		// Weak password and a mismatch: 422, each message beside its field.
		r = c.Post("/signup", "email", "weak@example.com", "nickname", "약한사람", "password", "short", "password_confirm", "shorter")
		r.Status(422).Contains("비밀번호는 10자 이상이어야 합니다.", "비밀번호 확인이 일치하지 않습니다.", `id="f-password-error"`,
			`id="f-password_confirm-error"`, `aria-describedby="f-password-help f-password-error"`, "고칠 항목이 2개 있습니다.")
		if strings.Count(string(r.Body), " autofocus") != 1 || !strings.Contains(string(r.Body), `id="f-password" name="password" type="password" autocomplete="new-password"`) {
			t.Error("focus is not on the first invalid field")
		}
		c.Post("/signup", "email", "NEW@example.com", "nickname", "x", "password", pagePassword).
			Status(422).Contains("비밀번호를 한 번 더 입력해 주세요.", "닉네임은 2~20자로").NotContains("비밀번호 확인이 일치하지 않습니다.")
		c.Post("/signup", "email", "weak@example.com", "nickname", "약한사람", "password", pagePassword, "password_confirm", pagePassword+"x").
			Status(422).Contains("비밀번호 확인이 일치하지 않습니다.")
		c.Post("/signup", "email", "weak@example.com", "nickname", "약한사람", "password", "1q2w3e4r5t", "password_confirm", "1q2w3e4r5t").
			Status(422).Contains("너무 흔한 비밀번호입니다.")
		c.Post("/signup", "email", "not-an-email", "nickname", "x", "password", pagePassword, "password_confirm", pagePassword, "phone_number", "call me").
			Status(422).Contains("올바른 이메일 주소를 입력해 주세요.", "닉네임은 2~20자로", "올바른 전화번호를", `value="not-an-email"`)
		if got := pageUsers(t, ta); got != before {
			t.Fatalf("invalid sign-ups created users: %d → %d", before, got)
		}
		// Signed in, /signup sends you on.
		if got := redirect(t, b.Get("/signup")); got != "/me" {
			t.Fatalf("signed-in /signup → %q", got)
		}
	})
}

func TestMePage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		pageTime(ta)
		anon := newPageBrowser(t, ta)
		if got := redirect(t, anon.Get("/me")); got != "/login?next=%2Fme" {
			t.Fatalf("anonymous /me → %q", got)
		}
		anon.Post("/me", "nickname", "누구").Status(401)

		b := newPageBrowser(t, ta)
		b.signup("me@example.com", "나자신")
		b.login("me@example.com", pagePassword)
		b.Get("/me").Status(200).Contains("<title>내 정보 · Weaverse</title>", "나자신님의 계정", "me@example.com",
			`role-badge role-student">학생`, "학습 현황", "0시간 0분", "등록하지 않음", `href="/me/sessions"`,
			`action="/me"`, `action="/me/password"`, `autocomplete="current-password"`, `value="나자신"`).NotContains("accounts.page.")

		// Edit the profile.
		redirect(t, b.Post("/me", "nickname", "새이름", "phone_number", "010-9876-5432", "introduction", "안녕하세요.\r\n웹 개발을 배웁니다."))
		b.Get("/me").Status(200).Contains("프로필을 저장했습니다.", "새이름님의 계정", "010-9876-5432", "웹 개발을 배웁니다.")
		r := b.Post("/me", "nickname", "x", "phone_number", "전화", "introduction", "")
		r.Status(422).Contains("닉네임은 2~20자로", "올바른 전화번호를", `value="x"`, `id="f-nickname-error"`)
		newPageBrowser(t, ta).signup("taken@example.com", "남의이름")
		b.Post("/me", "nickname", "남의이름").Status(409).Contains("이미 사용 중인 닉네임입니다.")
		b.Get("/me").Contains("새이름님의 계정") // unchanged by the failed edits

		b.Get("/me?lang=en").Status(200).Contains("새이름&#39;s account", "Edit profile", "Change password").NotContains("accounts.page.")

		// The longest nickname (20 Hangul letters, 60 bytes) passes whole.
		long := strings.Repeat("가나다라마", 4)
		redirect(t, b.Post("/me", "nickname", long))
		b.Get("/me?lang=ko").Contains(long + "님의 계정")
	})
}

func TestPasswordChangePage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		pageTime(ta)
		b := newPageBrowser(t, ta)
		b.signup("change@example.com", "바꾸는사람")
		b.login("change@example.com", pagePassword)
		other := newPageBrowser(t, ta)
		other.login("change@example.com", pagePassword)

		const newPw = "a-brand-new-secret-7"
		r := b.Post("/me/password", "old_password", "not-my-password", "new_password", newPw, "new_password_confirm", newPw)
		r.Status(422).Contains("현재 비밀번호가 올바르지 않습니다.", `id="f-old_password-error"`).NotContains(newPw, "not-my-password")
		b.Post("/me/password", "old_password", pagePassword, "new_password", newPw, "new_password_confirm", newPw+"!").
			Status(422).Contains("비밀번호 확인이 일치하지 않습니다.", `id="f-new_password_confirm-error"`)
		b.Post("/me/password", "old_password", pagePassword, "new_password", newPw).
			Status(422).Contains("비밀번호를 한 번 더 입력해 주세요.", `id="f-new_password_confirm-error"`)
		b.Post("/me/password", "old_password", pagePassword, "new_password", "short", "new_password_confirm", "short").
			Status(422).Contains("비밀번호는 10자 이상이어야 합니다.", `id="f-new_password-error"`)

		if got := redirect(t, b.Post("/me/password", "old_password", pagePassword, "new_password", newPw, "new_password_confirm", newPw)); got != "/me" {
			t.Fatalf("change → %q", got)
		}
		b.Get("/me").Status(200).Contains("다른 기기는 모두 로그아웃되었습니다.")
		// This device stays signed in, the other one is out.
		if got := redirect(t, other.Get("/me")); got != "/login?next=%2Fme" {
			t.Fatalf("other device → %q", got)
		}
		newPageBrowser(t, ta).Post("/login", "email", "change@example.com", "password", pagePassword).Status(401)
		newPageBrowser(t, ta).login("change@example.com", newPw)
	})
}

var pageTokenRE = regexp.MustCompile(`/password/reset/confirm\?token=([A-Za-z0-9_%\-]+)`)

func TestPasswordResetPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		pageTime(ta)
		u := newPageBrowser(t, ta)
		u.signup("lost@example.com", "잃어버린")
		u.login("lost@example.com", pagePassword)

		b := newPageBrowser(t, ta)
		b.Get("/login").Contains(`href="/password/reset"`)
		b.Get("/password/reset?email=lost%40example.com").Status(200).Contains("<title>비밀번호 찾기 · Weaverse</title>",
			`value="lost@example.com"`, `autocomplete="email"`, `action="/password/reset"`)
		b.Post("/password/reset", "email", "").Status(422).Contains("올바른 이메일 주소를 입력해 주세요.", `id="f-email-error"`)

		// The same answer whether or not the address has an account.
		unknown := b.Post("/password/reset", "email", "nobody@example.com").Status(200)
		known := b.Post("/password/reset", "email", "lost@example.com").Status(200)
		for _, r := range []*testkit.Response{unknown, known} {
			r.Contains("<title>메일을 확인해 주세요 · Weaverse</title>", "비밀번호 재설정 링크를 보냈습니다", "60분")
		}
		text := waitMailTo(t, ta, "lost@example.com", 1)
		m := pageTokenRE.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no link in the mail: %s", text)
		}
		token, err := url.QueryUnescape(m[1])
		testkit.Must(t, err)

		page := "/password/reset/confirm?token=" + url.QueryEscape(token)
		b.Get(page).Status(200).Contains("<title>새 비밀번호 설정 · Weaverse</title>", `name="referrer" content="no-referrer"`,
			`name="token" value="`+token+`"`, `autocomplete="new-password"`)
		b.Post("/password/reset/confirm", "token", token, "new_password", "short", "new_password_confirm", "short").
			Status(422).Contains("비밀번호는 10자 이상이어야 합니다.", `id="f-new_password-error"`, `name="token" value="`+token+`"`)
		const newPw = "found-it-again-2026"
		if got := redirect(t, b.Post("/password/reset/confirm", "token", token, "new_password", newPw, "new_password_confirm", newPw)); got != "/login" {
			t.Fatalf("confirm → %q", got)
		}
		b.Get("/login").Contains("비밀번호를 새로 설정했습니다.")

		// Used, wrong or missing tokens: a clear message and a way to ask again.
		for _, r := range []*testkit.Response{
			b.Post("/password/reset/confirm", "token", token, "new_password", "another-secret-99", "new_password_confirm", "another-secret-99").Status(422),
			b.Post("/password/reset/confirm", "token", "bogus", "new_password", "another-secret-99", "new_password_confirm", "another-secret-99").Status(422),
			b.Get("/password/reset/confirm").Status(400),
		} {
			r.Contains("링크를 쓸 수 없어요", `href="/password/reset"`).NotContains(`action="/password/reset/confirm"`)
		}

		// Every session ended; the new password works, the old one does not.
		if got := redirect(t, u.Get("/me")); !strings.HasPrefix(got, "/login") {
			t.Fatalf("old session still signed in: %q", got)
		}
		newPageBrowser(t, ta).Post("/login", "email", "lost@example.com", "password", pagePassword).Status(401)
		newPageBrowser(t, ta).login("lost@example.com", newPw)
	}, withMailbox)
}

func TestAdminUsersPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		pageTime(ta)
		if got := redirect(t, newPageBrowser(t, ta).Get("/admin/users")); got != "/login?next=%2Fadmin%2Fusers" {
			t.Fatalf("anonymous → %q", got)
		}
		student := newPageBrowser(t, ta)
		student.signup("student@example.com", "학생일")
		student.login("student@example.com", pagePassword)
		student.Get("/admin/users").Status(403)

		for i := 2; i <= 5; i++ {
			newPageBrowser(t, ta).signup(fmt.Sprintf("student%d@example.com", i), fmt.Sprintf("학생%d", i))
		}
		boss := newPageBrowser(t, ta)
		boss.signup("boss@example.com", "관리자님")
		tutor := newPageBrowser(t, ta)
		tutor.signup("tutor@example.com", "강사님")
		ctx := context.Background()
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = 'admin'").Where("email = ?", "boss@example.com").Exec(ctx)
		testkit.Must(t, err)
		_, err = ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = 'tutor'").Where("email = ?", "tutor@example.com").Exec(ctx)
		testkit.Must(t, err)
		boss.login("boss@example.com", pagePassword)

		r := boss.Get("/admin/users").Status(200)
		r.Contains("<title>회원 관리 · Weaverse</title>", "전체 5명", "student@example.com", "student5@example.com",
			`aria-current="page">학생</a>`, `href="/admin/users?role=tutor"`, `role="search"`, `<th scope="col">가입일</th>`,
			"활성").NotContains("tutor@example.com", "boss@example.com", "accounts.page.")

		boss.Get("/admin/users?role=tutor").Status(200).Contains("전체 1명", "tutor@example.com", "강사님",
			`aria-current="page">강사</a>`).NotContains("student@example.com")
		boss.Get("/admin/users?role=admin").Status(200).Contains("전체 1명", "boss@example.com",
			`aria-current="page">관리자</a>`).NotContains("student@example.com", "tutor@example.com")
		// Suspended accounts are listed too, and can be filtered on.
		_, err = ta.App.DB.W.NewUpdate().Table("accounts_users").Set("is_active = ?", false).Where("email = ?", "student2@example.com").Exec(ctx)
		testkit.Must(t, err)
		boss.Get("/admin/users").Status(200).Contains("전체 5명", "student2@example.com", `state-inactive`)
		boss.Get("/admin/users?status=suspended").Status(200).Contains("전체 1명", "student2@example.com",
			`href="/admin/users?role=tutor&amp;status=suspended"`, `name="status" value="suspended"`).NotContains("student3@example.com")
		boss.Get("/admin/users?status=active").Status(200).Contains("전체 4명").NotContains("student2@example.com")
		boss.Get("/admin/users?status=bogus").Status(200).Contains("전체 5명")
		_, err = ta.App.DB.W.NewUpdate().Table("accounts_users").Set("is_active = ?", true).Where("email = ?", "student2@example.com").Exec(ctx)
		testkit.Must(t, err)

		boss.Get("/admin/users?q=student3").Status(200).Contains("검색 결과 1명", "student3@example.com", `value="student3"`).
			NotContains("student4@example.com")
		boss.Get("/admin/users?q=nobody-at-all").Status(200).Contains("검색 결과가 없습니다.", "검색 지우기")

		// Pagination keeps the other parameters.
		r = boss.Get("/admin/users?page_size=2&page=2").Status(200)
		r.Contains("전체 5명", "3–4번째", `href="/admin/users?page=3&amp;page_size=2&amp;role=student"`, `rel="next"`,
			`href="/admin/users?page_size=2&amp;role=student" rel="prev"`, `aria-current="page">2</a>`)
		if n := strings.Count(string(r.Body), `<tr>`); n != 3 { // header + 2 rows
			t.Errorf("%d table rows", n)
		}
		boss.Get("/admin/users?page=99").Status(200)
		boss.Get("/admin/users?lang=en").Status(200).Contains("Students", "5 in total").NotContains("accounts.page.")
	})
}

// The user console does an admin's whole job in the browser: create a
// tutor, change a student's role, suspend a user (whose next request is
// refused) and lift it, send a reset mail, delete an account (only when
// confirmed), never act on one's own account; every change is in the
// audit log, with who, to whom and from where.
func TestAdminConsoleManagesUsers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		pageTime(ta)
		ctx := context.Background()
		boss := newPageBrowser(t, ta)
		boss.signup("boss@example.com", "관리자님")
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = 'admin'").Where("email = ?", "boss@example.com").Exec(ctx)
		testkit.Must(t, err)
		boss.login("boss@example.com", pagePassword)
		learner := newPageBrowser(t, ta)
		learner.signup("learner@example.com", "배우는사람")
		learner.login("learner@example.com", pagePassword)
		learner.Get("/me").Status(200)
		learner.Get("/admin/users/new").Status(403)
		idOf := func(email string) int64 {
			var id int64
			testkit.Must(t, ta.App.DB.R.NewSelect().Table("accounts_users").Column("id").Where("email = ?", email).Scan(ctx, &id))
			return id
		}
		lid := idOf("learner@example.com")
		userPage := fmt.Sprintf("/admin/users/%d", lid)
		learner.Post(userPage+"/role", "role", "admin").Status(403)

		// Create a tutor: a bad form comes back with its errors, a good one
		// leads to the new account's page.
		boss.Get("/admin/users").Status(200).Contains(`href="/admin/users/new"`, `href="/admin/audit"`,
			fmt.Sprintf(`href="/admin/users/%d"`, lid))
		boss.Get("/admin/users/new").Status(200).Contains(`<option value="tutor">강사</option>`)
		boss.Post("/admin/users/new", "email", "not-an-email", "role", "tutor", "password", pagePassword,
			"password_confirm", pagePassword).Status(422).Contains("is-invalid", `value="not-an-email"`)
		to := redirect(t, boss.Post("/admin/users/new", "email", "newtutor@example.com", "nickname", "새강사", "role", "tutor",
			"password", pagePassword, "password_confirm", pagePassword))
		tid := idOf("newtutor@example.com")
		if to != fmt.Sprintf("/admin/users/%d", tid) {
			t.Fatalf("created → %q", to)
		}
		boss.Get(to).Status(200).Contains("새강사", "newtutor@example.com", "계정을 만들었어요", `<option value="tutor" selected>`)
		tutor := newPageBrowser(t, ta)
		tutor.login("newtutor@example.com", pagePassword)
		tutor.Get("/studio/courses").Status(200)

		// Role.
		redirect(t, boss.Post(userPage+"/role", "role", "tutor"))
		boss.Get(userPage).Status(200).Contains("역할을 강사(으)로 바꿨어요")
		redirect(t, boss.Post(userPage+"/role", "role", "emperor"))
		boss.Get(userPage).Status(200).Contains("alert-danger")
		var role string
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("accounts_users").Column("role").Where("id = ?", lid).Scan(ctx, &role))
		if role != "tutor" {
			t.Fatalf("role %q after a refused change, want tutor", role)
		}

		// Suspend: the learner's very next request is refused; lift it.
		redirect(t, boss.Post(userPage+"/active", "active", "0"))
		boss.Get(userPage).Status(200).Contains("정지했어요", "정지 해제")
		if got := redirect(t, learner.Get("/me")); !strings.HasPrefix(got, "/login") {
			t.Fatalf("suspended learner's next page → %q", got)
		}
		redirect(t, boss.Post(userPage+"/reset"))
		boss.Get(userPage).Status(200).Contains("정지된 계정에는 재설정 메일을 보낼 수 없어요")
		redirect(t, boss.Post(userPage+"/active", "active", "1"))
		learner.login("learner@example.com", pagePassword)

		// A reset mail.
		redirect(t, boss.Post(userPage+"/reset"))
		boss.Get(userPage).Status(200).Contains("learner@example.com(으)로 비밀번호 재설정 메일을 보냈어요")
		waitMailTo(t, ta, "learner@example.com", 1)

		// Delete: not without the box ticked; then the account is gone.
		redirect(t, boss.Post(userPage+"/delete"))
		boss.Get(userPage).Status(200).Contains("삭제하려면 확인란을 선택해 주세요")
		if got := redirect(t, boss.Post(userPage+"/delete", "confirm", "yes")); got != "/admin/users?role=tutor" {
			t.Fatalf("deleted → %q", got)
		}
		if n, _ := ta.App.DB.R.NewSelect().Table("accounts_users").Where("email = ?", "learner@example.com").Count(ctx); n != 0 {
			t.Fatal("the deleted account keeps its e-mail")
		}
		boss.Get(userPage).Status(404)

		// One's own account: no actions shown, none taken.
		bid := idOf("boss@example.com")
		boss.Get(fmt.Sprintf("/admin/users/%d", bid)).Status(200).Contains("다른 관리자가 바꿀 수 있어요").
			NotContains(`action="/admin/users/` + fmt.Sprint(bid) + `/delete"`)
		redirect(t, boss.Post(fmt.Sprintf("/admin/users/%d/active", bid), "active", "0"))
		redirect(t, boss.Post(fmt.Sprintf("/admin/users/%d/role", bid), "role", "student"))
		boss.Get("/admin/users").Status(200)

		// The audit log, newest first, with the actor, the account and the address.
		r := boss.Get("/admin/audit").Status(200)
		r.Contains("감사 기록", "기록 6건", "계정 만들기", "역할 변경", "(학생 → 강사)", "(강사)", "계정 정지", "정지 해제",
			"재설정 메일 발송", "계정 삭제", "관리자님", "새강사", "<code>").NotContains("accounts.console.")
		body := string(r.Body)
		if strings.Index(body, "계정 삭제") > strings.Index(body, "계정 만들기") {
			t.Error("the audit log is not newest first")
		}
		var ips []string
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("accounts_audit").Column("ip").Scan(ctx, &ips))
		for _, ip := range ips {
			if ip == "" {
				t.Errorf("an audit entry without an address: %v", ips)
			}
		}
		learner.Get("/admin/audit").Status(303)
		tutor.Get("/admin/audit").Status(403)
		boss.Get("/admin/audit?lang=en").Status(200).Contains("Audit log", "Role changed")
	}, withMailbox)
}
