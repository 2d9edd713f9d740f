package assessment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/i18n"
)

// GradingQueue is the job queue of submissions graded off the request path.
const GradingQueue = "grading"

// MissionAssignment is an assignment as a learner takes it: the prompt, the
// language, the starter code and the visible tests (hidden ones are only
// counted).
type MissionAssignment struct {
	TopicID     int64                    `json:"topic_id"`
	CourseID    int64                    `json:"course_id"`
	Title       string                   `json:"title"`
	Mission     string                   `json:"mission" enum:"none,midterm,final"`
	PassScore   int                      `json:"pass_score" doc:"Percent of tests to pass."`
	Language    string                   `json:"language" doc:"The grader: javascript, sql, html, …"`
	Prompt      string                   `json:"prompt" doc:"Markdown."`
	PromptHTML  string                   `json:"prompt_html"`
	StarterCode string                   `json:"starter_code"`
	Function    string                   `json:"function,omitempty" doc:"javascript: the function the tests call."`
	Tests       []catalog.AssignmentTest `json:"tests" doc:"The visible tests."`
	HiddenTests int                      `json:"hidden_tests" doc:"How many hidden tests also run."`
	MaxCode     int                      `json:"max_code_bytes"`
	Available   bool                     `json:"available" doc:"Whether this server can grade it now."`
	Standing    *MissionStatus           `json:"standing,omitempty" doc:"The caller's standing (absent for visitors)."`
	// Last is the caller's latest submission, with its code.
	Last *Submission `json:"last,omitempty"`
}

// SubmissionInput is a learner's code.
type SubmissionInput struct {
	Language string `json:"language" minLength:"1" maxLength:"32" doc:"The assignment's grader (the assignment's language)."`
	Code     string `json:"code" maxLength:"1048576" doc:"At most max_code_bytes bytes."`
}

// Submission is a submission as its learner sees it: hidden tests say only
// whether they passed.
type Submission struct {
	ID          int64          `json:"id"`
	TopicID     int64          `json:"topic_id"`
	CourseID    int64          `json:"course_id"`
	Number      int            `json:"number"`
	Language    string         `json:"language"`
	Code        string         `json:"code,omitempty" doc:"In a submission's own view only."`
	Status      string         `json:"status" enum:"queued,running,graded,error"`
	Score       int            `json:"score"`
	Passed      bool           `json:"passed"`
	Verdict     string         `json:"verdict,omitempty" doc:"Why the code did not run to the end: time_limit, memory_limit, compile_error, runtime_error, output_limit, refused, unavailable."`
	Message     string         `json:"message,omitempty" doc:"What stopped the grading, in the request's language (Accept-Language: ko or en)."`
	MessageCode string         `json:"message_code,omitempty" doc:"The message's code (grader.time_limit, …); absent for submissions graded before codes existed, whose message is in English." example:"grader.time_limit"`
	MessageArgs map[string]any `json:"message_args,omitempty" doc:"The values the message quotes, by name."`
	Tests       []TestResult   `json:"tests"`
	CreatedAt   time.Time      `json:"created_at"`
	GradedAt    *time.Time     `json:"graded_at,omitempty"`
}

// TestResult is one test of a graded submission.
type TestResult struct {
	Name        string         `json:"name"`
	Hidden      bool           `json:"hidden,omitempty"`
	Passed      bool           `json:"passed"`
	Message     string         `json:"message,omitempty" doc:"Why the test failed, in the request's language (Accept-Language: ko or en), what the code printed on a line after it. Empty for hidden tests (their name too)." example:"\"h1\" 요소에 color: red 규칙이 없습니다."`
	MessageCode string         `json:"message_code,omitempty" doc:"The message's code (grader.html.css_missing, …); absent for hidden tests and for submissions graded before codes existed." example:"grader.html.css_missing"`
	MessageArgs map[string]any `json:"message_args,omitempty" doc:"The values the message quotes, by name (selector, property, value, want, got, error, …)."`
}

// Done reports whether grading has finished.
func (s *Submission) Done() bool { return s.Status == statusGraded || s.Status == statusError }

// submissionOf is a submission as its learner sees it, its messages in
// the language of ctx.
func (s *service) submissionOf(ctx context.Context, row *submissionRow, withCode bool) *Submission {
	lang := i18n.LangFrom(ctx)
	sub := &Submission{ID: row.ID, TopicID: row.TopicID, CourseID: row.CourseID, Number: row.Number, Language: row.Language,
		Status: row.Status, Score: row.Score, Passed: row.Passed, Verdict: row.Verdict,
		Message:     s.message(lang, row.MsgCode, row.MsgArgs.V, row.Message, ""),
		MessageCode: row.MsgCode, MessageArgs: row.MsgArgs.V,
		CreatedAt: row.CreatedAt, GradedAt: row.GradedAt, Tests: []TestResult{}}
	if len(sub.MessageArgs) == 0 {
		sub.MessageArgs = nil
	}
	if withCode {
		sub.Code = row.Code
	}
	for _, t := range row.Results.V {
		tr := TestResult{Hidden: t.Hidden, Passed: t.Passed}
		if !t.Hidden { // a hidden test's name and message may quote its case
			tr.Name, tr.MessageCode, tr.MessageArgs = t.Name, t.Code, t.Args
			tr.Message = s.message(lang, t.Code, t.Args, t.Message, t.Output)
		}
		sub.Tests = append(sub.Tests, tr)
	}
	return sub
}

// message is a grader's message in lang: its code rendered from the
// locales (grader.*.toml) with args, or, without a code this server knows
// (graded before codes existed), english as it is; what the code printed
// follows on a line of its own.
func (s *service) message(lang, code string, args map[string]any, english, output string) string {
	m := english
	if code != "" && s.i18n.Has(code) {
		m = s.i18n.T(lang, code, args)
	}
	if output != "" {
		m += "\n" + output
	}
	return m
}

// Assignment returns an assignment as p takes it.
func (s *service) Assignment(ctx context.Context, p *authz.Principal, topicID int64) (*MissionAssignment, *mission, error) {
	m, err := s.mission(ctx, p, topicID, "assignment", "read")
	if err != nil {
		return nil, nil, err
	}
	key, err := s.keys.AssignmentKey(ctx, topicID)
	if err != nil {
		return nil, nil, err
	}
	a := &MissionAssignment{TopicID: key.TopicID, CourseID: key.CourseID, Title: key.Title, Mission: key.Mission,
		PassScore: key.PassScore, Language: key.Grader, Prompt: key.Prompt, PromptHTML: key.PromptHTML,
		StarterCode: key.StarterCode, Function: key.Function, Tests: []catalog.AssignmentTest{},
		MaxCode: s.settings.MaxCodeBytes, Available: s.grader.Available(key.Grader)}
	for _, t := range key.Tests {
		if t.Hidden {
			a.HiddenTests++
		} else {
			a.Tests = append(a.Tests, t)
		}
	}
	if uid := userID(p); uid != 0 {
		if a.Standing, err = s.standingOf(ctx, uid, m.topic.TopicRef); err != nil {
			return nil, nil, err
		}
		rows, _, err := s.st.submissions(ctx, s.db.R, uid, topicID, 1, 0)
		if err != nil {
			return nil, nil, err
		}
		if len(rows) == 1 {
			row, err := s.st.submission(ctx, s.db.R, uid, rows[0].ID)
			if err != nil {
				return nil, nil, err
			}
			a.Last = s.submissionOf(ctx, row, true)
		}
	}
	return a, m, nil
}

// gradeArgs is the job that grades a submission the request path did not.
type gradeArgs struct {
	SubmissionID int64 `json:"submission_id"`
}

func (gradeArgs) Kind() string { return "assessment.grade" }

// gradeAttempts is how often the queue tries a submission whose grader
// fails (not the learner's code: that is a result).
const gradeAttempts = 3

// Submit stores p's code for an assignment and grades it: on the request
// path when a grading slot frees within Settings.InlineWait (done is
// true), or else on the grading queue (done is false: the caller polls).
// A job is queued with the submission either way, so a submission whose
// request dies is still graded.
func (s *service) Submit(ctx context.Context, p *authz.Principal, topicID int64, in SubmissionInput) (*Submission, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	m, err := s.mission(ctx, p, topicID, "assignment", "take")
	if err != nil {
		return nil, err
	}
	key, err := s.keys.AssignmentKey(ctx, topicID)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Language != key.Grader:
		return nil, apperr.InvalidFields("request.validation",
			apperr.FieldError{Location: "body.language", Message: "assessment.wrong_language:" + key.Grader, Value: in.Language})
	case len(in.Code) > s.settings.MaxCodeBytes:
		return nil, apperr.InvalidFields("request.validation",
			apperr.FieldError{Location: "body.code", Message: fmt.Sprintf("assessment.code_too_long:%d", s.settings.MaxCodeBytes), Value: len(in.Code)})
	case !s.grader.Available(key.Grader):
		return nil, errGraderUnavailable
	}
	now := s.clock.Now()
	row := &submissionRow{UserID: p.UserID, TopicID: topicID, CourseID: key.CourseID, Language: in.Language, Code: in.Code,
		Status: statusQueued, Results: db.JSON[[]testResult]{V: []testResult{}}, CreatedAt: now}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		recent, err := s.st.recentSubmissions(ctx, tx, p.UserID, now.Add(-time.Minute))
		if err != nil {
			return err
		}
		if recent >= s.settings.SubmissionsPerMinute {
			return apperr.Limited("assessment.too_many_submissions", time.Minute)
		}
		if row.Number, err = s.st.nextSubmission(ctx, tx, p.UserID, topicID); err != nil {
			return err
		}
		if err := s.st.insertSubmission(ctx, tx, row); err != nil {
			if db.IsUniqueViolation(err) { // two at once: one goes in
				return apperr.New(apperr.Conflict, "assessment.submission_busy", "assessment.submission_busy")
			}
			return err
		}
		if _, err := s.record(ctx, tx, p.UserID, m.topic.TopicRef, 0, false, +1, now); err != nil {
			return err
		}
		_, err = s.jobs.Insert(ctx, &tx, gradeArgs{SubmissionID: row.ID},
			&river.InsertOpts{Queue: GradingQueue, MaxAttempts: gradeAttempts})
		return err
	})
	if err != nil {
		return nil, err
	}
	wait, cancel := context.WithTimeout(ctx, s.settings.InlineWait)
	defer cancel()
	if s.inline.Acquire(wait, 1) != nil {
		return s.submissionOf(ctx, row, true), nil // the queue grades it
	}
	defer s.inline.Release(1)
	// The request may go away: the grading goes on to the end, bounded by
	// the grader's own limits.
	graded, err := s.grade(context.WithoutCancel(ctx), row.ID, false)
	switch {
	case errors.Is(err, errClaimed): // the queue's worker was quicker
		return s.submissionOf(ctx, row, true), nil
	case err != nil:
		s.logger.Warn("assessment: inline grading failed; the queue will retry", "err", err, "submission_id", row.ID)
		return s.submissionOf(ctx, row, true), nil
	}
	return s.submissionOf(ctx, graded, true), nil
}

// errClaimed means another grader holds the submission.
var errClaimed = errors.New("assessment: the submission is being graded elsewhere")

// grade claims a submission, runs its grader and stores the result. A
// submission already graded is returned as it is; one another grader holds
// fails with errClaimed. When the grader fails (not the code: the grader),
// the claim is released for the queue to retry, or, on the last attempt
// (final), the submission is stored as an error.
func (s *service) grade(ctx context.Context, id int64, final bool) (*submissionRow, error) {
	now := s.clock.Now()
	claimed, err := s.st.claim(ctx, s.db.W, id, now, now.Add(-staleClaim))
	if err != nil {
		return nil, err
	}
	row, err := s.st.submission(ctx, s.db.W, 0, id)
	if err != nil {
		return nil, err
	}
	if !claimed {
		if row.Status == statusGraded || row.Status == statusError {
			return row, nil
		}
		return nil, errClaimed
	}
	key, err := s.keys.AssignmentKey(ctx, row.TopicID)
	var out Outcome
	if err == nil {
		out, err = s.grader.Grade(ctx, key, row.Code)
	}
	if err != nil && apperr.KindOf(err) == apperr.NotFound {
		// The assignment was deleted meanwhile: nothing to grade against.
		out, err = Outcome{Verdict: "unavailable"}, nil
		key = &catalog.AssignmentKey{TopicID: row.TopicID, CourseID: row.CourseID, PassScore: 101}
	}
	if err != nil {
		if !final {
			s.st.release(context.WithoutCancel(ctx), s.db.W, id)
			return nil, err
		}
		row.Status, row.Verdict = statusError, "unavailable"
		row.Message = err.Error()
		key = &catalog.AssignmentKey{TopicID: row.TopicID, CourseID: row.CourseID, PassScore: 101}
	} else {
		row.Status, row.Score, row.Verdict, row.Message = statusGraded, out.Score, out.Verdict, out.Message
		row.MsgCode, row.MsgArgs = out.Code, db.JSON[map[string]any]{V: out.Args}
		row.Passed = out.Verdict == "" && out.Score >= key.PassScore
		res := make([]testResult, len(out.Tests))
		for i, t := range out.Tests {
			res[i] = testResult{Name: t.Name, Hidden: t.Hidden, Passed: t.Passed, Message: t.Message, Code: t.Code, Args: t.Args,
				Output: t.Output}
		}
		row.Results = db.JSON[[]testResult]{V: res}
	}
	ref, err := s.syllabus.TopicRef(ctx, row.TopicID)
	if err != nil { // deleted meanwhile: the standing is still the learner's
		ref = catalog.TopicRef{ID: row.TopicID, CourseID: row.CourseID, Kind: "assignment"}
	}
	done := s.clock.Now()
	row.GradedAt = &done
	firstPass := false
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := s.st.finish(ctx, tx, row)
		if err != nil || !ok {
			return err // !ok: another grader took over a stale claim and finished first
		}
		if row.Status == statusError {
			// Not a result: the learner's standing only stops waiting.
			_, err = s.record(ctx, tx, row.UserID, ref, 0, false, -1, done)
			return err
		}
		firstPass, err = s.record(ctx, tx, row.UserID, ref, row.Score, row.Passed, -1, done)
		return err
	})
	if err != nil {
		return nil, err
	}
	if row.Passed {
		s.completeTopic(ctx, row.UserID, row.TopicID, firstPass)
	}
	return row, nil
}

// gradeWorker grades the submissions the request path left to the queue.
type gradeWorker struct {
	river.WorkerDefaults[gradeArgs]
	s *service
}

// Work grades a submission; one being graded elsewhere is looked at again
// once that claim would be stale.
func (w *gradeWorker) Work(ctx context.Context, job *river.Job[gradeArgs]) error {
	_, err := w.s.grade(ctx, job.Args.SubmissionID, job.Attempt >= gradeAttempts)
	switch {
	case errors.Is(err, errClaimed):
		return river.JobSnooze(staleClaim)
	case apperr.KindOf(err) == apperr.NotFound:
		return nil // the submission is gone
	}
	return err
}

// MySubmission returns one of p's submissions, with its code.
func (s *service) MySubmission(ctx context.Context, p *authz.Principal, id int64) (*Submission, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	row, err := s.st.submission(ctx, s.db.R, p.UserID, id)
	if err != nil {
		return nil, err
	}
	return s.submissionOf(ctx, row, true), nil
}
