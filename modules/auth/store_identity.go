package auth

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// identityRow is a row of auth_identities: a social-login identity
// (provider + subject) linked to a user.
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

// identity returns the identity of subject at provider (sql.ErrNoRows when
// there is none).
func (s store) identity(ctx context.Context, idb bun.IDB, provider, subject string) (*identityRow, error) {
	var row identityRow
	err := idb.NewSelect().Model(&row).Where("i.provider = ?", provider).Where("i.subject = ?", subject).Scan(ctx)
	if err != nil {
		return nil, err
	}
	return &row, nil
}

func (s store) insertIdentity(ctx context.Context, idb bun.IDB, row *identityRow) error {
	_, err := idb.NewInsert().Model(row).Exec(ctx)
	return err
}

// touchIdentity records a sign-in with identity id and the e-mail the
// provider gave; it reports whether the identity still exists.
func (s store) touchIdentity(ctx context.Context, idb bun.IDB, id int64, email string, now time.Time) (bool, error) {
	res, err := idb.NewUpdate().Model((*identityRow)(nil)).Set("last_login_at = ?", now).
		Set("email = ?", email).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// deleteIdentity removes identity id.
func (s store) deleteIdentity(ctx context.Context, idb bun.IDB, id int64) error {
	_, err := idb.NewDelete().Model((*identityRow)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// deleteUserIdentities removes every identity of userID.
func (s store) deleteUserIdentities(ctx context.Context, idb bun.IDB, userID int64) error {
	_, err := idb.NewDelete().Model((*identityRow)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}
