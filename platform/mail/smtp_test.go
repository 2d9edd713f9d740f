package mail

// These tests run go-mail against a real SMTP server (emersion/go-smtp) on
// the loopback interface. Authentication uses PLAIN: go-smtp accepts it
// without TLS when AllowInsecureAuth is set, and go-mail sends PLAIN over a
// plain connection only to localhost/127.0.0.1, so TLS "none" with host
// 127.0.0.1 covers the message and auth paths; STARTTLS and implicit TLS
// are covered with a self-signed certificate the tests trust.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	testUser = "mailer"
	testPass = "s3cret-Pa55word"
)

// received is one message the test server accepted.
type received struct {
	from string
	to   []string
	data []byte
}

// backend records messages and checks PLAIN credentials. On bad
// credentials it echoes the password back, as a careless server might, so
// the tests can check that Send's error does not repeat it.
type backend struct {
	mu       sync.Mutex
	msgs     []received
	authSeen bool
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

func (b *backend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type session struct {
	b      *backend
	authed bool
	from   string
	to     []string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		s.b.mu.Lock()
		s.b.authSeen = true
		s.b.mu.Unlock()
		if username != testUser || password != testPass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
				Message: "bad credentials " + username + ":" + password}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.msgs = append(s.b.msgs, received{from: s.from, to: s.to, data: data})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// startServer runs an SMTP server on addr ("127.0.0.1:0") until the test
// ends. With tlsCfg it offers STARTTLS, or, if implicit, speaks TLS from the
// start.
func startServer(t *testing.T, addr string, tlsCfg *tls.Config, implicit bool) (*backend, string, int) {
	t.Helper()
	be := &backend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.TLSConfig = tlsCfg
	// Clients that give up (the TLS and timeout tests) make the server log
	// connection errors; they are expected.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		ln = tls.NewListener(ln, tlsCfg)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	host, port := splitAddr(t, ln.Addr().String())
	return be, host, port
}

// silentListener accepts connections and never answers, like a server that
// hangs or a firewall that black-holes the conversation.
func silentListener(t *testing.T) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return splitAddr(t, ln.Addr().String())
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	return host, port
}

// selfSigned returns a server config for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "weaverse test smtp"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: priv}}}, pool
}

func newTestSMTP(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Weaverse <no-reply@weaverse.test>"
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var koreanMessage = Message{
	To:      []string{"learner@example.com"},
	Subject: "비밀번호 재설정 안내",
	Text:    "아래 링크에서 비밀번호를 재설정하세요: https://weaverse.test/reset?t=abc",
	HTML:    `<p>아래 <a href="https://weaverse.test/reset?t=abc">링크</a>에서 비밀번호를 재설정하세요.</p>`,
}

// parsed is a received message split into what the tests check.
type parsed struct {
	header netmail.Header
	parts  map[string]string // media type -> decoded body
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("unparsable message: %v\n%s", err, data)
	}
	p := parsed{header: msg.Header, parts: map[string]string{}}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		var body io.Reader = msg.Body
		if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, _ := io.ReadAll(body)
		p.parts[mediaType] = string(b)
		return p
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable itself
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, ptParams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if cs := ptParams["charset"]; !strings.EqualFold(cs, "utf-8") {
			t.Errorf("%s part has charset %q, want UTF-8", pt, cs)
		}
		body, _ := io.ReadAll(part)
		p.parts[pt] = string(body)
	}
	return p
}

func TestSMTPSendsKoreanTextAndHTML(t *testing.T) {
	be, host, port := startServer(t, "127.0.0.1:0", nil, false)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: testUser, Password: testPass, TLS: TLSNone, Timeout: 5 * time.Second})

	if err := s.Send(context.Background(), koreanMessage); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages", len(msgs))
	}
	got := msgs[0]
	if got.from != "no-reply@weaverse.test" || len(got.to) != 1 || got.to[0] != "learner@example.com" {
		t.Fatalf("envelope from=%q to=%v", got.from, got.to)
	}
	p := parse(t, got.data)
	subject, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil || subject != koreanMessage.Subject {
		t.Fatalf("subject %q (raw %q), err %v", subject, p.header.Get("Subject"), err)
	}
	if !isASCII(p.header.Get("Subject")) {
		t.Fatalf("subject header is not RFC 2047-encoded: %q", p.header.Get("Subject"))
	}
	if to := p.header.Get("To"); !strings.Contains(to, "learner@example.com") {
		t.Fatalf("To header %q", to)
	}
	if from, err := p.header.AddressList("From"); err != nil || from[0].Name != "Weaverse" || from[0].Address != "no-reply@weaverse.test" {
		t.Fatalf("From header %v, %v", from, err)
	}
	if _, err := p.header.Date(); err != nil {
		t.Fatalf("Date header: %v", err)
	}
	if id := p.header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@weaverse.test>") {
		t.Fatalf("Message-ID %q", id)
	}
	if ua := p.header.Get("User-Agent") + p.header.Get("X-Mailer"); ua != "" {
		t.Fatalf("library advertised in headers: %q", ua)
	}
	if strings.TrimSpace(p.parts["text/plain"]) != koreanMessage.Text {
		t.Fatalf("text part %q", p.parts["text/plain"])
	}
	if strings.TrimSpace(p.parts["text/html"]) != koreanMessage.HTML {
		t.Fatalf("html part %q", p.parts["text/html"])
	}
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestSMTPTextOnly(t *testing.T) {
	be, host, port := startServer(t, "127.0.0.1:0", nil, false)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: testUser, Password: testPass, TLS: TLSNone})
	m := koreanMessage
	m.HTML = ""
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	p := parse(t, be.messages()[0].data)
	if _, ok := p.parts["text/html"]; ok || strings.TrimSpace(p.parts["text/plain"]) != m.Text {
		t.Fatalf("parts %v, want text/plain only", p.parts)
	}
}

func TestSMTPWrongPasswordIsNotLeaked(t *testing.T) {
	be, host, port := startServer(t, "127.0.0.1:0", nil, false)
	const wrong = "wrong-Secret-42"
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: testUser, Password: wrong, TLS: TLSNone, Timeout: 5 * time.Second})
	err := s.Send(context.Background(), koreanMessage)
	if err == nil {
		t.Fatal("Send succeeded with a wrong password")
	}
	if !be.authSeen {
		t.Fatal("the server never saw an AUTH attempt")
	}
	if strings.Contains(err.Error(), wrong) {
		t.Fatalf("error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Fatalf("error lost the server's answer: %v", err)
	}
	if len(be.messages()) != 0 {
		t.Fatal("a message was delivered without authentication")
	}
}

// TestSMTPNoPlaintextPasswordOverNetwork checks that TLS "none" does not
// send credentials in the clear to a host that is not localhost (127.0.0.2
// is still loopback on Linux, but go-mail cannot know that).
func TestSMTPNoPlaintextPasswordOverNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("127.0.0.2 not available: %v", err)
	}
	_ = ln.Close()
	be, host, port := startServer(t, "127.0.0.2:0", nil, false)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: testUser, Password: testPass, TLS: TLSNone, Timeout: 5 * time.Second})
	if err := s.Send(context.Background(), koreanMessage); err == nil {
		t.Fatal("password sent over an unencrypted connection")
	}
	if be.authSeen {
		t.Fatal("the server received credentials in the clear")
	}
}

func TestSMTPStartTLS(t *testing.T) {
	serverTLS, pool := selfSigned(t)
	be, host, port := startServer(t, "127.0.0.1:0", serverTLS, false)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: testUser, Password: testPass, Timeout: 5 * time.Second})
	if s.cfg.TLS != TLSStartTLS {
		t.Fatalf("default TLS mode %q", s.cfg.TLS)
	}
	// An untrusted certificate is refused.
	if err := s.Send(context.Background(), koreanMessage); err == nil {
		t.Fatal("STARTTLS accepted an untrusted certificate")
	}
	s.tlsConfig.RootCAs = pool
	if err := s.Send(context.Background(), koreanMessage); err != nil {
		t.Fatal(err)
	}
	if len(be.messages()) != 1 {
		t.Fatalf("server got %d messages", len(be.messages()))
	}
}

func TestSMTPStartTLSIsRequired(t *testing.T) {
	be, host, port := startServer(t, "127.0.0.1:0", nil, false) // offers no STARTTLS
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: testUser, Password: testPass, TLS: TLSStartTLS, Timeout: 5 * time.Second})
	err := s.Send(context.Background(), koreanMessage)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v, want a STARTTLS refusal", err)
	}
	if be.authSeen || len(be.messages()) != 0 {
		t.Fatal("credentials or mail went over a connection without STARTTLS")
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	serverTLS, pool := selfSigned(t)
	be, host, port := startServer(t, "127.0.0.1:0", serverTLS, true)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: testUser, Password: testPass, TLS: TLSImplicit, Timeout: 5 * time.Second})
	s.tlsConfig.RootCAs = pool
	if err := s.Send(context.Background(), koreanMessage); err != nil {
		t.Fatal(err)
	}
	if len(be.messages()) != 1 {
		t.Fatalf("server got %d messages", len(be.messages()))
	}
}

func TestSMTPUnreachable(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		host, port := splitAddr(t, ln.Addr().String())
		_ = ln.Close() // nothing listens there any more
		s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, TLS: TLSNone, Timeout: 2 * time.Second})
		if err := s.Send(context.Background(), koreanMessage); err == nil {
			t.Fatal("Send to a closed port succeeded")
		}
	})
	t.Run("silent server times out", func(t *testing.T) {
		host, port := silentListener(t)
		const timeout = 300 * time.Millisecond
		s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: testUser, Password: testPass, TLS: TLSNone, Timeout: timeout})
		start := time.Now()
		err := s.Send(context.Background(), koreanMessage)
		elapsed := time.Since(start)
		if err == nil {
			t.Fatal("Send to a silent server succeeded")
		}
		if elapsed > 5*timeout {
			t.Fatalf("Send took %v with a %v timeout", elapsed, timeout)
		}
		if !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
			t.Fatalf("err = %v, want a timeout", err)
		}
	})
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestSMTPContextCancel(t *testing.T) {
	host, port := silentListener(t)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, TLS: TLSNone, Timeout: 30 * time.Second})

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := s.Send(ctx, koreanMessage)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Fatalf("cancelled Send took %v", elapsed)
	}

	// An already cancelled context fails before dialling.
	if err := s.Send(ctx, koreanMessage); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestSMTPRedactKeepsErrorsIs(t *testing.T) {
	s := newTestSMTP(t, SMTPConfig{Host: "127.0.0.1", Password: "hunter2-long"})
	err := s.redact(errors.Join(context.Canceled, errors.New("server said hunter2-long")))
	if strings.Contains(err.Error(), "hunter2-long") || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("not redacted: %v", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatal("redaction lost errors.Is")
	}
}

func TestNewSMTPValidates(t *testing.T) {
	ok := SMTPConfig{Host: "smtp.example.com", From: "Weaverse <no-reply@example.com>"}
	cases := map[string]func(*SMTPConfig){
		"no host":       func(c *SMTPConfig) { c.Host = " " },
		"port too big":  func(c *SMTPConfig) { c.Port = 65536 },
		"negative port": func(c *SMTPConfig) { c.Port = -1 },
		"bad from":      func(c *SMTPConfig) { c.From = "not an address" },
		"empty from":    func(c *SMTPConfig) { c.From = "" },
		"bad tls":       func(c *SMTPConfig) { c.TLS = "ssl" },
	}
	for name, change := range cases {
		cfg := ok
		change(&cfg)
		if _, err := NewSMTP(cfg); err == nil {
			t.Errorf("%s: NewSMTP accepted %+v", name, cfg)
		}
	}
	s, err := NewSMTP(ok)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Port != 587 || s.cfg.TLS != TLSStartTLS || s.cfg.Timeout != DefaultSMTPTimeout {
		t.Fatalf("defaults: %+v", s.cfg)
	}
	for mode, port := range map[string]int{TLSImplicit: 465, TLSNone: 25} {
		cfg := ok
		cfg.TLS = mode
		if s, err := NewSMTP(cfg); err != nil || s.cfg.Port != port {
			t.Fatalf("%s: port %d, err %v", mode, s.cfg.Port, err)
		}
	}
	if err := s.Send(context.Background(), Message{Subject: "x"}); err == nil {
		t.Fatal("Send without recipient succeeded")
	}
}
