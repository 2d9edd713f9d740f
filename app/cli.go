package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/migrations"
	"github.com/weaverse/weaverse/modules/assessment/grader"
	"github.com/weaverse/weaverse/modules/certificates/credential"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/jobs"
	"golang.org/x/term"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitError  = 1
	ExitConfig = 2 // bad configuration or usage
)

// Main runs the command line and returns the process exit code. A process
// started as a grading child grades and exits before anything else (no
// configuration read, no database opened): see gradeCmd.
func Main(args []string, stdout, stderr io.Writer) int {
	grader.ChildMain()
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var cfgErr *config.Error
	var usageErr *usageError
	switch {
	case errors.As(err, &cfgErr):
		fmt.Fprintf(stderr, "weaverse: %v\n", err)
		return ExitConfig
	case errors.As(err, &usageErr), isCobraUsage(err):
		fmt.Fprintf(stderr, "weaverse: %v (see weaverse --help)\n", err)
		return ExitConfig
	default:
		fmt.Fprintf(stderr, "weaverse: %v\n", err)
		return ExitError
	}
}

type usageError struct{ error }

// isCobraUsage recognises cobra's own usage errors (unknown command or flag).
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "accepts 0 arg(s)") ||
		strings.HasPrefix(msg, "invalid argument")
}

// cli carries what the commands share: the viper instance and the flags.
type cli struct {
	v          *viper.Viper
	configFile string
	stdout     io.Writer
	stderr     io.Writer
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	c := &cli{v: config.NewViper(), stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "weaverse",
		Short: "Weaverse: a self-hosted video-education platform",
		Long: "Weaverse serves courses, lectures, missions and certificates from one binary.\n" +
			"With no command it runs `serve`.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          c.serve,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	f := root.PersistentFlags()
	f.StringVarP(&c.configFile, "config", "c", "", "config file (default ./weaverse.yaml when present)")
	f.String("listen", "", "address to listen on (WEAVERSE_LISTEN, default 127.0.0.1:8080)")
	f.String("data-dir", "", "data directory (WEAVERSE_DATA_DIR, default ./data)")
	f.String("database-url", "", "sqlite:PATH or postgres://… (WEAVERSE_DATABASE_URL)")
	f.String("mode", "", "development or production (WEAVERSE_MODE)")
	f.String("log-level", "", "debug, info, warn or error (WEAVERSE_LOG_LEVEL)")
	for key, flag := range map[string]string{"listen": "listen", "data_dir": "data-dir",
		"database.url": "database-url", "mode": "mode", "log.level": "log-level"} {
		_ = c.v.BindPFlag(key, f.Lookup(flag))
	}

	root.AddCommand(&cobra.Command{
		Use: "serve", Short: "Run the web server (the default command)", Args: cobra.NoArgs, RunE: c.serve,
	})
	root.AddCommand(c.migrateCmd())
	root.AddCommand(c.userCmd())
	root.AddCommand(c.keysCmd())
	root.AddCommand(c.certificatesCmd())
	root.AddCommand(c.contentCmd())
	root.AddCommand(gradeCmd())
	root.AddCommand(&cobra.Command{
		Use: "version", Short: "Print the version", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(stdout, "weaverse %s\n", Version())
			return nil
		},
	})
	return root
}

// gradeCmd is the hidden command a grading child runs as: the server
// starts this binary as `weaverse grade` with the child's environment, and
// it grades one submission read from its standard input under OS limits
// (grader.ChildMain, also called first thing by Main). Run by hand it
// refuses.
func gradeCmd() *cobra.Command {
	return &cobra.Command{
		Use: "grade", Short: "Grade one submission (run by the server in a child process)", Hidden: true, Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			grader.ChildMain()
			return &usageError{errors.New("grade is run by the server in a child process, not by hand")}
		},
	}
}

// load reads, completes and validates the configuration.
func (c *cli) load() (*config.Config, error) {
	cfg, err := config.Load(c.v, c.configFile)
	if err != nil {
		return nil, err
	}
	// Development secrets are generated only once the rest is known to be
	// sane, so a typo never leaves files behind.
	if err := cfg.ValidateSettings(); err != nil {
		return nil, err
	}
	if err := cfg.EnsureDevSecrets(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *cli) serve(cmd *cobra.Command, _ []string) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, a second one gets the default behaviour:
		// it ends the process instead of waiting for the drain.
		<-ctx.Done()
		stop()
	}()
	a, err := New(ctx, cfg, Options{Logger: NewLogger(cfg, c.stderr)})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = a.Close(context.Background())
		return fmt.Errorf("cannot listen on %s: %w", cfg.Listen, err)
	}
	// The URL is the first line a person sees: start-up's routine messages
	// are DEBUG, and the log line comes after it.
	fmt.Fprintf(c.stdout, "Weaverse %s is running at %s (API docs: %s/api/docs)\n", Version(), cfg.BaseURL, cfg.BaseURL)
	a.Logger.Info("Weaverse is running", "url", cfg.BaseURL, "listen", ln.Addr().String(),
		"database", db.Redact(cfg.Database.URL), "mode", cfg.Mode, "version", Version())
	if err := a.Run(ctx, ln); err != nil {
		return err
	}
	a.Logger.Info("stopped")
	return nil
}

func (c *cli) migrateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply, roll back or list database migrations"}
	withMigrator := func(fn func(ctx context.Context, m *migrations.Migrator) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.load()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			d, err := db.Open(ctx, db.Options{URL: cfg.Database.URL, MaxOpenConns: 2})
			if err != nil {
				return err
			}
			defer d.Close()
			m, err := migrations.New(d)
			if err != nil {
				return err
			}
			return fn(ctx, m)
		}
	}
	cmd.AddCommand(&cobra.Command{
		Use: "up", Short: "Apply every pending migration", Args: cobra.NoArgs,
		RunE: withMigrator(func(ctx context.Context, m *migrations.Migrator) error {
			applied, err := m.Up(ctx)
			for _, name := range applied {
				fmt.Fprintf(c.stdout, "applied  %s\n", name)
			}
			if err == nil {
				// The job queue's own tables (River) migrate too.
				err = jobs.Migrate(ctx, m.DB(), nil)
			}
			if err == nil && len(applied) == 0 {
				fmt.Fprintln(c.stdout, "nothing to apply: the database is current")
			}
			return err
		}),
	})
	var steps int
	var all bool
	down := &cobra.Command{
		Use: "down", Short: "Roll back the last group of migrations (--steps N, or --all)", Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if steps < 1 && !all {
				return &usageError{errors.New("--steps must be at least 1")}
			}
			return nil
		},
		RunE: withMigrator(func(ctx context.Context, m *migrations.Migrator) error {
			n := steps
			if all {
				n = 0
			}
			rolled, err := m.Down(ctx, n)
			for _, name := range rolled {
				fmt.Fprintf(c.stdout, "rolled back  %s\n", name)
			}
			if err == nil && len(rolled) == 0 {
				fmt.Fprintln(c.stdout, "nothing to roll back")
			}
			return err
		}),
	}
	down.Flags().IntVar(&steps, "steps", 1, "number of migration groups to roll back")
	down.Flags().BoolVar(&all, "all", false, "roll back every migration")
	cmd.AddCommand(down)
	cmd.AddCommand(&cobra.Command{
		Use: "status", Short: "List applied and pending migrations", Args: cobra.NoArgs,
		RunE: withMigrator(func(ctx context.Context, m *migrations.Migrator) error {
			s, err := m.Status(ctx)
			if err != nil {
				return err
			}
			for _, n := range s.Applied {
				fmt.Fprintf(c.stdout, "applied  %s\n", n)
			}
			for _, n := range s.Pending {
				fmt.Fprintf(c.stdout, "pending  %s\n", n)
			}
			fmt.Fprintf(c.stdout, "%d applied, %d pending\n", len(s.Applied), len(s.Pending))
			return nil
		}),
	})
	return cmd
}

// withApp builds the whole app (migrated database, modules) for a command.
func (c *cli) withApp(cmd *cobra.Command, fn func(ctx context.Context, a *App) error) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := New(ctx, cfg, Options{Logger: NewLogger(cfg, c.stderr)})
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	return fn(ctx, a)
}

func (c *cli) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}
	var email, pw, nickname, role string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user (e.g. the first admin)",
		Long: "Creates a user of any role. The password comes from --password, or from standard input " +
			"when --password is - or omitted (a terminal is asked without echo).",
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if email == "" {
				return &usageError{errors.New("--email is required")}
			}
			if !authz.Role(role).Valid() || role == string(authz.Anonymous) {
				return &usageError{fmt.Errorf("--role must be student, tutor or admin, not %q", role)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pw == "" || pw == "-" {
				p, err := readPassword(cmd.InOrStdin(), c.stderr)
				if err != nil {
					return err
				}
				pw = p
			}
			return c.withApp(cmd, func(ctx context.Context, a *App) error {
				// No --nickname: accounts derives a valid, unused one from
				// the e-mail (the role's name for a one-letter address).
				id, err := a.mods.accounts.CreateUser(ctx, email, pw, nickname, authz.Role(role))
				if err != nil {
					return a.describe(err)
				}
				fmt.Fprintf(c.stdout, "created %s %s (id %d)\n", role, email, id)
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "email", "", "e-mail address (required)")
	create.Flags().StringVar(&pw, "password", "", "password; - or omitted: read from standard input")
	create.Flags().StringVar(&nickname, "nickname", "", "nickname (default: from the e-mail's local part, made unique)")
	create.Flags().StringVar(&role, "role", "student", "student, tutor or admin")
	cmd.AddCommand(create)
	return cmd
}

func (c *cli) keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage encryption keys"}
	cmd.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Re-encrypt personal data under the active encryption key",
		Long: "After setting a new encryption_key and moving the old one to previous_encryption_keys, " +
			"this re-encrypts every stored value under the new key; the old key can then be removed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *App) error {
				n, err := a.RotateKeys(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "re-encrypted %d values under key %s\n", n, a.Keys.ActiveID())
				return nil
			})
		},
	})
	return cmd
}

func (c *cli) certificatesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "certificates", Short: "Manage certificates"}
	cmd.AddCommand(&cobra.Command{
		Use:   "keygen",
		Short: "Print a new Ed25519 signing key (PEM) for certificates.signing_key",
		Long: "Prints a new private key for signing certificates' credentials. Keep it secret and give every " +
			"instance the same one (certificates.signing_key_file or WEAVERSE_CERTIFICATES_SIGNING_KEY); " +
			"its public half is published at /.well-known/jwks.json.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := credential.GenerateKey()
			if err != nil {
				return err
			}
			pem, err := credential.MarshalPrivateKeyPEM(k)
			if err != nil {
				return err
			}
			_, err = c.stdout.Write(pem)
			return err
		},
	})
	return cmd
}

// readPassword reads one line from in; from a terminal, without echo.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		return string(b), err
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return "", &usageError{errors.New("no password on standard input")}
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cliLang is the language of the command line's messages, from the
// environment's locale as POSIX orders it (LC_ALL, LC_MESSAGES, LANG):
// English for an English locale, otherwise Korean — the product's first
// language, and the web's default — including for C/POSIX or no locale.
func cliLang(getenv func(string) string) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return i18n.Normalize(strings.SplitN(v, ".", 2)[0])
		}
	}
	return i18n.KO
}

// describe turns a domain error into one readable line for the terminal,
// in the language of the environment's locale (cliLang).
func (a *App) describe(err error) error { return describeIn(err, a.I18n, cliLang(os.Getenv)) }

// describeIn turns a domain error into one readable line, with the messages
// the web shows (in lang): each invalid field with its message, or the
// error's own message.
func describeIn(err error, msgs *i18n.Bundle, lang string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	if len(ae.Fields) > 0 {
		parts := make([]string, len(ae.Fields))
		for i, f := range ae.Fields {
			// A message id may carry one parameter, as in problem documents.
			id, param, _ := strings.Cut(f.Message, ":")
			parts[i] = strings.TrimPrefix(f.Location, "body.") + ": " + msgs.T(lang, id, map[string]any{"Param": param})
		}
		return fmt.Errorf("refused: %s", strings.Join(parts, "; "))
	}
	if ae.Msg != "" && msgs.Has(ae.Msg) {
		return fmt.Errorf("refused: %s", msgs.T(lang, ae.Msg, ae.Data))
	}
	if ae.Code != "" && msgs.Has(ae.Code) {
		return fmt.Errorf("refused: %s", msgs.T(lang, ae.Code, ae.Data))
	}
	return err
}
