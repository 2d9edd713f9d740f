package app

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/auth"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/modules/site"
)

// builtModules keeps the concrete modules the composition root talks to
// beyond the Module interface (CLI commands, start-up tasks, middleware).
type builtModules struct {
	accounts *accounts.Module
	auth     *auth.Module
	catalog  *catalog.Module
	media    *media.Module
	// bundleMedia turns bundle files into media on import.
	bundleMedia catalog.BundleMedia
}

// buildModules constructs every module, in dependency order, with exactly
// the dependencies each declares in its Deps. This is the only place modules
// meet; a module that needs another receives the other's api.go surface here.
func (a *App) buildModules(opts Options) ([]Module, error) {
	cfg := a.Config
	sessions := auth.NewSessions(a.DB, a.Clock)
	acc := accounts.New(accounts.Deps{
		DB: a.DB, Authz: a.Authz, Clock: a.Clock, Hasher: a.Hasher, Keys: a.Keys, Mailer: a.Mailer,
		I18n: a.I18n, Web: a.Web, Logger: a.Logger, BaseURL: cfg.BaseURL, ResetTTL: cfg.Auth.ResetTTL,
		Sessions: sessions,
	})
	au := auth.New(auth.Deps{
		DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Users: acc.Directory(), Sessions: sessions,
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
	if au == nil {
		return nil, fmt.Errorf("auth: not built")
	}
	cat := catalog.New(catalog.Deps{DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Users: acc.Directory(),
		Web: a.Web, I18n: a.I18n, Entitlements: opts.Entitlements})
	// Uploads being validated and transcodes in progress can be gigabytes:
	// they live under the data directory, not on a small (or RAM-backed)
	// system /tmp; resumable uploads there also survive a reboot.
	tmpDir := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("media temp dir: %w", err)
	}
	med := media.New(media.Deps{Web: a.Web, DB: a.DB, Authz: a.Authz, Clock: a.Clock, Logger: a.Logger, Store: a.Store,
		Signer: a.Signer, Jobs: a.Jobs, Catalog: cat.MediaGate(), TempDir: tmpDir,
		UploadDir: filepath.Join(cfg.DataDir, "uploads", "tus"),
		Limits: media.Limits{ImageBytes: cfg.Media.MaxImageBytes, VideoBytes: cfg.Media.MaxVideoBytes,
			VideoLength: cfg.Media.MaxVideoLength, URLTTL: cfg.Media.URLTTL}})
	a.mods = builtModules{accounts: acc, auth: au, catalog: cat, media: med, bundleMedia: med.BundleMedia()}
	if opts.BundleMedia != nil {
		a.mods.bundleMedia = opts.BundleMedia
	}
	siteMod := site.New(site.Deps{Web: a.Web, Catalog: cat.Reader()})
	return []Module{acc, au, cat, med, siteMod}, nil
}
