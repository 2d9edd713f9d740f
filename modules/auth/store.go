package auth

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

// store holds the module's queries; every method takes the handle to run on
// (the reader pool, or the service's transaction).
type store struct {
	d *db.DB
	// qSession reads a session: every authenticated request runs it.
	qSession db.Stmt
}

func newStore(d *db.DB) store {
	return store{d: d, qSession: d.SelectStmt((*sessionRow)(nil), `"s"."id" = ?`)}
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
	// CredentialsVersion is the account's credentials version the session
	// was signed in with (accounts.User.CredentialsVersion).
	CredentialsVersion int64 `bun:"credentials_version,notnull"`
}

func (s store) insertSession(ctx context.Context, idb bun.IDB, row *sessionRow) error {
	_, err := idb.NewInsert().Model(row).Exec(ctx)
	return err
}

// session returns session sid (sql.ErrNoRows when there is none).
func (s store) session(ctx context.Context, idb bun.IDB, sid string) (*sessionRow, error) {
	var row sessionRow
	if err := s.d.Get(ctx, idb, s.qSession, &row, sid); err != nil {
		return nil, err
	}
	return &row, nil
}

// lockSession returns session sid of userID, locked for the transaction
// (sql.ErrNoRows when there is none).
func (s store) lockSession(ctx context.Context, tx bun.IDB, sid string, userID int64) (*sessionRow, error) {
	var row sessionRow
	q := tx.NewSelect().Model(&row).Where("s.id = ?", sid).Where("s.user_id = ?", userID)
	if err := s.d.ForUpdate(q).Scan(ctx); err != nil {
		return nil, err
	}
	return &row, nil
}

// rotateSession stores a refreshed session: its new refresh jti and
// generation, last use, expiry and client.
func (s store) rotateSession(ctx context.Context, tx bun.IDB, row *sessionRow) error {
	_, err := tx.NewUpdate().Model(row).
		Column("refresh_jti", "generation", "last_used_at", "expires_at", "ip", "user_agent").WherePK().Exec(ctx)
	return err
}

// touchSession records a use of session sid unless one was recorded after
// before.
func (s store) touchSession(ctx context.Context, idb bun.IDB, sid string, now, before time.Time) error {
	_, err := idb.NewUpdate().Model((*sessionRow)(nil)).Set("last_used_at = ?", now).
		Where("id = ?", sid).Where("last_used_at < ?", before).Exec(ctx)
	return err
}

// restampSession records that live session sid of userID holds the
// account's credentials version (kept through a password change).
func (s store) restampSession(ctx context.Context, idb bun.IDB, sid string, userID, version int64) error {
	_, err := idb.NewUpdate().Model((*sessionRow)(nil)).Set("credentials_version = ?", version).
		Where("id = ?", sid).Where("user_id = ?", userID).Where("revoked_at IS NULL").Exec(ctx)
	return err
}

// revokeSession ends session sid of userID; it reports whether a live one
// was ended.
func (s store) revokeSession(ctx context.Context, idb bun.IDB, sid string, userID int64, now time.Time, reason string) (bool, error) {
	res, err := idb.NewUpdate().Model((*sessionRow)(nil)).Set("revoked_at = ?", now).
		Set("revoke_reason = ?", reason).Where("id = ?", sid).Where("user_id = ?", userID).
		Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// revokeUserSessions ends every live session of userID but exceptSessionID
// ("" for all).
func (s store) revokeUserSessions(ctx context.Context, idb bun.IDB, userID int64, exceptSessionID string, now time.Time, reason string) error {
	q := idb.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", now).Set("revoke_reason = ?", reason).
		Where("user_id = ?", userID).Where("revoked_at IS NULL")
	if exceptSessionID != "" {
		q = q.Where("id <> ?", exceptSessionID)
	}
	_, err := q.Exec(ctx)
	return err
}

// liveSessions returns up to limit unrevoked, unexpired sessions of userID,
// most recently used first.
func (s store) liveSessions(ctx context.Context, idb bun.IDB, userID int64, now time.Time, limit int) ([]sessionRow, error) {
	var rows []sessionRow
	err := idb.NewSelect().Model(&rows).Where("s.user_id = ?", userID).Where("s.revoked_at IS NULL").
		Where("s.expires_at > ?", now).OrderExpr("s.last_used_at DESC").Limit(int64(limit)).Scan(ctx)
	return rows, err
}
