package media

import (
	"embed"
	"io/fs"
	"log/slog"
	"runtime"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/semaphore"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/storage"
	"github.com/weaverse/weaverse/platform/video"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml
var localeFS embed.FS

//go:embed templates
var templateFS embed.FS

var errUnauthenticated = apperr.New(apperr.Unauthenticated, "auth.required", "problem.unauthenticated")

// Deps are the module's dependencies.
type Deps struct {
	// Web renders the media pages.
	Web     *web.Web
	DB      *db.DB
	Authz   *authz.Enforcer
	Clock   clock.Clock
	Logger  *slog.Logger
	Store   storage.Store
	Signer  *storage.Signer
	Jobs    *jobs.Runner
	Catalog catalog.MediaGate
	Limits  Limits
	// TempDir holds uploads being validated and transcodes in progress.
	TempDir string
	// UploadDir keeps resumable (tus) uploads in progress; it should
	// survive restarts. Empty means <TempDir>/weaverse-tus.
	UploadDir string
}

// Module is the media module.
type Module struct {
	svc   *service
	authz *authz.Enforcer
	web   *web.Web
	deps  Deps
}

// New builds the module and registers its job worker. Without ffmpeg on
// PATH the module still serves images and existing videos; video uploads are
// refused with a clear "transcoding unavailable" problem.
func New(d Deps) *Module {
	tools, ok := video.Find()
	s := &service{db: d.DB, authz: d.Authz, clock: d.Clock, store: d.Store, signer: d.Signer, jobs: d.Jobs,
		gate: d.Catalog, tools: tools, hasFF: ok, limits: d.Limits, tempDir: d.TempDir, logger: d.Logger,
		decoding: semaphore.NewWeighted(int64(runtime.GOMAXPROCS(0)))}
	jobs.AddWorker(d.Jobs, &transcodeWorker{s: s}, jobs.WithTimeout(transcodeTimeout(d.Limits.VideoLength)))
	jobs.AddWorker(d.Jobs, &sweepWorker{s: s})
	d.Jobs.AddPeriodic(periodicSweep())
	return &Module{svc: s, authz: d.Authz, web: d.Web, deps: d}
}

// Name is "media".
func (m *Module) Name() string { return "media" }

// Policies: tutors manage their own videos (ownership is checked in SQL);
// anyone signed in manages their own images.
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{{Role: authz.Tutor, Obj: "media.video", Act: "manage", Rel: authz.Any}}
}

// Locales are the module's catalogs.
func (m *Module) Locales() fs.FS {
	s, err := fs.Sub(localeFS, "locales")
	if err != nil {
		panic(err)
	}
	return s
}

// Templates are the module's pages.
func (m *Module) Templates() fs.FS {
	s, err := fs.Sub(templateFS, "templates")
	if err != nil {
		panic(err)
	}
	return s
}

// Routes mounts the API, the resumable uploads and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api, pages)
	m.tusRoutes(pages)
	m.pages(pages)
}

// transcodeTimeout gives the transcoding job time for the longest video
// allowed (a fixed 2 h would kill every 4 h lecture): on a small machine the
// whole ladder can take longer than the video itself, so three times the
// length (at least 30 minutes), while a stuck ffmpeg still cannot hold a
// worker forever.
func transcodeTimeout(maxLength time.Duration) time.Duration {
	return max(3*maxLength, 30*time.Minute)
}
