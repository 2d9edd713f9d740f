package accounts

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/password"
)

// Me returns the caller's own profile with learning statistics.
func (s *service) Me(ctx context.Context, p *authz.Principal) (Profile, error) {
	if p == nil {
		return Profile{}, apperr.ErrAuthRequired
	}
	u, err := s.st.byID(ctx, s.db.R, p.UserID)
	if err != nil {
		return Profile{}, err
	}
	out := s.profile(ctx, u, s.private(p, u, authz.Rels{authz.Self}))
	stats, err := s.stats.Get().LearningStats(ctx, u.ID)
	if err != nil {
		return Profile{}, err
	}
	out.Stats = &stats
	return out, nil
}

// A group is the accounts one family of routes manages: /api/students
// reaches students; /api/tutors reaches tutors and admins (whom only those
// who may read an admin's account find there). Its list shows the accounts
// of one role.
type group struct {
	roles  []string   // the stored roles the routes reach
	listed authz.Role // the role the list shows
}

var (
	students = group{roles: []string{string(authz.Student)}, listed: authz.Student}
	tutors   = group{roles: []string{string(authz.Tutor), string(authz.Admin)}, listed: authz.Tutor}
	// admins is the user console's list of admins (the API reaches them
	// through the tutors' routes).
	admins = group{roles: []string{string(authz.Admin)}, listed: authz.Admin}
)

// adminObject is the policy object of an admin's account: no rule grants on
// it, so only admins reach one.
const adminObject = "accounts.admin"

// objects maps a stored role to the policy object of such an account: the
// rules on "accounts.student" govern students' accounts, and so on.
var objects = map[string]string{
	string(authz.Student): "accounts.student",
	string(authz.Tutor):   "accounts.tutor",
	string(authz.Admin):   adminObject,
}

// object is the policy object of an account of the stored role ("" for a
// role the database refuses: only admins' wildcard rule matches it).
func object(role string) string { return objects[role] }

// load finds the target of a student/tutor route and authorizes act.
// Targets the caller may not read are reported as not found, so ids cannot
// be probed; a target the caller may read but not change gives 403.
func (s *service) load(ctx context.Context, p *authz.Principal, g group, id int64, act string) (*userRow, authz.Rels, error) {
	if p == nil {
		return nil, nil, apperr.ErrAuthRequired
	}
	u, err := s.st.target(ctx, s.db.R, p.UserID, id, g.roles)
	if err != nil {
		return nil, nil, err
	}
	obj := object(u.Role)
	rels, err := s.relations(ctx, p, u, obj)
	if err != nil {
		return nil, nil, err
	}
	if !s.authz.Allowed(p, obj, "read", rels...) {
		return nil, nil, errUserNotFound
	}
	if act != "read" {
		if err := s.authz.Check(p, obj, act, rels...); err != nil {
			return nil, nil, err
		}
	}
	return u, rels, nil
}

// relations are the caller's relations to u: self (computed by the query
// that loaded u) and teaches (u learns in one of the caller's courses). The
// TutorStudents provider is asked only when a rule grants reading on
// teaches and nothing else grants it already.
func (s *service) relations(ctx context.Context, p *authz.Principal, u *userRow, obj string) (authz.Rels, error) {
	rels := authz.Rels{}.If(u.IsSelf, authz.Self)
	if s.authz.Allowed(p, obj, "read", rels...) || !s.authz.Allowed(p, obj, "read", authz.Teaches) {
		return rels, nil
	}
	ids, err := s.students.Get().StudentIDsOfTutor(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	return rels.If(slices.Contains(ids, u.ID), authz.Teaches), nil
}

// private reports whether the caller may see u's private fields (phone
// number, last sign-in).
func (s *service) private(p *authz.Principal, u *userRow, rels authz.Rels) bool {
	return s.authz.Allowed(p, object(u.Role), "read_private", rels...)
}

// Get returns one student or tutor.
func (s *service) Get(ctx context.Context, p *authz.Principal, g group, id int64) (Profile, error) {
	u, rels, err := s.load(ctx, p, g, id, "read")
	if err != nil {
		return Profile{}, err
	}
	return s.profile(ctx, u, s.private(p, u, rels)), nil
}

// Changes is a partial update. Nil fields are left as they are; an empty
// phone number clears it. Role and Active need the "manage" permission.
type Changes struct {
	Nickname     *string
	PhoneNumber  *string
	Introduction *string
	Role         *authz.Role
	Active       *bool
}

// Update applies changes to an account of group g.
func (s *service) Update(ctx context.Context, p *authz.Principal, g group, id int64, c Changes) (Profile, error) {
	u, rels, err := s.load(ctx, p, g, id, "update")
	if err != nil {
		return Profile{}, err
	}
	return s.apply(ctx, p, u, rels, c)
}

// UpdateMe applies changes to the caller's own profile.
func (s *service) UpdateMe(ctx context.Context, p *authz.Principal, c Changes) (Profile, error) {
	if p == nil {
		return Profile{}, apperr.ErrAuthRequired
	}
	u, err := s.st.byID(ctx, s.db.R, p.UserID)
	if err != nil {
		return Profile{}, err
	}
	if c.Role != nil || c.Active != nil {
		return Profile{}, apperr.InvalidFields("accounts.field_not_editable",
			field("body.role", "accounts.field_not_editable", nil))
	}
	return s.apply(ctx, p, u, authz.Rels{authz.Self}, c)
}

func (s *service) apply(ctx context.Context, p *authz.Principal, u *userRow, rels authz.Rels, c Changes) (Profile, error) {
	var fields []apperr.FieldError
	var nickname, intro string
	var phone *string
	var fe *apperr.FieldError
	if c.Nickname != nil {
		if nickname, fe = checkNickname(*c.Nickname); fe != nil {
			fields = append(fields, *fe)
		}
	}
	if c.Introduction != nil {
		if intro, fe = checkIntroduction(*c.Introduction); fe != nil {
			fields = append(fields, *fe)
		}
	}
	if c.PhoneNumber != nil {
		if phone, fe = checkPhone(c.PhoneNumber); fe != nil {
			fields = append(fields, *fe)
		}
	}
	if (c.Role != nil || c.Active != nil) && !s.authz.Allowed(p, object(u.Role), "manage", rels...) {
		return Profile{}, apperr.New(apperr.Forbidden, "accounts.admin_only_field", "accounts.admin_only_field")
	}
	if c.Role != nil && !c.Role.Assignable() {
		fields = append(fields, field("body.role", "accounts.role_invalid", string(*c.Role)))
	}
	// Whoever manages accounts keeps their own: changing one's own role or
	// suspending oneself could leave the site with nobody to run it.
	self := slices.Contains(rels, authz.Self)
	if c.Role != nil && self && string(*c.Role) != u.Role {
		fields = append(fields, field("body.role", "accounts.cannot_demote_self", string(*c.Role)))
	}
	if c.Active != nil && !*c.Active && self {
		fields = append(fields, field("body.is_active", "accounts.cannot_deactivate_self", false))
	}
	if err := invalid(fields); err != nil {
		return Profile{}, err
	}
	private := s.private(p, u, rels) // as loaded: the role may change below
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.st.lockByID(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		cols := []string{}
		if c.Nickname != nil && nickname != cur.Nickname {
			if taken, err := s.st.taken(ctx, tx, "nickname_key", nicknameKey(nickname), cur.ID); err != nil {
				return err
			} else if taken {
				return apperr.New(apperr.Conflict, "accounts.nickname_taken", "accounts.nickname_taken")
			}
			cur.Nickname, cur.NicknameKey = nickname, nicknameKey(nickname)
			cols = append(cols, "nickname", "nickname_key")
		}
		if c.Introduction != nil {
			cur.Introduction = intro
			cols = append(cols, "introduction")
		}
		if c.PhoneNumber != nil {
			if err := s.setPhone(cur, phone); err != nil {
				return err
			}
			cols = append(cols, "phone_enc")
		}
		revoke := ""
		if c.Role != nil && string(*c.Role) != cur.Role {
			if err := s.audit(ctx, tx, p, auditRole, cur.ID, cur.Role+" → "+string(*c.Role)); err != nil {
				return err
			}
			cur.Role = string(*c.Role)
			cols = append(cols, "role")
		}
		if c.Active != nil && *c.Active != cur.IsActive {
			action := auditReactivated
			if !*c.Active {
				action = auditDeactivated
			}
			if err := s.audit(ctx, tx, p, action, cur.ID, ""); err != nil {
				return err
			}
			cur.IsActive = *c.Active
			cols = append(cols, "is_active", "deactivated_at")
			if !cur.IsActive {
				now := s.clock.Now()
				cur.DeactivatedAt = &now
				revoke = "deactivated"
			} else {
				cur.DeactivatedAt = nil
			}
		}
		if len(cols) == 0 {
			*u = *cur
			return nil
		}
		cur.UpdatedAt = s.clock.Now()
		if err := s.st.update(ctx, tx, cur, cols...); err != nil {
			return err
		}
		if revoke != "" {
			if err := s.sessions.Get().RevokeUserSessions(ctx, tx, cur.ID, "", revoke); err != nil {
				return err
			}
		}
		*u = *cur
		return nil
	})
	if err != nil {
		return Profile{}, err
	}
	return s.profile(ctx, u, private), nil
}

// Delete is the soft delete of an account: it is deactivated, its sessions
// end, and its personal data (e-mail, phone, introduction, picture) is
// erased; the row stays so the learner's history (payments, certificates)
// keeps its references. The e-mail becomes free to register again.
func (s *service) Delete(ctx context.Context, p *authz.Principal, g group, id int64) error {
	u, _, err := s.load(ctx, p, g, id, "delete")
	if err != nil {
		return err
	}
	// An admin's account does not delete itself: the site could be left
	// with nobody to run it.
	if u.IsSelf && object(u.Role) == adminObject {
		return apperr.InvalidFields("accounts.cannot_delete_self", field("path.id", "accounts.cannot_deactivate_self", id))
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.st.lockByID(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		placeholder := erasedEmail(cur.ID)
		cur.Email, cur.EmailKey = placeholder, placeholder
		cur.Nickname = erasedNickname(cur.ID)
		cur.NicknameKey = nicknameKey(cur.Nickname)
		cur.PhoneEnc, cur.PasswordHash, cur.ProfileImageID = nil, nil, nil
		cur.Introduction = ""
		cur.IsActive = false
		cur.DeactivatedAt, cur.DeletedAt, cur.UpdatedAt = &now, &now, now
		if err := s.st.update(ctx, tx, cur, "email", "email_key", "nickname", "nickname_key", "phone_enc",
			"password_hash", "profile_image_id", "introduction", "is_active", "deactivated_at", "deleted_at"); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, p, auditDeleted, cur.ID, cur.Role); err != nil {
			return err
		}
		// Sessions end, and social-login links go: they would let the erased
		// account sign in again.
		return s.sessions.Get().ForgetUser(ctx, tx, cur.ID)
	})
}

func erasedEmail(id int64) string    { return "deleted-" + strconv.FormatInt(id, 10) + "@deleted.invalid" }
func erasedNickname(id int64) string { return "탈퇴회원" + strconv.FormatInt(id, 10) }

// List returns one page of a group's list: the accounts the caller may
// read (admins: all; tutors: the students they teach), of a status
// (statusActive, statusSuspended, "" for both).
func (s *service) List(ctx context.Context, p *authz.Principal, g group, search, status, ordering string, limit, offset int) ([]Profile, int, error) {
	obj := object(string(g.listed))
	if err := s.authz.Check(p, obj, "list"); err != nil {
		return nil, 0, err
	}
	f := listFilter{Caller: p.UserID, Role: g.listed, Search: search, Status: status, Ordering: ordering, Limit: limit, Offset: offset}
	scope := s.authz.Scope(p, obj, "read", authz.Teaches)
	teaches := !scope.All && scope.Has(authz.Teaches)
	switch {
	case teaches:
		ids, err := s.students.Get().StudentIDsOfTutor(ctx, p.UserID)
		if err != nil {
			return nil, 0, err
		}
		f.OnlyIDs = append([]int64{}, ids...)
	case !scope.All:
		f.OnlyIDs = []int64{}
	}
	rows, count, err := s.st.list(ctx, s.db.R, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Profile, len(rows))
	for i := range rows {
		u := &rows[i]
		out[i] = s.profile(ctx, u, s.private(p, u, authz.Rels{}.If(u.IsSelf, authz.Self).If(teaches, authz.Teaches)))
	}
	return out, count, nil
}

// ChangePassword checks the old password, sets the new one and ends every
// other session of the user (the current one stays signed in). Wrong old
// passwords count like failed sign-ins (PasswordAttempts): a stolen session
// cannot guess the password without limit.
func (s *service) ChangePassword(ctx context.Context, p *authz.Principal, oldPw, newPw, confirm string) error {
	if p == nil {
		return apperr.ErrAuthRequired
	}
	u, err := s.st.byID(ctx, s.db.R, p.UserID)
	if err != nil {
		return err
	}
	if u.PasswordHash != nil {
		if err := s.checkOldPassword(ctx, u, oldPw); err != nil {
			return err
		}
	}
	if confirm == "" {
		confirm = newPw
	}
	if vs := password.Check(newPw, confirm, u.Email); len(vs) > 0 {
		return invalid(passwordErrors("body.new_password", vs))
	}
	if oldPw == newPw {
		return apperr.InvalidFields("accounts.password_unchanged", field("body.new_password", "accounts.password_unchanged", nil))
	}
	return s.setPassword(ctx, u.ID, newPw, p.SessionID, "password_changed")
}

// checkOldPassword checks the current password a change asks for, under
// the per-account limit of password attempts: the attempt is counted
// first, and taken back when the password was right or could not be
// checked (the server too busy).
func (s *service) checkOldPassword(ctx context.Context, u *userRow, oldPw string) error {
	release, wait, err := s.attempts.Get().Reserve(ctx, u.ID)
	if err != nil {
		return err
	}
	if wait > 0 {
		limited := apperr.Limited("accounts.password_attempts", wait)
		limited.Msg = "accounts.password_attempts"
		return limited.With(map[string]any{"Minutes": int(wait.Minutes()) + 1})
	}
	ok, _, err := s.hasher.Verify(ctx, oldPw, *u.PasswordHash)
	if errors.Is(err, apperr.Unavailable) {
		if rerr := release(context.WithoutCancel(ctx)); rerr != nil {
			s.logger.WarnContext(ctx, "password attempt not taken back", "user_id", u.ID, "err", rerr)
		}
		return err
	}
	if err != nil || !ok { // an unreadable hash matches nothing
		return apperr.InvalidFields("accounts.old_password_wrong", field("body.old_password", "accounts.old_password_wrong", nil))
	}
	return release(ctx)
}

// setPassword stores a new hash, bumps the credentials version and revokes
// the user's sessions but keep, which takes the new version.
func (s *service) setPassword(ctx context.Context, userID int64, pw, keepSession, reason string) error {
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.st.lockByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		cur.PasswordHash, cur.PasswordChangedAt, cur.UpdatedAt = &hash, &now, now
		cur.CredentialsVersion++
		if err := s.st.update(ctx, tx, cur, "password_hash", "password_changed_at", "credentials_version"); err != nil {
			return err
		}
		sessions := s.sessions.Get()
		if err := sessions.RevokeUserSessions(ctx, tx, userID, keepSession, reason); err != nil {
			return err
		}
		if keepSession == "" {
			return nil
		}
		return sessions.KeepSession(ctx, tx, userID, keepSession, cur.CredentialsVersion)
	})
}

// RotateKeys re-encrypts every phone number sealed with an older key under
// the active one, in batches; it returns how many values changed.
func (s *service) RotateKeys(ctx context.Context) (int, error) {
	changed := 0
	var lastID int64
	for {
		rows, err := s.st.sealedPhones(ctx, s.db.R, lastID, 200)
		if err != nil {
			return changed, err
		}
		if len(rows) == 0 {
			return changed, nil
		}
		err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			for i := range rows {
				r := &rows[i]
				if !s.keys.NeedsRotation(*r.PhoneEnc) {
					continue
				}
				tok, ok, err := s.keys.Rotate(*r.PhoneEnc, []byte(phoneAAD(r.ID)))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				if err := s.st.resealPhone(ctx, tx, r.ID, *r.PhoneEnc, tok); err != nil {
					return err
				}
				changed++
			}
			return nil
		})
		if err != nil {
			return changed, err
		}
		lastID = rows[len(rows)-1].ID
	}
}
