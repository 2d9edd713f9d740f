package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
)

// userRow is a row of accounts_users.
type userRow struct {
	bun.BaseModel `bun:"table:accounts_users,alias:u"`

	ID                int64      `bun:"id,pk,autoincrement"`
	Email             string     `bun:"email,notnull"`
	EmailKey          string     `bun:"email_key,notnull"`
	Nickname          string     `bun:"nickname,notnull"`
	NicknameKey       string     `bun:"nickname_key,notnull"`
	PasswordHash      *string    `bun:"password_hash"`
	Role              string     `bun:"role,notnull"`
	PhoneEnc          *string    `bun:"phone_enc"`
	Introduction      string     `bun:"introduction,notnull"`
	ProfileImageID    *int64     `bun:"profile_image_id"`
	IsActive          bool       `bun:"is_active,notnull"`
	EmailVerified     bool       `bun:"email_verified,notnull"`
	PasswordChangedAt *time.Time `bun:"password_changed_at"`
	LastLoginAt       *time.Time `bun:"last_login_at"`
	DeactivatedAt     *time.Time `bun:"deactivated_at"`
	DeletedAt         *time.Time `bun:"deleted_at"`
	CreatedAt         time.Time  `bun:"created_at,notnull"`
	UpdatedAt         time.Time  `bun:"updated_at,notnull"`
	// CredentialsVersion is bumped with every change of password_hash but
	// a rehash (see User.CredentialsVersion).
	CredentialsVersion int64 `bun:"credentials_version,notnull"`

	// IsSelf is the caller's "self" relation to the row, computed by the
	// queries that load a user for a caller (target, list).
	IsSelf bool `bun:"is_self,scanonly"`
}

func (r *userRow) user() User {
	return User{ID: r.ID, Email: r.Email, Nickname: r.Nickname, Role: authz.Role(r.Role), Active: r.IsActive,
		HasPassword: r.PasswordHash != nil, CreatedAt: r.CreatedAt, CredentialsVersion: r.CredentialsVersion}
}

// emailKey and nicknameKey are the case-folded unique keys.
func emailKey(email string) string       { return strings.ToLower(strings.TrimSpace(email)) }
func nicknameKey(nickname string) string { return strings.ToLower(strings.TrimSpace(nickname)) }

// store holds the module's queries; every method takes the handle to run on
// (the reader pool, or the service's transaction).
type store struct {
	d *db.DB
	// qByID reads a live user: authentication runs it on every request.
	qByID db.Stmt
}

func newStore(d *db.DB) store {
	return store{d: d, qByID: d.SelectStmt((*userRow)(nil), `"u"."id" = ? AND "u"."deleted_at" IS NULL`)}
}

var errUserNotFound = apperr.New(apperr.NotFound, "accounts.user_not_found", "accounts.user_not_found")

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errUserNotFound
	}
	return err
}

func (s store) byID(ctx context.Context, idb bun.IDB, id int64) (*userRow, error) {
	var u userRow
	err := s.d.Get(ctx, idb, s.qByID, &u, id)
	if err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// target loads user id as the caller callerID addresses it through a route
// that reaches the accounts of roles: a user of another role is not found.
// The caller's "self" relation is computed in the query.
func (s store) target(ctx context.Context, idb bun.IDB, callerID, id int64, roles []string) (*userRow, error) {
	var u userRow
	err := idb.NewSelect().Model(&u).ColumnExpr("u.*").ColumnExpr("u.id = ? AS is_self", callerID).
		Where("u.id = ?", id).Where("u.role IN (?)", bun.In(roles)).Where("u.deleted_at IS NULL").Scan(ctx)
	if err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

func (s store) lockByID(ctx context.Context, tx bun.IDB, id int64) (*userRow, error) {
	var u userRow
	q := tx.NewSelect().Model(&u).Where("u.id = ?", id).Where("u.deleted_at IS NULL")
	if err := s.d.ForUpdate(q).Scan(ctx); err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

func (s store) byEmail(ctx context.Context, idb bun.IDB, email string) (*userRow, error) {
	var u userRow
	err := idb.NewSelect().Model(&u).Where("u.email_key = ?", emailKey(email)).Where("u.deleted_at IS NULL").Scan(ctx)
	if err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// byIDs returns the users among ids, deleted ones included (their rows
// stay, erased, for the history that refers to them).
func (s store) byIDs(ctx context.Context, idb bun.IDB, ids []int64) ([]userRow, error) {
	var rows []userRow
	err := idb.NewSelect().Model(&rows).Where("u.id IN (?)", bun.In(ids)).Scan(ctx)
	return rows, err
}

// roleExists reports whether an account of role exists.
func (s store) roleExists(ctx context.Context, idb bun.IDB, role authz.Role) (bool, error) {
	return idb.NewSelect().Model((*userRow)(nil)).Where("u.role = ?", string(role)).
		Where("u.deleted_at IS NULL").Exists(ctx)
}

// insert adds a user; a duplicate e-mail or nickname becomes a Conflict.
func (s store) insert(ctx context.Context, tx bun.IDB, u *userRow) error {
	if taken, err := s.taken(ctx, tx, "email_key", u.EmailKey, 0); err != nil {
		return err
	} else if taken {
		return apperr.New(apperr.Conflict, "accounts.email_taken", "accounts.email_taken")
	}
	if taken, err := s.taken(ctx, tx, "nickname_key", u.NicknameKey, 0); err != nil {
		return err
	} else if taken {
		return apperr.New(apperr.Conflict, "accounts.nickname_taken", "accounts.nickname_taken")
	}
	if _, err := tx.NewInsert().Model(u).Returning("id").Exec(ctx); err != nil {
		if db.IsUniqueViolation(err) { // a concurrent registration won the race
			return apperr.New(apperr.Conflict, "accounts.email_taken", "accounts.email_taken")
		}
		return err
	}
	return nil
}

// taken reports whether another user (not exceptID) holds the unique key.
func (s store) taken(ctx context.Context, idb bun.IDB, column, key string, exceptID int64) (bool, error) {
	return idb.NewSelect().Model((*userRow)(nil)).Where("? = ?", bun.Ident(column), key).
		Where("u.id <> ?", exceptID).Exists(ctx)
}

func (s store) update(ctx context.Context, tx bun.IDB, u *userRow, columns ...string) error {
	_, err := tx.NewUpdate().Model(u).Column(append(columns, "updated_at")...).WherePK().Exec(ctx)
	if db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "accounts.nickname_taken", "accounts.nickname_taken")
	}
	return err
}

// setLastLogin notes a sign-in.
func (s store) setLastLogin(ctx context.Context, idb bun.IDB, id int64, at time.Time) error {
	_, err := idb.NewUpdate().Model((*userRow)(nil)).Set("last_login_at = ?", at).Where("id = ?", id).Exec(ctx)
	return err
}

// sealedPhones returns up to limit users after afterID (in id order) with a
// phone number, their id and ciphertext only.
func (s store) sealedPhones(ctx context.Context, idb bun.IDB, afterID int64, limit int) ([]userRow, error) {
	var rows []userRow
	err := idb.NewSelect().Model(&rows).Column("id", "phone_enc").Where("phone_enc IS NOT NULL").
		Where("id > ?", afterID).OrderExpr("id").Limit(int64(limit)).Scan(ctx)
	return rows, err
}

// resealPhone replaces a phone ciphertext, unless it changed since it was read.
func (s store) resealPhone(ctx context.Context, idb bun.IDB, id int64, old, sealed string) error {
	_, err := idb.NewUpdate().Model((*userRow)(nil)).Set("phone_enc = ?", sealed).
		Where("id = ?", id).Where("phone_enc = ?", old).Exec(ctx)
	return err
}

// listFilter selects users for the management lists.
type listFilter struct {
	Caller   int64 // for the "self" relation of each row
	Role     authz.Role
	Search   string
	Status   string  // statusActive, statusSuspended, or "" for both
	OnlyIDs  []int64 // nil: no restriction; empty: nobody
	Ordering string
	Limit    int
	Offset   int
}

var orderings = map[string]string{
	"created_at": "u.created_at ASC, u.id ASC", "-created_at": "u.created_at DESC, u.id DESC",
	"email": "u.email_key ASC", "-email": "u.email_key DESC",
	"nickname": "u.nickname_key ASC", "-nickname": "u.nickname_key DESC",
}

// Account statuses a list filters on.
const (
	statusActive    = "active"
	statusSuspended = "suspended"
)

// list returns one page of users and the total count, in two queries.
func (s store) list(ctx context.Context, idb bun.IDB, f listFilter) ([]userRow, int, error) {
	if f.OnlyIDs != nil && len(f.OnlyIDs) == 0 {
		return nil, 0, nil
	}
	q := idb.NewSelect().Model((*userRow)(nil)).ColumnExpr("u.*").ColumnExpr("u.id = ? AS is_self", f.Caller).
		Where("u.role = ?", string(f.Role)).Where("u.deleted_at IS NULL")
	switch f.Status {
	case statusActive:
		q = q.Where("u.is_active = ?", true)
	case statusSuspended:
		q = q.Where("u.is_active = ?", false)
	}
	if f.OnlyIDs != nil {
		q = q.Where("u.id IN (?)", bun.In(f.OnlyIDs))
	}
	q = s.d.WhereTextSearch(q, "accounts_users", "u", []string{"email", "nickname"}, f.Search)
	order, ok := orderings[f.Ordering]
	if !ok {
		order = orderings["-created_at"]
	}
	var rows []userRow
	count, err := q.OrderExpr(order).Limit(int64(f.Limit)).Offset(int64(f.Offset)).ScanAndCount(ctx, &rows)
	return rows, int(count), err
}
