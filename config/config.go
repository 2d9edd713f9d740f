// Package config is the typed configuration of Weaverse: defaults for every
// key (so environment-only deployments work), loading from a YAML file,
// WEAVERSE_* environment variables and command-line flags (through viper, which
// only this package and app/ may import), secrets from *_FILE, and validation
// with clear messages.
package config

import (
	// The dashboards' time zone must load on a host (or an image) without
	// a zoneinfo database.
	_ "time/tzdata"

	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Modes.
const (
	Development = "development"
	Production  = "production"
)

// Config is the whole configuration. Field tags name the YAML keys; the
// environment name of a key is WEAVERSE_ + the dotted key upper-cased with
// dots replaced by underscores (database.url → WEAVERSE_DATABASE_URL).
type Config struct {
	Mode    string `mapstructure:"mode"`
	Listen  string `mapstructure:"listen"`
	DataDir string `mapstructure:"data_dir"`
	BaseURL string `mapstructure:"base_url"`

	// SecretKey signs tokens and URLs (at least 32 characters).
	SecretKey     string `mapstructure:"secret_key"`
	SecretKeyFile string `mapstructure:"secret_key_file"`
	// EncryptionKey encrypts personal data at rest: 32 bytes, base64.
	EncryptionKey     string `mapstructure:"encryption_key"`
	EncryptionKeyFile string `mapstructure:"encryption_key_file"`

	// PreviousSecretKeys still verify tokens signed before a rotation of
	// secret_key (keep them for the refresh-token lifetime).
	PreviousSecretKeys []string `mapstructure:"previous_secret_keys"`
	// PreviousEncryptionKeys still decrypt data sealed before a rotation of
	// encryption_key, until `weaverse keys rotate` has re-encrypted it.
	PreviousEncryptionKeys []string `mapstructure:"previous_encryption_keys"`

	Database Database `mapstructure:"database"`
	HTTP     HTTP     `mapstructure:"http"`
	Log      Log      `mapstructure:"log"`
	Metrics  Metrics  `mapstructure:"metrics"`
	Auth     Auth     `mapstructure:"auth"`
	Mail     Mail     `mapstructure:"mail"`
	// BootstrapAdmin, when set, is created as an admin on start if no admin exists.
	BootstrapAdmin BootstrapAdmin `mapstructure:"bootstrap_admin"`
	Content        Content        `mapstructure:"content"`
	Media          Media          `mapstructure:"media"`
	Learning       Learning       `mapstructure:"learning"`
	Grading        Grading        `mapstructure:"grading"`
	Assistant      Assistant      `mapstructure:"assistant"`
	Payments       Payments       `mapstructure:"payments"`
	Certificates   Certificates   `mapstructure:"certificates"`
	Dashboard      Dashboard      `mapstructure:"dashboard"`
}

// Dashboard configures the dashboards.
type Dashboard struct {
	// Timezone is the IANA time zone whose calendar days the dashboards
	// count (daily active users, revenue per day, learning time per week).
	Timezone string `mapstructure:"timezone"`
}

// DashboardLocation is the dashboards' time zone (Validate checked it).
func (c *Config) DashboardLocation() *time.Location {
	loc, err := time.LoadLocation(c.Dashboard.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Certificates configures how certificates are signed.
type Certificates struct {
	// SigningKey is the Ed25519 private key (PKCS#8 PEM) that signs the
	// Open Badges credentials; its public half is published. Production
	// requires it: instances that each made their own key would publish
	// keys that do not verify one another's credentials. In development,
	// when empty, one is made on first start and kept in
	// <data_dir>/keys/certificates-ed25519.pem.
	SigningKey     string `mapstructure:"signing_key"`
	SigningKeyFile string `mapstructure:"signing_key_file"`
	// Issuer is the name under a certificate's signature line ("Weaverse
	// 교육팀"); the site's name when empty.
	Issuer string `mapstructure:"issuer"`
}

// CertificateKeyFile is where development keeps its generated signing key.
func (c *Config) CertificateKeyFile() string {
	return filepath.Join(c.DataDir, "keys", "certificates-ed25519.pem")
}

// Assistant configures the lecture page's assistant: any OpenAI-compatible
// chat completions endpoint (OpenAI, Ollama, vLLM, llama.cpp). Without a
// base URL it answers from the course's passages alone.
type Assistant struct {
	// BaseURL is the API's base ("https://api.openai.com/v1",
	// "http://localhost:11434/v1"); "" leaves the model off.
	BaseURL string `mapstructure:"base_url"`
	APIKey  string `mapstructure:"api_key"`
	// APIKeyFile holds the key instead (a secret mounted as a file).
	APIKeyFile string `mapstructure:"api_key_file"`
	Model      string `mapstructure:"model"`
	// Timeout bounds one answer, from the request to the last chunk.
	Timeout time.Duration `mapstructure:"timeout"`
	// MaxRetries is how often a refused request (429, 5xx) is retried, with
	// backoff, before the answer starts.
	MaxRetries int `mapstructure:"max_retries"`
	// MaxTokens caps an answer's tokens; MaxTokensField is the request
	// field that carries it: "max_tokens" (Ollama, vLLM, llama.cpp) or
	// "max_completion_tokens" (OpenAI's newer models).
	MaxTokens      int     `mapstructure:"max_tokens"`
	MaxTokensField string  `mapstructure:"max_tokens_field"`
	Temperature    float64 `mapstructure:"temperature"`
	// DailyMessages and DailyTokens are each user's quota per UTC day.
	DailyMessages int `mapstructure:"daily_messages"`
	DailyTokens   int `mapstructure:"daily_tokens"`
	// Passages is how many passages of course content go into a prompt;
	// HistoryTurns how many earlier messages of the conversation.
	Passages     int `mapstructure:"passages"`
	HistoryTurns int `mapstructure:"history_turns"`
}

// Payments configures what providers take payments and the refund policy.
type Payments struct {
	Demo         PaymentsDemo `mapstructure:"demo"`
	KakaoPay     KakaoPay     `mapstructure:"kakaopay"`
	TossPayments TossPayments `mapstructure:"tosspayments"`
	Refund       Refund       `mapstructure:"refund"`
}

// PaymentsDemo is the local demo provider (no money moves): on by default
// in development mode, off in production unless enabled explicitly.
type PaymentsDemo struct {
	Enabled bool `mapstructure:"enabled"`
}

// KakaoPay configures KakaoPay's online single payment.
type KakaoPay struct {
	Enabled bool `mapstructure:"enabled"`
	// API is "open" (open-api.kakaopay.com, SECRET_KEY, JSON) or "legacy"
	// (kapi.kakao.com, the admin key, form-encoded).
	API     string `mapstructure:"api"`
	BaseURL string `mapstructure:"base_url"` // empty: the API's own
	// SecretKey is the open API's key; AdminKey the legacy API's.
	SecretKey string `mapstructure:"secret_key"`
	AdminKey  string `mapstructure:"admin_key"`
	// CID is the merchant code (TC0ONETIME: KakaoPay's test merchant).
	CID       string        `mapstructure:"cid"`
	CIDSecret string        `mapstructure:"cid_secret"`
	Timeout   time.Duration `mapstructure:"timeout"`
}

// TossPayments configures Toss Payments (confirm and cancel with the
// secret key; the browser SDK with the client key).
type TossPayments struct {
	Enabled   bool          `mapstructure:"enabled"`
	BaseURL   string        `mapstructure:"base_url"` // empty: api.tosspayments.com
	ClientKey string        `mapstructure:"client_key"`
	SecretKey string        `mapstructure:"secret_key"`
	Timeout   time.Duration `mapstructure:"timeout"`
}

// Refund is the refund policy for payers (admins may always refund).
type Refund struct {
	// Days after payment a payer may ask for a refund.
	Days int `mapstructure:"days"`
	// MaxWatchedPercent: a payer who watched this share of the product's
	// video or more gets no refund.
	MaxWatchedPercent int `mapstructure:"max_watched_percent"`
}

// Grading configures the grading of code assignments. Learners' code runs
// in a child process of this binary under OS limits (Linux only; elsewhere
// the built-in graders say they are unavailable).
type Grading struct {
	// Timeout is the wall-clock time all tests of one submission may take.
	Timeout time.Duration `mapstructure:"timeout"`
	// MemoryLimit is the memory, in bytes, a grading process may use
	// beyond what it has at start.
	MemoryLimit int64 `mapstructure:"memory_limit"`
	// Concurrency is how many gradings one instance runs at once (others
	// wait); 0: the number of CPUs.
	Concurrency int `mapstructure:"concurrency"`
	// MaxCodeBytes is the largest submission accepted.
	MaxCodeBytes int `mapstructure:"max_code_bytes"`
	// SubmissionsPerMinute is how many submissions a user may make per
	// minute.
	SubmissionsPerMinute int             `mapstructure:"submissions_per_minute"`
	External             GradingExternal `mapstructure:"external"`
}

// GradingExternal is a Judge0 CE server that grades other languages; off
// while URL is empty.
type GradingExternal struct {
	URL       string `mapstructure:"url"`
	Token     string `mapstructure:"token"`
	TokenFile string `mapstructure:"token_file"`
	// Languages maps grader names (what assignments name: python) to the
	// server's language ids (71). From the environment: "python=71,c=50".
	Languages map[string]int `mapstructure:"languages"`
}

// Learning configures progress.
type Learning struct {
	// CompleteRatio is the share of a video's unique seconds a learner
	// must watch to complete it (0.5–1).
	CompleteRatio float64 `mapstructure:"complete_ratio"`
}

// Media configures uploads and where media files live.
type Media struct {
	// Storage is "local" (files under <data_dir>/media) or "s3".
	Storage        string        `mapstructure:"storage"`
	MaxImageBytes  int64         `mapstructure:"max_image_bytes"`
	MaxVideoBytes  int64         `mapstructure:"max_video_bytes"`
	MaxVideoLength time.Duration `mapstructure:"max_video_length"`
	// URLTTL is how long signed media URLs stay valid.
	URLTTL time.Duration `mapstructure:"url_ttl"`
	// TranscodeWorkers is how many videos one instance transcodes at once
	// (each ffmpeg uses every core it gets); other jobs have their own queue.
	TranscodeWorkers int `mapstructure:"transcode_workers"`
	// ImageDecodeMemory is the memory all image decodes may use at once, in
	// bytes (0: half of what the process may use); ImageQueueWait is how
	// long an upload waits for it before 503 media.busy.
	ImageDecodeMemory int64         `mapstructure:"image_decode_memory"`
	ImageQueueWait    time.Duration `mapstructure:"image_queue_wait"`
	S3                S3            `mapstructure:"s3"`
}

// S3 is an S3-compatible bucket.
type S3 struct {
	Endpoint      string `mapstructure:"endpoint"`
	Region        string `mapstructure:"region"`
	Bucket        string `mapstructure:"bucket"`
	AccessKey     string `mapstructure:"access_key"`
	SecretKey     string `mapstructure:"secret_key"`
	SecretKeyFile string `mapstructure:"secret_key_file"`
	UseSSL        bool   `mapstructure:"use_ssl"`
	PathStyle     bool   `mapstructure:"path_style"`
	Prefix        string `mapstructure:"prefix"`
	// Direct serves media files to browsers straight from the bucket with
	// presigned URLs (the bucket must allow CORS GET from base_url for
	// HLS); by default they go through the app's signed /media handler.
	Direct bool `mapstructure:"direct"`
}

// Content configures the course content shipped with the binary.
type Content struct {
	// ImportDefault imports the built-in web-development nano-degree on the
	// first start of a database that has no course.
	ImportDefault bool `mapstructure:"import_default"`
}

// Auth configures sign-in, tokens and sessions.
type Auth struct {
	AccessTTL  time.Duration `mapstructure:"access_ttl"`  // at most 15m
	RefreshTTL time.Duration `mapstructure:"refresh_ttl"` // at most 14 days; each refresh extends the session
	// SessionMaxAge ends a session (refresh family) however often it is refreshed.
	SessionMaxAge time.Duration `mapstructure:"session_max_age"`
	// ResetTTL is the validity of a password-reset link (at most 1h).
	ResetTTL time.Duration `mapstructure:"reset_ttl"`
	Argon2   Argon2        `mapstructure:"argon2"`
	Throttle Throttle      `mapstructure:"throttle"`
	Google   OIDC          `mapstructure:"google"`
}

// Argon2 are the argon2id parameters for password hashes. Hashes made with
// other parameters are upgraded at the next successful login.
type Argon2 struct {
	MemoryKiB   uint32 `mapstructure:"memory_kib"`
	Iterations  uint32 `mapstructure:"iterations"`
	Parallelism uint8  `mapstructure:"parallelism"`
}

// Throttle limits failed logins, per account and per client IP, in a window
// kept in the database (so it holds across instances and restarts).
type Throttle struct {
	AccountFailures int           `mapstructure:"account_failures"`
	IPFailures      int           `mapstructure:"ip_failures"`
	Window          time.Duration `mapstructure:"window"`
}

// OIDC configures a social login provider by its issuer URL (discovery), so
// any OpenID Connect provider works; "google" is the one the pages show.
type OIDC struct {
	Issuer           string `mapstructure:"issuer"`
	ClientID         string `mapstructure:"client_id"`
	ClientSecret     string `mapstructure:"client_secret"`
	ClientSecretFile string `mapstructure:"client_secret_file"`
}

// Enabled reports whether the provider is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" && o.ClientID != "" }

// Mail configures outgoing e-mail. Without an SMTP host, mails are written to
// <data_dir>/mail (and logged) instead of being sent.
type Mail struct {
	From string `mapstructure:"from"`
	SMTP SMTP   `mapstructure:"smtp"`
}

// SMTP is the relay used to send mail.
type SMTP struct {
	Host         string `mapstructure:"host"`
	Port         int    `mapstructure:"port"`
	Username     string `mapstructure:"username"`
	Password     string `mapstructure:"password"`
	PasswordFile string `mapstructure:"password_file"`
	// TLS is "starttls" (default), "tls" (implicit, port 465) or "none" (local relays only).
	TLS string `mapstructure:"tls"`
}

// BootstrapAdmin is the first admin account, created on start when missing.
type BootstrapAdmin struct {
	Email        string `mapstructure:"email"`
	Password     string `mapstructure:"password"`
	PasswordFile string `mapstructure:"password_file"`
}

// Database configures the SQL database.
type Database struct {
	// URL is sqlite:PATH (or sqlite://PATH) or postgres://…; empty means
	// SQLite at <data_dir>/weaverse.db.
	URL     string `mapstructure:"url"`
	URLFile string `mapstructure:"url_file"`
	// MaxOpenConns bounds the Postgres pool and the SQLite reader pool.
	MaxOpenConns int `mapstructure:"max_open_conns"`
	// MigrateOnStart applies pending migrations when serve starts.
	MigrateOnStart bool `mapstructure:"migrate_on_start"`
	// LogQueries logs every SQL statement at debug level.
	LogQueries bool `mapstructure:"log_queries"`
}

// HTTP configures the server.
type HTTP struct {
	ReadTimeout     time.Duration `mapstructure:"read_timeout"`
	WriteTimeout    time.Duration `mapstructure:"write_timeout"`
	IdleTimeout     time.Duration `mapstructure:"idle_timeout"`
	RequestTimeout  time.Duration `mapstructure:"request_timeout"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	// BodyLimit caps ordinary request bodies, in bytes. Upload routes set
	// their own, larger limits and stream.
	BodyLimit int `mapstructure:"body_limit"`
	// TrustedProxies are the addresses or CIDRs of reverse proxies whose
	// ProxyHeader is believed for the client IP. Empty: trust none.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	ProxyHeader    string   `mapstructure:"proxy_header"`
}

// Log configures logging.
type Log struct {
	Level  string `mapstructure:"level"`  // debug | info | warn | error
	Format string `mapstructure:"format"` // text | json; empty: text in development, json in production
}

// Metrics configures /metrics.
type Metrics struct {
	Enabled bool `mapstructure:"enabled"`
	// Token, when set, lets a scraper read /metrics with "Authorization: Bearer <token>"
	// from any address; without it only loopback callers (and admins) may.
	Token string `mapstructure:"token"`
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Mode:    Development,
		Listen:  "127.0.0.1:8080",
		DataDir: "./data",
		Database: Database{
			MaxOpenConns:   16,
			MigrateOnStart: true,
		},
		HTTP: HTTP{
			ReadTimeout:     30 * time.Second,
			WriteTimeout:    60 * time.Second,
			IdleTimeout:     120 * time.Second,
			RequestTimeout:  30 * time.Second,
			ShutdownTimeout: 30 * time.Second,
			BodyLimit:       4 << 20,
			ProxyHeader:     "X-Forwarded-For",
		},
		Log:     Log{Level: "info"},
		Metrics: Metrics{Enabled: true},
		Auth: Auth{
			AccessTTL:     15 * time.Minute,
			RefreshTTL:    14 * 24 * time.Hour,
			SessionMaxAge: 90 * 24 * time.Hour,
			ResetTTL:      time.Hour,
			// OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane.
			Argon2:   Argon2{MemoryKiB: 19456, Iterations: 2, Parallelism: 1},
			Throttle: Throttle{AccountFailures: 10, IPFailures: 50, Window: 15 * time.Minute},
		},
		Mail:      Mail{From: "Weaverse <no-reply@localhost>", SMTP: SMTP{Port: 587, TLS: "starttls"}},
		Content:   Content{ImportDefault: true},
		Learning:  Learning{CompleteRatio: 0.9},
		Dashboard: Dashboard{Timezone: "Asia/Seoul"},
		Assistant: Assistant{Timeout: 60 * time.Second, MaxRetries: 2, MaxTokens: 800, MaxTokensField: "max_tokens",
			Temperature: 0.2, DailyMessages: 50, DailyTokens: 50000, Passages: 6, HistoryTurns: 6},
		Grading: Grading{Timeout: 5 * time.Second, MemoryLimit: 512 << 20, MaxCodeBytes: 64 << 10,
			SubmissionsPerMinute: 10, External: GradingExternal{Languages: map[string]int{}}},
		Payments: Payments{
			Demo:         PaymentsDemo{Enabled: true}, // development mode; Load makes it follow the mode
			KakaoPay:     KakaoPay{API: "open", CID: "TC0ONETIME", Timeout: 10 * time.Second},
			TossPayments: TossPayments{Timeout: 10 * time.Second},
			Refund:       Refund{Days: 7, MaxWatchedPercent: 10},
		},
		Media: Media{Storage: "local", MaxImageBytes: 10 << 20, MaxVideoBytes: 2 << 30, MaxVideoLength: 4 * time.Hour,
			URLTTL: 2 * time.Hour, TranscodeWorkers: max(1, runtime.NumCPU()/2), ImageQueueWait: 30 * time.Second, S3: S3{UseSSL: true}},
	}
}

// EnvPrefix is the prefix of every environment variable.
const EnvPrefix = "WEAVERSE"

// NewViper returns a viper instance that knows every key (a default for each,
// which viper needs to read environment-only values) and reads WEAVERSE_*.
func NewViper() *viper.Viper {
	v := viper.New()
	setDefaults(v, Defaults())
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	return v
}

func setDefaults(v *viper.Viper, d Config) {
	for k, val := range defaultMap(d) {
		v.SetDefault(k, val)
	}
}

// defaultMap lists every key with its default; it is also the set of keys a
// config file may use.
func defaultMap(d Config) map[string]any {
	return map[string]any{
		"mode": d.Mode, "listen": d.Listen, "data_dir": d.DataDir, "base_url": d.BaseURL,
		"secret_key": d.SecretKey, "secret_key_file": d.SecretKeyFile,
		"encryption_key": d.EncryptionKey, "encryption_key_file": d.EncryptionKeyFile,
		"database.url": d.Database.URL, "database.url_file": d.Database.URLFile,
		"database.max_open_conns": d.Database.MaxOpenConns, "database.migrate_on_start": d.Database.MigrateOnStart,
		"database.log_queries": d.Database.LogQueries,
		"http.read_timeout":    d.HTTP.ReadTimeout, "http.write_timeout": d.HTTP.WriteTimeout,
		"http.idle_timeout": d.HTTP.IdleTimeout, "http.request_timeout": d.HTTP.RequestTimeout,
		"http.shutdown_timeout": d.HTTP.ShutdownTimeout, "http.body_limit": d.HTTP.BodyLimit,
		"http.trusted_proxies": d.HTTP.TrustedProxies, "http.proxy_header": d.HTTP.ProxyHeader,
		"log.level": d.Log.Level, "log.format": d.Log.Format,
		"metrics.enabled": d.Metrics.Enabled, "metrics.token": d.Metrics.Token,
		"previous_secret_keys": d.PreviousSecretKeys, "previous_encryption_keys": d.PreviousEncryptionKeys,
		"auth.access_ttl": d.Auth.AccessTTL, "auth.refresh_ttl": d.Auth.RefreshTTL,
		"auth.session_max_age": d.Auth.SessionMaxAge, "auth.reset_ttl": d.Auth.ResetTTL,
		"auth.argon2.memory_kib": d.Auth.Argon2.MemoryKiB, "auth.argon2.iterations": d.Auth.Argon2.Iterations,
		"auth.argon2.parallelism":        d.Auth.Argon2.Parallelism,
		"auth.throttle.account_failures": d.Auth.Throttle.AccountFailures,
		"auth.throttle.ip_failures":      d.Auth.Throttle.IPFailures, "auth.throttle.window": d.Auth.Throttle.Window,
		"auth.google.issuer": d.Auth.Google.Issuer, "auth.google.client_id": d.Auth.Google.ClientID,
		"auth.google.client_secret": d.Auth.Google.ClientSecret, "auth.google.client_secret_file": d.Auth.Google.ClientSecretFile,
		"mail.from": d.Mail.From, "mail.smtp.host": d.Mail.SMTP.Host, "mail.smtp.port": d.Mail.SMTP.Port,
		"mail.smtp.username": d.Mail.SMTP.Username, "mail.smtp.password": d.Mail.SMTP.Password,
		"mail.smtp.password_file": d.Mail.SMTP.PasswordFile, "mail.smtp.tls": d.Mail.SMTP.TLS,
		"bootstrap_admin.email": d.BootstrapAdmin.Email, "bootstrap_admin.password": d.BootstrapAdmin.Password,
		"bootstrap_admin.password_file": d.BootstrapAdmin.PasswordFile,
		"content.import_default":        d.Content.ImportDefault,
		"media.storage":                 d.Media.Storage, "media.max_image_bytes": d.Media.MaxImageBytes,
		"media.max_video_bytes": d.Media.MaxVideoBytes, "media.max_video_length": d.Media.MaxVideoLength,
		"media.url_ttl": d.Media.URLTTL, "media.transcode_workers": d.Media.TranscodeWorkers,
		"media.image_decode_memory": d.Media.ImageDecodeMemory, "media.image_queue_wait": d.Media.ImageQueueWait, "media.s3.endpoint": d.Media.S3.Endpoint, "media.s3.region": d.Media.S3.Region,
		"media.s3.bucket": d.Media.S3.Bucket, "media.s3.access_key": d.Media.S3.AccessKey,
		"media.s3.secret_key": d.Media.S3.SecretKey, "media.s3.secret_key_file": d.Media.S3.SecretKeyFile,
		"media.s3.use_ssl": d.Media.S3.UseSSL, "media.s3.path_style": d.Media.S3.PathStyle, "media.s3.prefix": d.Media.S3.Prefix,
		"media.s3.direct":         d.Media.S3.Direct,
		"learning.complete_ratio": d.Learning.CompleteRatio,
		"dashboard.timezone":      d.Dashboard.Timezone,
		"grading.timeout":         d.Grading.Timeout, "grading.memory_limit": d.Grading.MemoryLimit,
		"grading.concurrency": d.Grading.Concurrency, "grading.max_code_bytes": d.Grading.MaxCodeBytes,
		"grading.submissions_per_minute": d.Grading.SubmissionsPerMinute,
		"grading.external.url":           d.Grading.External.URL, "grading.external.token": d.Grading.External.Token,
		"grading.external.token_file": d.Grading.External.TokenFile,
		"grading.external.languages":  d.Grading.External.Languages,
		"assistant.base_url":          d.Assistant.BaseURL, "assistant.api_key": d.Assistant.APIKey,
		"assistant.api_key_file": d.Assistant.APIKeyFile, "assistant.model": d.Assistant.Model,
		"assistant.timeout": d.Assistant.Timeout, "assistant.max_retries": d.Assistant.MaxRetries,
		"assistant.max_tokens": d.Assistant.MaxTokens, "assistant.max_tokens_field": d.Assistant.MaxTokensField,
		"assistant.temperature": d.Assistant.Temperature, "assistant.daily_messages": d.Assistant.DailyMessages,
		"assistant.daily_tokens": d.Assistant.DailyTokens, "assistant.passages": d.Assistant.Passages,
		"assistant.history_turns":  d.Assistant.HistoryTurns,
		"certificates.signing_key": d.Certificates.SigningKey, "certificates.signing_key_file": d.Certificates.SigningKeyFile,
		"certificates.issuer": d.Certificates.Issuer,
		// payments.demo.enabled has no default: unset, it follows the mode (Load).
		"payments.kakaopay.enabled": d.Payments.KakaoPay.Enabled, "payments.kakaopay.api": d.Payments.KakaoPay.API,
		"payments.kakaopay.base_url": d.Payments.KakaoPay.BaseURL, "payments.kakaopay.secret_key": d.Payments.KakaoPay.SecretKey,
		"payments.kakaopay.admin_key": d.Payments.KakaoPay.AdminKey, "payments.kakaopay.cid": d.Payments.KakaoPay.CID,
		"payments.kakaopay.cid_secret": d.Payments.KakaoPay.CIDSecret, "payments.kakaopay.timeout": d.Payments.KakaoPay.Timeout,
		"payments.tosspayments.enabled": d.Payments.TossPayments.Enabled, "payments.tosspayments.base_url": d.Payments.TossPayments.BaseURL,
		"payments.tosspayments.client_key": d.Payments.TossPayments.ClientKey,
		"payments.tosspayments.secret_key": d.Payments.TossPayments.SecretKey,
		"payments.tosspayments.timeout":    d.Payments.TossPayments.Timeout,
		"payments.refund.days":             d.Payments.Refund.Days, "payments.refund.max_watched_percent": d.Payments.Refund.MaxWatchedPercent,
	}
}

// checkFileKeys refuses keys the configuration does not know (a typo such
// as "databse" would otherwise be ignored, and the default used silently).
func checkFileKeys(file string) error {
	fv := viper.New()
	fv.SetConfigFile(file)
	if err := fv.ReadInConfig(); err != nil {
		return errorf("cannot read %s: %v", file, oneLine(err))
	}
	known := defaultMap(Defaults())
	for _, k := range fv.AllKeys() {
		if fv.Get(k) == nil {
			continue // an empty section whose keys are all commented out
		}
		if _, ok := known[k]; !ok && !strings.HasPrefix(k, "grading.external.languages.") && k != "payments.demo.enabled" {
			return errorf("%s: unknown key %q (see weaverse.example.yaml)", file, k)
		}
	}
	return nil
}

// Error is a configuration error: the CLI prints it on one line and exits 2.
type Error struct{ Msg string }

func (e *Error) Error() string { return "config: " + e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Load reads the optional config file into v (an explicit path must exist;
// without one, ./weaverse.yaml is read if present), then decodes, resolves
// *_FILE secrets and normalises the result. It does not validate: call
// Validate (after EnsureDevSecrets, for serve).
func Load(v *viper.Viper, file string) (*Config, error) {
	if file == "" {
		if _, err := os.Stat("weaverse.yaml"); err == nil {
			file = "weaverse.yaml"
		}
	}
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return nil, errorf("cannot read %s: %v", file, oneLine(err))
		}
		if err := checkFileKeys(file); err != nil {
			return nil, err
		}
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, errorf("cannot read %s: %v", file, oneLine(err))
		}
	}
	// A map from the environment arrives as one string: "python=71,c=50".
	if s, ok := v.Get("grading.external.languages").(string); ok {
		langs, err := parseLanguages(s)
		if err != nil {
			return nil, err
		}
		v.Set("grading.external.languages", langs)
	}
	var c Config
	if err := v.Unmarshal(&c); err != nil {
		return nil, errorf("%v", oneLine(err))
	}
	// Lists from the environment arrive as one comma-separated string.
	c.HTTP.TrustedProxies = splitList(strings.Join(c.HTTP.TrustedProxies, ","))
	c.PreviousSecretKeys = splitList(strings.Join(c.PreviousSecretKeys, ","))
	c.PreviousEncryptionKeys = splitList(strings.Join(c.PreviousEncryptionKeys, ","))
	for _, s := range []struct {
		name      string
		value     *string
		file      string
		envSuffix string
	}{
		{"secret_key", &c.SecretKey, c.SecretKeyFile, "SECRET_KEY"},
		{"encryption_key", &c.EncryptionKey, c.EncryptionKeyFile, "ENCRYPTION_KEY"},
		{"database.url", &c.Database.URL, c.Database.URLFile, "DATABASE_URL"},
		{"auth.google.client_secret", &c.Auth.Google.ClientSecret, c.Auth.Google.ClientSecretFile, "AUTH_GOOGLE_CLIENT_SECRET"},
		{"mail.smtp.password", &c.Mail.SMTP.Password, c.Mail.SMTP.PasswordFile, "MAIL_SMTP_PASSWORD"},
		{"bootstrap_admin.password", &c.BootstrapAdmin.Password, c.BootstrapAdmin.PasswordFile, "BOOTSTRAP_ADMIN_PASSWORD"},
		{"media.s3.secret_key", &c.Media.S3.SecretKey, c.Media.S3.SecretKeyFile, "MEDIA_S3_SECRET_KEY"},
		{"grading.external.token", &c.Grading.External.Token, c.Grading.External.TokenFile, "GRADING_EXTERNAL_TOKEN"},
		{"assistant.api_key", &c.Assistant.APIKey, c.Assistant.APIKeyFile, "ASSISTANT_API_KEY"},
		{"certificates.signing_key", &c.Certificates.SigningKey, c.Certificates.SigningKeyFile, "CERTIFICATES_SIGNING_KEY"},
	} {
		if s.file == "" {
			continue
		}
		data, err := os.ReadFile(s.file)
		if err != nil {
			return nil, errorf("%s_file (%s_FILE): %v", s.name, EnvPrefix+"_"+s.envSuffix, oneLine(err))
		}
		*s.value = strings.TrimSpace(string(data))
	}
	c.Mode = strings.ToLower(strings.TrimSpace(c.Mode))
	// The demo provider follows the mode unless set (file or environment).
	c.Payments.Demo.Enabled = c.Mode != Production
	if v.IsSet("payments.demo.enabled") {
		c.Payments.Demo.Enabled = v.GetBool("payments.demo.enabled")
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
		if c.Mode == Production {
			c.Log.Format = "json"
		}
	}
	if c.Database.URL == "" {
		c.Database.URL = "sqlite:" + filepath.Join(c.DataDir, "weaverse.db")
	}
	if c.BaseURL == "" && c.Mode != Production {
		c.BaseURL = "http://" + c.Listen
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return &c, nil
}

// parseLanguages reads "python=71,c=50".
func parseLanguages(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range splitList(s) {
		name, id, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(strings.TrimSpace(id))
		if !ok || err != nil || strings.TrimSpace(name) == "" {
			return nil, errorf("grading.external.languages (WEAVERSE_GRADING_EXTERNAL_LANGUAGES) must be name=id pairs such as python=71,c=50, not %q", s)
		}
		out[strings.TrimSpace(name)] = n
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// IsProduction reports whether the mode is production.
func (c *Config) IsProduction() bool { return c.Mode == Production }

// Validate checks every key and the rules between them, secrets included.
// The first problem is returned as an *Error with a message naming the key and
// its environment variable.
func (c *Config) Validate() error {
	if err := c.ValidateSettings(); err != nil {
		return err
	}
	return c.validateSecrets()
}

// ValidateSettings checks everything but the secrets (which development mode
// generates, see EnsureDevSecrets).
func (c *Config) ValidateSettings() error {
	if c.Mode != Development && c.Mode != Production {
		return errorf("mode (WEAVERSE_MODE) must be %q or %q, not %q", Development, Production, c.Mode)
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		return errorf("listen (WEAVERSE_LISTEN) must be host:port such as 127.0.0.1:8080, not %q", c.Listen)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return errorf("data_dir (WEAVERSE_DATA_DIR) must not be empty")
	}
	dbu, err := ParseDatabaseURL(c.Database.URL)
	if err != nil {
		return errorf("database.url (WEAVERSE_DATABASE_URL): %v", err)
	}
	if c.Database.MaxOpenConns < 2 && dbu.Dialect == Postgres {
		// Migrations hold one connection for their advisory lock and need another.
		return errorf("database.max_open_conns must be at least 2 on PostgreSQL")
	}
	if c.Database.MaxOpenConns < 1 {
		return errorf("database.max_open_conns must be at least 1")
	}
	if c.Mode == Production && c.BaseURL == "" {
		return errorf("base_url (WEAVERSE_BASE_URL) is required in production: the public URL used in links, mails and payment returns")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errorf("base_url (WEAVERSE_BASE_URL) must be an absolute http(s) URL, not %q", c.BaseURL)
	}
	for name, d := range map[string]time.Duration{
		"http.read_timeout": c.HTTP.ReadTimeout, "http.write_timeout": c.HTTP.WriteTimeout,
		"http.idle_timeout": c.HTTP.IdleTimeout, "http.request_timeout": c.HTTP.RequestTimeout,
		"http.shutdown_timeout": c.HTTP.ShutdownTimeout,
	} {
		if d <= 0 {
			return errorf("%s must be a positive duration such as 30s", name)
		}
	}
	if c.HTTP.BodyLimit < 1024 {
		return errorf("http.body_limit must be at least 1024 bytes")
	}
	for _, p := range c.HTTP.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return errorf("http.trusted_proxies: %q is neither an IP address nor a CIDR", p)
			}
		}
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		return errorf("log.level (WEAVERSE_LOG_LEVEL) must be debug, info, warn or error, not %q", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return errorf("log.format (WEAVERSE_LOG_FORMAT) must be text or json, not %q", c.Log.Format)
	}
	return c.validateAuth()
}

func (c *Config) validateAuth() error {
	a := c.Auth
	if a.AccessTTL < time.Minute || a.AccessTTL > 15*time.Minute {
		return errorf("auth.access_ttl (WEAVERSE_AUTH_ACCESS_TTL) must be between 1m and 15m")
	}
	if a.RefreshTTL < a.AccessTTL || a.RefreshTTL > 14*24*time.Hour {
		return errorf("auth.refresh_ttl (WEAVERSE_AUTH_REFRESH_TTL) must be between auth.access_ttl and 336h (14 days)")
	}
	if a.SessionMaxAge < a.RefreshTTL {
		return errorf("auth.session_max_age must be at least auth.refresh_ttl")
	}
	if a.ResetTTL < time.Minute || a.ResetTTL > time.Hour {
		return errorf("auth.reset_ttl must be between 1m and 1h")
	}
	if a.Argon2.MemoryKiB < 8 || a.Argon2.Iterations < 1 || a.Argon2.Parallelism < 1 {
		return errorf("auth.argon2: memory_kib ≥ 8, iterations ≥ 1 and parallelism ≥ 1 are required")
	}
	if c.Mode == Production && (a.Argon2.MemoryKiB < 19456 || a.Argon2.Iterations < 2) {
		return errorf("auth.argon2 is weaker than OWASP's minimum (memory_kib 19456, iterations 2), refused in production")
	}
	if a.Throttle.AccountFailures < 1 || a.Throttle.IPFailures < 1 || a.Throttle.Window < time.Minute {
		return errorf("auth.throttle: account_failures and ip_failures ≥ 1, window ≥ 1m are required")
	}
	if g := a.Google; g.Issuer != "" || g.ClientID != "" {
		if u, err := url.Parse(g.Issuer); err != nil || u.Scheme == "" || u.Host == "" {
			return errorf("auth.google.issuer (WEAVERSE_AUTH_GOOGLE_ISSUER) must be the provider's issuer URL, e.g. https://accounts.google.com")
		}
		if g.ClientID == "" || g.ClientSecret == "" {
			return errorf("auth.google needs client_id and client_secret (WEAVERSE_AUTH_GOOGLE_CLIENT_ID, …_CLIENT_SECRET)")
		}
	}
	switch c.Mail.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		return errorf("mail.smtp.tls must be starttls, tls or none, not %q", c.Mail.SMTP.TLS)
	}
	if c.Mail.SMTP.Host != "" && (c.Mail.SMTP.Port < 1 || c.Mail.SMTP.Port > 65535) {
		return errorf("mail.smtp.port must be a TCP port")
	}
	m := c.Media
	if m.Storage != "local" && m.Storage != "s3" {
		return errorf("media.storage (WEAVERSE_MEDIA_STORAGE) must be local or s3, not %q", m.Storage)
	}
	if m.Storage == "s3" && (m.S3.Endpoint == "" || m.S3.Bucket == "") {
		return errorf("media.s3 needs endpoint and bucket (WEAVERSE_MEDIA_S3_ENDPOINT, WEAVERSE_MEDIA_S3_BUCKET)")
	}
	if m.MaxImageBytes < 1024 || m.MaxVideoBytes < 1<<20 || m.MaxVideoLength < time.Second {
		return errorf("media: max_image_bytes ≥ 1024, max_video_bytes ≥ 1 MiB and max_video_length ≥ 1s are required")
	}
	if m.URLTTL < time.Minute || m.URLTTL > 7*24*time.Hour {
		return errorf("media.url_ttl must be between 1m and 168h")
	}
	if m.ImageDecodeMemory != 0 && m.ImageDecodeMemory < 64<<20 {
		return errorf("media.image_decode_memory (WEAVERSE_MEDIA_IMAGE_DECODE_MEMORY) must be 0 (automatic) or at least 64 MiB")
	}
	if m.ImageQueueWait < time.Second || m.ImageQueueWait > 5*time.Minute {
		return errorf("media.image_queue_wait (WEAVERSE_MEDIA_IMAGE_QUEUE_WAIT) must be between 1s and 5m")
	}
	if m.TranscodeWorkers < 1 || m.TranscodeWorkers > 64 {
		return errorf("media.transcode_workers (WEAVERSE_MEDIA_TRANSCODE_WORKERS) must be between 1 and 64")
	}
	if r := c.Learning.CompleteRatio; r < 0.5 || r > 1 {
		return errorf("learning.complete_ratio (WEAVERSE_LEARNING_COMPLETE_RATIO) must be between 0.5 and 1")
	}
	if _, err := time.LoadLocation(c.Dashboard.Timezone); err != nil || c.Dashboard.Timezone == "" {
		return errorf("dashboard.timezone (WEAVERSE_DASHBOARD_TIMEZONE) must be an IANA time zone such as Asia/Seoul")
	}
	if err := c.validateGrading(); err != nil {
		return err
	}
	if err := c.validateAssistant(); err != nil {
		return err
	}
	if err := c.validatePayments(); err != nil {
		return err
	}
	if (c.BootstrapAdmin.Email == "") != (c.BootstrapAdmin.Password == "") {
		return errorf("bootstrap_admin needs both email and password (or neither)")
	}
	return nil
}

func (c *Config) validateAssistant() error {
	a := c.Assistant
	if a.BaseURL != "" {
		u, err := url.Parse(a.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errorf("assistant.base_url (WEAVERSE_ASSISTANT_BASE_URL) must be an http(s) URL such as http://localhost:11434/v1, not %q", a.BaseURL)
		}
		if strings.TrimSpace(a.Model) == "" {
			return errorf("assistant.model (WEAVERSE_ASSISTANT_MODEL) must name the model when assistant.base_url is set")
		}
	}
	switch {
	case a.Timeout < time.Second || a.Timeout > 10*time.Minute:
		return errorf("assistant.timeout (WEAVERSE_ASSISTANT_TIMEOUT) must be between 1s and 10m")
	case a.MaxRetries < 0 || a.MaxRetries > 10:
		return errorf("assistant.max_retries (WEAVERSE_ASSISTANT_MAX_RETRIES) must be between 0 and 10")
	case a.MaxTokens < 16 || a.MaxTokens > 32768:
		return errorf("assistant.max_tokens (WEAVERSE_ASSISTANT_MAX_TOKENS) must be between 16 and 32768")
	case a.MaxTokensField != "max_tokens" && a.MaxTokensField != "max_completion_tokens":
		return errorf("assistant.max_tokens_field (WEAVERSE_ASSISTANT_MAX_TOKENS_FIELD) must be max_tokens or max_completion_tokens, not %q", a.MaxTokensField)
	case a.Temperature < 0 || a.Temperature > 2:
		return errorf("assistant.temperature (WEAVERSE_ASSISTANT_TEMPERATURE) must be between 0 and 2")
	case a.DailyMessages < 1 || a.DailyMessages > 100000:
		return errorf("assistant.daily_messages (WEAVERSE_ASSISTANT_DAILY_MESSAGES) must be between 1 and 100000")
	case a.DailyTokens < 100 || a.DailyTokens > 100000000:
		return errorf("assistant.daily_tokens (WEAVERSE_ASSISTANT_DAILY_TOKENS) must be between 100 and 100000000")
	case a.Passages < 1 || a.Passages > 20:
		return errorf("assistant.passages (WEAVERSE_ASSISTANT_PASSAGES) must be between 1 and 20")
	case a.HistoryTurns < 0 || a.HistoryTurns > 50:
		return errorf("assistant.history_turns (WEAVERSE_ASSISTANT_HISTORY_TURNS) must be between 0 and 50")
	}
	return nil
}

func (c *Config) validatePayments() error {
	k, t, r := c.Payments.KakaoPay, c.Payments.TossPayments, c.Payments.Refund
	for _, b := range []struct{ key, url string }{{"payments.kakaopay.base_url", k.BaseURL}, {"payments.tosspayments.base_url", t.BaseURL}} {
		if b.url == "" {
			continue
		}
		if u, err := url.Parse(b.url); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errorf("%s must be an http(s) URL, not %q", b.key, b.url)
		}
	}
	if k.Enabled {
		switch {
		case k.API != "open" && k.API != "legacy":
			return errorf("payments.kakaopay.api (WEAVERSE_PAYMENTS_KAKAOPAY_API) must be open or legacy, not %q", k.API)
		case k.API == "open" && k.SecretKey == "":
			return errorf("payments.kakaopay.secret_key (WEAVERSE_PAYMENTS_KAKAOPAY_SECRET_KEY) is required by the open API")
		case k.API == "legacy" && k.AdminKey == "":
			return errorf("payments.kakaopay.admin_key (WEAVERSE_PAYMENTS_KAKAOPAY_ADMIN_KEY) is required by the legacy API")
		case k.CID == "":
			return errorf("payments.kakaopay.cid (WEAVERSE_PAYMENTS_KAKAOPAY_CID) is required (TC0ONETIME for tests)")
		}
	}
	if t.Enabled && (t.SecretKey == "" || t.ClientKey == "") {
		return errorf("payments.tosspayments needs client_key and secret_key (WEAVERSE_PAYMENTS_TOSSPAYMENTS_CLIENT_KEY, …_SECRET_KEY)")
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"payments.kakaopay.timeout", k.Timeout}, {"payments.tosspayments.timeout", t.Timeout}} {
		if d.v < time.Second || d.v > 2*time.Minute {
			return errorf("%s must be between 1s and 2m", d.key)
		}
	}
	if r.Days < 1 || r.Days > 365 {
		return errorf("payments.refund.days (WEAVERSE_PAYMENTS_REFUND_DAYS) must be between 1 and 365")
	}
	if r.MaxWatchedPercent < 1 || r.MaxWatchedPercent > 100 {
		return errorf("payments.refund.max_watched_percent (WEAVERSE_PAYMENTS_REFUND_MAX_WATCHED_PERCENT) must be between 1 and 100")
	}
	return nil
}

func (c *Config) validateGrading() error {
	g := c.Grading
	if g.Timeout < 100*time.Millisecond || g.Timeout > time.Minute {
		return errorf("grading.timeout (WEAVERSE_GRADING_TIMEOUT) must be between 100ms and 1m")
	}
	if g.MemoryLimit < 128<<20 || g.MemoryLimit > 16<<30 {
		return errorf("grading.memory_limit (WEAVERSE_GRADING_MEMORY_LIMIT) must be between 128 MiB and 16 GiB, in bytes")
	}
	if g.Concurrency < 0 || g.Concurrency > 256 {
		return errorf("grading.concurrency (WEAVERSE_GRADING_CONCURRENCY) must be between 0 (one per CPU) and 256")
	}
	if g.MaxCodeBytes < 1024 || g.MaxCodeBytes > 1<<20 {
		return errorf("grading.max_code_bytes (WEAVERSE_GRADING_MAX_CODE_BYTES) must be between 1024 and 1048576")
	}
	if g.SubmissionsPerMinute < 1 || g.SubmissionsPerMinute > 1000 {
		return errorf("grading.submissions_per_minute (WEAVERSE_GRADING_SUBMISSIONS_PER_MINUTE) must be between 1 and 1000")
	}
	if e := g.External; e.URL != "" {
		if u, err := url.Parse(e.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errorf("grading.external.url (WEAVERSE_GRADING_EXTERNAL_URL) must be an http(s) URL such as http://judge0:2358, not %q", e.URL)
		}
		if len(e.Languages) == 0 {
			return errorf("grading.external.languages must map at least one grader name to a language id (python=71)")
		}
		for name, id := range e.Languages {
			switch {
			case !graderNameRE.MatchString(name):
				return errorf("grading.external.languages: %q is not a grader name (lower-case letters, digits and _)", name)
			case name == "javascript" || name == "sql" || name == "html" || name == "external":
				return errorf("grading.external.languages: %q is a built-in grader", name)
			case id < 1:
				return errorf("grading.external.languages.%s must be a positive language id", name)
			}
		}
	}
	return nil
}

var graderNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (c *Config) validateSecrets() error {
	if c.SecretKey == "" {
		return errorf("secret_key (WEAVERSE_SECRET_KEY or WEAVERSE_SECRET_KEY_FILE) is required in production; generate one with: openssl rand -base64 48")
	}
	if len(c.SecretKey) < 32 {
		return errorf("secret_key (WEAVERSE_SECRET_KEY) must be at least 32 characters")
	}
	if c.EncryptionKey == "" {
		return errorf("encryption_key (WEAVERSE_ENCRYPTION_KEY or WEAVERSE_ENCRYPTION_KEY_FILE) is required in production; generate one with: openssl rand -base64 32")
	}
	if k, err := base64.StdEncoding.DecodeString(c.EncryptionKey); err != nil || len(k) != 32 {
		return errorf("encryption_key (WEAVERSE_ENCRYPTION_KEY) must be 32 bytes in base64 (openssl rand -base64 32)")
	}
	if c.Mode == Production && c.Certificates.SigningKey == "" {
		return errorf("certificates.signing_key (WEAVERSE_CERTIFICATES_SIGNING_KEY or WEAVERSE_CERTIFICATES_SIGNING_KEY_FILE) is required in production: every instance signs with it; generate one with: weaverse certificates keygen")
	}
	for i, key := range c.PreviousEncryptionKeys {
		if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 32 {
			return errorf("previous_encryption_keys[%d] must be 32 bytes in base64", i)
		}
	}
	for i, key := range c.PreviousSecretKeys {
		if len(key) < 32 {
			return errorf("previous_secret_keys[%d] must be at least 32 characters", i)
		}
	}
	return nil
}

// devSecrets is the file development mode keeps its generated secrets in.
type devSecrets struct {
	SecretKey     string `json:"secret_key"`
	EncryptionKey string `json:"encryption_key"`
}

// SecretsFile is where development mode persists generated secrets.
func (c *Config) SecretsFile() string { return filepath.Join(c.DataDir, "secrets.json") }

// EnsureDevSecrets fills missing secrets in development mode: generated on
// first run and persisted (mode 0600) under the data directory, so tokens and
// encrypted data survive restarts. In production it does nothing: Validate then
// refuses to start without them.
func (c *Config) EnsureDevSecrets() error {
	if c.Mode != Development || (c.SecretKey != "" && c.EncryptionKey != "") {
		return nil
	}
	path := c.SecretsFile()
	var s devSecrets
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &s); err != nil {
			return errorf("%s is damaged (%v); delete it to generate new development secrets", path, oneLine(err))
		}
	case errors.Is(err, os.ErrNotExist):
		s.SecretKey = randomBase64(48)
		s.EncryptionKey = randomBase64(32)
		if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
			return errorf("data_dir: %v", oneLine(err))
		}
		out, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			return errorf("cannot write %s: %v", path, oneLine(err))
		}
	default:
		return errorf("cannot read %s: %v", path, oneLine(err))
	}
	if c.SecretKey == "" {
		c.SecretKey = s.SecretKey
	}
	if c.EncryptionKey == "" {
		c.EncryptionKey = s.EncryptionKey
	}
	return nil
}

func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.StdEncoding.EncodeToString(b)
}
