package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/i18n"
)

// courseFilter selects courses for the list.
type courseFilter struct {
	Search     string
	Category   string
	SkillLevel string
	PriceLevel string // free | paid
	MinPrice   *int64
	MaxPrice   *int64
	Curriculum string // id or slug
	Mine       bool   // the caller's own courses, drafts included
	Ordering   string
	Limit      int
	Offset     int
}

// readScope is which courses p may read, for lists: by the same rules as
// one course's Check.
func (s *service) readScope(p *authz.Principal) authz.Scope {
	return s.authz.Scope(p, objCourse, "read", authz.Owner, authz.Published)
}

// ListCourses returns one page of courses with their counts and authors, in
// a fixed number of queries: the published ones, or the caller's own (Mine),
// among those the caller may read.
func (s *service) ListCourses(ctx context.Context, p *authz.Principal, f courseFilter) ([]CourseSummary, int, error) {
	l := courseList{courseFilter: f, uid: userID(p), scope: s.readScope(p), searchCategories: s.categoriesNamed(f.Search)}
	l.Mine = f.Mine && p != nil // an anonymous caller has no courses: "mine" is the catalog
	if f.Curriculum != "" {
		cu, err := s.st.curriculum(ctx, s.db.R, f.Curriculum, l.uid)
		if err == nil {
			err = s.readable(p, objCurriculum, cu.rels, errCurriculumNotFound)
		}
		if errors.Is(err, apperr.NotFound) {
			return []CourseSummary{}, 0, nil
		}
		if err != nil {
			return nil, 0, err
		}
		l.curriculumID = &cu.ID
	}
	rows, count, err := s.st.courses(ctx, s.db.R, l)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.summaries(ctx, rows)
	return out, count, err
}

// categoriesNamed returns the categories whose label, in any of the site's
// languages, contains term (ignoring case): "자바스크립트" names javascript,
// "data" data and database. Terms under two characters name none.
func (s *service) categoriesNamed(term string) []string {
	term = strings.ToLower(strings.TrimSpace(term))
	if s.i18n == nil || utf8.RuneCountInString(term) < 2 {
		return nil
	}
	var out []string
	for _, c := range Categories {
		for _, lang := range []string{i18n.KO, i18n.EN} {
			if strings.Contains(strings.ToLower(s.i18n.T(lang, "catalog.page.category."+c, nil)), term) || strings.Contains(c, term) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// PublishedCategories returns the categories that have a published course.
func (s *service) PublishedCategories(ctx context.Context) (map[string]bool, error) {
	return s.st.publishedCategories(ctx, s.db.R)
}

// summaries builds list items: one query for the counts, one for the authors.
func (s *service) summaries(ctx context.Context, rows []courseRow) ([]CourseSummary, error) {
	return listItems(ctx, s.users, rows, func(r *courseRow) (int64, int64) { return r.ID, r.AuthorID },
		func(ids []int64) (map[int64]courseStats, error) { return s.st.courseStats(ctx, s.db.R, ids) }, summaryOf)
}

// listItems builds the list items of rows in two queries whatever their
// number: one for what is counted by row (count), one for the authors.
func listItems[R, C, T any](ctx context.Context, users accounts.Directory, rows []R, ids func(*R) (id, author int64),
	count func(ids []int64) (map[int64]C, error), item func(*R, C, accounts.User) T) ([]T, error) {
	out := make([]T, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	rowIDs := make([]int64, len(rows))
	authorIDs := make([]int64, len(rows))
	for i := range rows {
		rowIDs[i], authorIDs[i] = ids(&rows[i])
	}
	counts, err := count(rowIDs)
	if err != nil {
		return nil, err
	}
	authors, err := users.UsersByIDs(ctx, authorIDs)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		out[i] = item(&rows[i], counts[rowIDs[i]], authors[authorIDs[i]])
	}
	return out, nil
}

func summaryOf(r *courseRow, st courseStats, author accounts.User) CourseSummary {
	return CourseSummary{ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary, Category: r.Category,
		SkillLevel: r.SkillLevel, Price: r.Price, AccessDays: r.AccessDays, Credits: r.Credits,
		EstimatedHours: r.EstimatedHours, Tags: nonNil(r.Tags.V), Status: r.Status, Thumbnail: r.Thumbnail, ThumbnailURL: ImageURL(r.Thumbnail, "display"),
		Certificate: r.Certificate.V, CurriculumID: r.CurriculumID, Position: r.Position, Author: Author{ID: author.ID, Nickname: author.Nickname},
		LectureCount: st.Lectures, TopicCount: st.Topics, VideoSeconds: st.VideoSeconds,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// visibleCourse loads a live course p may read: catalog.course read, with
// the relations of p to it. Others get 404, so that a draft's existence
// does not leak.
func (s *service) visibleCourse(ctx context.Context, idb bun.IDB, p *authz.Principal, id int64) (*courseRow, error) {
	r, err := s.st.course(ctx, idb, id, userID(p))
	if err != nil {
		return nil, err
	}
	return r, s.readable(p, objCourse, r.rels, errCourseNotFound)
}

// CourseIDBySlug returns the id of the live course named slug, when p may
// read it (404 otherwise, as for an id).
func (s *service) CourseIDBySlug(ctx context.Context, p *authz.Principal, slug string) (int64, error) {
	r, err := s.st.courseBySlug(ctx, s.db.R, slug, userID(p))
	if err != nil {
		return 0, err
	}
	if r == nil || r.DeletedAt != nil {
		return 0, errCourseNotFound
	}
	return r.ID, s.readable(p, objCourse, r.rels, errCourseNotFound)
}

// CourseByID implements Reader.
func (s *service) CourseByID(ctx context.Context, id int64) (CourseSummary, error) {
	r, err := s.st.course(ctx, s.db.R, id, 0)
	if err != nil {
		return CourseSummary{}, err
	}
	out, err := s.summaries(ctx, []courseRow{*r})
	if err != nil {
		return CourseSummary{}, err
	}
	return out[0], nil
}

// topicAccess is what p stands in to a course's topics: the course's owner,
// enrolled in it (as the entitlement provider says). The provider is asked
// only when being enrolled would let p see what p's other relations do not.
func (s *service) topicAccess(ctx context.Context, p *authz.Principal, r *courseRow) (authz.Rels, error) {
	access := authz.Rels{}.If(r.IsOwner, authz.Owner)
	if p == nil || s.authz.Allowed(p, objTopic, actView, access...) || !s.authz.Allowed(p, objTopic, actView, authz.Enrolled) {
		return access, nil
	}
	m, err := s.ent.Get().EntitledCourses(ctx, p.UserID, []int64{r.ID})
	return access.If(m[r.ID], authz.Enrolled), err
}

// Course returns a course with its whole outline, in a fixed number of
// queries whatever its size. A topic's content reaches those who may view it
// (catalog.topic view: free previews for everyone, premium content for the
// enrolled and the course's editors); answer keys only those who may see
// them (catalog.topic answers).
func (s *service) Course(ctx context.Context, p *authz.Principal, id int64) (*CourseDetail, error) {
	r, err := s.visibleCourse(ctx, s.db.R, p, id)
	if err != nil {
		return nil, err
	}
	access, err := s.topicAccess(ctx, p, r)
	if err != nil {
		return nil, err
	}
	sums, err := s.summaries(ctx, []courseRow{*r})
	if err != nil {
		return nil, err
	}
	d := &CourseDetail{CourseSummary: sums[0], Description: r.Description, IntroVideo: r.IntroVideo,
		Entitled: s.authz.Allowed(p, objTopic, actView, access...),
		Editable: s.authz.Allowed(p, objCourse, "update", r.of()...), Version: r.Version, Lectures: []Lecture{}}
	if d.Prerequisites, err = s.st.prerequisiteRefs(ctx, s.db.R, r.ID, s.readScope(p), userID(p)); err != nil {
		return nil, err
	}
	lectures, topics, err := s.st.liveOutline(ctx, s.db.R, r.ID)
	if err != nil {
		return nil, err
	}
	questions, err := s.questionsOf(ctx, topics)
	if err != nil {
		return nil, err
	}
	answers := s.authz.Allowed(p, objTopic, actAnswers, access...)
	byLecture := map[int64][]Topic{}
	for i := range topics {
		t := &topics[i]
		out, err := s.topicOut(p, t, questions[t.ID], access, answers)
		if err != nil {
			return nil, err
		}
		byLecture[t.LectureID] = append(byLecture[t.LectureID], out)
	}
	for _, l := range lectures {
		ts := byLecture[l.ID]
		if ts == nil {
			ts = []Topic{}
		}
		d.Lectures = append(d.Lectures, Lecture{ID: l.ID, Slug: l.Slug, Title: l.Title, Summary: l.Summary, Position: l.Position, Topics: ts})
	}
	return d, nil
}

// questionsOf loads the live questions and choices of quiz topics: two queries.
func (s *service) questionsOf(ctx context.Context, topics []topicRow) (map[int64][]Question, error) {
	var quizIDs []int64
	for _, t := range topics {
		if t.Kind == kindQuiz {
			quizIDs = append(quizIDs, t.ID)
		}
	}
	qs, choices, err := s.st.questions(ctx, s.db.R, quizIDs)
	if err != nil {
		return nil, err
	}
	out := map[int64][]Question{}
	for _, q := range qs {
		var cs []Choice
		for _, c := range choices[q.ID] {
			correct := c.IsCorrect
			cs = append(cs, Choice{ID: c.ID, Text: c.Text, IsCorrect: &correct})
		}
		out[q.TopicID] = append(out[q.TopicID], Question{ID: q.ID, Prompt: q.Prompt, Explanation: q.Explanation,
			Multiple: q.Multiple, Choices: cs})
	}
	return out, nil
}

// topicOut builds a topic of the outline: its content only when p may view
// it (a free preview, or p's access to the course), without the answer keys
// unless answers.
func (s *service) topicOut(p *authz.Principal, t *topicRow, questions []Question, access authz.Rels, answers bool) (Topic, error) {
	out := Topic{ID: t.ID, Slug: t.Slug, Title: t.Title, Kind: t.Kind, Premium: t.Premium, Mission: t.Mission,
		PassScore: t.PassScore, MaxAttempts: t.MaxAttempts, Duration: t.Duration, Position: t.Position}
	if !s.authz.Allowed(p, objTopic, actView, slices.Clip(access).If(!t.Premium, relFree)...) {
		out.Locked = true
		return out, nil
	}
	out.Content = &TopicContent{Questions: questions}
	if !answers {
		// Explanations come with grading; which choice is correct, never.
		for i := range questions {
			questions[i].Explanation = ""
			for j := range questions[i].Choices {
				questions[i].Choices[j].IsCorrect = nil
			}
		}
	}
	// A kind no longer registered shows nothing of its content.
	if k, ok := s.kinds.Get(t.Kind); ok {
		if err := k.Show(t.Content.V, answers, s.render, out.Content); err != nil {
			return Topic{}, err
		}
	}
	return out, nil
}

// ---- writes ----------------------------------------------------------------

// validate normalizes a course and checks it: its outline too when asked.
func (s *service) validate(in *CourseInput, outline bool) error {
	in.Normalize(s.kinds)
	if outline {
		return invalid(ValidateCourse(in, s.kinds))
	}
	return invalid(ValidateCourseFields(in))
}

// CreateCourse creates a course with its outline in one transaction. Slugs
// left out are derived from the titles (see slugs.go).
func (s *service) CreateCourse(ctx context.Context, p *authz.Principal, in CourseInput) (*CourseDetail, error) {
	if err := s.authz.Check(p, objCourse, "create"); err != nil {
		return nil, err
	}
	derive := in.Slug == ""
	fillOutlineSlugs(in.Lectures, nil, nil)
	var id int64
	err := s.txDerivingSlug(ctx, derive, func(ctx context.Context, tx bun.Tx) error {
		if derive {
			var err error
			if in.Slug, err = s.deriveSlug(ctx, tx, (*courseRow)(nil), "c", in.Title, "course"); err != nil {
				return err
			}
		}
		if err := s.validate(&in, true); err != nil {
			return err
		}
		taken, err := s.st.courseSlugTaken(ctx, tx, in.Slug, 0)
		if err != nil {
			return err
		}
		if taken {
			return errSlugTaken
		}
		w := s.writer(tx)
		row := &courseRow{AuthorID: userID(p)}
		if err := w.saveCourseRow(ctx, row, &in, true); err != nil {
			return conflictOnDuplicate(err)
		}
		id = row.ID
		if err := w.savePrerequisites(ctx, row.ID, in.Prerequisites, s.readScope(p), userID(p)); err != nil {
			return err
		}
		return w.saveOutline(ctx, row.ID, in.Lectures)
	})
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, p, id)
}

// prepareUpdate fills what a change of a course leaves out — its slug, and
// the slugs of the lectures and topics it names by id, which stay as they
// are — derives the slugs of new lectures and topics, and validates the
// result (its outline when outline).
func (s *service) prepareUpdate(ctx context.Context, tx bun.IDB, row *courseRow, in *CourseInput, outline bool) error {
	if in.Slug == "" {
		in.Slug = row.Slug
	}
	if outline {
		lectures, topics, err := s.st.allOutline(ctx, tx, row.ID)
		if err != nil {
			return err
		}
		lectureSlugs, topicSlugs := map[int64]string{}, map[int64]string{}
		for _, l := range lectures {
			lectureSlugs[l.ID] = l.Slug
		}
		for _, t := range topics {
			topicSlugs[t.ID] = t.Slug
		}
		fillOutlineSlugs(in.Lectures, lectureSlugs, topicSlugs)
	}
	return s.validate(in, outline)
}

// txDerivingSlug runs fn in a transaction. When fn derives a slug (derive)
// and a concurrent transaction that gave the same slug explicitly (and so
// took no lock, see deriveSlug) committed it first, the unique index
// refuses it (errSlugTaken): fn then runs again in a new transaction, which
// sees that slug taken and derives the next one.
func (s *service) txDerivingSlug(ctx context.Context, derive bool, fn func(ctx context.Context, tx bun.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.db.RunInTx(ctx, fn)
		if !derive || attempt == 3 || !errors.Is(err, errSlugTaken) {
			return err
		}
	}
}

// editable locks and loads a live course for act (update, delete): 404 when
// p cannot see it, 403 (401 anonymous) when p may see it but not do act.
func (s *service) editable(ctx context.Context, tx bun.IDB, p *authz.Principal, id int64, act string) (*courseRow, error) {
	if err := s.st.lockCourse(ctx, tx, id); err != nil {
		return nil, err
	}
	r, err := s.visibleCourse(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	return r, s.authz.Check(p, objCourse, act, r.of()...)
}

// CourseToEdit returns a course for its editor: 404 when p cannot see it,
// 403 when p may not change it.
func (s *service) CourseToEdit(ctx context.Context, p *authz.Principal, id int64) (*CourseDetail, error) {
	r, err := s.visibleCourse(ctx, s.db.R, p, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(p, objCourse, "update", r.of()...); err != nil {
		return nil, err
	}
	return s.Course(ctx, p, id)
}

// ReplaceCourse is PUT: the course's fields and its whole outline. Lectures
// and topics named by id (or slug) keep their ids; the others are
// soft-deleted.
//
// want is the version the caller edited (0: any); a course saved since then
// is not overwritten (errStale). Publishing checks the course's videos
// first (publishGate).
func (s *service) ReplaceCourse(ctx context.Context, p *authz.Principal, id int64, in CourseInput, want int64) (*CourseDetail, error) {
	var gate *publishGate
	if in.Status == statusPublished {
		var err error
		if gate, err = s.gateFor(ctx, p, id, &in.Lectures); err != nil {
			return nil, err
		}
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.editable(ctx, tx, p, id, "update")
		if err != nil {
			return err
		}
		if err := gate.check(row, want); err != nil {
			return err
		}
		if err := s.prepareUpdate(ctx, tx, row, &in, true); err != nil {
			return err
		}
		return s.write(ctx, tx, p, row, &in, true, true)
	})
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, p, id)
}

// write saves a course's fields, and its prerequisites and outline when
// asked (PUT: both; PATCH: what the patch names).
func (s *service) write(ctx context.Context, tx bun.IDB, p *authz.Principal, row *courseRow, in *CourseInput, prereqs, outline bool) error {
	if in.Slug != row.Slug {
		taken, err := s.st.courseSlugTaken(ctx, tx, in.Slug, row.ID)
		if err != nil {
			return err
		}
		if taken {
			return errSlugTaken
		}
	}
	w := s.writer(tx)
	if err := w.saveCourseRow(ctx, row, in, false); err != nil {
		return conflictOnDuplicate(err)
	}
	if prereqs {
		if err := w.savePrerequisites(ctx, row.ID, in.Prerequisites, s.readScope(p), userID(p)); err != nil {
			return err
		}
		if err := s.checkNoCycle(ctx, tx, row.ID); err != nil {
			return err
		}
	}
	if outline {
		if err := w.saveOutline(ctx, row.ID, in.Lectures); err != nil {
			return err
		}
	}
	if !w.changed && !prereqs {
		return nil
	}
	return s.st.bumpVersion(ctx, tx, row)
}

// checkNoCycle refuses prerequisites that lead back to the course.
func (s *service) checkNoCycle(ctx context.Context, tx bun.IDB, courseID int64) error {
	edges, err := s.st.prerequisiteEdges(ctx, tx)
	if err != nil {
		return err
	}
	next := map[int64][]int64{}
	for _, e := range edges {
		next[e.CourseID] = append(next[e.CourseID], e.PrerequisiteID)
	}
	seen := map[int64]bool{}
	stack := append([]int64(nil), next[courseID]...)
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c == courseID {
			return invalidAt("body.prerequisites", "catalog.prerequisite_cycle", nil)
		}
		if !seen[c] {
			seen[c] = true
			stack = append(stack, next[c]...)
		}
	}
	return nil
}

// CoursePatch is a partial change: nil fields stay as they are; Lectures,
// when present, replaces the outline (ids kept as in PUT). Its JSON names
// are CourseInput's (see patch).
type CoursePatch struct {
	Slug           *string         `json:"slug,omitempty"`
	Title          *string         `json:"title,omitempty"`
	Summary        *string         `json:"short_description,omitempty"`
	Description    *string         `json:"description,omitempty"`
	Category       *string         `json:"category,omitempty"`
	SkillLevel     *string         `json:"skill_level,omitempty"`
	Price          *int64          `json:"price,omitempty"`
	AccessDays     *int            `json:"access_days,omitempty"`
	Credits        *int            `json:"credits,omitempty"`
	EstimatedHours *int            `json:"estimated_hours,omitempty"`
	Tags           *[]string       `json:"tags,omitempty"`
	Prerequisites  *[]string       `json:"prerequisites,omitempty"`
	Status         *string         `json:"status,omitempty"`
	Thumbnail      *string         `json:"thumbnail,omitempty"`
	IntroVideo     *string         `json:"intro_video,omitempty"`
	Lectures       *[]LectureInput `json:"lectures,omitempty"`

	// Certificate, when present, replaces the whole rule: a field it leaves
	// out takes its default.
	Certificate *CertificateRule `json:"certificate,omitempty"`

	aliasConflicts []string // fields given under both names (see unalias)
}

// patch overlays a patch on an input: the fields the patch sets (non-nil:
// omitempty leaves the others out of its JSON) replace the input's fields of
// the same JSON name.
func patch(in, p any) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, in)
}

// PatchCourse applies a partial change.
// want as for ReplaceCourse.
func (s *service) PatchCourse(ctx context.Context, p *authz.Principal, id int64, cp CoursePatch, want int64) (*CourseDetail, error) {
	var gate *publishGate
	if cp.Status != nil && *cp.Status == statusPublished {
		var err error
		if gate, err = s.gateFor(ctx, p, id, cp.Lectures); err != nil {
			return nil, err
		}
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.editable(ctx, tx, p, id, "update")
		if err != nil {
			return err
		}
		if err := gate.check(row, want); err != nil {
			return err
		}
		in := CourseInput{Slug: row.Slug, Title: row.Title, Summary: row.Summary, Description: row.Description,
			Category: row.Category, SkillLevel: row.SkillLevel, Price: row.Price, AccessDays: row.AccessDays,
			Credits: row.Credits, EstimatedHours: row.EstimatedHours, Tags: row.Tags.V, Status: row.Status,
			Thumbnail: row.Thumbnail, IntroVideo: row.IntroVideo, Certificate: row.Certificate.V}
		if cp.Certificate != nil {
			// Replaced, not merged: json.Unmarshal would keep the fields the
			// patch's rule leaves out (its zero values, omitted).
			in.Certificate = CertificateRule{}
		}
		if err := patch(&in, cp); err != nil {
			return err
		}
		in.aliasConflicts = cp.aliasConflicts
		outline := cp.Lectures != nil
		if err := s.prepareUpdate(ctx, tx, row, &in, outline); err != nil {
			return err
		}
		return s.write(ctx, tx, p, row, &in, cp.Prerequisites != nil, outline)
	})
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, p, id)
}

// DeleteCourse soft-deletes a course; its outline stays for history.
func (s *service) DeleteCourse(ctx context.Context, p *authz.Principal, id int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.editable(ctx, tx, p, id, "delete")
		if err != nil {
			return err
		}
		now := s.clock.Now()
		row.DeletedAt, row.UpdatedAt = &now, now
		return s.st.update(ctx, tx, row, "deleted_at", "updated_at")
	})
}
