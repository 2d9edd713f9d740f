package accounts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

// The user console's pages beyond the list: create an account, and one
// account's page with what an admin may do to it (role, suspension,
// deletion, a reset mail). Each action posts a form; the page comes back
// with a flash saying what happened or why not. Every change lands in the
// audit log (/admin/audit).

// adminPages mounts them behind the console's guard.
func (m *Module) adminPages(r fiber.Router) {
	guard := []fiber.Handler{privatePage, httpx.RequirePage(m.authz, consoleObj, consoleAct)}
	r.Get("/admin/users/new", append(guard, m.newUserPage)...)
	r.Post("/admin/users/new", append(guard, m.newUserSubmit)...)
	r.Get("/admin/users/:id", append(guard, m.userPage)...)
	r.Post("/admin/users/:id/role", append(guard, m.userAction(m.setRole))...)
	r.Post("/admin/users/:id/active", append(guard, m.userAction(m.setActive))...)
	r.Post("/admin/users/:id/delete", append(guard, m.userAction(m.deleteUser))...)
	r.Post("/admin/users/:id/reset", append(guard, m.userAction(m.sendReset))...)
	r.Get("/admin/audit", privatePage, httpx.RequirePage(m.authz, auditObj, auditAct), m.auditPage)
}

var newUserFields = []string{"email", "nickname", "role", "password", "password_confirm"}

// assignable are the roles an admin gives, in the form's order.
var assignable = []authz.Role{authz.Student, authz.Tutor, authz.Admin}

// newUserView is the data of "accounts/admin/new_user".
type newUserView struct {
	Form  *web.Form
	Roles []web.Option
}

// roleOptions are the assignable roles as a select's options.
func (m *Module) roleOptions(c *fiber.Ctx) []web.Option {
	out := make([]web.Option, len(assignable))
	for i, r := range assignable {
		out[i] = web.Option{Value: string(r), Label: m.t(c, "accounts.page.role."+string(r))}
	}
	return out
}

func (m *Module) newUserPage(c *fiber.Ctx) error {
	f := web.NewForm(newUserFields...)
	f.Set("role", string(authz.Student))
	return m.web.Render(c, fiber.StatusOK, "accounts/admin/new_user", newUserView{Form: f, Roles: m.roleOptions(c)})
}

func (m *Module) newUserSubmit(c *fiber.Ctx) error {
	f := web.NewForm(newUserFields...)
	email, nickname, role := formValue(c, "email", maxEmail), formValue(c, "nickname", maxNickname), formValue(c, "role", 20)
	pw, confirm := secretValue(c, "password"), secretValue(c, "password_confirm")
	f.Set("email", email)
	f.Set("nickname", nickname)
	f.Set("role", role)
	prof, err := m.svc.AdminCreate(c.UserContext(), authz.PrincipalFrom(c.UserContext()), NewUser{Email: email,
		Nickname: nickname, Role: authz.Role(role), Password: pw, PasswordConfirm: pageConfirm(pw, confirm), deriveNickname: true})
	if err != nil {
		if !m.formError(c, f, err) {
			return err
		}
		m.confirmRequired(c, f, "password_confirm", pw, confirm)
		return m.web.Render(c, statusOf(err), "accounts/admin/new_user", newUserView{Form: f, Roles: m.roleOptions(c)})
	}
	web.SetFlash(c, "success", m.t(c, "accounts.console.created", "Name", prof.Nickname))
	return c.Redirect(fmt.Sprintf("/admin/users/%d", prof.ID), fiber.StatusSeeOther)
}

// userView is the data of "accounts/admin/user".
type userView struct {
	User  Profile
	Self  bool
	Roles []web.Option
}

// target loads the account of the path's id as the console shows it.
func (m *Module) target(c *fiber.Ctx) (Profile, group, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return Profile{}, group{}, errUserNotFound
	}
	p := authz.PrincipalFrom(c.UserContext())
	// Students, then tutors and admins: the groups the API's routes reach.
	for _, g := range []group{students, tutors} {
		prof, err := m.svc.Get(c.UserContext(), p, g, id)
		if err == nil {
			return prof, g, nil
		}
		if !errors.Is(err, apperr.NotFound) {
			return Profile{}, group{}, err
		}
	}
	return Profile{}, group{}, errUserNotFound
}

func (m *Module) userPage(c *fiber.Ctx) error {
	u, _, err := m.target(c)
	if err != nil {
		return err
	}
	p := authz.PrincipalFrom(c.UserContext())
	return m.web.Render(c, fiber.StatusOK, "accounts/admin/user", userView{User: u, Self: p != nil && p.UserID == u.ID,
		Roles: m.roleOptions(c)})
}

// userAction runs an action on the path's account, then shows its page
// (or the list, when the account is gone) with a flash: what was done, or
// why not.
func (m *Module) userAction(do func(c *fiber.Ctx, u Profile, g group) (string, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, g, err := m.target(c)
		if err != nil {
			return err
		}
		next, err := do(c, u, g)
		if err != nil {
			if apperr.KindOf(err) == nil {
				return err
			}
			web.SetFlash(c, "danger", problemText(c, err))
			next = fmt.Sprintf("/admin/users/%d", u.ID)
		}
		return c.Redirect(next, fiber.StatusSeeOther)
	}
}

// problemText is an expected error as one sentence in the page's language:
// its field messages, or its detail.
func problemText(c *fiber.Ctx, err error) string {
	pr := httpx.NewProblem(c.UserContext(), err)
	for _, e := range pr.Errors {
		if e.Message != "" {
			return e.Message
		}
	}
	return pr.Detail
}

func (m *Module) setRole(c *fiber.Ctx, u Profile, g group) (string, error) {
	role := authz.Role(formValue(c, "role", 20))
	if _, err := m.svc.Update(c.UserContext(), authz.PrincipalFrom(c.UserContext()), g, u.ID, Changes{Role: &role}); err != nil {
		return "", err
	}
	web.SetFlash(c, "success", m.t(c, "accounts.console.role_changed", "Name", u.Nickname,
		"Role", m.t(c, "accounts.page.role."+string(role))))
	return fmt.Sprintf("/admin/users/%d", u.ID), nil
}

func (m *Module) setActive(c *fiber.Ctx, u Profile, g group) (string, error) {
	active := c.FormValue("active") == "1"
	if _, err := m.svc.Update(c.UserContext(), authz.PrincipalFrom(c.UserContext()), g, u.ID, Changes{Active: &active}); err != nil {
		return "", err
	}
	msg := "accounts.console.deactivated"
	if active {
		msg = "accounts.console.reactivated"
	}
	web.SetFlash(c, "success", m.t(c, msg, "Name", u.Nickname))
	return fmt.Sprintf("/admin/users/%d", u.ID), nil
}

func (m *Module) deleteUser(c *fiber.Ctx, u Profile, g group) (string, error) {
	if c.FormValue("confirm") != "yes" {
		return "", apperr.InvalidFields("accounts.console.delete_confirm",
			apperr.FieldError{Location: "body.confirm", Message: "accounts.console.delete_confirm"})
	}
	if err := m.svc.Delete(c.UserContext(), authz.PrincipalFrom(c.UserContext()), g, u.ID); err != nil {
		return "", err
	}
	web.SetFlash(c, "success", m.t(c, "accounts.console.deleted", "Name", u.Nickname))
	return "/admin/users?role=" + string(g.listed), nil
}

func (m *Module) sendReset(c *fiber.Ctx, u Profile, g group) (string, error) {
	lang := i18n.LangFrom(c.UserContext())
	if err := m.svc.SendReset(c.UserContext(), authz.PrincipalFrom(c.UserContext()), g, u.ID, string(lang)); err != nil {
		return "", err
	}
	web.SetFlash(c, "success", m.t(c, "accounts.console.reset_sent", "Email", u.Email))
	return fmt.Sprintf("/admin/users/%d", u.ID), nil
}

// auditView is the data of "accounts/admin/audit".
type auditView struct {
	Entries []AuditEntry
	Count   int
	Pager   web.Pager
}

func (m *Module) auditPage(c *fiber.Ctx) error {
	page, _ := strconv.Atoi(c.Query("page"))
	pp := httpx.PageParams{Page: page, PageSize: 50}
	entries, n, err := m.svc.Audit(c.UserContext(), authz.PrincipalFrom(c.UserContext()), pp.Limit(), pp.Offset())
	if err != nil {
		return err
	}
	// Roles are stored as codes ("student → tutor"): shown in the page's
	// language.
	for i, e := range entries {
		switch e.Action {
		case auditCreated, auditDeleted:
			entries[i].Detail = m.t(c, "accounts.page.role."+e.Detail)
		case auditRole:
			if from, to, ok := strings.Cut(e.Detail, " → "); ok {
				entries[i].Detail = m.t(c, "accounts.page.role."+from) + " → " + m.t(c, "accounts.page.role."+to)
			}
		}
	}
	size := pp.Limit()
	cur := pp.Offset()/size + 1
	return m.web.Render(c, fiber.StatusOK, "accounts/admin/audit", auditView{Entries: entries, Count: n,
		Pager: web.Paginate(cur, (n+size-1)/size, func(p int) string { return fmt.Sprintf("/admin/audit?page=%d", p) })})
}
