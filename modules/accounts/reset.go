package accounts

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/mail"
	"github.com/weaverse/weaverse/platform/password"
)

// maxResetsPerHour bounds reset mails per account, so the endpoint cannot be
// used to flood someone's mailbox.
const maxResetsPerHour = 3

// RequestReset mails a single-use reset link when the e-mail belongs to an
// active account. It answers the same way whatever the e-mail (no account
// enumeration): the mail goes out in the background.
func (s *service) RequestReset(ctx context.Context, email, ip, lang string) error {
	u, err := s.st.byEmail(ctx, s.db.R, email)
	if errors.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !u.IsActive {
		return nil
	}
	now := s.clock.Now()
	recent, err := s.st.resetsSince(ctx, s.db.R, u.ID, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if recent >= maxResetsPerHour {
		s.logger.WarnContext(ctx, "password reset requests throttled", "user_id", u.ID)
		return nil
	}
	token := crypto.RandomToken(32)
	row := &resetRow{UserID: u.ID, TokenHash: crypto.HashToken(token), IP: ip, CreatedAt: now, ExpiresAt: now.Add(s.resetTTL)}
	if err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.st.insertReset(ctx, tx, row)
	}); err != nil {
		return err
	}
	s.mailer.sendReset(ctx, u.Email, u.Nickname, token, lang)
	return nil
}

// ConfirmReset sets a new password from a reset token: the token must exist,
// be unused and unexpired, and belong to an active account. Every other
// outstanding token of the user is spent too, and every session ends.
func (s *service) ConfirmReset(ctx context.Context, token, newPw, confirm string) error {
	bad := apperr.InvalidFields("accounts.reset_token_invalid", field("body.token", "accounts.reset_token_invalid", nil))
	if token == "" || len(token) > 200 {
		return bad
	}
	r, err := s.st.resetByHash(ctx, s.db.R, crypto.HashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return bad
	}
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if r.UsedAt != nil || !now.Before(r.ExpiresAt) {
		return bad
	}
	u, err := s.st.byID(ctx, s.db.R, r.UserID)
	if err != nil || !u.IsActive {
		return bad
	}
	if confirm == "" {
		confirm = newPw
	}
	if vs := password.Check(newPw, confirm, u.Email); len(vs) > 0 {
		return invalid(passwordErrors("body.new_password", vs))
	}
	hash, err := s.hasher.Hash(ctx, newPw)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Spend the token first, conditionally: of two concurrent uses, one wins.
		if won, err := s.st.spendReset(ctx, tx, r.ID, now); err != nil {
			return err
		} else if !won {
			return bad
		}
		if err := s.st.spendUserResets(ctx, tx, r.UserID, now); err != nil {
			return err
		}
		cur, err := s.st.lockByID(ctx, tx, r.UserID)
		if err != nil {
			return err
		}
		// Using the mailed link proves the mailbox: the e-mail is verified.
		cur.PasswordHash, cur.PasswordChangedAt, cur.UpdatedAt, cur.EmailVerified = &hash, &now, now, true
		cur.CredentialsVersion++
		if err := s.st.update(ctx, tx, cur, "password_hash", "password_changed_at", "email_verified",
			"credentials_version"); err != nil {
			return err
		}
		return s.sessions.Get().RevokeUserSessions(ctx, tx, cur.ID, "", "password_reset")
	})
}

// mailSender delivers reset mails in the background, bounded in time, so the
// answer to a reset request does not reveal (by its timing) whether a mail
// was sent.
type mailSender struct {
	mailer  mail.Mailer
	i18n    *i18n.Bundle
	baseURL string
	ttl     time.Duration
	logger  *slog.Logger
	wg      sync.WaitGroup // mails in flight, waited for on shutdown
}

func (m *mailSender) sendReset(ctx context.Context, to, nickname, token, lang string) {
	link := m.baseURL + "/password/reset/confirm?token=" + url.QueryEscape(token)
	data := map[string]any{"Nickname": nickname, "Link": link, "Minutes": int(m.ttl.Minutes())}
	msg := mail.Message{
		To:      []string{to},
		Subject: m.i18n.T(lang, "accounts.mail.reset.subject", nil),
		Text:    m.i18n.T(lang, "accounts.mail.reset.body", data),
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := m.mailer.Send(ctx, msg); err != nil {
			m.logger.Error("password reset mail not sent", "err", err)
		}
	}()
}
