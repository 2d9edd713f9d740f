package accounts

import (
	"context"
	"slices"

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
	out := s.profile(ctx, u, visibility{email: true, private: true})
	stats, err := s.stats.Get().LearningStats(ctx, u.ID)
	if err != nil {
		return Profile{}, err
	}
	out.Stats = &stats
	return out, nil
}

// relation computes the caller's relation to a target user, in SQL where it
// depends on data: self, teaches (a tutor's enrolled student), or none.
func (s *service) relation(ctx context.Context, p *authz.Principal, target *userRow) (string, error) {
	switch {
	case p == nil:
		return authz.None, nil
	case p.UserID == target.ID:
		return authz.Self, nil
	case p.RoleOf() == authz.Tutor && target.Role == string(authz.Student):
		ids, err := s.students.Get().StudentIDsOfTutor(ctx, p.UserID)
		if err != nil {
			return "", err
		}
		if slices.Contains(ids, target.ID) {
			return Teaches, nil
		}
	}
	return authz.None, nil
}

// Teaches is the relation of a tutor to a student enrolled in one of the tutor's courses.
const Teaches = "teaches"

// object returns the policy object for a user of role.
func object(role string) string {
	if role == string(authz.Student) {
		return "accounts.student"
	}
	return "accounts.tutor"
}

// load finds the target of a student/tutor endpoint and authorizes act.
// Targets the caller may not read are reported as not found, so ids cannot
// be probed; a target the caller may read but not change gives 403.
func (s *service) load(ctx context.Context, p *authz.Principal, role authz.Role, id int64, act string) (*userRow, string, error) {
	u, err := s.st.byID(ctx, s.db.R, id)
	if err != nil {
		return nil, "", err
	}
	if u.Role != string(role) && !(role == authz.Tutor && u.Role == string(authz.Admin) && p.IsAdmin()) {
		return nil, "", notFound(errNoRows)
	}
	rel, err := s.relation(ctx, p, u)
	if err != nil {
		return nil, "", err
	}
	obj := object(string(role))
	if !s.authz.Allowed(p, obj, "read", rel) {
		return nil, "", notFound(errNoRows)
	}
	if act != "read" {
		if err := s.authz.Check(p, obj, act, rel); err != nil {
			return nil, "", err
		}
	}
	return u, rel, nil
}

func (s *service) visibilityFor(p *authz.Principal, rel string) visibility {
	return visibility{email: true, private: rel == authz.Self || p.IsAdmin()}
}

// Get returns one student or tutor.
func (s *service) Get(ctx context.Context, p *authz.Principal, role authz.Role, id int64) (Profile, error) {
	u, rel, err := s.load(ctx, p, role, id, "read")
	if err != nil {
		return Profile{}, err
	}
	return s.profile(ctx, u, s.visibilityFor(p, rel)), nil
}

// Changes is a partial update. Nil fields are left as they are; an empty
// phone number clears it. Role and Active may only be changed by admins.
type Changes struct {
	Nickname     *string
	PhoneNumber  *string
	Introduction *string
	Role         *authz.Role
	Active       *bool
}

// Update applies changes to a student or tutor (role) or to the caller (me).
func (s *service) Update(ctx context.Context, p *authz.Principal, role authz.Role, id int64, c Changes) (Profile, error) {
	u, rel, err := s.load(ctx, p, role, id, "update")
	if err != nil {
		return Profile{}, err
	}
	return s.apply(ctx, p, u, rel, c)
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
	return s.apply(ctx, p, u, authz.Self, c)
}

func (s *service) apply(ctx context.Context, p *authz.Principal, u *userRow, rel string, c Changes) (Profile, error) {
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
	if (c.Role != nil || c.Active != nil) && !p.IsAdmin() {
		return Profile{}, apperr.New(apperr.Forbidden, "accounts.admin_only_field", "accounts.admin_only_field")
	}
	if c.Role != nil && (!c.Role.Valid() || *c.Role == authz.Anonymous) {
		fields = append(fields, field("body.role", "accounts.role_invalid", string(*c.Role)))
	}
	if c.Role != nil && p.UserID == u.ID && *c.Role != authz.Admin {
		fields = append(fields, field("body.role", "accounts.cannot_demote_self", string(*c.Role)))
	}
	if c.Active != nil && !*c.Active && p.UserID == u.ID {
		fields = append(fields, field("body.is_active", "accounts.cannot_deactivate_self", false))
	}
	if err := invalid(fields); err != nil {
		return Profile{}, err
	}
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
			cur.Role = string(*c.Role)
			cols = append(cols, "role")
		}
		if c.Active != nil && *c.Active != cur.IsActive {
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
	return s.profile(ctx, u, s.visibilityFor(p, rel)), nil
}

// Delete is the soft delete of an account: it is deactivated, its sessions
// end, and its personal data (e-mail, phone, introduction, picture) is
// erased; the row stays so the learner's history (payments, certificates)
// keeps its references. The e-mail becomes free to register again.
func (s *service) Delete(ctx context.Context, p *authz.Principal, role authz.Role, id int64) error {
	u, _, err := s.load(ctx, p, role, id, "delete")
	if err != nil {
		return err
	}
	if p.UserID == u.ID && u.Role == string(authz.Admin) {
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
		// Sessions end, and social-login links go: they would let the erased
		// account sign in again.
		return s.sessions.Get().ForgetUser(ctx, tx, cur.ID)
	})
}

func erasedEmail(id int64) string    { return "deleted-" + itoa(id) + "@deleted.invalid" }
func erasedNickname(id int64) string { return "탈퇴회원" + itoa(id) }

// List returns students (tutors: only their own; admins: all) or tutors (admins).
func (s *service) List(ctx context.Context, p *authz.Principal, role authz.Role, search, ordering string, limit, offset int) ([]Profile, int, error) {
	obj := object(string(role))
	if err := s.authz.Check(p, obj, "list", authz.None); err != nil {
		return nil, 0, err
	}
	f := listFilter{Role: role, Search: search, Ordering: ordering, Limit: limit, Offset: offset}
	if !p.IsAdmin() {
		// Tutors see the students enrolled in their courses, nobody else.
		ids, err := s.students.Get().StudentIDsOfTutor(ctx, p.UserID)
		if err != nil {
			return nil, 0, err
		}
		f.OnlyIDs = append([]int64{}, ids...)
	}
	rows, count, err := s.st.list(ctx, s.db.R, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Profile, len(rows))
	for i := range rows {
		out[i] = s.profile(ctx, &rows[i], visibility{email: true, private: p.IsAdmin()})
	}
	return out, count, nil
}

// ChangePassword checks the old password, sets the new one and ends every
// other session of the user (the current one stays signed in).
func (s *service) ChangePassword(ctx context.Context, p *authz.Principal, oldPw, newPw, confirm string) error {
	if p == nil {
		return apperr.ErrAuthRequired
	}
	u, err := s.st.byID(ctx, s.db.R, p.UserID)
	if err != nil {
		return err
	}
	if u.PasswordHash != nil {
		ok, _, err := s.hasher.Verify(oldPw, *u.PasswordHash)
		if err != nil || !ok {
			return apperr.InvalidFields("accounts.old_password_wrong", field("body.old_password", "accounts.old_password_wrong", nil))
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

// setPassword stores a new hash and revokes the user's sessions but keep.
func (s *service) setPassword(ctx context.Context, userID int64, pw, keepSession, reason string) error {
	hash, err := s.hasher.Hash(pw)
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
		if err := s.st.update(ctx, tx, cur, "password_hash", "password_changed_at"); err != nil {
			return err
		}
		return s.sessions.Get().RevokeUserSessions(ctx, tx, userID, keepSession, reason)
	})
}

// RotateKeys re-encrypts every phone number sealed with an older key under
// the active one, in batches; it returns how many values changed.
func (s *service) RotateKeys(ctx context.Context) (int, error) {
	changed := 0
	var lastID int64
	for {
		var rows []userRow
		err := s.db.R.NewSelect().Model(&rows).Column("id", "phone_enc").Where("phone_enc IS NOT NULL").
			Where("id > ?", lastID).OrderExpr("id").Limit(200).Scan(ctx)
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
				if _, err := tx.NewUpdate().Model((*userRow)(nil)).Set("phone_enc = ?", tok).
					Where("id = ?", r.ID).Where("phone_enc = ?", *r.PhoneEnc).Exec(ctx); err != nil {
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
