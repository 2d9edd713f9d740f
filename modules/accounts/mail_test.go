package accounts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/mail"
)

// Reset mails go out from a goroutine after the request has answered (so
// its timing tells nothing). Tests wait for the mail itself, never for a
// fixed time.

// mailbox wraps the test app's mailer and wakes those waiting for a mail.
type mailbox struct {
	mail.Mailer
	mu   sync.Mutex
	sent chan struct{} // closed (and replaced) at every mail
}

func (m *mailbox) Send(ctx context.Context, msg mail.Message) error {
	err := m.Mailer.Send(ctx, msg)
	m.mu.Lock()
	close(m.sent)
	m.sent = make(chan struct{})
	m.mu.Unlock()
	return err
}

// withMailbox is the apptest option that puts a mailbox around the mailer
// (ta.Mailer still holds the messages; the app's Mailer is the mailbox).
func withMailbox(_ *config.Config, o *app.Options) {
	o.Mailer = &mailbox{Mailer: o.Mailer, sent: make(chan struct{})}
}

// mailWait is the longest a test waits for a mail before failing: generous,
// for a loaded machine; a mail that comes ends the wait at once.
const mailWait = 30 * time.Second

// waitMailTo returns the text of the n-th mail to an address, waiting for
// it to be sent.
func waitMailTo(t *testing.T, ta *apptest.T, to string, n int) string {
	t.Helper()
	mb, ok := ta.App.Mailer.(*mailbox)
	if !ok {
		t.Fatal("the test app was built without withMailbox")
	}
	deadline := time.NewTimer(mailWait)
	defer deadline.Stop()
	for {
		mb.mu.Lock()
		next := mb.sent
		mb.mu.Unlock()
		count := 0
		for _, m := range ta.Mailer.Messages() {
			if len(m.To) > 0 && m.To[0] == to {
				count++
				if count == n {
					return m.Text
				}
			}
		}
		select {
		case <-next:
		case <-deadline.C:
			t.Fatalf("no mail #%d to %s", n, to)
		}
	}
}

// mailsSettled waits until every mail being sent has been: after it, the
// mails that were not sent never will be (negative checks).
func mailsSettled(t *testing.T, ta *apptest.T) {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if m.Name() != "accounts" {
			continue
		}
		// Stop only waits for the mails in flight (the module has no other
		// background work): the app goes on serving.
		ctx, cancel := context.WithTimeout(context.Background(), mailWait)
		defer cancel()
		if err := m.(interface{ Stop(context.Context) error }).Stop(ctx); err != nil {
			t.Fatalf("mails still being sent: %v", err)
		}
		return
	}
	t.Fatal("no accounts module")
}
