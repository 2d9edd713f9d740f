package assessment

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// pages mounts the learner's mission pages: a quiz or an assignment
// (/missions/{topic}), an attempt's or a submission's result, and "my
// missions". Forms post to the mission's own paths and redirect (303) to
// the result.
func (m *Module) pages(r fiber.Router) {
	r.Get("/missions/:topic", privatePage, m.missionPage)
	r.Post("/missions/:topic/attempts", privatePage, m.attemptSubmit)
	r.Get("/missions/:topic/attempts/:id", privatePage, m.attemptPage)
	r.Post("/missions/:topic/submissions", privatePage, m.submissionSubmit)
	r.Get("/missions/:topic/submissions/:id", privatePage, m.submissionPage)
	r.Get("/me/missions", privatePage, m.myMissionsPage)
}

// privatePage marks a page with personal data: no cache may keep it.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

// param is a positive id from the path, or 404.
func param(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id < 1 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// navLink is a topic linked from a mission page.
type navLink struct {
	Title string
	URL   string
}

// missionFrame is what every mission page shows around the mission: its
// course, the way back to the player, the topics before and after.
type missionFrame struct {
	Course    catalog.CourseSummary
	CourseURL string
	PlayerURL string // the topic in the course player
	Prev      *navLink
	Next      *navLink
	Standing  *MissionStatus
	Topic     catalog.TopicRef
	Outcome   string // passed, failed: the result shown
	LoginURL  string // for visitors
}

func (m *Module) frame(c *fiber.Ctx, mi *mission, st *MissionStatus) missionFrame {
	s := m.svc
	f := missionFrame{Course: mi.outline.Course, CourseURL: fmt.Sprintf("/courses/%d", mi.outline.Course.ID),
		PlayerURL: s.classroom.TopicURL(mi.outline.Course.ID, mi.topic.ID), Standing: st, Topic: mi.topic.TopicRef,
		LoginURL: m.web.SignInURL(s.MissionURL(mi.topic.ID))}
	link := func(t *catalog.OutlineTopic) *navLink {
		if t == nil {
			return nil
		}
		u := s.classroom.TopicURL(mi.outline.Course.ID, t.ID)
		if t.Kind == "quiz" || t.Kind == "assignment" {
			u = s.MissionURL(t.ID)
		}
		return &navLink{Title: t.Title, URL: u}
	}
	f.Prev, f.Next = link(mi.prev), link(mi.next)
	if f.PlayerURL == "" {
		f.PlayerURL = f.CourseURL
	}
	return f
}

// quizPage is the data of "assessment/quiz".
type quizPage struct {
	missionFrame
	Quiz      *Quiz
	Questions []questionView
	Error     string // set when the form comes back
	Exhausted bool   // the learner has no attempt left
}

// questionView is a question as a quiz page or a result shows it.
type questionView struct {
	ID         int64
	Number     int
	PromptHTML template.HTML
	Multiple   bool // choose every correct choice (checkboxes)
	Choices    []choiceView
	// A result's.
	Answered    bool
	Correct     bool
	Explanation string
}

// choiceView is one choice of a questionView.
type choiceView struct {
	ID      int64
	Mark    int
	Text    string
	Checked bool
}

// questionViews are a quiz's questions with the choices picked: those of
// picked (a form sent back), or of results (a graded attempt).
func questionViews(q *Quiz, picked map[int64][]int64, results map[int64]AttemptQuestion) []questionView {
	out := make([]questionView, len(q.Questions))
	for i, qq := range q.Questions {
		v := questionView{ID: qq.ID, Number: i + 1, Multiple: qq.Multiple,
			PromptHTML: template.HTML(qq.PromptHTML)} //nolint:gosec // the catalog's safe Markdown
		chosen := picked[qq.ID]
		if r, ok := results[qq.ID]; ok {
			v.Correct, v.Explanation, v.Answered = r.Correct, r.Explanation, len(r.ChoiceIDs) > 0
			chosen = r.ChoiceIDs
		}
		for j, c := range qq.Choices {
			v.Choices = append(v.Choices, choiceView{ID: c.ID, Mark: j + 1, Text: c.Text, Checked: slices.Contains(chosen, c.ID)})
		}
		out[i] = v
	}
	return out
}

// assignmentPage is the data of "assessment/assignment".
type assignmentPage struct {
	missionFrame
	Assignment *MissionAssignment
	PromptHTML template.HTML
	Tests      []testView
	Code       string
	CodeError  string
	Error      string
	Lines      int
}

// missionPage shows a quiz to take or an assignment to solve.
func (m *Module) missionPage(c *fiber.Ctx) error {
	topicID, err := param(c, "topic")
	if err != nil {
		return err
	}
	ref, err := m.svc.syllabus.TopicRef(c.UserContext(), topicID)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return errTopicNotFound
		}
		return err
	}
	switch ref.Kind {
	case "quiz":
		return m.renderQuiz(c, topicID, nil, "")
	case "assignment":
		return m.renderAssignment(c, topicID, nil, "", "")
	}
	return errTopicNotFound
}

// locked sends a visitor to sign in, and a learner without access to the
// topic in the classroom, which says why it is locked and how to open it.
func (m *Module) locked(c *fiber.Ctx, err error) error {
	if errors.Is(err, apperr.ErrAuthRequired) || apperr.KindOf(err) == apperr.Unauthenticated {
		return c.Redirect(m.web.SignInURL(c.OriginalURL()), fiber.StatusSeeOther)
	}
	if errors.Is(err, errLocked) {
		if topicID, perr := param(c, "topic"); perr == nil {
			if ref, rerr := m.svc.syllabus.TopicRef(c.UserContext(), topicID); rerr == nil {
				if u := m.svc.classroom.TopicURL(ref.CourseID, ref.ID); u != "" {
					return c.Redirect(u, fiber.StatusSeeOther)
				}
			}
		}
	}
	return err
}

func (m *Module) renderQuiz(c *fiber.Ctx, topicID int64, answers map[int64][]int64, msg string) error {
	p := authz.PrincipalFrom(c.UserContext())
	q, mi, err := m.svc.Quiz(c.UserContext(), p, topicID)
	if err != nil {
		return m.locked(c, err)
	}
	if answers == nil {
		answers = map[int64][]int64{}
	}
	page := quizPage{missionFrame: m.frame(c, mi, q.Standing), Quiz: q, Questions: questionViews(q, answers, nil), Error: msg,
		Exhausted: q.AttemptsLeft != nil && *q.AttemptsLeft == 0}
	status := fiber.StatusOK
	if msg != "" {
		status = fiber.StatusUnprocessableEntity
	}
	return m.web.Render(c, status, "assessment/quiz", page)
}

func (m *Module) renderAssignment(c *fiber.Ctx, topicID int64, code *string, codeErr, msg string) error {
	p := authz.PrincipalFrom(c.UserContext())
	a, mi, err := m.svc.Assignment(c.UserContext(), p, topicID)
	if err != nil {
		return m.locked(c, err)
	}
	page := assignmentPage{missionFrame: m.frame(c, mi, a.Standing), Assignment: a, Code: a.StarterCode,
		PromptHTML: template.HTML(a.PromptHTML), //nolint:gosec // the catalog's safe Markdown
		CodeError:  codeErr, Error: msg}
	if a.Last != nil {
		page.Code = a.Last.Code
	}
	if code != nil {
		page.Code = *code
	}
	page.Lines = lines(page.Code)
	page.Tests = testViews(a)
	status := fiber.StatusOK
	if codeErr != "" || msg != "" {
		status = fiber.StatusUnprocessableEntity
	}
	return m.web.Render(c, status, "assessment/assignment", page)
}

// testView is a visible test as the assignment page lists it.
type testView struct {
	Name   string
	Detail string // what it checks: "sum(1, 2) → 3", "SELECT … → 3 rows", "h1 × 1", "h1 { color: red }"
}

// testViews describe an assignment's visible tests in its grader's terms.
func testViews(a *MissionAssignment) []testView {
	out := make([]testView, len(a.Tests))
	for i, t := range a.Tests {
		v := testView{Name: t.Name}
		switch a.Language {
		case "javascript":
			args := make([]string, len(t.Args))
			for j, x := range t.Args {
				args[j] = compactJSON(x)
			}
			v.Detail = fmt.Sprintf("%s(%s) → %s", a.Function, strings.Join(args, ", "), compactJSON(t.Expect))
		case "sql":
			v.Detail = "→ " + compactJSON(t.Expect)
		case "html":
			v.Detail = t.Selector
			switch {
			case t.Count != nil:
				v.Detail += fmt.Sprintf(" × %d", *t.Count)
			case t.MinCount != nil:
				v.Detail += fmt.Sprintf(" × ≥%d", *t.MinCount)
			case t.Text != "":
				v.Detail += fmt.Sprintf(" = %q", t.Text)
			case t.CSS != nil && t.CSS.Value != "":
				v.Detail += fmt.Sprintf(" { %s: %s }", t.CSS.Property, t.CSS.Value)
			case t.CSS != nil:
				v.Detail += fmt.Sprintf(" { %s }", t.CSS.Property)
			}
		}
		if len([]rune(v.Detail)) > 120 {
			v.Detail = string([]rune(v.Detail)[:120]) + "…"
		}
		out[i] = v
	}
	return out
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// lines counts the lines of code, at least 12 (the editor's height).
func lines(code string) int {
	n := 1
	for _, r := range code {
		if r == '\n' {
			n++
		}
	}
	return min(max(n+1, 12), 40)
}

// attemptSubmit grades the quiz form.
func (m *Module) attemptSubmit(c *fiber.Ctx) error {
	topicID, err := param(c, "topic")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	if p == nil { // the session ended under the form: the error page offers to sign in
		return apperr.ErrAuthRequired
	}
	number, _ := strconv.Atoi(c.FormValue("attempt"))
	in := AttemptInput{Attempt: max(number, 0)}
	picked, total := formAnswers(c)
	for id, choices := range picked {
		in.Answers = append(in.Answers, AnswerInput{QuestionID: id, ChoiceIDs: choices})
	}
	if len(picked) < total && c.FormValue("confirm_unanswered") == "" {
		return m.renderQuiz(c, topicID, picked, m.t(c, "assessment.page.quiz.unanswered", "Count", total-len(picked)))
	}
	a, err := m.svc.SubmitAttempt(ctx, p, topicID, in)
	switch {
	case errors.Is(err, errAttemptTaken):
		// A double click: the first submission's result.
		if prev, perr := m.svc.st.attemptByNumber(ctx, m.svc.db.R, p.UserID, topicID, in.Attempt); perr == nil {
			return c.Redirect(fmt.Sprintf("/missions/%d/attempts/%d", topicID, prev.ID), fiber.StatusSeeOther)
		}
		return m.renderQuiz(c, topicID, picked, m.t(c, "assessment.attempt_taken"))
	case errors.Is(err, errNoAttemptsLeft):
		return m.renderQuiz(c, topicID, picked, m.t(c, "assessment.no_attempts_left"))
	case apperr.KindOf(err) == apperr.Invalid:
		return m.renderQuiz(c, topicID, picked, m.t(c, "assessment.page.quiz.invalid"))
	case err != nil:
		return m.locked(c, err)
	}
	return c.Redirect(fmt.Sprintf("/missions/%d/attempts/%d", topicID, a.ID), fiber.StatusSeeOther)
}

// formAnswers reads the quiz form's answers: the choices picked under
// "q<question id>" (one radio, or checkboxes), and how many questions the
// form asked ("questions": the ids, so an unanswered question is counted
// without reading the quiz again). Values that are not ids are dropped:
// grading refuses what names no question or choice of the quiz.
func formAnswers(c *fiber.Ctx) (map[int64][]int64, int) {
	args := c.Request().PostArgs()
	picked := map[int64][]int64{}
	asked := 0
	for _, q := range strings.Fields(string(args.Peek("questions"))) {
		qid, err := strconv.ParseInt(q, 10, 64)
		if err != nil || qid <= 0 {
			continue
		}
		asked++
		for _, v := range args.PeekMulti("q" + q) {
			if id, err := strconv.ParseInt(string(v), 10, 64); err == nil && !slices.Contains(picked[qid], id) {
				picked[qid] = append(picked[qid], id)
			}
		}
	}
	return picked, asked
}

// attemptPage is the data of "assessment/attempt".
type attemptPage struct {
	missionFrame
	Attempt   *Attempt
	Questions []questionView
	Retry     bool // another attempt is allowed
}

// resultRequest reads a result page's topic and id and its viewer. A
// visitor (p nil) has been sent to sign in.
func (m *Module) resultRequest(c *fiber.Ctx) (topicID, id int64, p *authz.Principal, err error) {
	if topicID, err = param(c, "topic"); err != nil {
		return 0, 0, nil, err
	}
	if id, err = param(c, "id"); err != nil {
		return 0, 0, nil, err
	}
	if p = authz.PrincipalFrom(c.UserContext()); p == nil {
		return 0, 0, nil, c.Redirect(m.web.SignInURL(c.OriginalURL()), fiber.StatusSeeOther)
	}
	return topicID, id, p, nil
}

// attemptPage shows a graded attempt: the score, each question with the
// learner's choice, right or wrong, and its explanation.
func (m *Module) attemptPage(c *fiber.Ctx) error {
	topicID, id, p, err := m.resultRequest(c)
	if err != nil || p == nil {
		return err
	}
	ctx := c.UserContext()
	a, err := m.svc.MyAttempt(ctx, p, id)
	if err != nil {
		return err
	}
	if a.TopicID != topicID {
		return errAttemptNotFound
	}
	q, mi, err := m.svc.quiz(ctx, p, topicID, a.Number) // the order the learner saw
	if err != nil {
		return m.locked(c, err)
	}
	results := map[int64]AttemptQuestion{}
	for _, r := range a.Questions {
		results[r.QuestionID] = r
	}
	page := attemptPage{missionFrame: m.frame(c, mi, q.Standing), Attempt: a,
		Questions: questionViews(q, nil, results), Retry: q.AttemptsLeft == nil || *q.AttemptsLeft > 0}
	page.Outcome = "failed"
	if a.Passed {
		page.Outcome = "passed"
	}
	return m.web.Render(c, fiber.StatusOK, "assessment/attempt", page)
}

// submissionSubmit sends the assignment form's code for grading.
func (m *Module) submissionSubmit(c *fiber.Ctx) error {
	topicID, err := param(c, "topic")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	if p == nil { // the session ended under the form: the error page offers to sign in
		return apperr.ErrAuthRequired
	}
	code := c.FormValue("code")
	sub, err := m.svc.Submit(ctx, p, topicID, SubmissionInput{Language: c.FormValue("language"), Code: code})
	if err != nil {
		var ae *apperr.Error
		switch {
		case apperr.KindOf(err) == apperr.Invalid && errors.As(err, &ae) && len(ae.Fields) > 0:
			id, param, _ := strings.Cut(ae.Fields[0].Message, ":")
			return m.renderAssignment(c, topicID, &code, m.t(c, id, "Param", param), "")
		case errors.As(err, &ae) && (apperr.KindOf(err) == apperr.RateLimited || apperr.KindOf(err) == apperr.Unavailable ||
			apperr.KindOf(err) == apperr.Conflict):
			return m.renderAssignment(c, topicID, &code, "", m.t(c, ae.Msg))
		}
		return m.locked(c, err)
	}
	return c.Redirect(fmt.Sprintf("/missions/%d/submissions/%d", topicID, sub.ID), fiber.StatusSeeOther)
}

// submissionPage is the data of "assessment/submission".
type submissionPage struct {
	missionFrame
	Assignment *MissionAssignment
	Submission *Submission
	PollURL    string // while grading goes on
}

// submissionPage shows a submission's result, or that grading goes on
// (the page's script polls, and reloads when it is done).
func (m *Module) submissionPage(c *fiber.Ctx) error {
	topicID, id, p, err := m.resultRequest(c)
	if err != nil || p == nil {
		return err
	}
	ctx := c.UserContext()
	sub, err := m.svc.MySubmission(ctx, p, id)
	if err != nil {
		return err
	}
	if sub.TopicID != topicID {
		return errSubmissionNotFound
	}
	a, mi, err := m.svc.Assignment(ctx, p, topicID)
	if err != nil {
		return m.locked(c, err)
	}
	page := submissionPage{missionFrame: m.frame(c, mi, a.Standing), Assignment: a, Submission: sub}
	switch {
	case !sub.Done():
		page.PollURL = fmt.Sprintf("/api/me/submissions/%d/", sub.ID)
	case sub.Passed:
		page.Outcome = "passed"
	default:
		page.Outcome = "failed"
	}
	return m.web.Render(c, fiber.StatusOK, "assessment/submission", page)
}

// myMissionsPage is the data of "assessment/me".
type myMissionsPage struct {
	Attempts    []missionRow
	Submissions []missionRow
}

// missionRow is an attempt or a submission in "my missions".
type missionRow struct {
	Title  string
	URL    string
	Number int
	Score  int
	Passed bool
	Status string
	At     any
}

// myMissionsPage lists the learner's latest attempts and submissions.
func (m *Module) myMissionsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	if p == nil {
		return c.Redirect(m.web.SignInURL(c.OriginalURL()), fiber.StatusSeeOther)
	}
	attempts, _, err := m.svc.MyAttempts(ctx, p, 0, 50, 0)
	if err != nil {
		return err
	}
	subs, _, err := m.svc.MySubmissions(ctx, p, 0, 50, 0)
	if err != nil {
		return err
	}
	titles, err := m.svc.topicTitles(ctx, attempts, subs)
	if err != nil {
		return err
	}
	page := myMissionsPage{}
	for _, a := range attempts {
		page.Attempts = append(page.Attempts, missionRow{Title: titles[a.TopicID], Number: a.Number, Score: a.Score,
			Passed: a.Passed, Status: statusGraded, At: a.CreatedAt, URL: fmt.Sprintf("/missions/%d/attempts/%d", a.TopicID, a.ID)})
	}
	for _, s := range subs {
		page.Submissions = append(page.Submissions, missionRow{Title: titles[s.TopicID], Number: s.Number, Score: s.Score,
			Passed: s.Passed, Status: s.Status, At: s.CreatedAt, URL: fmt.Sprintf("/missions/%d/submissions/%d", s.TopicID, s.ID)})
	}
	return m.web.Render(c, fiber.StatusOK, "assessment/me", page)
}
