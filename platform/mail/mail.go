// Package mail sends e-mail. Modules depend on the Mailer interface; the app
// picks SMTP in production, a mailbox directory in development (mails are
// written as .eml files and logged), and tests use Memory.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Message is one e-mail.
type Message struct {
	To      []string
	Subject string
	Text    string // plain-text body (always present)
	HTML    string // optional HTML alternative
}

// Mailer sends messages.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Dir is the development mailer: each message becomes an .eml file in a
// directory (./data/mail), and a log line says where.
type Dir struct {
	Path   string
	From   string
	Logger *slog.Logger
	mu     sync.Mutex
	n      int
}

// Send writes m to the directory.
func (d *Dir) Send(_ context.Context, m Message) error {
	if len(m.To) == 0 {
		return fmt.Errorf("mail: no recipient")
	}
	if err := os.MkdirAll(d.Path, 0o750); err != nil {
		return err
	}
	d.mu.Lock()
	d.n++
	name := fmt.Sprintf("%s-%03d.eml", time.Now().UTC().Format("20060102T150405"), d.n)
	d.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		oneLine(d.From), oneLine(strings.Join(m.To, ", ")), oneLine(m.Subject), time.Now().UTC().Format(time.RFC1123Z), m.Text)
	path := filepath.Join(d.Path, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	if d.Logger != nil {
		d.Logger.Info("mail written to the development mailbox", "to", m.To, "subject", m.Subject, "file", path)
	}
	return nil
}

// Memory keeps messages in memory, for tests.
type Memory struct {
	mu   sync.Mutex
	msgs []Message
}

// Send records m.
func (mm *Memory) Send(_ context.Context, m Message) error {
	if len(m.To) == 0 {
		return fmt.Errorf("mail: no recipient")
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	mm.msgs = append(mm.msgs, m)
	return nil
}

// Messages returns a copy of what was sent.
func (mm *Memory) Messages() []Message {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return append([]Message(nil), mm.msgs...)
}

// Last returns the last message sent to addr, if any.
func (mm *Memory) Last(addr string) (Message, bool) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	for i := len(mm.msgs) - 1; i >= 0; i-- {
		for _, to := range mm.msgs[i].To {
			if strings.EqualFold(to, addr) {
				return mm.msgs[i], true
			}
		}
	}
	return Message{}, false
}

// oneLine keeps a header value on one line (no header injection).
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
