package certificates

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/certificates/credential"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml templates
var files embed.FS

// Deps are the module's dependencies.
type Deps struct {
	DB     *db.DB
	Authz  *authz.Enforcer
	Clock  clock.Clock
	Logger *slog.Logger
	Events *events.Bus
	Jobs   *jobs.Runner
	Web    *web.Web
	I18n   *i18n.Bundle
	Users  accounts.Directory
	// Catalog has the courses' rules and the curricula; Syllabus their
	// topics; Classroom what a learner completed and where to continue;
	// Entitlements who has access; Missions the missions' standings;
	// Consumption the time watched; Enrollments
	// the courses a learner has access to.
	Catalog      catalog.Reader
	Syllabus     catalog.Syllabus
	Classroom    catalog.Classroom
	Entitlements catalog.Entitlements
	Missions     assessment.Missions
	Consumption  learning.Consumption
	Enrollments  learning.Enrollments
	// Stats are the learning figures of a profile (learning's), to which
	// the module adds credits and certificates.
	Stats accounts.StatsProvider
	// Signer signs credentials and status lists with the platform's key.
	Signer *credential.Signer
	// BaseURL is the public address certificates point to (the QR code).
	BaseURL  string
	Settings Settings
}

// Module is the certificates module.
type Module struct {
	svc  *service
	web  *web.Web
	i18n *i18n.Bundle
	pdfs *lru.Cache[string, []byte] // rendered PDFs (pdf.go)
}

// New builds the module and subscribes it to completions (an evaluation
// job issues), passes (a better score may meet the rule) and access taken
// back by a refund (revoke).
func New(d Deps) *Module {
	if d.Settings.SiteName == "" {
		d.Settings.SiteName = "Weaverse"
	}
	svc := &service{db: d.DB, st: store{d: d.DB}, authz: d.Authz, clock: d.Clock, logger: d.Logger, bus: d.Events, jobs: d.Jobs,
		users: d.Users, catalog: d.Catalog, syllabus: d.Syllabus, classroom: d.Classroom, ent: d.Entitlements,
		missions: d.Missions, consumed: d.Consumption, enrollments: d.Enrollments, stats: d.Stats, signer: d.Signer,
		baseURL: strings.TrimSuffix(d.BaseURL, "/"), settings: d.Settings}
	events.Subscribe(d.Events, "certificates.issue_on_topic", svc.onTopicCompleted)
	events.Subscribe(d.Events, "certificates.issue_on_course", svc.onCourseCompleted)
	events.Subscribe(d.Events, "certificates.issue_on_pass", svc.onTopicPassed)
	events.Subscribe(d.Events, "certificates.revoke_on_access_revoked", svc.onAccessRevoked)
	jobs.AddWorker(d.Jobs, &evaluateWorker{s: svc})
	pdfs, _ := lru.New[string, []byte](pdfCacheSize) // a positive size never fails
	return &Module{svc: svc, web: d.Web, i18n: d.I18n, pdfs: pdfs}
}

// Name is "certificates".
func (m *Module) Name() string { return "certificates" }

// Files are the module's message catalogs and pages.
func (m *Module) Files() fs.FS { return files }

// Analytics is the module's numbers for the dashboards and a learner's own
// certificates.
func (m *Module) Analytics() Analytics { return analytics{s: m.svc} }

// Stats are a profile's learning figures with the credits of the valid
// certificates (a revoked one counts no more) and their number.
func (m *Module) Stats() accounts.StatsProvider { return m.svc }

// LearningStats implements accounts.StatsProvider.
func (s *service) LearningStats(ctx context.Context, userID int64) (accounts.LearningStats, error) {
	st, err := s.stats.LearningStats(ctx, userID)
	if err != nil {
		return st, err
	}
	rows, err := s.st.userCerts(ctx, s.db.R, userID)
	if err != nil {
		return st, err
	}
	st.Credits, st.Certificates = 0, 0
	for _, r := range rows {
		if r.Status != statusValid {
			continue
		}
		st.Certificates++
		if r.Kind == KindCourse { // a curriculum's credits are its courses'
			st.Credits += r.Credits
		}
	}
	return st, nil
}

// Policies: a signed-in learner reads, downloads and presents their own
// certificates and claims their own; anyone verifies a serial (no rule:
// the page and the operation are public); admins list and revoke.
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Student, Obj: objCertificate, Act: "read", Rel: authz.Owner},
		{Role: authz.Student, Obj: objCertificate, Act: "download", Rel: authz.Owner},
		{Role: authz.Student, Obj: objCertificate, Act: "credential", Rel: authz.Owner},
		{Role: authz.Student, Obj: objCertificate, Act: "claim", Rel: authz.Owner},
	}
}

// Routes mounts the API, the pages and the issuer's public documents.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api)
	m.pages(pages)
	m.wellKnown(pages)
}

// Nav: "my certificates" in the account menu, the public look-up in the
// footer, the certificates console for admins.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuAccount, Href: "/me/certificates", Label: "certificates.nav.mine", Icon: "award", Order: 25},
		{Menu: web.MenuFooterSupport, Href: "/certificates/verify", Label: "certificates.nav.verify", Order: 40},
		{Menu: web.MenuAdmin, Href: "/admin/certificates", Label: "certificates.nav.admin",
			Note: "certificates.nav.admin_note", Icon: "award", Obj: objCertificate, Act: "list", Order: 45},
	}
}
