package learning

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

var (
	_ Grants                 = (*service)(nil)
	_ catalog.Entitlements   = (*service)(nil)
	_ catalog.StatusProvider = (*service)(nil)
	_ accounts.TutorStudents = (*service)(nil)
	_ accounts.StatsProvider = (*service)(nil)
	_ catalog.Classroom      = (*service)(nil)
	_ Completions            = (*service)(nil)
	_ Consumption            = (*service)(nil)
	_ media.ResumePositions  = (*service)(nil)
)

// maxReason bounds the reason of a grant or a revocation.
const maxReason = 500

// Enrollment is one grant of access as the API shows it.
type Enrollment struct {
	ID           int64      `json:"id"`
	UserID       int64      `json:"user_id"`
	Nickname     string     `json:"nickname,omitempty"`
	Email        string     `json:"email,omitempty" doc:"Shown to the course's tutor and admins."`
	CourseID     int64      `json:"course_id"`
	Source       string     `json:"source" enum:"purchase,grant,free"`
	Ref          string     `json:"ref,omitempty" doc:"What the grant came from (a purchase's order)."`
	Reason       string     `json:"reason,omitempty"`
	StartsAt     time.Time  `json:"starts_at"`
	ExpiresAt    *time.Time `json:"expires_at" doc:"null: no end."`
	RevokedAt    *time.Time `json:"revoked_at"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
	Active       bool       `json:"active" doc:"Whether it gives access now."`
	CreatedAt    time.Time  `json:"created_at"`
}

func (s *service) enrollmentOut(r enrollmentRow, u *accounts.User) Enrollment {
	e := Enrollment{ID: r.ID, UserID: r.UserID, CourseID: r.CourseID, Source: r.Source, Ref: r.Ref,
		Reason: r.Reason, StartsAt: r.StartsAt.UTC(), ExpiresAt: utcPtr(r.ExpiresAt), RevokedAt: utcPtr(r.RevokedAt),
		RevokeReason: r.RevokeReason, Active: r.live(s.clock.Now()), CreatedAt: r.CreatedAt.UTC()}
	if u != nil {
		e.Nickname, e.Email = u.Nickname, u.Email
	}
	return e
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Grant implements Grants.
func (s *service) Grant(ctx context.Context, in GrantInput) (int64, error) {
	var id int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		id, err = s.GrantInDelivery(ctx, tx, in)
		return err
	})
	return id, err
}

// GrantInDelivery implements Grants.
func (s *service) GrantInDelivery(ctx context.Context, tx bun.Tx, in GrantInput) (int64, error) {
	if !slices.Contains([]string{SourcePurchase, SourceGrant, SourceFree}, in.Source) {
		return 0, apperr.New(apperr.Invalid, "learning.source_invalid", "learning.source_invalid")
	}
	course, err := s.courses.CourseByID(ctx, in.CourseID)
	if err != nil {
		return 0, err
	}
	now := s.clock.Now()
	starts := now
	if !in.From.IsZero() && in.From.Before(now) {
		starts = in.From
	}
	r := &enrollmentRow{UserID: in.UserID, CourseID: in.CourseID, Source: in.Source, Ref: in.Ref,
		Reason: in.Reason, StartsAt: starts, CreatedAt: now, UpdatedAt: now}
	if in.By != 0 {
		r.GrantedBy = &in.By
	}
	days := in.Days
	if days == 0 {
		days = course.AccessDays
	}
	if days > 0 && in.Source != SourceFree {
		exp := starts.AddDate(0, 0, days)
		r.ExpiresAt = &exp
	}
	return s.st.upsertGrant(ctx, tx, r)
}

// RevokeRef implements Grants.
func (s *service) RevokeRef(ctx context.Context, source, ref, reason string, by int64) (int, error) {
	var n int
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		n, err = s.RevokeRefInDelivery(ctx, tx, source, ref, reason, by)
		return err
	})
	if n > 0 {
		s.forgetPlayable(0) // whose: the store does not say; refunds are rare
	}
	return n, err
}

// RevokeRefInDelivery implements Grants.
func (s *service) RevokeRefInDelivery(ctx context.Context, tx bun.Tx, source, ref, reason string, by int64) (int, error) {
	if ref == "" {
		return 0, apperr.New(apperr.Invalid, "learning.ref_required", "learning.ref_required")
	}
	// Whose: the store does not say; refunds are rare. (Before the commit:
	// a heartbeat in between may cache the old answer for playableTTL.)
	defer s.forgetPlayable(0)
	now := s.clock.Now().UTC()
	rows, err := s.st.revokeRef(ctx, tx, source, ref, reason, byPtr(by), now)
	if err != nil {
		return 0, err
	}
	byUser := map[int64][]int64{}
	var users []int64
	for _, r := range rows {
		if byUser[r.UserID] == nil {
			users = append(users, r.UserID)
		}
		byUser[r.UserID] = append(byUser[r.UserID], r.CourseID)
	}
	for _, uid := range users {
		if err := s.bus.Publish(ctx, tx, AccessRevoked{UserID: uid, CourseIDs: byUser[uid], Source: source, Ref: ref,
			Reason: reason, RevokedAt: now}); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

func byPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// EntitledCourses implements catalog.Entitlements.
func (s *service) EntitledCourses(ctx context.Context, uid int64, courseIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if uid == 0 || len(courseIDs) == 0 {
		return out, nil
	}
	rows, err := s.st.userEnrollments(ctx, s.db.R, uid, courseIDs)
	now := s.clock.Now()
	for _, r := range rows {
		if r.live(now) {
			out[r.CourseID] = true
		}
	}
	return out, err
}

// CourseStatuses implements catalog.StatusProvider: completed, in
// progress (something done or opened), owned, or expired (access ended,
// history kept); courses never enrolled in are absent (locked).
func (s *service) CourseStatuses(ctx context.Context, uid int64, courseIDs []int64) (map[int64]catalog.CourseStatus, error) {
	out := map[int64]catalog.CourseStatus{}
	if uid == 0 || len(courseIDs) == 0 {
		return out, nil
	}
	rows, err := s.st.userEnrollments(ctx, s.db.R, uid, courseIDs)
	if err != nil {
		return nil, err
	}
	prog, err := s.st.courseProgress(ctx, s.db.R, uid, courseIDs)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	live, ever := map[int64]bool{}, map[int64]bool{}
	for _, r := range rows {
		ever[r.CourseID] = true
		live[r.CourseID] = live[r.CourseID] || r.live(now)
	}
	for id := range ever {
		cp, started := prog[id]
		switch {
		case started && cp.CompletedAt != nil:
			out[id] = catalog.StatusCompleted
		case !live[id]:
			out[id] = catalog.StatusExpired
		case started:
			out[id] = catalog.StatusInProgress
		default:
			out[id] = catalog.StatusOwned
		}
	}
	return out, nil
}

// StudentIDsOfTutor implements accounts.TutorStudents: the users with live
// access to the tutor's courses.
func (s *service) StudentIDsOfTutor(ctx context.Context, tutorID int64) ([]int64, error) {
	ids, err := s.syllabus.AuthoredCourseIDs(ctx, tutorID)
	if err != nil {
		return nil, err
	}
	return s.st.studentsOfCourses(ctx, s.db.R, ids, s.clock.Now())
}

// managedCourse returns a live course whose enrollments p may act on (act:
// list, grant, revoke): its tutor's and admins'. Others get 404 when they
// may not even read it, 403 otherwise.
func (s *service) managedCourse(ctx context.Context, p *authz.Principal, courseID int64, act string) (catalog.CourseSummary, error) {
	c, err := s.courses.CourseByID(ctx, courseID)
	if apperr.KindOf(err) == apperr.NotFound {
		return c, errCourseNotFound
	}
	if err != nil {
		return c, err
	}
	if err := s.authz.Check(p, objEnrollment, act, authz.Rels{}.If(p != nil && c.Author.ID == p.UserID, authz.Owner)...); err != nil {
		if p == nil {
			return c, apperr.ErrAuthRequired
		}
		return c, errCourseNotFound
	}
	return c, nil
}

// CourseEnrollments lists a course's enrollments for its tutor and admins.
func (s *service) CourseEnrollments(ctx context.Context, p *authz.Principal, courseID int64, limit, offset int) ([]Enrollment, int, error) {
	if _, err := s.managedCourse(ctx, p, courseID, "list"); err != nil {
		return nil, 0, err
	}
	rows, n, err := s.st.courseEnrollments(ctx, s.db.R, courseID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.UserID)
	}
	users, err := s.users.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Enrollment, 0, len(rows))
	for _, r := range rows {
		u, ok := users[r.UserID]
		var up *accounts.User
		if ok {
			up = &u
		}
		out = append(out, s.enrollmentOut(r, up))
	}
	return out, n, nil
}

// ManualGrant is a grant from the course's learner list.
type ManualGrant struct {
	UserID int64  `json:"user_id,omitempty" minimum:"1" doc:"The learner, for admins (tutors give email)."`
	Email  string `json:"email,omitempty" maxLength:"254" doc:"The learner's e-mail (or give user_id)."`
	Days   int    `json:"days,omitempty" minimum:"0" maximum:"36500" doc:"Days of access from now; 0 or absent: the course's access period."`
	Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Why (kept with the grant)."`
}

// GrantByHand gives a learner access to a course: by its tutor or an admin,
// with a reason.
func (s *service) GrantByHand(ctx context.Context, p *authz.Principal, courseID int64, in ManualGrant) (Enrollment, error) {
	if _, err := s.managedCourse(ctx, p, courseID, "grant"); err != nil {
		return Enrollment{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var fields []apperr.FieldError
	if in.Reason == "" || len([]rune(in.Reason)) > maxReason {
		fields = append(fields, apperr.FieldError{Location: "body.reason", Message: "learning.reason_required"})
	}
	if in.UserID == 0 && strings.TrimSpace(in.Email) == "" {
		fields = append(fields, apperr.FieldError{Location: "body.email", Message: "learning.learner_required"})
	}
	if in.Days < 0 || in.Days > 36500 {
		fields = append(fields, apperr.FieldError{Location: "body.days", Message: "learning.days_invalid", Value: in.Days})
	}
	if len(fields) > 0 {
		return Enrollment{}, apperr.InvalidFields("learning.grant_invalid", fields...)
	}
	// By id only for admins: a tutor names a learner by the e-mail they
	// know, and learns no one's address from an id (review finding).
	if in.UserID != 0 && !s.authz.Allowed(p, objEnrollment, "grant_by_id") {
		return Enrollment{}, apperr.InvalidFields("learning.grant_invalid",
			apperr.FieldError{Location: "body.user_id", Message: "learning.grant_by_email"})
	}
	var u accounts.User
	var err error
	if in.UserID != 0 {
		u, err = s.users.UserByID(ctx, in.UserID)
	} else {
		u, err = s.users.UserByEmail(ctx, strings.TrimSpace(in.Email))
	}
	if apperr.KindOf(err) == apperr.NotFound || (err == nil && !u.Active) {
		return Enrollment{}, apperr.InvalidFields("learning.grant_invalid",
			apperr.FieldError{Location: "body.email", Message: "learning.user_not_found"})
	}
	if err != nil {
		return Enrollment{}, err
	}
	id, err := s.Grant(ctx, GrantInput{UserID: u.ID, CourseID: courseID, Source: SourceGrant, Reason: in.Reason,
		Days: in.Days, By: userID(p)})
	if err != nil {
		return Enrollment{}, err
	}
	r, err := s.st.enrollment(ctx, s.db.R, courseID, id)
	if err != nil || r == nil {
		return Enrollment{}, errors.Join(err, errEnrollNotFound)
	}
	return s.enrollmentOut(*r, &u), nil
}

// RevokeByHand ends one enrollment of a course: by its tutor or an admin,
// with a reason. Revoking a revoked one changes nothing.
func (s *service) RevokeByHand(ctx context.Context, p *authz.Principal, courseID, id int64, reason string) (Enrollment, error) {
	if _, err := s.managedCourse(ctx, p, courseID, "revoke"); err != nil {
		return Enrollment{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > maxReason {
		return Enrollment{}, apperr.InvalidFields("learning.revoke_invalid",
			apperr.FieldError{Location: "body.reason", Message: "learning.reason_required"})
	}
	var out *enrollmentRow
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.st.enrollment(ctx, tx, courseID, id)
		if err != nil {
			return err
		}
		if r == nil {
			return errEnrollNotFound
		}
		if r.RevokedAt == nil {
			if _, err := s.st.revoke(ctx, tx, []int64{id}, "", "", reason, byPtr(userID(p)), s.clock.Now()); err != nil {
				return err
			}
		}
		out, err = s.st.enrollment(ctx, tx, courseID, id)
		return err
	})
	if err != nil {
		return Enrollment{}, err
	}
	s.forgetPlayable(out.UserID)
	u, err := s.users.UserByID(ctx, out.UserID)
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return Enrollment{}, err
	}
	return s.enrollmentOut(*out, &u), nil
}

// EnrollFree enrolls p in a published free course (price 0), with no end;
// again: no change.
func (s *service) EnrollFree(ctx context.Context, p *authz.Principal, courseID int64) error {
	if p == nil {
		return apperr.ErrAuthRequired
	}
	c, err := s.courses.CourseByID(ctx, courseID)
	if apperr.KindOf(err) == apperr.NotFound {
		return errCourseNotFound
	}
	if err != nil {
		return err
	}
	if c.Status != "published" {
		return errCourseNotPublic
	}
	if c.Price != 0 {
		return errNotFreeCourse
	}
	ent, err := s.EntitledCourses(ctx, p.UserID, []int64{courseID})
	if err != nil || ent[courseID] {
		return err
	}
	_, err = s.Grant(ctx, GrantInput{UserID: p.UserID, CourseID: courseID, Source: SourceFree, Days: -1})
	return err
}
