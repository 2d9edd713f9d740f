package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/crypto"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/password"
	"github.com/weaverse/weaverse/platform/provide"
)

// service holds the use cases. HTTP handlers, pages and the CLI call it.
type service struct {
	db     *db.DB
	st     store
	authz  *authz.Enforcer
	clock  clock.Clock
	hasher *password.Hasher
	keys   *crypto.Keyring
	// Late-bound: provided by the auth module and the modules that own
	// learning data (see Module.Needs).
	sessions provide.Slot[SessionRevoker]
	attempts provide.Slot[PasswordAttempts]
	stats    provide.Slot[StatsProvider]
	students provide.Slot[TutorStudents]
	mailer   resetMailer
	resetTTL time.Duration
	logger   *slog.Logger
}

// resetMailer sends password-reset links (see reset.go).
type resetMailer interface {
	sendReset(ctx context.Context, to, nickname, token, lang string)
}

var _ Directory = (*service)(nil)

// Profile is a user as the API shows it. Fields a caller may not see are
// left empty and omitted.
type Profile struct {
	ID             int64          `json:"id"`
	Email          string         `json:"email,omitempty" doc:"Shown to the user, admins, and the user's tutors."`
	Nickname       string         `json:"nickname"`
	Role           authz.Role     `json:"role" enum:"student,tutor,admin"`
	PhoneNumber    *string        `json:"phone_number,omitempty" doc:"Shown to the user and admins only."`
	Introduction   string         `json:"introduction"`
	ProfileImageID *int64         `json:"profile_image_id"`
	IsActive       bool           `json:"is_active"`
	HasPassword    bool           `json:"has_password" doc:"False for accounts that sign in only through a social provider."`
	LastLoginAt    *time.Time     `json:"last_login_at,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	Stats          *LearningStats `json:"stats,omitempty" doc:"Learning statistics (GET /api/me/ only)."`
}

// profile is u as the API shows it; private adds what only the user and
// admins may see (the phone number, the last sign-in): read_private.
func (s *service) profile(ctx context.Context, u *userRow, private bool) Profile {
	p := Profile{ID: u.ID, Email: u.Email, Nickname: u.Nickname, Role: authz.Role(u.Role), Introduction: u.Introduction,
		ProfileImageID: u.ProfileImageID, IsActive: u.IsActive, HasPassword: u.PasswordHash != nil,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
	if private {
		if u.LastLoginAt != nil {
			t := u.LastLoginAt.UTC()
			p.LastLoginAt = &t
		}
		if phone, err := s.phone(u); err != nil {
			s.logger.ErrorContext(ctx, "cannot decrypt a phone number", "user_id", u.ID, "err", err)
		} else {
			p.PhoneNumber = phone
		}
	}
	return p
}

// phoneAAD binds a phone ciphertext to its row and column.
func phoneAAD(userID int64) string { return fmt.Sprintf("accounts_users.phone_enc:%d", userID) }

func (s *service) phone(u *userRow) (*string, error) {
	if u.PhoneEnc == nil {
		return nil, nil
	}
	p, err := s.keys.DecryptString(*u.PhoneEnc, phoneAAD(u.ID))
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (s *service) setPhone(u *userRow, phone *string) error {
	if phone == nil || *phone == "" {
		u.PhoneEnc = nil
		return nil
	}
	enc, err := s.keys.EncryptString(*phone, phoneAAD(u.ID))
	if err != nil {
		return err
	}
	u.PhoneEnc = &enc
	return nil
}

// ---- validation ------------------------------------------------------------

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 \-]{6,18}[0-9]$`)

func field(loc, msg string, value any) apperr.FieldError {
	return apperr.FieldError{Location: loc, Message: msg, Value: value}
}

func checkEmail(email string) (string, *apperr.FieldError) {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		f := field("body.email", "accounts.email_invalid", email)
		return "", &f
	}
	return email, nil
}

func checkNickname(nickname string) (string, *apperr.FieldError) {
	nickname = strings.TrimSpace(nickname)
	if n := utf8.RuneCountInString(nickname); n < 2 || n > 20 || strings.ContainsAny(nickname, nicknameRejects) {
		f := field("body.nickname", "accounts.nickname_invalid", nickname)
		return "", &f
	}
	return nickname, nil
}

func checkPhone(phone *string) (*string, *apperr.FieldError) {
	if phone == nil {
		return nil, nil
	}
	p := strings.TrimSpace(*phone)
	if p == "" {
		return &p, nil
	}
	if !phoneRE.MatchString(p) {
		f := field("body.phone_number", "accounts.phone_invalid", nil) // never echo personal data
		return nil, &f
	}
	return &p, nil
}

func checkIntroduction(intro string) (string, *apperr.FieldError) {
	intro = strings.TrimSpace(intro)
	if utf8.RuneCountInString(intro) > 500 || strings.ContainsRune(intro, 0) {
		f := field("body.introduction", "accounts.introduction_too_long", nil)
		return "", &f
	}
	return intro, nil
}

// passwordErrors turns policy violations into field errors at loc.
func passwordErrors(loc string, vs []password.Violation) []apperr.FieldError {
	out := make([]apperr.FieldError, 0, len(vs))
	for _, v := range vs {
		l := loc
		if v.Code == "password.mismatch" {
			l = loc + "_confirm"
		}
		out = append(out, field(l, v.Message, nil))
	}
	return out
}

func invalid(fields []apperr.FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return apperr.InvalidFields("request.validation", fields...)
}

// ---- creating users --------------------------------------------------------

// NewUser is the input of registration and of admin creation.
type NewUser struct {
	Email           string
	Password        string
	PasswordConfirm string
	Nickname        string
	PhoneNumber     *string
	Role            authz.Role

	// deriveNickname: an empty Nickname is derived from the e-mail (made
	// unique with a number) instead of refused — for the command line and
	// the bootstrap admin, where nobody chose one.
	deriveNickname bool
}

// nicknameRejects are the characters checkNickname refuses.
const nicknameRejects = "<>\"'&\x00\n\r\t"

// derivedNickname is the nickname of an account whose owner chose none: the
// e-mail's local part without the characters nicknames may not hold, cut to
// leave room for a number (freeNickname), or fallback when that leaves
// fewer than 2 characters (a one-letter address such as a@example.com).
func derivedNickname(email, fallback string) string {
	local, _, _ := strings.Cut(strings.TrimSpace(email), "@")
	local = strings.TrimSpace(strings.Map(func(r rune) rune {
		if strings.ContainsRune(nicknameRejects, r) {
			return -1
		}
		return r
	}, local))
	if r := []rune(local); len(r) > 16 {
		local = strings.TrimSpace(string(r[:16]))
	}
	if utf8.RuneCountInString(local) < 2 {
		return fallback
	}
	return local
}

// freeNickname returns base, or base with the smallest number from 2 that
// makes it unused, within 20 characters.
func (s *service) freeNickname(ctx context.Context, tx bun.IDB, base string) (string, error) {
	nickname := base
	for i := 2; ; i++ {
		taken, err := s.st.taken(ctx, tx, "nickname_key", nicknameKey(nickname), 0)
		if err != nil {
			return "", err
		}
		if !taken {
			return nickname, nil
		}
		if i > 1000 {
			return "", apperr.New(apperr.Conflict, "accounts.nickname_taken", "accounts.nickname_taken")
		}
		suffix := fmt.Sprintf("%d", i)
		r := []rune(base)
		if len(r)+len(suffix) > 20 {
			r = r[:20-len(suffix)]
		}
		nickname = string(r) + suffix
	}
}

// create validates and inserts a user with a password.
// create makes an account; after, when set, runs in its transaction once
// the row exists (the admin console's audit entry).
func (s *service) create(ctx context.Context, in NewUser, after ...func(context.Context, bun.Tx, *userRow) error) (*userRow, error) {
	var fields []apperr.FieldError
	email, fe := checkEmail(in.Email)
	if fe != nil {
		fields = append(fields, *fe)
	}
	derive := in.deriveNickname && strings.TrimSpace(in.Nickname) == ""
	if derive {
		in.Nickname = derivedNickname(email, string(in.Role))
	}
	nickname, fe := checkNickname(in.Nickname)
	if fe != nil {
		fields = append(fields, *fe)
	}
	phone, fe := checkPhone(in.PhoneNumber)
	if fe != nil {
		fields = append(fields, *fe)
	}
	if !in.Role.Assignable() {
		fields = append(fields, field("body.role", "accounts.role_invalid", string(in.Role)))
	}
	fields = append(fields, passwordErrors("body.password", password.Check(in.Password, in.PasswordConfirm, email))...)
	if err := invalid(fields); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	u := &userRow{Email: email, EmailKey: emailKey(email), Nickname: nickname, NicknameKey: nicknameKey(nickname),
		PasswordHash: &hash, Role: string(in.Role), IsActive: true, PasswordChangedAt: &now, CreatedAt: now, UpdatedAt: now}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if derive {
			free, err := s.freeNickname(ctx, tx, nickname)
			if err != nil {
				return err
			}
			u.Nickname, u.NicknameKey = free, nicknameKey(free)
		}
		if err := s.st.insert(ctx, tx, u); err != nil {
			return err
		}
		for _, f := range after {
			if err := f(ctx, tx, u); err != nil {
				return err
			}
		}
		if phone == nil || *phone == "" {
			return nil
		}
		// The ciphertext is bound to the row id, known only now.
		if err := s.setPhone(u, phone); err != nil {
			return err
		}
		return s.st.update(ctx, tx, u, "phone_enc")
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Register creates a student (self-registration).
func (s *service) Register(ctx context.Context, in NewUser) (Profile, error) {
	in.Role = authz.Student
	u, err := s.create(ctx, in)
	if err != nil {
		return Profile{}, err
	}
	return s.profile(ctx, u, true), nil
}

// AdminCreate creates a user of any role (admins only).
func (s *service) AdminCreate(ctx context.Context, p *authz.Principal, in NewUser) (Profile, error) {
	if err := s.authz.Check(p, "accounts.user", "create", authz.None); err != nil {
		return Profile{}, err
	}
	u, err := s.create(ctx, in, func(ctx context.Context, tx bun.Tx, u *userRow) error {
		return s.audit(ctx, tx, p, auditCreated, u.ID, u.Role)
	})
	if err != nil {
		return Profile{}, err
	}
	return s.profile(ctx, u, true), nil
}

// EnsureAdmin creates the bootstrap admin unless an admin exists already.
// It reports whether it created one.
func (s *service) EnsureAdmin(ctx context.Context, email, pw string) (bool, error) {
	exists, err := s.st.roleExists(ctx, s.db.R, authz.Admin)
	if err != nil || exists {
		return false, err
	}
	if _, err := s.create(ctx, NewUser{Email: email, Password: pw, PasswordConfirm: pw, Role: authz.Admin,
		deriveNickname: true}); err != nil {
		return false, err
	}
	return true, nil
}

// ---- Directory (for other modules) ----------------------------------------

func (s *service) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := s.st.byID(ctx, s.db.R, id)
	if err != nil {
		return User{}, err
	}
	return u.user(), nil
}

func (s *service) UsersByIDs(ctx context.Context, ids []int64) (map[int64]User, error) {
	out := map[int64]User{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.st.byIDs(ctx, s.db.R, ids)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		out[rows[i].ID] = rows[i].user()
	}
	return out, nil
}

func (s *service) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := s.st.byEmail(ctx, s.db.R, email)
	if err != nil {
		return User{}, err
	}
	return u.user(), nil
}

var errBadCredentials = apperr.New(apperr.Unauthenticated, "auth.invalid_credentials", "auth.invalid_credentials")

func (s *service) CheckPassword(ctx context.Context, email, pw string) (User, error) {
	u, err := s.st.byEmail(ctx, s.db.R, email)
	if err != nil || u.PasswordHash == nil || !u.IsActive {
		if err != nil && !errors.Is(err, apperr.NotFound) {
			return User{}, err
		}
		// The same cost as a real check, and the same answer when the
		// server is too busy for one: no enumeration by timing.
		if err := s.hasher.DummyVerify(ctx, pw); err != nil {
			return User{}, err
		}
		return User{}, errBadCredentials
	}
	ok, rehash, err := s.hasher.Verify(ctx, pw, *u.PasswordHash)
	if errors.Is(err, apperr.Unavailable) {
		return User{}, err // too busy to check: no answer about the password
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "unreadable password hash", "user_id", u.ID, "err", err)
		return User{}, errBadCredentials
	}
	if !ok {
		return User{}, errBadCredentials
	}
	if rehash {
		// Best effort: too busy now means another sign-in will do it.
		if hash, err := s.hasher.Hash(ctx, pw); err == nil {
			u.PasswordHash = &hash
			if err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				return s.st.update(ctx, tx, u, "password_hash")
			}); err != nil {
				s.logger.WarnContext(ctx, "password rehash failed", "user_id", u.ID, "err", err)
			}
		}
	}
	return u.user(), nil
}

// CreateSocialUser creates, in its own transaction, a student whose e-mail
// the provider verified; the nickname is the provider's name, or the
// e-mail's local part, made unique with a number.
func (s *service) CreateSocialUser(ctx context.Context, email, name string) (User, error) {
	email, fe := checkEmail(email)
	if fe != nil {
		return User{}, apperr.InvalidFields("accounts.email_invalid", *fe)
	}
	base, fe := checkNickname(name)
	if fe != nil {
		base = derivedNickname(email, "learner")
	}
	now := s.clock.Now()
	u := &userRow{Email: email, EmailKey: emailKey(email), Role: string(authz.Student), IsActive: true,
		EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Nicknames are unique: add a number until one is free.
		nickname, err := s.freeNickname(ctx, tx, base)
		if err != nil {
			return err
		}
		u.Nickname, u.NicknameKey = nickname, nicknameKey(nickname)
		return s.st.insert(ctx, tx, u)
	})
	if err != nil {
		return User{}, err
	}
	return u.user(), nil
}

// RecordLogin notes a sign-in. It is informational: the caller logs a
// failure and signs the user in all the same.
func (s *service) RecordLogin(ctx context.Context, userID int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.st.setLastLogin(ctx, tx, userID, s.clock.Now())
	})
}

// ConfirmEmailByProvider verifies the account's e-mail, in its own
// transaction; an account whose e-mail was not verified loses its password
// and its sessions in the same transaction (see Directory).
func (s *service) ConfirmEmailByProvider(ctx context.Context, userID int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.st.lockByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if u.EmailVerified {
			return nil
		}
		u.EmailVerified, u.PasswordHash, u.UpdatedAt = true, nil, s.clock.Now()
		u.CredentialsVersion++
		if err := s.st.update(ctx, tx, u, "email_verified", "password_hash", "credentials_version"); err != nil {
			return err
		}
		return s.sessions.Get().RevokeUserSessions(ctx, tx, userID, "", "email_claimed_by_provider")
	})
}

// editorialEmail is the account that authors imported content.
const editorialEmail = "editorial@weaverse.invalid"

// ensureEditorial returns the id of the editorial account (a tutor that
// cannot sign in: no password), creating it on first use.
func (s *service) ensureEditorial(ctx context.Context) (int64, error) {
	if u, err := s.UserByEmail(ctx, editorialEmail); err == nil {
		return u.ID, nil
	} else if !errors.Is(err, apperr.NotFound) {
		return 0, err
	}
	now := s.clock.Now()
	u := &userRow{Email: editorialEmail, EmailKey: editorialEmail, Nickname: "위버스 편집팀", NicknameKey: nicknameKey("위버스 편집팀"),
		Role: string(authz.Tutor), IsActive: true, EmailVerified: true, CreatedAt: now, UpdatedAt: now,
		Introduction: "Weaverse 기본 강좌를 만들고 다듬는 편집팀입니다."}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error { return s.st.insert(ctx, tx, u) })
	if errors.Is(err, apperr.Conflict) {
		// Another instance created it at the same moment.
		if existing, e := s.UserByEmail(ctx, editorialEmail); e == nil {
			return existing.ID, nil
		}
	}
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}
