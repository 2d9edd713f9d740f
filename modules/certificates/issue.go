package certificates

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/events"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Sources of a certificate.
const (
	sourceAuto  = "auto"  // on completion (an event)
	sourceClaim = "claim" // the learner asked
)

// onTopicCompleted issues the course's certificate when this completion
// met its rule (the last topic, or the share the rule asks for), and the
// curriculum's when that course was its last one. It runs in the event
// delivery's transaction; the rule is read beforehand through the reader
// pool, which sees the completion (delivered after its commit).
func (s *service) onTopicCompleted(ctx context.Context, tx bun.Tx, d events.Delivery[learning.TopicCompleted]) error {
	_, err := s.issueIfEligible(ctx, tx, d.Event.UserID, d.Event.CourseID, sourceAuto)
	return err
}

// onCourseCompleted is onTopicCompleted for the course's last topic: the
// event the issue names, handled alike (a certificate is issued once).
func (s *service) onCourseCompleted(ctx context.Context, tx bun.Tx, d events.Delivery[learning.CourseCompleted]) error {
	_, err := s.issueIfEligible(ctx, tx, d.Event.UserID, d.Event.CourseID, sourceAuto)
	return err
}

// onTopicPassed covers a mission passed after every topic was completed
// (a better score on a retake, a rule with a minimum score).
func (s *service) onTopicPassed(ctx context.Context, tx bun.Tx, d events.Delivery[assessment.TopicPassed]) error {
	_, err := s.issueIfEligible(ctx, tx, d.Event.UserID, d.Event.CourseID, sourceAuto)
	return err
}

// issueIfEligible issues the course's certificate in tx when the user is
// eligible and holds none; nil when not eligible (nothing to do).
func (s *service) issueIfEligible(ctx context.Context, tx bun.Tx, userID, courseID int64, source string) (*certRow, error) {
	course, err := s.catalog.CourseByID(ctx, courseID)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, nil // deleted since
	}
	if err != nil {
		return nil, err
	}
	if course.Certificate.Disabled {
		return nil, nil
	}
	held, err := s.st.validCourseCerts(ctx, tx, userID, []int64{courseID})
	if err != nil || len(held) > 0 {
		return nil, err
	}
	e, err := s.eligibility(ctx, userID, course)
	if err != nil || !e.Eligible {
		return nil, err
	}
	r, err := s.issueCourse(ctx, tx, userID, course, e, source)
	if err == errBarred {
		return nil, nil // the issuer revoked it: nothing to issue
	}
	return r, err
}

// issueCourse inserts the course's certificate (another valid one issued
// concurrently wins: it is returned instead) and then the curriculum's
// when every course of it is now certified.
func (s *service) issueCourse(ctx context.Context, tx bun.Tx, userID int64, course catalog.CourseSummary, e *Eligibility, source string) (*certRow, error) {
	if err := s.db.LockKey(ctx, tx, "certificates:user:"+itoa(userID)); err != nil {
		return nil, err
	}
	held, err := s.st.validCourseCerts(ctx, tx, userID, []int64{course.ID})
	if err != nil {
		return nil, err
	}
	if r, ok := held[course.ID]; ok {
		return &r, nil
	}
	if barred, err := s.st.revokedByIssuer(ctx, tx, userID, KindCourse, course.ID); err != nil || barred {
		if barred {
			err = errBarred
		}
		return nil, err
	}
	u, err := s.users.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	watched, err := s.consumed.WatchedSeconds(ctx, userID, []int64{course.ID})
	if err != nil {
		return nil, err
	}
	id := course.ID
	r := &certRow{Serial: newSerial(), UserID: userID, Kind: KindCourse, CourseID: &id, HolderName: u.Nickname,
		Title: course.Title, Credits: course.Credits, Salt: newSalt(), Source: source, IssuedAt: s.now(),
		Status: statusValid}
	r.Details.V = details{Score: score(e.Missions), Missions: e.Missions, Hours: hours(watched)}
	if err := s.st.insert(ctx, tx, r); err != nil {
		return nil, err
	}
	if err := s.bus.Publish(ctx, tx, Issued{CertificateID: r.ID, UserID: userID, Kind: KindCourse, CourseID: course.ID,
		Credits: r.Credits, IssuedAt: r.IssuedAt}); err != nil {
		return nil, err
	}
	s.logger.Info("certificates: issued", "certificate_id", r.ID, "user_id", userID, "course_id", course.ID, "source", source)
	if course.CurriculumID != nil {
		if _, err := s.issueCurriculum(ctx, tx, userID, *course.CurriculumID, source); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// hours rounds watched seconds to whole hours (at least 1 when any).
func hours(sec int64) int {
	if sec <= 0 {
		return 0
	}
	return int(max(1, (sec+1800)/3600))
}

// issueCurriculum issues a curriculum's (nano-degree) certificate when
// every course of it that issues certificates is certified for the user
// and they hold none; nil otherwise. The caller holds the user's lock.
func (s *service) issueCurriculum(ctx context.Context, tx bun.Tx, userID, curriculumID int64, source string) (*certRow, error) {
	cur, courses, err := s.catalog.CurriculumByID(ctx, curriculumID)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, nil // not published: no nano-degree to certify
	}
	if err != nil {
		return nil, err
	}
	if have, err := s.st.validCurriculumCert(ctx, tx, userID, curriculumID); err != nil || have != nil {
		return have, err
	}
	if barred, err := s.st.revokedByIssuer(ctx, tx, userID, KindCurriculum, curriculumID); err != nil || barred {
		return nil, err
	}
	ids := make([]int64, 0, len(courses))
	for _, c := range courses {
		if !c.Certificate.Disabled {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	held, err := s.st.validCourseCerts(ctx, tx, userID, ids)
	if err != nil || len(held) < len(ids) {
		return nil, err
	}
	u, err := s.users.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	det := details{}
	credits, hrs := 0, 0
	var all []Mission
	for _, id := range ids {
		c := held[id]
		det.Courses = append(det.Courses, Course{ID: id, Title: c.Title, Serial: c.Serial})
		credits += c.Credits
		hrs += c.Details.V.Hours
		all = append(all, c.Details.V.Missions...)
	}
	det.Score, det.Hours = score(all), hrs
	r := &certRow{Serial: newSerial(), UserID: userID, Kind: KindCurriculum, CurriculumID: &curriculumID,
		HolderName: u.Nickname, Title: cur.Title, Credits: credits, Salt: newSalt(), Source: source,
		IssuedAt: s.now(), Status: statusValid}
	r.Details.V = det
	if err := s.st.insert(ctx, tx, r); err != nil {
		return nil, err
	}
	if err := s.bus.Publish(ctx, tx, Issued{CertificateID: r.ID, UserID: userID, Kind: KindCurriculum,
		CurriculumID: curriculumID, Credits: credits, IssuedAt: r.IssuedAt}); err != nil {
		return nil, err
	}
	s.logger.Info("certificates: issued", "certificate_id", r.ID, "user_id", userID, "curriculum_id", curriculumID)
	return r, nil
}

// Eligibility is where p stands against a course's certificate rule.
func (s *service) Eligibility(ctx context.Context, p *authz.Principal, courseID int64) (*Eligibility, error) {
	if err := s.authz.Check(p, objCertificate, "claim", authz.Owner); err != nil {
		return nil, err
	}
	// The course as p may read it: a draft of another's is not found.
	o, err := s.syllabus.Outline(ctx, p, courseID)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, errCourseGone
	}
	if err != nil {
		return nil, err
	}
	course := o.Course
	e, err := s.eligibility(ctx, p.UserID, course)
	if err != nil {
		return nil, err
	}
	held, err := s.st.validCourseCerts(ctx, s.db.R, p.UserID, []int64{courseID})
	if err != nil {
		return nil, err
	}
	if r, ok := held[courseID]; ok {
		c := s.view(&r, true)
		e.Certificate = &c
	}
	return e, nil
}

// Claim issues p's certificate of a course when they are eligible (the
// one they hold when they hold one: created false), or says what is
// missing (a 409 whose data lists it).
func (s *service) Claim(ctx context.Context, p *authz.Principal, courseID int64) (*Certificate, bool, error) {
	e, err := s.Eligibility(ctx, p, courseID)
	if err != nil {
		return nil, false, err
	}
	if e.Certificate != nil {
		return e.Certificate, false, nil
	}
	if !e.Enabled {
		return nil, false, errDisabled
	}
	if !e.Eligible {
		if len(e.Missing) == 1 && e.Missing[0].Kind == missingAccess {
			return nil, false, errNoAccess
		}
		return nil, false, errNotEligible.With(map[string]any{"Count": len(e.Missing), "CourseID": courseID})
	}
	course, err := s.catalog.CourseByID(ctx, courseID)
	if err != nil {
		return nil, false, err
	}
	var r *certRow
	created := false
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		before, err := s.st.validCourseCerts(ctx, tx, p.UserID, []int64{courseID})
		if err != nil {
			return err
		}
		r, err = s.issueCourse(ctx, tx, p.UserID, course, e, sourceClaim)
		created = len(before) == 0
		return err
	})
	if err != nil {
		return nil, false, err
	}
	c := s.view(r, true)
	return &c, created, nil
}
