package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, file string, env map[string]string) (*Config, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	return Load(NewViper(), file)
}

func TestDefaultsNeedNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DataDir != "./data" || c.Mode != Development {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Database.URL != "sqlite:data/weaverse.db" {
		t.Fatalf("default database URL %q", c.Database.URL)
	}
	if c.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("default base URL %q", c.BaseURL)
	}
	if err := c.ValidateSettings(); err != nil {
		t.Fatal(err)
	}
	// Development secrets are generated once and persisted.
	if err := c.EnsureDevSecrets(); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(c.SecretsFile())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file: %v %v", st, err)
	}
	again, _ := load(t, "", nil)
	if err := again.EnsureDevSecrets(); err != nil {
		t.Fatal(err)
	}
	if again.SecretKey != c.SecretKey || again.EncryptionKey != c.EncryptionKey {
		t.Fatal("development secrets changed between runs")
	}
}

func TestEnvironmentOnly(t *testing.T) {
	t.Chdir(t.TempDir())
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("  s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-0001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	signing := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(signing, []byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, "", map[string]string{
		"WEAVERSE_CERTIFICATES_SIGNING_KEY_FILE": signing,
		"WEAVERSE_LISTEN":                        "0.0.0.0:9000",
		"WEAVERSE_DATA_DIR":                      "/var/lib/weaverse",
		"WEAVERSE_DATABASE_URL":                  "postgres://u:p@db:5432/weaverse?sslmode=disable",
		"WEAVERSE_MODE":                          "Production",
		"WEAVERSE_BASE_URL":                      "https://learn.example.com/",
		"WEAVERSE_SECRET_KEY_FILE":               secret,
		"WEAVERSE_ENCRYPTION_KEY":                "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"WEAVERSE_HTTP_REQUEST_TIMEOUT":          "5s",
		"WEAVERSE_HTTP_TRUSTED_PROXIES":          "10.0.0.0/8, 127.0.0.1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:9000" || c.DataDir != "/var/lib/weaverse" || !c.IsProduction() {
		t.Fatalf("env not applied: %+v", c)
	}
	if c.BaseURL != "https://learn.example.com" {
		t.Fatalf("base URL %q", c.BaseURL)
	}
	if c.SecretKey != "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-0001" {
		t.Fatalf("secret from file: %q", c.SecretKey)
	}
	if c.HTTP.RequestTimeout != 5*time.Second {
		t.Fatalf("request timeout %v", c.HTTP.RequestTimeout)
	}
	if len(c.HTTP.TrustedProxies) != 2 || c.HTTP.TrustedProxies[1] != "127.0.0.1" {
		t.Fatalf("trusted proxies %q", c.HTTP.TrustedProxies)
	}
	if c.Log.Format != "json" {
		t.Fatalf("production log format %q", c.Log.Format)
	}
	if !strings.HasPrefix(c.Certificates.SigningKey, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("signing key from file: %q", c.Certificates.SigningKey)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// Production signs certificates with one configured key, never one an
	// instance made for itself.
	c.Certificates.SigningKey = ""
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "certificates.signing_key") {
		t.Fatalf("production without a signing key: %v", err)
	}
}

func TestFileThenEnv(t *testing.T) {
	t.Chdir(t.TempDir())
	yaml := "listen: 127.0.0.1:7000\nmode: development\ndatabase:\n  url: sqlite:./other.db\nhttp:\n  body_limit: 2048\n"
	if err := os.WriteFile("weaverse.yaml", []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, "", map[string]string{"WEAVERSE_LISTEN": "127.0.0.1:7001"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:7001" { // env beats file
		t.Fatalf("listen %q", c.Listen)
	}
	if c.Database.URL != "sqlite:./other.db" || c.HTTP.BodyLimit != 2048 {
		t.Fatalf("file not applied: %+v", c)
	}
	if _, err := load(t, "missing.yaml", nil); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing explicit file: %v", err)
	}
	if err := os.WriteFile("typo.yaml", []byte("databse:\n  url: postgres://u@h/db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(t, "typo.yaml", nil); err == nil || !strings.Contains(err.Error(), `unknown key "databse.url"`) {
		t.Fatalf("typo accepted: %v", err)
	}
	if err := os.WriteFile("bad.yaml", []byte("listen: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(t, "bad.yaml", nil); err == nil {
		t.Fatal("broken YAML accepted")
	}
}

func TestExampleFileIsValid(t *testing.T) {
	c, err := load(t, "../weaverse.example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateSettings(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	valid := func() *Config {
		c := Defaults()
		c.Database.URL = "sqlite:/tmp/x.db"
		c.BaseURL = "http://127.0.0.1:8080"
		c.Log.Format = "text"
		c.SecretKey = strings.Repeat("k", 32)
		c.EncryptionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		return &c
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"mode", func(c *Config) { c.Mode = "prodution" }, "WEAVERSE_MODE"},
		{"listen", func(c *Config) { c.Listen = "8080" }, "WEAVERSE_LISTEN"},
		{"db scheme", func(c *Config) { c.Database.URL = "mysql://x" }, `unsupported scheme "mysql"`},
		{"db postgres no host", func(c *Config) { c.Database.URL = "postgres:///db" }, "no host"},
		{"db postgres bad", func(c *Config) { c.Database.URL = "postgres://u:p@h:99999999999/db\x7f" }, "WEAVERSE_DATABASE_URL"},
		{"db sqlite options", func(c *Config) { c.Database.URL = "sqlite:x.db?mode=ro" }, "options"},
		{"db sqlite memory", func(c *Config) { c.Database.URL = "sqlite::memory:" }, "in-memory"},
		{"db postgres pool", func(c *Config) { c.Database.URL = "postgres://u@h/db"; c.Database.MaxOpenConns = 1 }, "at least 2"},
		{"base url", func(c *Config) { c.BaseURL = "learn.example.com" }, "WEAVERSE_BASE_URL"},
		{"production base url", func(c *Config) { c.Mode = Production; c.BaseURL = "" }, "required in production"},
		{"timeout", func(c *Config) { c.HTTP.RequestTimeout = 0 }, "http.request_timeout"},
		{"body limit", func(c *Config) { c.HTTP.BodyLimit = 10 }, "http.body_limit"},
		{"proxy", func(c *Config) { c.HTTP.TrustedProxies = []string{"nginx"} }, "trusted_proxies"},
		{"log level", func(c *Config) { c.Log.Level = "loud" }, "WEAVERSE_LOG_LEVEL"},
		{"secret missing", func(c *Config) { c.SecretKey = "" }, "WEAVERSE_SECRET_KEY"},
		{"secret short", func(c *Config) { c.SecretKey = "short" }, "at least 32"},
		{"encryption key", func(c *Config) { c.EncryptionKey = "bm90LTMyLWJ5dGVz" }, "32 bytes"},
		{"transcode workers", func(c *Config) { c.Media.TranscodeWorkers = 0 }, "WEAVERSE_MEDIA_TRANSCODE_WORKERS"},
		{"image decode memory", func(c *Config) { c.Media.ImageDecodeMemory = 1 << 20 }, "WEAVERSE_MEDIA_IMAGE_DECODE_MEMORY"},
		{"image queue wait", func(c *Config) { c.Media.ImageQueueWait = 0 }, "WEAVERSE_MEDIA_IMAGE_QUEUE_WAIT"},
		{"grading timeout", func(c *Config) { c.Grading.Timeout = time.Hour }, "WEAVERSE_GRADING_TIMEOUT"},
		{"grading memory", func(c *Config) { c.Grading.MemoryLimit = 1 << 20 }, "WEAVERSE_GRADING_MEMORY_LIMIT"},
		{"grading concurrency", func(c *Config) { c.Grading.Concurrency = -1 }, "WEAVERSE_GRADING_CONCURRENCY"},
		{"grading code size", func(c *Config) { c.Grading.MaxCodeBytes = 10 }, "WEAVERSE_GRADING_MAX_CODE_BYTES"},
		{"grading rate", func(c *Config) { c.Grading.SubmissionsPerMinute = 0 }, "WEAVERSE_GRADING_SUBMISSIONS_PER_MINUTE"},
		{"grading external url", func(c *Config) { c.Grading.External.URL = "judge0:2358" }, "WEAVERSE_GRADING_EXTERNAL_URL"},
		{"grading external no language", func(c *Config) { c.Grading.External.URL = "http://judge0:2358" }, "at least one"},
		{"grading external built-in", func(c *Config) {
			c.Grading.External.URL, c.Grading.External.Languages = "http://judge0:2358", map[string]int{"sql": 82}
		}, "built-in"},
		{"grading external id", func(c *Config) {
			c.Grading.External.URL, c.Grading.External.Languages = "http://judge0:2358", map[string]int{"python": 0}
		}, "positive"},
		{"assistant url", func(c *Config) { c.Assistant.BaseURL, c.Assistant.Model = "localhost:11434", "m" }, "WEAVERSE_ASSISTANT_BASE_URL"},
		{"assistant model", func(c *Config) { c.Assistant.BaseURL = "http://localhost:11434/v1" }, "WEAVERSE_ASSISTANT_MODEL"},
		{"assistant timeout", func(c *Config) { c.Assistant.Timeout = 0 }, "WEAVERSE_ASSISTANT_TIMEOUT"},
		{"assistant tokens field", func(c *Config) { c.Assistant.MaxTokensField = "tokens" }, "WEAVERSE_ASSISTANT_MAX_TOKENS_FIELD"},
		{"assistant quota", func(c *Config) { c.Assistant.DailyMessages = 0 }, "WEAVERSE_ASSISTANT_DAILY_MESSAGES"},
		{"assistant passages", func(c *Config) { c.Assistant.Passages = 100 }, "WEAVERSE_ASSISTANT_PASSAGES"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			if strings.Contains(err.Error(), ":p@") {
				t.Fatalf("error leaks a password: %q", err)
			}
		})
	}
}

// The grading section: the external service's languages from a file (a
// map) or from the environment ("python=71,c=50"), its token from a file.
func TestGradingExternal(t *testing.T) {
	t.Chdir(t.TempDir())
	yaml := "grading:\n  timeout: 3s\n  external:\n    url: http://judge0:2358\n    languages:\n      python: 71\n      c: 50\n"
	if err := os.WriteFile("weaverse.yaml", []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	g := c.Grading
	if g.Timeout != 3*time.Second || g.External.Languages["python"] != 71 || g.External.Languages["c"] != 50 || len(g.External.Languages) != 2 {
		t.Fatalf("grading from file: %+v", g)
	}
	if err := c.ValidateSettings(); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("t0ken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = load(t, "", map[string]string{"WEAVERSE_GRADING_EXTERNAL_LANGUAGES": "java=62, python = 71",
		"WEAVERSE_GRADING_EXTERNAL_TOKEN_FILE": token})
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Grading.External.Languages; len(l) != 2 || l["java"] != 62 || l["python"] != 71 || c.Grading.External.Token != "t0ken" {
		t.Fatalf("grading from env: %+v", c.Grading.External)
	}
	if _, err := load(t, "", map[string]string{"WEAVERSE_GRADING_EXTERNAL_LANGUAGES": "python"}); err == nil {
		t.Fatal("a language without id accepted")
	}
}

func TestProductionRefusesMissingSecrets(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := load(t, "", map[string]string{"WEAVERSE_MODE": "production", "WEAVERSE_BASE_URL": "https://x.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDevSecrets(); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "required in production") {
		t.Fatalf("production without secrets: %v", err)
	}
	if _, err := os.Stat(c.SecretsFile()); !os.IsNotExist(err) {
		t.Fatal("production mode generated secrets")
	}
}

func TestParseDatabaseURL(t *testing.T) {
	for in, want := range map[string]DatabaseURL{
		"sqlite:data/w.db":           {Dialect: SQLite, Path: "data/w.db"},
		"sqlite://./data/w.db":       {Dialect: SQLite, Path: "./data/w.db"},
		"sqlite:///var/lib/w.db":     {Dialect: SQLite, Path: "/var/lib/w.db"},
		"file:w.db":                  {Dialect: SQLite, Path: "w.db"},
		"postgres://u@h/db":          {Dialect: Postgres, DSN: "postgres://u@h/db"},
		"postgresql://u:p@h:5432/db": {Dialect: Postgres, DSN: "postgresql://u:p@h:5432/db"},
	} {
		got, err := ParseDatabaseURL(in)
		if err != nil || got != want {
			t.Errorf("%s: got %+v, %v; want %+v", in, got, err, want)
		}
	}
}

func FuzzParseDatabaseURL(f *testing.F) {
	for _, s := range []string{"sqlite:x.db", "postgres://u:p@h:5432/db", "file:", "postgres://", "", "mysql://", "sqlite:?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseDatabaseURL(s)
		if err != nil {
			return
		}
		switch u.Dialect {
		case SQLite:
			if u.Path == "" || strings.Contains(u.Path, "?") {
				t.Fatalf("%q: bad sqlite path %q", s, u.Path)
			}
		case Postgres:
			if u.DSN == "" {
				t.Fatalf("%q: empty DSN", s)
			}
		default:
			t.Fatalf("%q: accepted with dialect %q", s, u.Dialect)
		}
	})
}

// The demo payment provider follows the mode unless set; KakaoPay and Toss
// need their keys when enabled; the refund policy stays in range.
func TestPayments(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Payments.Demo.Enabled || c.Payments.KakaoPay.CID != "TC0ONETIME" || c.Payments.Refund.Days != 7 ||
		c.Payments.Refund.MaxWatchedPercent != 10 {
		t.Fatalf("development payments: %+v", c.Payments)
	}
	if c, err = load(t, "", map[string]string{"WEAVERSE_MODE": "production"}); err != nil || c.Payments.Demo.Enabled {
		t.Fatalf("production: demo %v, %v", c.Payments.Demo.Enabled, err)
	}
	c, err = load(t, "", map[string]string{"WEAVERSE_MODE": "production", "WEAVERSE_PAYMENTS_DEMO_ENABLED": "true"})
	if err != nil || !c.Payments.Demo.Enabled {
		t.Fatalf("production with the demo enabled: %v, %v", c.Payments.Demo.Enabled, err)
	}
	if err := os.WriteFile("weaverse.yaml", []byte("payments:\n  demo:\n    enabled: false\n  kakaopay:\n    enabled: true\n"+
		"    api: legacy\n    admin_key: k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = load(t, "", map[string]string{"WEAVERSE_MODE": "", "WEAVERSE_PAYMENTS_DEMO_ENABLED": ""}); err != nil ||
		c.Payments.Demo.Enabled || c.Payments.KakaoPay.API != "legacy" {
		t.Fatalf("from the file: %+v, %v", c.Payments, err)
	}
	if err := c.ValidateSettings(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(p *Payments){
		func(p *Payments) { p.KakaoPay.Enabled, p.KakaoPay.API, p.KakaoPay.SecretKey = true, "open", "" },
		func(p *Payments) { p.KakaoPay.Enabled, p.KakaoPay.API = true, "v3" },
		func(p *Payments) { p.TossPayments.Enabled, p.TossPayments.SecretKey = true, "test_sk" },
		func(p *Payments) { p.TossPayments.BaseURL = "ftp://toss" },
		func(p *Payments) { p.Refund.Days = 0 },
		func(p *Payments) { p.Refund.MaxWatchedPercent = 101 },
		func(p *Payments) { p.KakaoPay.Timeout = time.Millisecond },
	} {
		cc := *c
		bad(&cc.Payments)
		if err := cc.ValidateSettings(); err == nil {
			t.Errorf("accepted %+v", cc.Payments)
		}
	}
}
