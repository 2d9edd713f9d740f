package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/assessment/grader"
	"github.com/weaverse/weaverse/modules/assistant"
	"github.com/weaverse/weaverse/modules/auth"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/catalog/bundle"
	"github.com/weaverse/weaverse/modules/certificates"
	"github.com/weaverse/weaverse/modules/certificates/credential"
	"github.com/weaverse/weaverse/modules/commerce"
	"github.com/weaverse/weaverse/modules/dashboard"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/modules/site"
	"github.com/weaverse/weaverse/platform/provide"
)

// builtModules keeps the concrete modules the composition root talks to
// beyond the Module interface (CLI commands, start-up tasks, middleware).
type builtModules struct {
	accounts *accounts.Module
	auth     *auth.Module
	catalog  *catalog.Module
	media    *media.Module
	learning *learning.Module
	assess   *assessment.Module
	commerce *commerce.Module
	// dashboard gathers the numbers (CLI: weaverse dashboard rollup).
	dashboard *dashboard.Module
	// kinds are the topic kinds and graders the catalog accepts, for the
	// bundles loaded at start-up.
	kinds *catalog.Kinds
	// grading grades code in child processes (the grader's Run hooks).
	grading *grader.Service
}

// buildModules constructs every module, in dependency order, with exactly
// the dependencies each declares in its Deps, then binds what lower modules
// consume from upper ones (bindModules). This is the only place modules
// meet; a module that needs another receives the other's api.go surface here.
func (a *App) buildModules() ([]Module, error) {
	cfg := a.Config
	acc := accounts.New(accounts.Deps{
		DB: a.DB, Authz: a.Authz, Clock: a.Clock, Hasher: a.Hasher, Keys: a.Keys, Mailer: a.Mailer,
		I18n: a.I18n, Web: a.Web, Logger: a.Logger, BaseURL: cfg.BaseURL, ResetTTL: cfg.Auth.ResetTTL,
	})
	au := auth.New(auth.Deps{
		DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Users: acc.Directory(),
		SecretKey: cfg.SecretKey, PreviousSecretKeys: cfg.PreviousSecretKeys, BaseURL: cfg.BaseURL,
		SecureCookies: cfg.IsProduction(), Keys: a.Keys, Web: a.Web, HTTPClient: a.httpClient,
		Google: auth.OIDCProvider{Issuer: cfg.Auth.Google.Issuer, ClientID: cfg.Auth.Google.ClientID,
			ClientSecret: cfg.Auth.Google.ClientSecret},
		Settings: auth.Settings{
			AccessTTL: cfg.Auth.AccessTTL, RefreshTTL: cfg.Auth.RefreshTTL, SessionMaxAge: cfg.Auth.SessionMaxAge,
			AccountFailures: cfg.Auth.Throttle.AccountFailures, IPFailures: cfg.Auth.Throttle.IPFailures,
			Window: cfg.Auth.Throttle.Window,
		},
	})
	grading, err := newGrading(cfg, a.Logger)
	if err != nil {
		return nil, err
	}
	kinds, err := topicKinds(grading, a.I18n)
	if err != nil {
		return nil, err
	}
	// Uploads being validated (videos, bundles) and transcodes in progress
	// can be gigabytes: they live under the data directory, not on a small
	// (or RAM-backed) system /tmp; resumable uploads there also survive a
	// reboot.
	tmpDir := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("media temp dir: %w", err)
	}
	cat := catalog.New(catalog.Deps{DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Users: acc.Directory(),
		Kinds: kinds, Web: a.Web, I18n: a.I18n, BundleSchema: bundle.Schema(kinds),
		Bundles: bundle.Files{Kinds: kinds}, TempDir: tmpDir})
	med := media.New(media.Deps{Web: a.Web, DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Store: a.Store,
		Signer: a.Signer, Jobs: a.Jobs, Catalog: cat.MediaGate(), TempDir: tmpDir,
		UploadDir:        filepath.Join(cfg.DataDir, "uploads", "tus"),
		TranscodeWorkers: cfg.Media.TranscodeWorkers,
		Limits: media.Limits{ImageBytes: cfg.Media.MaxImageBytes, VideoBytes: cfg.Media.MaxVideoBytes,
			VideoLength: cfg.Media.MaxVideoLength, URLTTL: cfg.Media.URLTTL,
			ImageDecodeBytes: cfg.Media.ImageDecodeMemory, ImageQueueWait: cfg.Media.ImageQueueWait}})
	learn := learning.New(learning.Deps{DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Events: a.Events,
		Web: a.Web, I18n: a.I18n, Users: acc.Directory(), Courses: cat.Reader(), Syllabus: cat.Syllabus(),
		Player: med.Player(), BaseURL: cfg.BaseURL,
		Settings: learning.Settings{CompleteRatio: cfg.Learning.CompleteRatio}})
	assess := assessment.New(assessment.Deps{DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Events: a.Events,
		Jobs: a.Jobs, Web: a.Web, I18n: a.I18n, Keys: cat.AnswerKeys(), Syllabus: cat.Syllabus(), Classroom: learn.Classroom(),
		Completions: learn.Completions(), Grader: sandboxGrader{grading},
		Settings: assessment.Settings{MaxCodeBytes: cfg.Grading.MaxCodeBytes,
			SubmissionsPerMinute: cfg.Grading.SubmissionsPerMinute, Workers: cfg.Grading.Concurrency}})
	ac := cfg.Assistant
	asst := assistant.New(assistant.Deps{DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Web: a.Web,
		I18n: a.I18n, Syllabus: cat.Syllabus(), Texts: cat.Texts(), Classroom: learn.Classroom(),
		Entitlements: learn.Entitlements(), Transcripts: med.Transcripts(),
		LLM: assistant.LLM{BaseURL: ac.BaseURL, APIKey: ac.APIKey, Model: ac.Model, Timeout: ac.Timeout,
			MaxRetries: ac.MaxRetries, MaxTokens: ac.MaxTokens, MaxTokensField: ac.MaxTokensField,
			Temperature: ac.Temperature},
		Settings: assistant.Settings{DailyMessages: ac.DailyMessages, DailyTokens: ac.DailyTokens,
			Passages: ac.Passages, HistoryTurns: ac.HistoryTurns}})
	providers, err := a.paymentProviders()
	if err != nil {
		return nil, fmt.Errorf("payments: %w", err)
	}
	shop := commerce.New(commerce.Deps{DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Events: a.Events,
		Jobs: a.Jobs, Web: a.Web, I18n: a.I18n, Keys: a.Keys, Users: acc.Directory(), Catalog: cat.Reader(),
		Entitlements: learn.Entitlements(), Grants: learn.Grants(), Consumption: learn.Consumption(),
		Providers: providers, BaseURL: cfg.BaseURL,
		Settings: commerce.Settings{RefundDays: cfg.Payments.Refund.Days,
			MaxWatchedPercent: cfg.Payments.Refund.MaxWatchedPercent, ProviderTimeout: providerTimeout(cfg.Payments)}})
	signer, err := a.certificateSigner()
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	certs := certificates.New(certificates.Deps{DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger,
		Events: a.Events, Jobs: a.Jobs, Web: a.Web, I18n: a.I18n, Users: acc.Directory(), Catalog: cat.Reader(),
		Syllabus: cat.Syllabus(), Classroom: learn.Classroom(), Entitlements: learn.Entitlements(),
		Missions: assess.Missions(), Consumption: learn.Consumption(), Enrollments: learn.Enrollments(),
		Stats: learn.Stats(), Signer: signer, BaseURL: cfg.BaseURL,
		Settings: certificates.Settings{SiteName: siteName, Issuer: cfg.Certificates.Issuer}})
	dash := dashboard.New(dashboard.Deps{DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Jobs: a.Jobs,
		Web: a.Web, I18n: a.I18n, Location: cfg.DashboardLocation(), Accounts: acc.Analytics(),
		Learning: learn.Analytics(), Assessment: assess.Analytics(), Assistant: asst.Analytics(),
		Commerce: shop.Analytics(), Certificates: certs.Analytics(), Syllabus: cat.Syllabus(), Missions: assess.Missions()})
	siteMod := site.New(site.Deps{Web: a.Web, Authz: a.Authz, Catalog: cat.Reader()})
	a.mods = builtModules{accounts: acc, auth: au, catalog: cat, media: med, learning: learn, assess: assess, kinds: kinds,
		grading: grading, commerce: shop, dashboard: dash}

	// Second step: what lower modules consume from upper ones.
	if err := errors.Join(
		provide.Bind[accounts.SessionRevoker](acc, au.Sessions()),
		provide.Bind[accounts.PasswordAttempts](acc, au.PasswordAttempts()),
		provide.Bind[catalog.BundleMedia](cat, med.BundleMedia()),
		provide.Bind[catalog.MediaLibrary](cat, med.Library()),
		provide.Bind[accounts.StatsProvider](acc, certs.Stats()),
		provide.Bind[accounts.TutorStudents](acc, learn.TutorStudents()),
		provide.Bind[catalog.Entitlements](cat, learn.Entitlements()),
		provide.Bind[catalog.StatusProvider](cat, learn.Statuses()),
		provide.Bind[catalog.Classroom](cat, learn.Classroom()),
		provide.Bind[media.ResumePositions](med, learn.ResumePositions()),
		provide.Bind[learning.MissionDesk](learn, assess.Desk()),
		provide.Bind[learning.TopicAssistant](learn, asst.TopicAssistant()),
		provide.Bind[catalog.Storefront](learn, shop.Storefront()),
		provide.Bind[catalog.Storefront](cat, shop.Storefront()),
		provide.Bind[catalog.Storefront](siteMod, shop.Storefront()),
	); err != nil {
		return nil, err
	}
	return []Module{acc, au, cat, med, learn, assess, asst, shop, certs, dash, siteMod}, nil
}

// checkNeeds refuses to start while a module's required provider is unbound.
func checkNeeds(mods []Module) error {
	for _, m := range mods {
		if c, ok := m.(provide.Consumer); ok {
			if err := provide.Check(m.Name(), c); err != nil {
				return err
			}
		}
	}
	return nil
}

// siteName is the platform's name on pages, certificates and credentials.
const siteName = "Weaverse"

// certificateSigner is the key that signs certificates' credentials: the
// configured one, or in development one made on first start and kept
// under the data directory (production requires it in config: see
// config.Certificates).
func (a *App) certificateSigner() (*credential.Signer, error) {
	cfg := a.Config
	var key []byte
	switch {
	case cfg.Certificates.SigningKey != "":
		k, err := credential.ParsePrivateKeyPEM([]byte(cfg.Certificates.SigningKey))
		if err != nil {
			return nil, fmt.Errorf("certificates.signing_key: %w", err)
		}
		key = k
	case cfg.IsProduction():
		return nil, errors.New("certificates.signing_key is required in production")
	default:
		k, created, err := credential.LoadOrCreateKeyFile(cfg.CertificateKeyFile())
		if err != nil {
			return nil, err
		}
		// Routine on a first start, like the development secrets: DEBUG.
		if created {
			a.Logger.Debug("certificates: made a development signing key", "path", cfg.CertificateKeyFile())
		}
		key = k
	}
	return credential.NewSigner(key, credential.Issuer{BaseURL: cfg.BaseURL, Name: siteName})
}
