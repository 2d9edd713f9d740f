package auth

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/db"
)

// Settings are the token and throttling settings.
type Settings struct {
	AccessTTL       time.Duration
	RefreshTTL      time.Duration
	SessionMaxAge   time.Duration
	AccountFailures int
	IPFailures      int
	Window          time.Duration
}

type service struct {
	db       *db.DB
	st       store
	clock    clock.Clock
	users    accounts.Directory
	sessions revoker
	signer   *signer
	throttle *throttle
	devices  devices
	cfg      Settings
	logger   *slog.Logger
}

// Meta describes the client starting or refreshing a session.
type Meta struct {
	IP        string
	UserAgent string
	// KnownDevice is the request's known-device cookie ("" when none; see
	// devices.go).
	KnownDevice string
}

// Tokens is a fresh token pair.
type Tokens struct {
	AccessToken      string    `json:"access_token"`
	RefreshToken     string    `json:"refresh_token"`
	TokenType        string    `json:"token_type" example:"Bearer"`
	ExpiresIn        int       `json:"expires_in" doc:"Seconds until the access token expires."`
	AccessExpiresAt  time.Time `json:"-"`
	RefreshExpiresAt time.Time `json:"-"`
	SessionID        string    `json:"-"`
	// KnownDevice is the known-device cookie to set after a password
	// sign-in ("" otherwise).
	KnownDevice string `json:"-"`
}

var (
	errRefreshInvalid = apperr.New(apperr.Unauthenticated, "auth.refresh_invalid", "auth.refresh_invalid")
	errRefreshReused  = apperr.New(apperr.Unauthenticated, "auth.refresh_reused", "auth.refresh_reused")
)

// limits are the allowances of a sign-in: the account's — or, from a
// device the account signed in on before (device, see devices.go), that
// device's own — first, then the client address's.
func (s *service) limits(email, ip, device string) []limit {
	account := strings.ToLower(strings.TrimSpace(email))
	ls := []limit{{key: "acct:" + account, max: s.cfg.AccountFailures}}
	if device != "" {
		ls[0].key = "dev:" + device + ":" + account
	}
	if ip != "" {
		ls = append(ls, limit{key: "ip:" + ip, max: s.cfg.IPFailures})
	}
	return ls
}

// Login checks the credentials under the throttle and starts a session.
// The attempt is counted before the password is checked (throttle.reserve),
// so concurrent guesses cannot all pass the limit; a right password takes
// it back and clears the account's (or the device's) counter.
func (s *service) Login(ctx context.Context, email, password string, m Meta) (*Tokens, accounts.User, error) {
	device := s.devices.known(m.KnownDevice, email, func() (int64, bool) {
		u, err := s.users.UserByEmail(ctx, email)
		return u.CredentialsVersion, err == nil
	})
	limits := s.limits(email, m.IP, device)
	r, wait, err := s.throttle.reserve(ctx, limits, true)
	if err != nil {
		return nil, accounts.User{}, err
	}
	if wait > 0 {
		limited := apperr.Limited("auth.too_many_attempts", wait)
		limited.Msg = "auth.too_many_attempts"
		return nil, accounts.User{}, limited.With(map[string]any{"Minutes": int(wait.Minutes()) + 1})
	}
	defer r.settled() // decided or taken back, once this returns
	u, err := s.users.CheckPassword(ctx, email, password)
	if err != nil {
		if !errors.Is(err, apperr.Unauthenticated) {
			// Not checked (the server too busy, a database error): no guess.
			if uerr := r.undo(context.WithoutCancel(ctx)); uerr != nil {
				s.logger.WarnContext(ctx, "sign-in attempt not taken back", "err", uerr)
			}
		}
		return nil, accounts.User{}, err
	}
	var tok *Tokens
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := r.succeed(ctx, tx, limits[0].key); err != nil {
			return err
		}
		tok, err = s.startSession(ctx, tx, u, "password", m)
		return err
	})
	if err != nil {
		return nil, accounts.User{}, err
	}
	s.recordLogin(ctx, u.ID)
	if tok.KnownDevice, err = s.devices.remember(m.KnownDevice, email, u.CredentialsVersion); err != nil {
		// Signed in all the same; this device stays unknown.
		s.logger.WarnContext(ctx, "known-device cookie not sealed", "err", err)
	}
	return tok, u, nil
}

// StartSession signs a user in without a password check (after sign-up,
// after a verified social login).
func (s *service) StartSession(ctx context.Context, userID int64, method string, m Meta) (*Tokens, error) {
	u, err := s.users.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	var tok *Tokens
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		tok, err = s.startSession(ctx, tx, u, method, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.recordLogin(ctx, userID)
	return tok, nil
}

// startSession starts a session of u inside the caller's transaction, with
// the credentials version u was read with (before its password was
// checked); once it is committed, the caller notes the sign-in
// (recordLogin).
func (s *service) startSession(ctx context.Context, tx bun.IDB, u accounts.User, method string, m Meta) (*Tokens, error) {
	now := s.clock.Now()
	row := &sessionRow{ID: crypto.RandomToken(18), UserID: u.ID, RefreshJTI: crypto.RandomToken(18), Generation: 1,
		Method: method, UserAgent: m.UserAgent, IP: m.IP, CreatedAt: now, LastUsedAt: now,
		ExpiresAt: now.Add(s.cfg.RefreshTTL), MaxExpiresAt: now.Add(s.cfg.SessionMaxAge),
		CredentialsVersion: u.CredentialsVersion}
	if err := s.st.insertSession(ctx, tx, row); err != nil {
		return nil, err
	}
	return s.tokens(row)
}

// recordLogin has accounts note the sign-in, after the session committed.
// The last-login time is informational: a failure is logged, and the user
// is signed in all the same.
func (s *service) recordLogin(ctx context.Context, userID int64) {
	if err := s.users.RecordLogin(ctx, userID); err != nil {
		s.logger.WarnContext(ctx, "last sign-in not recorded", "user_id", userID, "err", err)
	}
}

// tokens issues the pair for the session's current refresh jti.
func (s *service) tokens(row *sessionRow) (*Tokens, error) {
	access, accessExp, err := s.signer.issue(typAccess, row.UserID, row.ID, crypto.RandomToken(16), s.cfg.AccessTTL)
	if err != nil {
		return nil, err
	}
	refresh, _, err := s.signer.issue(typRefresh, row.UserID, row.ID, row.RefreshJTI, row.ExpiresAt.Sub(s.clock.Now()))
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(s.cfg.AccessTTL.Seconds()), AccessExpiresAt: accessExp, RefreshExpiresAt: row.ExpiresAt,
		SessionID: row.ID}, nil
}

// Refresh rotates a refresh token: the presented token must be the
// session's current one; an older token of the same session means it was
// stolen or replayed, and the whole session is revoked.
func (s *service) Refresh(ctx context.Context, raw string, m Meta) (*Tokens, error) {
	c, uid, err := s.signer.parse(raw, typRefresh)
	if err != nil {
		return nil, errRefreshInvalid
	}
	u, err := s.users.UserByID(ctx, uid)
	if err != nil || !u.Active {
		return nil, errRefreshInvalid
	}
	var tok *Tokens
	reused, stale := false, false
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.st.lockSession(ctx, tx, c.Sid, uid)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errRefreshInvalid
			}
			return err
		}
		now := s.clock.Now()
		if row.RevokedAt != nil || !now.Before(row.ExpiresAt) || !now.Before(row.MaxExpiresAt) {
			return errRefreshInvalid
		}
		if row.CredentialsVersion != u.CredentialsVersion {
			// Signed in with a password changed since (the sign-in raced
			// the change): end it.
			if _, err := s.st.revokeSession(ctx, tx, row.ID, uid, now, "credentials_changed"); err != nil {
				return err
			}
			stale = true
			return nil // commit the revocation
		}
		if c.ID != row.RefreshJTI {
			reused = true
			_, err := s.st.revokeSession(ctx, tx, row.ID, uid, now, "refresh_reuse")
			return err // commit the revocation
		}
		row.RefreshJTI = crypto.RandomToken(18)
		row.Generation++
		row.LastUsedAt = now
		row.ExpiresAt = minTime(now.Add(s.cfg.RefreshTTL), row.MaxExpiresAt)
		row.IP, row.UserAgent = m.IP, m.UserAgent
		if err := s.st.rotateSession(ctx, tx, row); err != nil {
			return err
		}
		tok, err = s.tokens(row)
		return err
	})
	if err != nil {
		return nil, err
	}
	if reused {
		s.logger.WarnContext(ctx, "refresh token reuse: session revoked", "user_id", uid, "session", c.Sid, "ip", m.IP)
		return nil, errRefreshReused
	}
	if stale {
		return nil, errRefreshInvalid
	}
	return tok, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// touchEvery bounds how often a request updates its session's last use: a
// write per request would queue every reader behind SQLite's single writer.
const touchEvery = 5 * time.Minute

// Authenticate turns an access token into the principal, checking on every
// request that its session is live, its user active and the user's
// credentials those it was signed in with — so logout, password changes,
// suspensions and role changes apply at once.
func (s *service) Authenticate(ctx context.Context, raw string) (*authz.Principal, error) {
	c, uid, err := s.signer.parse(raw, typAccess)
	if err != nil {
		return nil, err
	}
	row, err := s.st.session(ctx, s.db.R, c.Sid)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errTokenInvalid
		}
		return nil, err
	}
	now := s.clock.Now()
	if row.UserID != uid || row.RevokedAt != nil || !now.Before(row.MaxExpiresAt) {
		return nil, errTokenInvalid
	}
	u, err := s.users.UserByID(ctx, uid)
	if err != nil {
		if errors.Is(err, apperr.NotFound) {
			return nil, errTokenInvalid
		}
		return nil, err
	}
	if !u.Active {
		return nil, errTokenInvalid
	}
	if row.CredentialsVersion != u.CredentialsVersion {
		// Signed in with a password changed since (the sign-in raced the
		// change): end it, so the session list stops showing it.
		if _, err := s.st.revokeSession(ctx, s.db.W, row.ID, uid, now, "credentials_changed"); err != nil {
			s.logger.WarnContext(ctx, "stale session not revoked", "err", err)
		}
		return nil, errTokenInvalid
	}
	if now.Sub(row.LastUsedAt) > touchEvery {
		// One statement outside any transaction: the writer is held as
		// briefly as possible.
		if err := s.st.touchSession(ctx, s.db.W, row.ID, now, now.Add(-touchEvery)); err != nil {
			s.logger.WarnContext(ctx, "session touch failed", "err", err)
		}
	}
	return &authz.Principal{UserID: uid, Role: u.Role, SessionID: row.ID, TokenID: c.ID}, nil
}

// Logout ends the caller's session: its refresh family and every access
// token issued in it.
func (s *service) Logout(ctx context.Context, p *authz.Principal) error {
	if p == nil || p.SessionID == "" {
		return apperr.ErrAuthRequired
	}
	return s.revoke(ctx, p.UserID, p.SessionID, "logout")
}

func (s *service) revoke(ctx context.Context, userID int64, sid, reason string) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ended, err := s.st.revokeSession(ctx, tx, sid, userID, s.clock.Now(), reason)
		if err != nil {
			return err
		}
		if !ended {
			return apperr.New(apperr.NotFound, "auth.session_not_found", "auth.session_not_found")
		}
		return nil
	})
}

// SessionInfo is one of the caller's sessions.
type SessionInfo struct {
	ID         string    `json:"id"`
	Method     string    `json:"method" enum:"password,google,signup" doc:"How the session started."`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current" doc:"The session of this request."`
}

// List returns the caller's live sessions, most recently used first.
func (s *service) List(ctx context.Context, p *authz.Principal) ([]SessionInfo, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	rows, err := s.st.liveSessions(ctx, s.db.R, p.UserID, s.clock.Now(), 100)
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, len(rows))
	for i, r := range rows {
		out[i] = SessionInfo{ID: r.ID, Method: r.Method, UserAgent: r.UserAgent, IP: r.IP, CreatedAt: r.CreatedAt.UTC(),
			LastUsedAt: r.LastUsedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Current: r.ID == p.SessionID}
	}
	return out, nil
}

// RevokeSession ends one of the caller's sessions ("log out this device").
// Another user's session id is reported as not found.
func (s *service) RevokeSession(ctx context.Context, p *authz.Principal, sid string) error {
	if p == nil {
		return apperr.ErrAuthRequired
	}
	return s.revoke(ctx, p.UserID, sid, "revoked_by_user")
}
