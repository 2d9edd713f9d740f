// Package auth signs people in and keeps them signed in: password login
// with throttling, server-side sessions, short-lived access JWTs and rotating
// refresh JWTs with reuse detection, logout, the caller's session list, social
// login through any OpenID Connect provider, and the middleware that turns a
// token into the request's principal.
//
// This file is the module's whole surface for other modules.
package auth

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
)

// Sessions ends sign-in sessions. The accounts module receives it (as its
// SessionRevoker) so that a password change, a reset, a suspension or a
// deletion ends sessions in the same transaction.
type Sessions struct {
	db    *db.DB
	clock clock.Clock
}

// NewSessions returns the session revoker.
func NewSessions(d *db.DB, clk clock.Clock) *Sessions { return &Sessions{db: d, clock: clk} }

// RevokeUserSessions ends every live session of userID except exceptSessionID.
func (s *Sessions) RevokeUserSessions(ctx context.Context, tx bun.IDB, userID int64, exceptSessionID, reason string) error {
	q := tx.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", s.clock.Now()).Set("revoke_reason = ?", reason).
		Where("user_id = ?", userID).Where("revoked_at IS NULL")
	if exceptSessionID != "" {
		q = q.Where("id <> ?", exceptSessionID)
	}
	_, err := q.Exec(ctx)
	return err
}

// ForgetUser ends every session of a deleted user and removes its social
// identities.
func (s *Sessions) ForgetUser(ctx context.Context, tx bun.IDB, userID int64) error {
	if err := s.RevokeUserSessions(ctx, tx, userID, "", "deleted"); err != nil {
		return err
	}
	_, err := tx.NewDelete().Model((*identityRow)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// sessionRow is a row of auth_sessions.
type sessionRow struct {
	bun.BaseModel `bun:"table:auth_sessions,alias:s"`

	ID           string     `bun:"id,pk"`
	UserID       int64      `bun:"user_id,notnull"`
	RefreshJTI   string     `bun:"refresh_jti,notnull"`
	Generation   int        `bun:"generation,notnull"`
	Method       string     `bun:"method,notnull"`
	UserAgent    string     `bun:"user_agent,notnull"`
	IP           string     `bun:"ip,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	LastUsedAt   time.Time  `bun:"last_used_at,notnull"`
	ExpiresAt    time.Time  `bun:"expires_at,notnull"`
	MaxExpiresAt time.Time  `bun:"max_expires_at,notnull"`
	RevokedAt    *time.Time `bun:"revoked_at"`
	RevokeReason string     `bun:"revoke_reason,notnull"`
}

// identityRow is a row of auth_identities.
type identityRow struct {
	bun.BaseModel `bun:"table:auth_identities,alias:i"`

	ID          int64     `bun:"id,pk,autoincrement"`
	UserID      int64     `bun:"user_id,notnull"`
	Provider    string    `bun:"provider,notnull"`
	Subject     string    `bun:"subject,notnull"`
	Email       string    `bun:"email,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	LastLoginAt time.Time `bun:"last_login_at,notnull"`
}
