package auth

import (
	"context"
	"strconv"
	"time"

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

// KeepSession gives session sessionID, kept through a password change, the
// account's new credentials version.
func (r revoker) KeepSession(ctx context.Context, tx bun.IDB, userID int64, sessionID string, credentialsVersion int64) error {
	return r.st.restampSession(ctx, tx, sessionID, userID, credentialsVersion)
}

// ForgetUser ends every session of a deleted user and removes its social
// identities: they would let the erased account sign in again.
func (r revoker) ForgetUser(ctx context.Context, tx bun.IDB, userID int64) error {
	if err := r.RevokeUserSessions(ctx, tx, userID, "", "deleted"); err != nil {
		return err
	}
	return r.st.deleteUserIdentities(ctx, tx, userID)
}

// passwordAttempts limits the guesses of an account's current password
// that a password change asks for (accounts.PasswordAttempts), with the
// sign-in throttle's per-account limit and window, under a key of its own:
// a stolen session guessing there does not lock the owner's sign-in.
type passwordAttempts struct {
	throttle *throttle
	max      int
}

var _ accounts.PasswordAttempts = passwordAttempts{}

// Reserve counts one attempt for userID (see accounts.PasswordAttempts).
func (p passwordAttempts) Reserve(ctx context.Context, userID int64) (func(context.Context) error, time.Duration, error) {
	key := "pwcheck:" + strconv.FormatInt(userID, 10)
	// One account's own password checks are not tracked in flight: an
	// attempt counts as a failure until taken back.
	r, wait, err := p.throttle.reserve(ctx, []limit{{key: key, max: p.max}}, false)
	if err != nil || wait > 0 {
		return nil, wait, err
	}
	// Right, or not checked: this attempt is taken back. The counter is not
	// cleared — a guesser who could make the server too busy would
	// otherwise start again at will.
	return r.undo, 0, nil
}
