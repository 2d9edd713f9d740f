package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes for SMTPConfig.TLS.
const (
	TLSStartTLS = "starttls" // plain connect, then STARTTLS, which is required (submission, port 587)
	TLSImplicit = "tls"      // TLS from the first byte (submissions, port 465)
	TLSNone     = "none"     // no encryption: only for a relay on the same host or private network
)

// DefaultSMTPTimeout bounds one Send when SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig configures the production mailer.
type SMTPConfig struct {
	Host     string
	Port     int    // 0 picks the mode's standard port: 587, 465 or 25
	Username string // empty: no authentication
	Password string
	From     string // e.g. "Weaverse <no-reply@example.com>"
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	Timeout  time.Duration
}

// SMTP sends mail through an SMTP submission server. It opens one
// connection per Send, which suits the low volume of transactional mail
// (sign-up, password reset, receipts) and leaves no idle connection for the
// server to drop. It is safe for concurrent use.
type SMTP struct {
	cfg       SMTPConfig
	from      *netmail.Address
	tlsConfig *tls.Config // tests swap in a private root CA
}

var _ Mailer = (*SMTP)(nil)

// NewSMTP validates cfg and returns a mailer. No connection is made: the
// server may be down at start-up and mail is retried by its callers' jobs.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" {
		return nil, errors.New("mail: smtp host is required")
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		cfg.Port = defaultPort(cfg.TLS)
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: smtp port %d out of range 1..65535", cfg.Port)
	}
	if cfg.TLS != TLSStartTLS && cfg.TLS != TLSImplicit && cfg.TLS != TLSNone {
		return nil, fmt.Errorf("mail: smtp tls %q: want %q, %q or %q", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp from %q: %w", cfg.From, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	s := &SMTP{
		cfg:       cfg,
		from:      from,
		tlsConfig: &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12},
	}
	// Build a client once so that option errors surface at start-up.
	if _, err := s.client(func(context.Context, string, string) (net.Conn, error) { return nil, net.ErrClosed }); err != nil {
		return nil, s.redact(fmt.Errorf("mail: smtp config: %w", err))
	}
	return s, nil
}

// defaultPort is the IANA port for each TLS mode.
func defaultPort(mode string) int {
	switch mode {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	default:
		return 587
	}
}

// Send delivers m: a text/plain body, plus a text/html alternative when
// m.HTML is set. The whole exchange is bounded by the configured timeout and
// by ctx; cancelling ctx closes the connection at once. Errors wrap their
// cause but never contain the password.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if len(m.To) == 0 {
		return errors.New("mail: no recipient")
	}
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: smtp send: %w", err)
	}
	client, err := s.client(dialer(ctx, s.cfg.TLS == TLSImplicit, s.tlsConfig))
	if err != nil {
		return s.redact(fmt.Errorf("mail: smtp client: %w", err))
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		// A cancelled or expired ctx shows up as a closed connection;
		// report the reason instead, so callers can tell it apart.
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return s.redact(fmt.Errorf("mail: smtp send to %s:%d: %w", s.cfg.Host, s.cfg.Port, err))
	}
	return nil
}

// message builds the MIME message for m.
func (s *SMTP) message(m Message) (*gomail.Msg, error) {
	// No default User-Agent: it would advertise the library and version.
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	msg.Subject(m.Subject) // go-mail encodes non-ASCII (Korean) subjects as RFC 2047 UTF-8
	msg.SetDate()
	msg.SetMessageIDWithValue(messageID(s.from.Address))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID returns a unique id under the sender's domain. go-mail's default
// uses the machine's host name, which in a container is a meaningless id
// that also leaks internal naming.
func messageID(fromAddr string) string {
	domain := "localhost"
	if at := strings.LastIndexByte(fromAddr, '@'); at >= 0 && at < len(fromAddr)-1 {
		domain = fromAddr[at+1:]
	}
	return rand.Text() + "@" + domain
}

// client builds a go-mail client for one Send. A fresh client per Send
// avoids sharing go-mail's mutable per-connection state between goroutines.
func (s *SMTP) client(dial gomail.DialContextFunc) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.tlsConfig),
		gomail.WithDialContextFunc(dial),
	}
	switch s.cfg.TLS {
	case TLSImplicit:
		// WithSSL tells go-mail not to attempt STARTTLS; the TLS handshake
		// itself happens in our dialer.
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	opts = append(opts, gomail.WithPort(s.cfg.Port)) // after WithSSL, which sets 465
	if s.cfg.Username != "" {
		// PLAIN or LOGIN, whichever the server offers. go-mail refuses both
		// over an unencrypted connection except to localhost, so TLSNone
		// never sends the password in the clear over a network.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password),
		)
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// dialer returns a dial function whose connection is closed as soon as
// sendCtx ends. go-mail uses a context only for dialling (and cancels that
// one when the dial returns), then relies on per-command deadlines; closing
// the connection is what makes a cancelled Send stop mid-conversation.
// Implicit TLS is dialled here because go-mail leaves TLS to a custom dialer.
func dialer(sendCtx context.Context, implicitTLS bool, cfg *tls.Config) gomail.DialContextFunc {
	return func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var (
			conn net.Conn
			err  error
		)
		if implicitTLS {
			conn, err = (&tls.Dialer{Config: cfg}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = (&net.Dialer{}).DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		// Send cancels sendCtx when it returns, so this also runs then, on
		// a connection go-mail has already closed: harmless, and no leak.
		context.AfterFunc(sendCtx, func() { _ = conn.Close() })
		return conn, nil
	}
}

// redactedError's text is scrubbed of the password: a server or library may
// echo credentials, and errors end up in logs. It answers errors.Is for its
// cause (context.Canceled, a timeout, ...) but has no Unwrap, since the
// unwrapped cause would still carry the password in its text.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string        { return e.msg }
func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }

// redact hides the configured password in err's text.
func (s *SMTP) redact(err error) error {
	if err == nil || s.cfg.Password == "" || !strings.Contains(err.Error(), s.cfg.Password) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), s.cfg.Password, "[redacted]"), cause: err}
}
