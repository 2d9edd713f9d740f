package accounts

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/mail"
	"github.com/weaverse/weaverse/platform/password"
	"github.com/weaverse/weaverse/platform/provide"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml templates
var files embed.FS

// Deps are the module's dependencies.
type Deps struct {
	DB       *db.DB
	Authz    *authz.Enforcer
	Clock    clock.Clock
	Hasher   *password.Hasher
	Keys     *crypto.Keyring
	Mailer   mail.Mailer
	I18n     *i18n.Bundle
	Web      *web.Web
	Logger   *slog.Logger
	BaseURL  string
	ResetTTL time.Duration
}

// Module is the accounts module.
type Module struct {
	svc    *service
	mails  *mailSender
	web    *web.Web
	authz  *authz.Enforcer
	i18n   *i18n.Bundle
	logger *slog.Logger
}

// New builds the module.
func New(d Deps) *Module {
	mails := &mailSender{mailer: d.Mailer, i18n: d.I18n, baseURL: d.BaseURL, ttl: d.ResetTTL, logger: d.Logger}
	svc := &service{db: d.DB, st: newStore(d.DB), authz: d.Authz, clock: d.Clock, hasher: d.Hasher, keys: d.Keys,
		mailer: mails, resetTTL: d.ResetTTL, logger: d.Logger}
	return &Module{svc: svc, mails: mails, web: d.Web, authz: d.Authz, i18n: d.I18n, logger: d.Logger}
}

// Name is "accounts".
func (m *Module) Name() string { return "accounts" }

// Files are the module's message catalogs (locales/) and pages (templates/).
func (m *Module) Files() fs.FS { return files }

// Needs are the providers the app binds after building every module: the
// auth module's session revoker and password-attempt limit, and the learning statistics and tutors'
// students of the modules that own learning data.
func (m *Module) Needs() []provide.Need {
	return []provide.Need{&m.svc.sessions, &m.svc.attempts, &m.svc.stats, &m.svc.students}
}

// Directory is the service other modules use.
func (m *Module) Directory() Directory { return m.svc }

// Analytics is the module's numbers for the dashboards.
func (m *Module) Analytics() Analytics { return analytics{svc: m.svc} }

// Policies is the module's part of the permission matrix. An account's
// object follows its stored role: "accounts.student", "accounts.tutor",
// "accounts.admin" (no rule: admins only). Relations: Self (the caller's own
// account, computed in SQL), Teaches (a student of one of the tutor's
// courses, from the TutorStudents provider). Admins may do everything,
// including what no rule below grants:
//   - accounts.user create: create an account of any role;
//   - accounts.user list: the user console (/admin/users);
//   - accounts.tutor list: the list of tutors;
//   - manage (on any account): change its role or suspend it.
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Student, Obj: "accounts.student", Act: "read", Rel: authz.Self},
		{Role: authz.Student, Obj: "accounts.student", Act: "read_private", Rel: authz.Self},
		{Role: authz.Student, Obj: "accounts.student", Act: "update", Rel: authz.Self},
		{Role: authz.Student, Obj: "accounts.student", Act: "delete", Rel: authz.Self},
		{Role: authz.Tutor, Obj: "accounts.student", Act: "list", Rel: authz.Any},
		{Role: authz.Tutor, Obj: "accounts.student", Act: "read", Rel: authz.Teaches},
		{Role: authz.Tutor, Obj: "accounts.tutor", Act: "read", Rel: authz.Self},
		{Role: authz.Tutor, Obj: "accounts.tutor", Act: "read_private", Rel: authz.Self},
		{Role: authz.Tutor, Obj: "accounts.tutor", Act: "update", Rel: authz.Self},
		{Role: authz.Tutor, Obj: "accounts.tutor", Act: "delete", Rel: authz.Self},
	}
}

// Routes mounts the API and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
}

// Nav: sign-up for guests, "my profile" in the account menu (the learning
// module adds "my learning"), the user console on the admin console's
// landing page for those its guard admits.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuGuest, Href: "/signup", Label: "web.nav.signup", Order: 20, Primary: true},
		{Menu: web.MenuAccount, Href: "/me", Label: "web.nav.profile", Icon: "person-circle", Order: 20},
		{Menu: web.MenuAdmin, Href: "/admin/users", Label: "accounts.console.users", Note: "accounts.console.users_note",
			Icon: "people", Order: 10, Obj: consoleObj, Act: consoleAct},
		{Menu: web.MenuAdmin, Href: "/admin/audit", Label: "accounts.console.audit_title", Note: "accounts.console.audit_note",
			Icon: "journal-text", Order: 15, Obj: auditObj, Act: auditAct},
	}
}

// Stop waits for reset mails still being sent.
func (m *Module) Stop(ctx context.Context) error {
	done := make(chan struct{})
	go func() { m.mails.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// EnsureAdmin creates the bootstrap admin when no admin exists.
func (m *Module) EnsureAdmin(ctx context.Context, email, password string) (bool, error) {
	return m.svc.EnsureAdmin(ctx, email, password)
}

// EnsureEditorialUser returns the id of the editorial account (a tutor that
// cannot sign in: no password), creating it on first use.
func (m *Module) EnsureEditorialUser(ctx context.Context) (int64, error) {
	return m.svc.ensureEditorial(ctx)
}

// CreateUser creates a user of any role (the `weaverse user create`
// command). An empty nickname is derived from the e-mail.
func (m *Module) CreateUser(ctx context.Context, email, password, nickname string, role authz.Role) (int64, error) {
	u, err := m.svc.create(ctx, NewUser{Email: email, Password: password, PasswordConfirm: password, Nickname: nickname,
		Role: role, deriveNickname: true})
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// RotateKeys re-encrypts personal data under the active key (`weaverse keys rotate`).
func (m *Module) RotateKeys(ctx context.Context) (int, error) { return m.svc.RotateKeys(ctx) }
