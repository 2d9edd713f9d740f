package accounts

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

// pages mounts the account pages: sign-up, my profile, password reset and
// the admins' user list. Forms post back to the same path; on success the
// handler redirects (303) with a flash, on failure it renders the form again
// with the errors next to the fields.
func (m *Module) pages(r fiber.Router) {
	r.Get("/signup", m.signupPage)
	r.Post("/signup", m.signupSubmit)
	r.Get("/me", privatePage, m.mePage)
	r.Post("/me", privatePage, m.meSubmit)
	r.Post("/me/password", privatePage, m.passwordSubmit)
	r.Get("/password/reset", m.resetPage)
	r.Post("/password/reset", m.resetSubmit)
	r.Get("/password/reset/confirm", privatePage, m.resetConfirmPage) // the token is in the URL
	r.Post("/password/reset/confirm", m.resetConfirmSubmit)
	r.Get("/admin/users", privatePage, httpx.RequirePage(m.authz, consoleObj, consoleAct), m.usersPage)
	m.adminPages(r)
}

// privatePage marks a page with personal data: no cache, shared or the
// browser's, may keep it.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

// The user console (/admin/users) is for those who may list every account
// (admins): its page guard and its menu entry ask this rule.
const consoleObj, consoleAct = "accounts.user", "list"

// Form field names, in display order.
var (
	signupFields   = []string{"email", "nickname", "password", "password_confirm", "phone_number"}
	profileFields  = []string{"nickname", "phone_number", "introduction"}
	passwordFields = []string{"old_password", "new_password", "new_password_confirm"}
	resetFields    = []string{"email"}
	confirmFields  = []string{"new_password", "new_password_confirm"}
)

// Bounds, in bytes, on submitted form values: loose enough that every value
// the service would accept passes whole (Hangul takes 3 bytes a letter), so
// the service's own checks decide and report.
const (
	maxEmail    = 320
	maxPassword = 1024
	maxNickname = 200
	maxPhone    = 80
	maxIntro    = 8000
	maxSearch   = 400
)

func (m *Module) tr(c *fiber.Ctx) func(id string) string {
	lang := i18n.LangFrom(c.UserContext())
	return func(id string) string { return m.i18n.T(lang, id, nil) }
}

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

// formValue is a trimmed form value cut to max bytes (on a rune boundary).
func formValue(c *fiber.Ctx, name string, max int) string {
	return clip(strings.TrimSpace(c.FormValue(name)), max)
}

// secretValue is a password as typed (not trimmed: spaces may be part of it).
func secretValue(c *fiber.Ctx, name string) string { return clip(c.FormValue(name), maxPassword) }

func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// statusOf is the HTTP status of a service error shown on a form.
func statusOf(err error) int {
	switch {
	case errors.Is(err, apperr.Conflict):
		return fiber.StatusConflict
	case errors.Is(err, apperr.RateLimited):
		return fiber.StatusTooManyRequests
	case errors.Is(err, apperr.Unavailable):
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusUnprocessableEntity
}

// ---- sign-up ---------------------------------------------------------------

// signupView is the data of "accounts/signup".
type signupView struct {
	Form     *web.Form
	Next     string // where to go after signing in (a local path or "")
	LoginURL string
}

func loginURL(next string, extra url.Values) string {
	q := url.Values{}
	for k, v := range extra {
		q[k] = v
	}
	if next != "" {
		q.Set("next", next)
	}
	if len(q) == 0 {
		return "/login"
	}
	return "/login?" + q.Encode()
}

func (m *Module) signupPage(c *fiber.Ctx) error {
	next := web.SafeRedirect(c.Query("next"), "")
	if authz.PrincipalFrom(c.UserContext()) != nil {
		return c.Redirect(web.SafeRedirect(next, "/me"), fiber.StatusSeeOther)
	}
	f := web.NewForm(signupFields...)
	f.Set("email", clip(strings.TrimSpace(c.Query("email")), maxEmail))
	return m.renderSignup(c, fiber.StatusOK, f, next)
}

func (m *Module) renderSignup(c *fiber.Ctx, status int, f *web.Form, next string) error {
	return m.web.Render(c, status, "accounts/signup", signupView{Form: f, Next: next, LoginURL: loginURL(next, nil)})
}

func (m *Module) signupSubmit(c *fiber.Ctx) error {
	next := web.SafeRedirect(c.FormValue("next"), "")
	in := NewUser{
		Email:           formValue(c, "email", maxEmail),
		Nickname:        formValue(c, "nickname", maxNickname),
		Password:        secretValue(c, "password"),
		PasswordConfirm: secretValue(c, "password_confirm"),
	}
	if phone := formValue(c, "phone_number", maxPhone); phone != "" {
		in.PhoneNumber = &phone
	}
	f := web.NewForm(signupFields...)
	f.Set("email", in.Email).Set("nickname", in.Nickname)
	if in.PhoneNumber != nil {
		f.Set("phone_number", *in.PhoneNumber)
	}
	_, err := m.svc.Register(c.UserContext(), in)
	if err != nil {
		if !m.formError(c, f, err) {
			return err
		}
		m.confirmRequired(c, f, "password_confirm", in.Password, in.PasswordConfirm)
		return m.renderSignup(c, statusOf(err), f, next)
	}
	web.SetFlash(c, "success", m.t(c, "accounts.page.signup.done"))
	return c.Redirect(loginURL(next, url.Values{"email": {in.Email}}), fiber.StatusSeeOther)
}

// confirmRequired words a mismatch caused by an empty confirmation as a
// request to type the password again.
func (m *Module) confirmRequired(c *fiber.Ctx, f *web.Form, field, pw, confirm string) {
	if confirm == "" && pw != "" && f.Err(field) != "" {
		f.Replace(field, m.t(c, "accounts.page.signup.confirm_required"))
	}
}

// pageConfirm is the confirmation given to the service: the API treats an
// empty one as "same as the password", a page requires it.
func pageConfirm(pw, confirm string) string {
	if confirm == "" && pw != "" {
		return "\x00"
	}
	return confirm
}

// formError puts a service error on the form: field errors next to their
// fields, a duplicate e-mail or nickname on its field. It reports whether
// the error was one a form can show; others go to the error handler.
func (m *Module) formError(c *fiber.Ctx, f *web.Form, err error) bool {
	if f.AddError(err, m.tr(c)) {
		return true
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case "accounts.email_taken":
		f.Fail("email", m.t(c, "accounts.email_taken"))
		return true
	case "accounts.nickname_taken":
		f.Fail("nickname", m.t(c, "accounts.nickname_taken"))
		return true
	}
	if errors.Is(err, apperr.RateLimited) || errors.Is(err, apperr.Unavailable) {
		// Too many attempts, or too many passwords being hashed at once:
		// said above the form, with when to try again.
		f.Message = m.i18n.T(i18n.LangFrom(c.UserContext()), ae.Msg, ae.Data)
		if secs := int(ae.RetryAfter.Seconds() + 0.999); secs > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		}
		return true
	}
	return false
}

// ---- my profile ------------------------------------------------------------

// meView is the data of "accounts/me".
type meView struct {
	Profile      Profile
	Stats        LearningStats
	LearningTime string
	Initial      string // the nickname's first letter, for the avatar
	ProfileForm  *web.Form
	PasswordForm *web.Form
}

func (m *Module) mePage(c *fiber.Ctx) error {
	return m.renderMe(c, fiber.StatusOK, nil, nil)
}

// renderMe shows the profile; a nil form is filled from the profile (or left empty).
func (m *Module) renderMe(c *fiber.Ctx, status int, profile, pw *web.Form) error {
	p := authz.PrincipalFrom(c.UserContext())
	me, err := m.svc.Me(c.UserContext(), p) // anonymous: Unauthenticated → /login?next=/me
	if err != nil {
		return err
	}
	if profile == nil {
		profile = web.NewForm(profileFields...)
		profile.Set("nickname", me.Nickname).Set("introduction", me.Introduction)
		if me.PhoneNumber != nil {
			profile.Set("phone_number", *me.PhoneNumber)
		}
	}
	if pw == nil {
		pw = web.NewForm(passwordFields...)
	}
	page := meView{Profile: me, ProfileForm: profile, PasswordForm: pw, Initial: initial(me.Nickname)}
	if me.Stats != nil {
		page.Stats = *me.Stats
	}
	secs := page.Stats.TotalLearningSeconds
	page.LearningTime = m.t(c, "accounts.page.me.duration", "Hours", secs/3600, "Minutes", (secs%3600)/60)
	return m.web.Render(c, status, "accounts/me", page)
}

func initial(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}

func (m *Module) meSubmit(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	if p == nil {
		return apperr.ErrAuthRequired
	}
	nickname := formValue(c, "nickname", maxNickname)
	phone := formValue(c, "phone_number", maxPhone)
	intro := clip(strings.TrimSpace(strings.ReplaceAll(c.FormValue("introduction"), "\r\n", "\n")), maxIntro)
	f := web.NewForm(profileFields...)
	f.Set("nickname", nickname).Set("phone_number", phone).Set("introduction", intro)
	_, err := m.svc.UpdateMe(c.UserContext(), p, Changes{Nickname: &nickname, PhoneNumber: &phone, Introduction: &intro})
	if err != nil {
		if !m.formError(c, f, err) {
			return err
		}
		return m.renderMe(c, statusOf(err), f, nil)
	}
	web.SetFlash(c, "success", m.t(c, "accounts.page.me.saved"))
	return c.Redirect("/me", fiber.StatusSeeOther)
}

func (m *Module) passwordSubmit(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	if p == nil {
		return apperr.ErrAuthRequired
	}
	oldPw, newPw, confirm := secretValue(c, "old_password"), secretValue(c, "new_password"), secretValue(c, "new_password_confirm")
	f := web.NewForm(passwordFields...)
	if err := m.svc.ChangePassword(c.UserContext(), p, oldPw, newPw, pageConfirm(newPw, confirm)); err != nil {
		if !m.formError(c, f, err) {
			return err
		}
		m.confirmRequired(c, f, "new_password_confirm", newPw, confirm)
		return m.renderMe(c, statusOf(err), nil, f)
	}
	web.SetFlash(c, "success", m.t(c, "accounts.page.password.changed"))
	return c.Redirect("/me", fiber.StatusSeeOther)
}

// ---- password reset --------------------------------------------------------

// resetView is the data of "accounts/reset" (asking for the mail) and of
// "accounts/reset_sent".
type resetView struct {
	Form    *web.Form
	Email   string // on the "sent" page: the address as typed
	Minutes int    // how long a reset link lasts
}

// resetConfirmView is the data of "accounts/reset_confirm".
type resetConfirmView struct {
	Form    *web.Form
	Token   string
	Invalid bool // the link is wrong, used or expired
}

func (m *Module) resetPage(c *fiber.Ctx) error {
	f := web.NewForm(resetFields...)
	f.Set("email", clip(strings.TrimSpace(c.Query("email")), maxEmail))
	return m.web.Render(c, fiber.StatusOK, "accounts/reset", resetView{Form: f})
}

func (m *Module) resetSubmit(c *fiber.Ctx) error {
	email := formValue(c, "email", maxEmail)
	f := web.NewForm(resetFields...)
	f.Set("email", email)
	if _, fe := checkEmail(email); fe != nil {
		f.AddError(apperr.InvalidFields("request.validation", *fe), m.tr(c))
		return m.web.Render(c, fiber.StatusUnprocessableEntity, "accounts/reset", resetView{Form: f})
	}
	ctx := c.UserContext()
	if err := m.svc.RequestReset(ctx, email, httpx.ClientIPFrom(ctx), i18n.LangFrom(ctx)); err != nil {
		return err
	}
	// The same page whether or not the address has an account.
	return m.web.Render(c, fiber.StatusOK, "accounts/reset_sent", resetView{Email: email, Minutes: int(m.svc.resetTTL.Minutes())})
}

func (m *Module) resetConfirmPage(c *fiber.Ctx) error {
	token := strings.TrimSpace(c.Query("token"))
	page := resetConfirmView{Form: web.NewForm(confirmFields...), Token: token}
	status := fiber.StatusOK
	if token == "" || len(token) > 200 {
		page.Invalid, status = true, fiber.StatusBadRequest
	}
	return m.renderConfirm(c, status, page)
}

func (m *Module) renderConfirm(c *fiber.Ctx, status int, page resetConfirmView) error {
	return m.web.Render(c, status, "accounts/reset_confirm", page)
}

func (m *Module) resetConfirmSubmit(c *fiber.Ctx) error {
	token := strings.TrimSpace(c.FormValue("token"))
	newPw, confirm := secretValue(c, "new_password"), secretValue(c, "new_password_confirm")
	page := resetConfirmView{Form: web.NewForm(confirmFields...), Token: token}
	err := m.svc.ConfirmReset(c.UserContext(), token, newPw, pageConfirm(newPw, confirm))
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Code == "accounts.reset_token_invalid" {
			page.Invalid = true
			return m.renderConfirm(c, fiber.StatusUnprocessableEntity, page)
		}
		if !m.formError(c, page.Form, err) {
			return err
		}
		m.confirmRequired(c, page.Form, "new_password_confirm", newPw, confirm)
		return m.renderConfirm(c, statusOf(err), page)
	}
	web.SetFlash(c, "success", m.t(c, "accounts.page.reset.done"))
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// ---- admin: users ----------------------------------------------------------

// usersView is the data of "accounts/admin/users".
type usersView struct {
	Role     string // "student" | "tutor" | "admin"
	Tabs     []usersTab
	Status   string // "", "active" or "suspended"
	Statuses []usersTab
	Search   string
	Users    []Profile
	Count    int
	First    int // 1-based index of the first row shown
	Last     int
	Pager    web.Pager
}

// usersTab is one role tab (or status filter: Role is the status).
type usersTab struct {
	Role    string
	URL     string
	Current bool
}

// userTabs are the console's tabs, in order: the group each lists.
var userTabs = []group{students, tutors, admins}

// userStatuses are the console's status filters, in order ("": all).
var userStatuses = []string{"", statusActive, statusSuspended}

func (m *Module) usersPage(c *fiber.Ctx) error {
	g := students
	for _, t := range userTabs {
		if string(t.listed) == c.Query("role") {
			g = t
		}
	}
	status := c.Query("status")
	if !slices.Contains(userStatuses, status) {
		status = ""
	}
	search := clip(strings.TrimSpace(c.Query("q")), maxSearch)
	page, _ := strconv.Atoi(c.Query("page"))
	size, _ := strconv.Atoi(c.Query("page_size"))
	pp := httpx.PageParams{Page: page, PageSize: size}
	page, size = pp.Offset()/pp.Limit()+1, pp.Limit()
	users, count, err := m.svc.List(c.UserContext(), authz.PrincipalFrom(c.UserContext()), g, search, status, "", pp.Limit(), pp.Offset())
	if err != nil {
		return err
	}
	link := func(t group, st string, p int) string {
		q := url.Values{}
		q.Set("role", string(t.listed))
		if search != "" && t.listed == g.listed {
			q.Set("q", search)
		}
		if st != "" {
			q.Set("status", st)
		}
		if p > 1 {
			q.Set("page", strconv.Itoa(p))
		}
		if size != 20 {
			q.Set("page_size", strconv.Itoa(size))
		}
		return "/admin/users?" + q.Encode()
	}
	out := usersView{Role: string(g.listed), Status: status, Search: search, Users: users, Count: count,
		Pager: web.Paginate(page, (count+size-1)/size, func(p int) string { return link(g, status, p) })}
	for _, t := range userTabs {
		out.Tabs = append(out.Tabs, usersTab{Role: string(t.listed), URL: link(t, status, 1), Current: t.listed == g.listed})
	}
	for _, st := range userStatuses {
		out.Statuses = append(out.Statuses, usersTab{Role: st, URL: link(g, st, 1), Current: st == status})
	}
	if len(users) > 0 {
		out.First = pp.Offset() + 1
		out.Last = pp.Offset() + len(users)
	}
	return m.web.Render(c, fiber.StatusOK, "accounts/admin/users", out)
}
