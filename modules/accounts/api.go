// Package accounts owns users: registration, profiles, roles, passwords
// (argon2id), password reset by e-mail, personal data encrypted at rest, and
// the student and tutor management endpoints.
//
// This file is the module's whole surface for other modules.
package accounts

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/rollup"
)

// User is what other modules may know of a user. It never carries the
// password hash or personal data.
type User struct {
	ID          int64
	Email       string
	Nickname    string
	Role        authz.Role
	Active      bool
	HasPassword bool
	CreatedAt   time.Time
	// CredentialsVersion changes whenever the account's password does
	// (change, reset, removal). A session records the version it was
	// signed in with and dies when it differs: a sign-in that checked the
	// old password while a change was committing cannot keep its session.
	CredentialsVersion int64
}

// Directory is the accounts service as other modules see it.
type Directory interface {
	// UserByID returns an existing user (active or not); apperr.NotFound otherwise.
	UserByID(ctx context.Context, id int64) (User, error)
	// UsersByIDs returns the existing users among ids, in one query.
	UsersByIDs(ctx context.Context, ids []int64) (map[int64]User, error)
	// UserByEmail finds a user by e-mail, ignoring case; apperr.NotFound otherwise.
	UserByEmail(ctx context.Context, email string) (User, error)
	// CheckPassword returns the active user with this e-mail and password,
	// or apperr.Unauthenticated ("auth.invalid_credentials"). It takes as long
	// for an unknown e-mail as for a wrong password, and upgrades the hash
	// when the configured argon2 parameters changed.
	CheckPassword(ctx context.Context, email, password string) (User, error)
	// CreateSocialUser creates, in its own transaction, a student for an
	// e-mail a social provider verified (no password). A taken e-mail or
	// nickname is an apperr.Conflict; an address our rules refuse, Invalid.
	CreateSocialUser(ctx context.Context, email, name string) (User, error)
	// RecordLogin notes a successful sign-in (the last-login time), in its
	// own transaction: call it after the session is committed, and only log
	// a failure.
	RecordLogin(ctx context.Context, userID int64) error
	// ConfirmEmailByProvider records, in its own transaction, that an
	// identity provider verified the account's e-mail. When the e-mail was
	// not verified before, the account's password and sessions are dropped
	// with it: whoever registered the address without proving it (perhaps
	// to hijack the real owner's later social sign-in) keeps no way in; the
	// owner can set a password again by e-mail.
	ConfirmEmailByProvider(ctx context.Context, userID int64) error
}

// SessionRevoker ends sign-in sessions. The auth module implements it.
//
// It is the one method set of a module's surface that joins the caller's
// transaction (tx): the accounts service calls it inside its own, so a
// password change, a reset, a suspension or a deletion and the revocation
// of the user's sessions commit together — or a stolen session would outlive
// the password change. Every other cross-module call runs in the callee's
// own transaction.
type SessionRevoker interface {
	// RevokeUserSessions ends every session of the user but exceptSessionID ("" for all).
	RevokeUserSessions(ctx context.Context, tx bun.IDB, userID int64, exceptSessionID, reason string) error
	// KeepSession records that session sessionID of the user, kept signed
	// in through a password change, holds the account's new credentials
	// version (see User.CredentialsVersion).
	KeepSession(ctx context.Context, tx bun.IDB, userID int64, sessionID string, credentialsVersion int64) error
	// ForgetUser ends every session and removes every sign-in link (social
	// identities) of a deleted user.
	ForgetUser(ctx context.Context, tx bun.IDB, userID int64) error
}

// PasswordAttempts limits guesses of an account's password outside the
// sign-in form (the current password a password change asks for), with
// the counters and limits of failed sign-ins. The auth module implements it.
type PasswordAttempts interface {
	// Reserve counts one attempt for the user before the password is
	// checked, in its own transaction, atomically with the check of the
	// limit: concurrent attempts cannot all pass it. When the limit is spent
	// it counts nothing and returns how long to wait (wait > 0). Otherwise
	// the caller checks the password and, when it was right (or could not
	// be checked), calls release, which takes this attempt back: it was no
	// failure.
	Reserve(ctx context.Context, userID int64) (release func(context.Context) error, wait time.Duration, err error)
}

// LearningStats are the figures of a learner's profile.
type LearningStats struct {
	TotalLearningSeconds int64 `json:"total_learning_seconds" doc:"Time spent watching lectures, in seconds."`
	Credits              int   `json:"credits" doc:"Credits (학점) of the courses completed."`
	Certificates         int   `json:"certificates" doc:"Certificates issued."`
	EnrolledCourses      int   `json:"enrolled_courses" doc:"Courses the learner has access to."`
}

// StatsProvider supplies learning statistics (implemented by the learning
// and certificates modules once they exist).
type StatsProvider interface {
	LearningStats(ctx context.Context, userID int64) (LearningStats, error)
}

// TutorStudents tells which students a tutor teaches (students enrolled in
// the tutor's courses; implemented by the module that owns enrollments).
type TutorStudents interface {
	StudentIDsOfTutor(ctx context.Context, tutorID int64) ([]int64, error)
}

// Analytics is accounts' numbers for the dashboards (rollup.Source).
//
// Daily metrics: accounts.signups (course 0: accounts created that day).
// Snapshot metrics (course 0, accounts not deleted): accounts.students,
// accounts.tutors, accounts.admins.
type Analytics interface {
	rollup.Source
}
