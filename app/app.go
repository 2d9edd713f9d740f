// Package app is the composition root: the only package that imports
// modules. It builds the platform (database, authorization, i18n, web, HTTP),
// constructs the modules in an explicit order with their dependencies, mounts
// their routes and runs or stops everything.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/migrations"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/catalog/bundle"
	"github.com/weaverse/weaverse/modules/catalog/defaultcontent"
	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/events"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/jobs"
	"github.com/weaverse/weaverse/platform/mail"
	"github.com/weaverse/weaverse/platform/password"
	"github.com/weaverse/weaverse/platform/provide"
	"github.com/weaverse/weaverse/platform/storage"
	"github.com/weaverse/weaverse/platform/web"
)

// Options are the dependencies a caller may replace (tests do).
type Options struct {
	Logger *slog.Logger
	Clock  clock.Clock
	Mailer mail.Mailer
	// Authenticate, when set, runs after the platform middleware and before
	// the routes; it puts the caller's authz.Principal in the user context.
	Authenticate fiber.Handler
	// Routes, when set, is called after the modules have mounted theirs
	// (tests add probe routes with it).
	Routes func(a *App)
	// HTTPClient is used for outgoing calls to identity providers (tests
	// point it at fakes); nil means a client with a timeout.
	HTTPClient *http.Client
	// PaymentProviders are added to the configured payment providers; one
	// named like a configured one replaces it (tests put doubles here).
	PaymentProviders []provider.Provider
}

// App is a built, ready-to-run Weaverse.
type App struct {
	Config   *config.Config
	Logger   *slog.Logger
	Clock    clock.Clock
	Mailer   mail.Mailer
	DB       *db.DB
	Migrator *migrations.Migrator
	Authz    *authz.Enforcer
	I18n     *i18n.Bundle
	Web      *web.Web
	Metrics  *httpx.Metrics
	Fiber    *fiber.App
	API      huma.API
	Hasher   *password.Hasher
	Keys     *crypto.Keyring
	Jobs     *jobs.Runner
	Events   *events.Bus
	Store    storage.Store
	Signer   *storage.Signer

	mods       builtModules
	httpClient *http.Client
	// extraProviders are Options.PaymentProviders.
	extraProviders []provider.Provider
	// routeOpts are what the modules' routes need from the HTTP platform.
	routeOpts httpx.RouteOptions
	// mediaOrigins may serve media to pages (an S3 bucket in direct mode).
	mediaOrigins []string
	proxies      *httpx.Proxies

	modules []Module
	started []Module
	// migrationsCurrent caches a passed readiness check of the migrations.
	migrationsCurrent atomic.Bool
	jobsStarted       bool
	closeOnce         sync.Once
	closeErr          error
}

// eventWorkers is how many event deliveries an instance runs at once. On
// SQLite each takes the single writer for its handler's transaction, so more
// would only queue there.
const eventWorkers = 4

// New builds the app from a validated configuration. It opens the database
// and applies pending migrations when database.migrate_on_start is set.
func New(ctx context.Context, cfg *config.Config, opts Options) (a *App, err error) {
	if opts.Logger == nil {
		opts.Logger = NewLogger(cfg, os.Stderr)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Mailer == nil {
		m, err := newMailer(cfg, opts.Logger)
		if err != nil {
			return nil, err
		}
		opts.Mailer = m
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	a = &App{Config: cfg, Logger: opts.Logger, Clock: opts.Clock, Mailer: opts.Mailer, httpClient: opts.HTTPClient,
		extraProviders: opts.PaymentProviders}
	// On any error after the database opened, close it. (The named result
	// a is nil by then: keep our own pointer.)
	built := a
	defer func() {
		if err != nil && built.DB != nil {
			_ = built.DB.Close()
		}
	}()

	if a.DB, err = db.Open(ctx, db.Options{URL: cfg.Database.URL, MaxOpenConns: cfg.Database.MaxOpenConns,
		LogQueries: cfg.Database.LogQueries, Logger: a.Logger}); err != nil {
		return nil, err
	}
	if a.Migrator, err = migrations.New(a.DB); err != nil {
		return nil, err
	}
	if cfg.Database.MigrateOnStart {
		applied, err := a.Migrator.Up(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		if len(applied) > 0 {
			a.Logger.Debug("migrations applied", "count", len(applied), "last", applied[len(applied)-1])
		}
	}
	// The job queue (River) keeps its tables beside ours and migrates them
	// itself; modules add their workers in New and declare their own queues.
	// Event deliveries have their own queue, so a burst of them never waits
	// behind other jobs (nor the reverse).
	queues := map[string]int{jobs.DefaultQueue: jobs.DefaultMaxWorkers, events.Queue: eventWorkers}
	if a.Jobs, err = jobs.New(ctx, jobs.Options{DB: a.DB, Logger: a.Logger, Queues: queues}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := a.openStorage(ctx); err != nil {
		return nil, err
	}
	if a.Authz, err = authz.New(); err != nil {
		return nil, err
	}
	if a.I18n, err = i18n.New(); err != nil {
		return nil, err
	}
	if a.Web, err = web.New(web.Options{Dev: !cfg.IsProduction(), BaseURL: cfg.BaseURL, I18n: a.I18n,
		Logger: a.Logger, SiteName: siteName, Secret: []byte(cfg.SecretKey)}); err != nil {
		return nil, err
	}
	if a.Keys, err = newKeyring(cfg); err != nil {
		return nil, err
	}
	// Password hashing is bounded by the machine (cores, memory): a burst of
	// sign-ins queues briefly, then gets 503 with Retry-After, instead of
	// taking argon2's memory per request until the process is killed.
	params := password.Params{Memory: cfg.Auth.Argon2.MemoryKiB, Iterations: cfg.Auth.Argon2.Iterations,
		Parallelism: cfg.Auth.Argon2.Parallelism, SaltLen: 16, KeyLen: 32}
	limits := password.AutoLimits(params)
	a.Hasher = password.NewHasher(params, limits)
	a.Logger.Debug("password hashing bounded", "hashes_at_once", limits.MemoryKiB/uint64(max(params.Memory, 1)),
		"memory_mib", limits.MemoryKiB/1024, "queue", limits.Queue, "wait", limits.Wait)
	if a.proxies, err = httpx.NewProxies(cfg.HTTP.TrustedProxies, cfg.HTTP.ProxyHeader); err != nil {
		return nil, err
	}
	a.Metrics = httpx.NewMetrics()
	for name, b := range a.DB.DBs() {
		a.Metrics.Registry.MustRegister(collectors.NewDBStatsCollector(b.DB, name))
	}
	if a.Events, err = events.New(events.Options{DB: a.DB, Jobs: a.Jobs, Logger: a.Logger, Metrics: a.Metrics.Registry,
		Clock: a.Clock}); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}

	if a.modules, err = a.buildModules(); err != nil {
		return nil, err
	}
	if err := a.collect(); err != nil {
		return nil, err
	}
	a.Fiber = fiber.New(a.fiberConfig())
	a.applyWriteTimeouts()
	a.literalPlus()
	a.mountPlatform(opts)
	a.API = httpx.NewAPI(a.Fiber, httpx.APIOptions{
		Title:       "Weaverse API",
		Version:     Version(),
		Description: apiDescription,
		ServerURL:   cfg.BaseURL,
	})
	for _, m := range a.modules {
		m.Routes(a.API, a.Fiber)
	}
	if err := a.routeOpts.Validate(a.routePaths()); err != nil {
		return nil, err
	}
	a.mountOperations()
	if opts.Routes != nil {
		opts.Routes(a)
	}
	httpx.DocumentPlatformResponses(a.API)
	if cfg.Content.ImportDefault {
		if err := a.importDefaultContent(ctx); err != nil {
			return nil, fmt.Errorf("default content: %w", err)
		}
	}
	if cfg.BootstrapAdmin.Email != "" {
		created, err := a.mods.accounts.EnsureAdmin(ctx, cfg.BootstrapAdmin.Email, cfg.BootstrapAdmin.Password)
		if err != nil {
			return nil, fmt.Errorf("bootstrap_admin: %w", err)
		}
		if created {
			a.Logger.Info("bootstrap admin created", "email", cfg.BootstrapAdmin.Email)
		}
	}
	return a, nil
}

// openStorage opens the blob store for media: a directory under data_dir,
// or an S3-compatible bucket served through the same signed handler.
func (a *App) openStorage(ctx context.Context) error {
	cfg := a.Config
	a.Signer = storage.NewSigner(crypto.DeriveKey([]byte(cfg.SecretKey), "weaverse/media/url"))
	if cfg.Media.Storage == "s3" {
		s3 := cfg.Media.S3
		base := storage.DefaultURLPrefix // through our signed handler
		if s3.Direct {
			base = "" // presigned URLs on the bucket's host
		}
		st, err := storage.NewS3(ctx, storage.S3Config{Endpoint: s3.Endpoint, Region: s3.Region, Bucket: s3.Bucket,
			AccessKey: s3.AccessKey, SecretKey: s3.SecretKey, UseSSL: s3.UseSSL, PathStyle: s3.PathStyle, Prefix: s3.Prefix,
			PublicBaseURL: base, Now: a.Clock.Now}, a.Signer)
		if err != nil {
			return fmt.Errorf("media storage: %w", err)
		}
		a.Store = st
		if s3.Direct {
			// The pages' content security policy must let browsers load
			// from the bucket: its origin, read off a presigned URL.
			u, err := st.URL(ctx, "probe", a.Clock.Now().Add(time.Minute))
			if err != nil {
				return fmt.Errorf("media storage: %w", err)
			}
			pu, err := url.Parse(u)
			if err != nil || pu.Host == "" {
				return fmt.Errorf("media storage: presigned URL %q has no host", u)
			}
			a.mediaOrigins = []string{pu.Scheme + "://" + pu.Host}
		}
		return nil
	}
	st, err := storage.NewLocal(filepath.Join(cfg.DataDir, "media"), a.Signer, storage.WithNow(a.Clock.Now))
	if err != nil {
		return fmt.Errorf("media storage: %w", err)
	}
	a.Store = st
	return nil
}

// newMailer sends through SMTP when a host is configured; otherwise mails
// are written to <data_dir>/mail and logged.
func newMailer(cfg *config.Config, logger *slog.Logger) (mail.Mailer, error) {
	if cfg.Mail.SMTP.Host == "" {
		if cfg.IsProduction() {
			logger.Warn("mail.smtp.host is not set: e-mails (password resets…) are written to the data directory, not sent")
		}
		return &mail.Dir{Path: filepath.Join(cfg.DataDir, "mail"), From: cfg.Mail.From, Logger: logger}, nil
	}
	sm := cfg.Mail.SMTP
	return mail.NewSMTP(mail.SMTPConfig{Host: sm.Host, Port: sm.Port, Username: sm.Username, Password: sm.Password,
		From: cfg.Mail.From, TLS: sm.TLS, Timeout: 30 * time.Second})
}

// newKeyring builds the personal-data keyring from the active and previous keys.
func newKeyring(cfg *config.Config) (*crypto.Keyring, error) {
	active, err := crypto.ParseKey(cfg.EncryptionKey)
	if err != nil {
		return nil, fmt.Errorf("encryption_key: %w", err)
	}
	var previous [][]byte
	for _, k := range cfg.PreviousEncryptionKeys {
		key, err := crypto.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("previous_encryption_keys: %w", err)
		}
		previous = append(previous, key)
	}
	return crypto.NewKeyring(active, previous...)
}

// defaultContentKey marks, in platform_settings, that the default content
// was imported once: an admin who later deletes those courses does not get
// them back on the next start.
const defaultContentKey = "catalog.default_content_imported"

// importDefaultContent imports the embedded nano-degree on the first start
// of a database without courses.
func (a *App) importDefaultContent(ctx context.Context) error {
	if _, done, err := a.DB.Setting(ctx, defaultContentKey); err != nil || done {
		return err
	}
	empty, err := a.mods.catalog.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	b, problems, err := bundle.Load(defaultcontent.FS(), defaultcontent.Root, a.mods.kinds)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("the embedded bundle is invalid: %s", problems[0])
	}
	rep, err := a.ImportBundle(ctx, b)
	if err != nil {
		// Instances starting together on one fresh Postgres database race
		// to import; the loser finds the winner's courses and moves on.
		if empty, e := a.mods.catalog.Empty(ctx); e == nil && !empty {
			a.Logger.Debug("default content: another instance imported it")
			return nil
		}
		return err
	}
	a.Logger.Debug("default content imported", "created", len(rep.Created))
	return a.DB.SetSetting(ctx, a.DB.W, defaultContentKey, Version(), a.Clock.Now())
}

// ImportBundle imports a course bundle; new courses are authored by the
// editorial account, and so are the videos made from the bundle's files.
func (a *App) ImportBundle(ctx context.Context, b *catalog.Bundle) (catalog.ImportReport, error) {
	author, err := a.mods.accounts.EnsureEditorialUser(ctx)
	if err != nil {
		return catalog.ImportReport{}, err
	}
	return a.mods.catalog.Import(ctx, b, author)
}

// CatalogMediaGate is the catalog's gate for media (used by tests until the
// media module takes it).
func (a *App) CatalogMediaGate() catalog.MediaGate { return a.mods.catalog.MediaGate() }

// ReplaceProvider binds double, in every module, to each late-bound slot
// whose interface it implements (see provide.Replace): a test puts a double
// declared in the test in place of a real provider, after New and before it
// sends requests. It fails when double fits no slot.
func (a *App) ReplaceProvider(double any) error {
	n := 0
	for _, m := range a.modules {
		if c, ok := m.(provide.Consumer); ok {
			n += provide.Replace(c, double)
		}
	}
	if n == 0 {
		return fmt.Errorf("app: %T implements no late-bound provider interface", double)
	}
	return nil
}

// RotateKeys re-encrypts personal data under the active encryption key.
func (a *App) RotateKeys(ctx context.Context) (int, error) {
	n, err := a.mods.accounts.RotateKeys(ctx)
	if err != nil {
		return n, err
	}
	m, err := a.mods.commerce.RotateKeys(ctx)
	return n + m, err
}

// Modules returns the modules in construction order.
func (a *App) Modules() []Module { return a.modules }

// Start starts the modules' background work and the job runner. ctx must
// live as long as the process: cancelling it cancels running jobs.
func (a *App) Start(ctx context.Context) error {
	for _, m := range a.modules {
		if s, ok := m.(Starter); ok {
			if err := s.Start(ctx); err != nil {
				return fmt.Errorf("%s: start: %w", m.Name(), err)
			}
		}
		a.started = append(a.started, m)
	}
	if err := a.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	a.jobsStarted = true
	return nil
}

// Close stops the modules (in reverse order) and closes the database. Only
// the first call does anything.
func (a *App) Close(ctx context.Context) error {
	a.closeOnce.Do(func() {
		var errs []error
		if a.jobsStarted {
			errs = append(errs, a.Jobs.Stop(ctx))
		}
		for i := len(a.started) - 1; i >= 0; i-- {
			if s, ok := a.started[i].(Stopper); ok {
				errs = append(errs, s.Stop(ctx))
			}
		}
		a.started = nil
		if a.mods.grading != nil {
			errs = append(errs, a.mods.grading.Close())
		}
		if l, ok := a.Store.(*storage.Local); ok {
			errs = append(errs, l.Close())
		}
		if a.DB != nil {
			errs = append(errs, a.DB.Close())
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}

// Run serves HTTP on ln until ctx is cancelled, then shuts down gracefully:
// the listener closes at once, in-flight requests finish (within
// http.shutdown_timeout), background work stops, the database closes.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.Fiber.Listener(ln) }()
	var err error
	select {
	case err = <-serveErr:
		// The server stopped by itself: a listener failure.
	case <-ctx.Done():
		a.Logger.Info("shutting down: finishing requests in flight", "timeout", a.Config.HTTP.ShutdownTimeout)
		err = a.Fiber.ShutdownWithTimeout(a.Config.HTTP.ShutdownTimeout)
		if err == nil {
			err = <-serveErr
		}
		// Connections that outlived the timeout were closed, but their
		// handlers may still run: give them a moment before the database
		// closes under them.
		grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if werr := a.Metrics.WaitIdle(grace); werr != nil {
			a.Logger.Warn("shutdown: requests still running were abandoned")
		}
		cancel()
	}
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return errors.Join(err, a.Close(closeCtx))
}

const apiDescription = `Weaverse is a self-hosted video-education platform (LMS).

Conventions: JSON in and out; times are RFC 3339 in UTC; money is integer KRW. Errors are RFC 9457 problem documents
(application/problem+json) with a stable machine "code" and a "detail" in the request's language (Accept-Language: ko, en).
Lists take ?page= and ?page_size= (default 20, at most 100) and answer {count, next, previous, results}.
A trailing slash is optional on every path.`
