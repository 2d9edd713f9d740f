package certificates

import (
	"context"
	"errors"
	"strconv"

	"github.com/riverqueue/river"

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

// The completion events ask for an evaluation, which a job runs: an event
// handler holds its delivery's transaction (on SQLite, the one writer)
// while it runs, and an evaluation is a dozen reads of other modules.

// onTopicCompleted: this completion may meet the course's rule (its last
// topic, or the share the rule asks for).
func (s *service) onTopicCompleted(ctx context.Context, tx bun.Tx, d events.Delivery[learning.TopicCompleted]) error {
	return s.enqueueEvaluation(ctx, tx, d.Event.UserID, d.Event.CourseID)
}

// onCourseCompleted: the course's last topic is done.
func (s *service) onCourseCompleted(ctx context.Context, tx bun.Tx, d events.Delivery[learning.CourseCompleted]) error {
	return s.enqueueEvaluation(ctx, tx, d.Event.UserID, d.Event.CourseID)
}

// onTopicPassed: a mission passed after every topic was completed (a
// better score on a retake meets a rule's minimum score).
func (s *service) onTopicPassed(ctx context.Context, tx bun.Tx, d events.Delivery[assessment.TopicPassed]) error {
	return s.enqueueEvaluation(ctx, tx, d.Event.UserID, d.Event.CourseID)
}

// evaluateArgs asks whether a user now earns a course's certificate.
type evaluateArgs struct {
	UserID   int64 `json:"user_id"`
	CourseID int64 `json:"course_id"`
}

func (evaluateArgs) Kind() string { return "certificates.evaluate" }

type evaluateWorker struct {
	river.WorkerDefaults[evaluateArgs]
	s *service
}

func (w *evaluateWorker) Work(ctx context.Context, j *river.Job[evaluateArgs]) error {
	_, _, err := w.s.issueIfEligible(ctx, j.Args.UserID, j.Args.CourseID, sourceAuto)
	if errors.Is(err, errBarred) || errors.Is(err, errNoAccess) {
		return nil // nothing to issue
	}
	return err
}

// enqueueEvaluation inserts the evaluation job with the event's delivery.
func (s *service) enqueueEvaluation(ctx context.Context, tx bun.Tx, userID, courseID int64) error {
	_, err := s.jobs.Insert(ctx, &tx, evaluateArgs{UserID: userID, CourseID: courseID}, nil)
	return err
}

// issueIfEligible issues the course's certificate when the user is
// eligible and holds none: the evaluation runs on the reader pool, then a
// short transaction checks again under the user's lock and inserts.
// (nil, false, nil) when not eligible or disabled.
func (s *service) issueIfEligible(ctx context.Context, userID, courseID int64, source string) (*certRow, bool, error) {
	course, err := s.catalog.CourseByID(ctx, courseID)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, false, nil // deleted since
	}
	if err != nil || course.Certificate.Disabled {
		return nil, false, err
	}
	held, err := s.st.validCourseCerts(ctx, s.db.R, userID, []int64{courseID})
	if err != nil || len(held) > 0 {
		return nil, false, err
	}
	e, err := s.eligibility(ctx, userID, course)
	if err != nil || !e.Eligible {
		return nil, false, err
	}
	return s.issue(ctx, userID, course, e, source)
}

// issue runs issueCourse in its own transaction.
func (s *service) issue(ctx context.Context, userID int64, course catalog.CourseSummary, e *Eligibility, source string) (*certRow, bool, error) {
	var (
		r       *certRow
		created bool
	)
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		r, created, err = s.issueCourse(ctx, tx, userID, course, e, source)
		return err
	})
	return r, created, err
}

// issueCourse inserts the course's certificate, under the user's lock, and
// then the curriculum's when every course of it is now certified. Under
// the lock it checks again what may have changed since the evaluation: a
// certificate issued meanwhile (returned, created false), a revocation by
// the issuer (errBarred), the access taken back by a refund (errNoAccess;
// the refund's revocation takes the same lock, so a certificate is either
// issued before it, and revoked by it, or refused).
func (s *service) issueCourse(ctx context.Context, tx bun.Tx, userID int64, course catalog.CourseSummary, e *Eligibility, source string) (*certRow, bool, error) {
	if err := s.db.LockKey(ctx, tx, userLock(userID)); err != nil {
		return nil, false, err
	}
	held, err := s.st.validCourseCerts(ctx, tx, userID, []int64{course.ID})
	if err != nil {
		return nil, false, err
	}
	if r, ok := held[course.ID]; ok {
		return &r, false, nil
	}
	if barred, err := s.st.revokedByIssuer(ctx, tx, userID, KindCourse, course.ID); err != nil || barred {
		if barred {
			err = errBarred
		}
		return nil, false, err
	}
	ent, err := s.ent.EntitledCourses(ctx, userID, []int64{course.ID})
	if err != nil {
		return nil, false, err
	}
	if !ent[course.ID] {
		return nil, false, errNoAccess
	}
	u, err := s.users.UserByID(ctx, userID)
	if err != nil {
		return nil, false, err
	}
	watched, err := s.consumed.WatchedSeconds(ctx, userID, []int64{course.ID})
	if err != nil {
		return nil, false, err
	}
	id := course.ID
	r := &certRow{Serial: newSerial(), UserID: userID, Kind: KindCourse, CourseID: &id, HolderName: u.Nickname,
		Title: course.Title, Credits: course.Credits, Salt: newSalt(), Source: source, IssuedAt: s.now(),
		Status: statusValid}
	r.Details.V = details{Score: score(e.Missions), Missions: e.Missions, Hours: hours(watched)}
	if err := s.st.insert(ctx, tx, r); err != nil {
		return nil, false, err
	}
	if err := s.bus.Publish(ctx, tx, Issued{CertificateID: r.ID, UserID: userID, Kind: KindCourse, CourseID: course.ID,
		Credits: r.Credits, IssuedAt: r.IssuedAt}); err != nil {
		return nil, false, err
	}
	s.logger.Info("certificates: issued", "certificate_id", r.ID, "user_id", userID, "course_id", course.ID, "source", source)
	if course.CurriculumID != nil {
		if _, err := s.issueCurriculum(ctx, tx, userID, *course.CurriculumID, source); err != nil {
			return nil, false, err
		}
	}
	return r, true, nil
}

// userLock names the lock that orders a user's issues and revocations.
func userLock(userID int64) string { return "certificates:user:" + itoa(userID) }

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
	cur, _, err := s.catalog.CurriculumByID(ctx, curriculumID)
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
	// Every live course of it counts, a draft included: a nano-degree is
	// not certified while one of its courses cannot be taken yet.
	every, err := s.catalog.CurriculumCourseIDs(ctx, curriculumID)
	if err != nil {
		return nil, err
	}
	sums, err := s.syllabus.CourseSummaries(ctx, every)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(every))
	for _, id := range every {
		if c, ok := sums[id]; ok && !c.Certificate.Disabled {
			ids = append(ids, id)
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
	r, created, err := s.issue(ctx, p.UserID, course, e, sourceClaim)
	if err != nil {
		return nil, false, err
	}
	c := s.view(r, true)
	return &c, created, nil
}
