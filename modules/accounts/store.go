package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
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
}

func (r *userRow) user() User {
	return User{ID: r.ID, Email: r.Email, Nickname: r.Nickname, Role: authz.Role(r.Role), Active: r.IsActive,
		HasPassword: r.PasswordHash != nil, CreatedAt: r.CreatedAt}
}

// resetRow is a row of accounts_password_resets.
type resetRow struct {
	bun.BaseModel `bun:"table:accounts_password_resets,alias:pr"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id,notnull"`
	TokenHash string     `bun:"token_hash,notnull"`
	IP        string     `bun:"ip,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// emailKey and nicknameKey are the case-folded unique keys.
func emailKey(email string) string       { return strings.ToLower(strings.TrimSpace(email)) }
func nicknameKey(nickname string) string { return strings.ToLower(strings.TrimSpace(nickname)) }

// store holds the module's queries; every method takes the handle to run on.
type store struct{ d *db.DB }

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "accounts.user_not_found", "accounts.user_not_found")
	}
	return err
}

func (s store) byID(ctx context.Context, idb bun.IDB, id int64) (*userRow, error) {
	var u userRow
	err := idb.NewSelect().Model(&u).Where("u.id = ?", id).Where("u.deleted_at IS NULL").Scan(ctx)
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

// listFilter selects users for the management lists.
type listFilter struct {
	Role     authz.Role
	Search   string
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

// list returns one page of active users and the total count, in two queries.
func (s store) list(ctx context.Context, idb bun.IDB, f listFilter) ([]userRow, int, error) {
	if f.OnlyIDs != nil && len(f.OnlyIDs) == 0 {
		return nil, 0, nil
	}
	q := idb.NewSelect().Model((*userRow)(nil)).
		Where("u.role = ?", string(f.Role)).Where("u.is_active = ?", true).Where("u.deleted_at IS NULL")
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

var errNoRows = sql.ErrNoRows

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
