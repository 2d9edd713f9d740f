package media

import (
	"embed"
	"io/fs"
	"log/slog"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/provide"
	"github.com/weaverse/weaverse/platform/storage"
	"github.com/weaverse/weaverse/platform/video"
	"github.com/weaverse/weaverse/platform/web"
)

//go:embed locales/*.toml templates
var files embed.FS

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
	// TranscodeWorkers is how many videos this instance transcodes at once
	// (media.transcode_workers).
	TranscodeWorkers int
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
	s := &service{db: d.DB, authz: d.Authz, clock: d.Clock, files: d.Store, signer: d.Signer, jobs: d.Jobs,
		gate: d.Catalog, tools: tools, hasFF: ok, limits: d.Limits, tempDir: d.TempDir, logger: d.Logger,
		decoding: newDecodeGate(d.Limits.decodeBudget(), d.Limits.queueWait())}
	jobs.AddWorker(d.Jobs, &transcodeWorker{s: s}, jobs.WithTimeout(transcodeTimeout(d.Limits.VideoLength)))
	jobs.AddWorker(d.Jobs, &sweepWorker{s: s})
	d.Jobs.AddPeriodic(periodicSweep())
	return &Module{svc: s, authz: d.Authz, web: d.Web, deps: d}
}

// Queues: transcoding runs in its own queue, so long transcodes never hold
// up other jobs. An instance without ffmpeg (which refuses video uploads)
// does not work it and leaves transcoding to the instances that can, on a
// shared database.
func (m *Module) Queues() map[string]int {
	if !m.svc.hasFF {
		return nil
	}
	return map[string]int{TranscodeQueue: max(1, m.deps.TranscodeWorkers)}
}

// Capabilities reports what the module found at start: the instance takes
// or refuses video uploads by that, whatever is installed since.
func (m *Module) Capabilities() map[string]bool {
	return map[string]bool{"transcoding": m.svc.hasFF}
}

// mediaWriteTimeout bounds the writing of one media response (/media/*)
// instead of http.write_timeout: a lecture's MP4 fallback is gigabytes,
// which a viewer on a slow link takes far longer to receive than any API
// response should (2 GiB at 1 MB/s is 35 minutes). HLS segments are small.
const mediaWriteTimeout = 2 * time.Hour

// RouteOptions: uploads (the API's and the library's forms without
// JavaScript) stream their bodies under the module's own limits and take
// as long as the client needs; the library's other pages and forms keep
// the request timeout. Signed media files are streamed (never buffered for
// compression) with a long write deadline.
func (m *Module) RouteOptions() []httpx.RouteOption {
	return []httpx.RouteOption{
		{Path: "/api/images/upload", StreamBody: true, NoTimeout: true},
		{Path: "/api/videos/upload", StreamBody: true, NoTimeout: true},
		{Path: "/api/videos/tus/*", StreamBody: true, NoTimeout: true},
		{Path: "/studio/media/videos", StreamBody: true},
		{Path: "/studio/media/images", StreamBody: true},
		// The library's forms too: deleting a long lecture's files can take
		// a while on S3.
		{Path: "/studio/media/*", NoTimeout: true},
		{Path: storage.DefaultURLPrefix + "/*", WriteTimeout: mediaWriteTimeout, NoCompress: true},
	}
}

// Nav: the media library in the account menu and on the admin console's
// landing page, for those who may manage videos.
func (m *Module) Nav() []web.NavEntry {
	return []web.NavEntry{
		{Menu: web.MenuAccount, Href: "/studio/media", Label: "web.nav.media", Icon: "collection-play",
			Order: 30, Obj: "media.video", Act: "manage"},
		{Menu: web.MenuAdmin, Href: "/studio/media", Label: "media.console.library", Note: "media.console.library_note",
			Icon: "collection-play", Order: 30, Obj: "media.video", Act: "manage"},
	}
}

// Needs are the providers the app binds after building every module.
func (m *Module) Needs() []provide.Need { return []provide.Need{&m.svc.resume} }

// Player is what the module that tracks watching asks of videos.
func (m *Module) Player() Player { return m.svc }

// Name is "media".
func (m *Module) Name() string { return "media" }

// Files are the module's message catalogs (locales/) and pages (templates/).
func (m *Module) Files() fs.FS { return files }

// Policies: anyone signed in uploads images and reads, updates and deletes
// their own; tutors keep a video library (upload, list) and read, update
// (rename, captions, attach to a course) and delete their own videos;
// whoever owns a video may play it (others as the catalog decides:
// catalog.MediaGate.VideoAccess). Admins may do everything. The owner
// relation is computed in SQL (store.go: ownerScope, is_owner).
func (m *Module) Policies() []authz.Policy {
	return []authz.Policy{
		{Role: authz.Student, Obj: "media.image", Act: "create", Rel: authz.Any},
		{Role: authz.Student, Obj: "media.image", Act: "read", Rel: authz.Owner},
		{Role: authz.Student, Obj: "media.image", Act: "update", Rel: authz.Owner},
		{Role: authz.Student, Obj: "media.image", Act: "delete", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: "media.video", Act: "manage", Rel: authz.Any},
		{Role: authz.Tutor, Obj: "media.video", Act: "read", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: "media.video", Act: "update", Rel: authz.Owner},
		{Role: authz.Tutor, Obj: "media.video", Act: "delete", Rel: authz.Owner},
		{Role: authz.Student, Obj: "media.video", Act: "play", Rel: authz.Owner},
	}
}

// Routes mounts the API, the resumable uploads and the pages.
func (m *Module) Routes(api huma.API, pages fiber.Router) {
	m.routes(api, pages)
	m.tusRoutes(pages)
	m.pages(pages)
	// Signed media files (images, segments, posters, MP4 fallbacks), after
	// the more specific /media/… routes above (per-viewer HLS playlists).
	pages.Get(storage.DefaultURLPrefix+"/*", storage.Handler(m.deps.Store, m.deps.Signer, m.deps.Clock.Now, storage.DefaultURLPrefix))
}

// transcodeTimeout gives the transcoding job time for the longest video
// allowed (a fixed 2 h would kill every 4 h lecture): on a small machine the
// whole ladder can take longer than the video itself, so three times the
// length (at least 30 minutes), while a stuck ffmpeg still cannot hold a
// worker forever.
func transcodeTimeout(maxLength time.Duration) time.Duration {
	return max(3*maxLength, 30*time.Minute)
}
