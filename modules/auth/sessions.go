package auth

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/clock"
)

// revoker ends sign-in sessions for the accounts module: its
// SessionRevoker, the one cross-module call that joins the caller's
// transaction (see accounts.SessionRevoker), so that a password change, a
// reset, a suspension or a deletion ends the sessions in the same commit.
type revoker struct {
	st    store
	clock clock.Clock
}

var _ accounts.SessionRevoker = revoker{}

// RevokeUserSessions ends every live session of userID except exceptSessionID.
func (r revoker) RevokeUserSessions(ctx context.Context, tx bun.IDB, userID int64, exceptSessionID, reason string) error {
	return r.st.revokeUserSessions(ctx, tx, userID, exceptSessionID, r.clock.Now(), reason)
}

// ForgetUser ends every session of a deleted user and removes its social
// identities: they would let the erased account sign in again.
func (r revoker) ForgetUser(ctx context.Context, tx bun.IDB, userID int64) error {
	if err := r.RevokeUserSessions(ctx, tx, userID, "", "deleted"); err != nil {
		return err
	}
	return r.st.deleteUserIdentities(ctx, tx, userID)
}
