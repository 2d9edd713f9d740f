package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/provide"
)

type service struct {
	db    *db.DB
	authz *authz.Enforcer
	clock clock.Clock
	users accounts.Directory
	kinds *Kinds
	// Late-bound: provided by the modules that sell access, track progress
	// and own media (see Module.Needs).
	ent         provide.Slot[Entitlements]
	statuses    provide.Slot[StatusProvider]
	bundleMedia provide.Slot[BundleMedia]
	md          goldmark.Markdown
	logger      *slog.Logger
}

func newMarkdown() goldmark.Markdown {
	// goldmark drops raw HTML and dangerous link schemes unless told
	// otherwise: course text cannot inject script into pages.
	return goldmark.New(goldmark.WithExtensions(extension.GFM))
}

func (s *service) render(md string) string {
	if strings.TrimSpace(md) == "" {
		return ""
	}
	var b bytes.Buffer
	if err := s.md.Convert([]byte(md), &b); err != nil {
		return ""
	}
	return b.String()
}

var errCourseNotFound = apperr.New(apperr.NotFound, "catalog.course_not_found", "catalog.course_not_found")
var errCurriculumNotFound = apperr.New(apperr.NotFound, "catalog.curriculum_not_found", "catalog.curriculum_not_found")

// canEdit reports whether p may edit something authored by authorID.
func (s *service) canEdit(p *authz.Principal, obj string, authorID int64) bool {
	rel := authz.None
	if p != nil && p.UserID == authorID {
		rel = authz.Owner
	}
	return s.authz.Allowed(p, obj, "update", rel)
}

// ---- reads -----------------------------------------------------------------

// CourseFilter selects courses for the list.
type CourseFilter struct {
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

var courseOrderings = map[string]string{
	"created_at": "c.created_at ASC, c.id ASC", "-created_at": "c.created_at DESC, c.id DESC",
	"price": "c.price ASC, c.id ASC", "-price": "c.price DESC, c.id DESC",
	"title": "c.title ASC, c.id ASC", "-title": "c.title DESC, c.id DESC",
	"position": "c.curriculum_id ASC, c.position ASC, c.id ASC",
}

// ListCourses returns one page of courses with their counts and authors, in
// a fixed number of queries.
func (s *service) ListCourses(ctx context.Context, p *authz.Principal, f CourseFilter) ([]CourseSummary, int, error) {
	q := s.db.R.NewSelect().Model((*courseRow)(nil)).Where("c.deleted_at IS NULL")
	if f.Mine && p != nil {
		q = q.Where("c.author_id = ?", p.UserID)
	} else {
		q = q.Where("c.status = 'published'")
	}
	if f.Category != "" {
		q = q.Where("c.category = ?", f.Category)
	}
	if f.SkillLevel != "" {
		q = q.Where("c.skill_level = ?", f.SkillLevel)
	}
	switch f.PriceLevel {
	case "free":
		q = q.Where("c.price = 0")
	case "paid":
		q = q.Where("c.price > 0")
	}
	if f.MinPrice != nil {
		q = q.Where("c.price >= ?", *f.MinPrice)
	}
	if f.MaxPrice != nil {
		q = q.Where("c.price <= ?", *f.MaxPrice)
	}
	if f.Curriculum != "" {
		cu, err := s.curriculumRef(ctx, f.Curriculum)
		if err == nil && cu.Status != "published" && !s.canEdit(p, "catalog.curriculum", cu.AuthorID) {
			err = errCurriculumNotFound
		}
		if err != nil {
			if errors.Is(err, apperr.NotFound) {
				return []CourseSummary{}, 0, nil
			}
			return nil, 0, err
		}
		q = q.Where("c.curriculum_id = ?", cu.ID)
	}
	q = s.db.WhereTextSearch(q, "catalog_courses", "c", []string{"title", "summary", "description"}, f.Search)
	order, ok := courseOrderings[f.Ordering]
	if !ok {
		order = courseOrderings["-created_at"]
		if f.Curriculum != "" {
			order = courseOrderings["position"]
		}
	}
	var rows []courseRow
	count, err := q.OrderExpr(order).Limit(int64(f.Limit)).Offset(int64(f.Offset)).ScanAndCount(ctx, &rows)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.summaries(ctx, rows)
	return out, int(count), err
}

type courseStats struct {
	CourseID     int64 `bun:"course_id"`
	Lectures     int   `bun:"lectures"`
	Topics       int   `bun:"topics"`
	VideoSeconds int   `bun:"video_seconds"`
}

// summaries builds list items: one query for the counts, one for the authors.
func (s *service) summaries(ctx context.Context, rows []courseRow) ([]CourseSummary, error) {
	out := make([]CourseSummary, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	authorIDs := make([]int64, 0, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		authorIDs = append(authorIDs, r.AuthorID)
	}
	var stats []courseStats
	if err := s.db.R.NewSelect().TableExpr("catalog_topics AS t").
		ColumnExpr("t.course_id, COUNT(DISTINCT t.lecture_id) AS lectures, COUNT(*) AS topics").
		ColumnExpr("COALESCE(SUM(CASE WHEN t.kind = 'video' THEN t.duration ELSE 0 END), 0) AS video_seconds").
		Join("JOIN catalog_lectures AS l ON l.id = t.lecture_id AND l.deleted_at IS NULL").
		Where("t.course_id IN (?)", bun.In(ids)).Where("t.deleted_at IS NULL").
		GroupExpr("t.course_id").Scan(ctx, &stats); err != nil {
		return nil, err
	}
	byCourse := map[int64]courseStats{}
	for _, st := range stats {
		byCourse[st.CourseID] = st
	}
	authors, err := s.users.UsersByIDs(ctx, authorIDs)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		out[i] = summaryOf(&rows[i], byCourse[rows[i].ID], authors[rows[i].AuthorID])
	}
	return out, nil
}

func summaryOf(r *courseRow, st courseStats, author accounts.User) CourseSummary {
	return CourseSummary{ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary, Category: r.Category,
		SkillLevel: r.SkillLevel, Price: r.Price, AccessDays: r.AccessDays, Credits: r.Credits,
		EstimatedHours: r.EstimatedHours, Tags: nonNil(r.Tags.V), Status: r.Status, Thumbnail: r.Thumbnail, ThumbnailURL: ImageURL(r.Thumbnail, "display"),
		CurriculumID: r.CurriculumID, Position: r.Position, Author: Author{ID: author.ID, Nickname: author.Nickname},
		LectureCount: st.Lectures, TopicCount: st.Topics, VideoSeconds: st.VideoSeconds,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// visibleCourse loads a live course the caller may see: published, or the
// caller's own (or any, for admins) when not published.
func (s *service) visibleCourse(ctx context.Context, idb bun.IDB, p *authz.Principal, id int64) (*courseRow, error) {
	var r courseRow
	if err := idb.NewSelect().Model(&r).Where("c.id = ?", id).Where("c.deleted_at IS NULL").Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errCourseNotFound
		}
		return nil, err
	}
	if r.Status != "published" && !s.canEdit(p, "catalog.course", r.AuthorID) {
		return nil, errCourseNotFound
	}
	return &r, nil
}

// CourseByID implements Reader.
func (s *service) CourseByID(ctx context.Context, id int64) (CourseSummary, error) {
	var r courseRow
	if err := s.db.R.NewSelect().Model(&r).Where("c.id = ?", id).Where("c.deleted_at IS NULL").Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return CourseSummary{}, errCourseNotFound
		}
		return CourseSummary{}, err
	}
	out, err := s.summaries(ctx, []courseRow{r})
	if err != nil {
		return CourseSummary{}, err
	}
	return out[0], nil
}

// entitled tells whether the caller sees premium content: editors always;
// learners when the entitlement provider says so.
func (s *service) entitled(ctx context.Context, p *authz.Principal, r *courseRow) (entitled, editor bool, err error) {
	if s.canEdit(p, "catalog.course", r.AuthorID) {
		return true, true, nil
	}
	if p == nil {
		return false, false, nil
	}
	m, err := s.ent.Get().EntitledCourses(ctx, p.UserID, []int64{r.ID})
	return m[r.ID], false, err
}

// Course returns a course with its whole outline, in a fixed number of
// queries whatever its size. Premium content only reaches entitled callers;
// answers, explanations, hidden tests and solutions only editors.
func (s *service) Course(ctx context.Context, p *authz.Principal, id int64) (*CourseDetail, error) {
	r, err := s.visibleCourse(ctx, s.db.R, p, id)
	if err != nil {
		return nil, err
	}
	entitled, editor, err := s.entitled(ctx, p, r)
	if err != nil {
		return nil, err
	}
	sums, err := s.summaries(ctx, []courseRow{*r})
	if err != nil {
		return nil, err
	}
	d := &CourseDetail{CourseSummary: sums[0], Description: r.Description, IntroVideo: r.IntroVideo,
		Entitled: entitled, Editable: editor, Prerequisites: []CourseRef{}, Lectures: []Lecture{}}
	if err := s.db.R.NewSelect().TableExpr("catalog_prerequisites AS pq").
		ColumnExpr("c.id, c.slug, c.title").Join("JOIN catalog_courses AS c ON c.id = pq.prerequisite_id").
		Where("pq.course_id = ?", r.ID).Where("c.deleted_at IS NULL").Apply(s.prereqFilter(p)).OrderExpr("c.position, c.id").
		Scan(ctx, &d.Prerequisites); err != nil {
		return nil, err
	}
	var lectures []lectureRow
	if err := s.db.R.NewSelect().Model(&lectures).Where("l.course_id = ?", r.ID).Where("l.deleted_at IS NULL").
		OrderExpr("l.position, l.id").Scan(ctx); err != nil {
		return nil, err
	}
	var topics []topicRow
	if err := s.db.R.NewSelect().Model(&topics).Where("t.course_id = ?", r.ID).Where("t.deleted_at IS NULL").
		OrderExpr("t.lecture_id, t.position, t.id").Scan(ctx); err != nil {
		return nil, err
	}
	questions, err := s.questionsOf(ctx, topics)
	if err != nil {
		return nil, err
	}
	byLecture := map[int64][]Topic{}
	for i := range topics {
		t := &topics[i]
		byLecture[t.LectureID] = append(byLecture[t.LectureID], s.topicOut(t, questions[t.ID], entitled, editor))
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

// questionsOf loads the live questions and choices of the quiz topics: two queries.
func (s *service) questionsOf(ctx context.Context, topics []topicRow) (map[int64][]Question, error) {
	out := map[int64][]Question{}
	var quizIDs []int64
	for _, t := range topics {
		if t.Kind == "quiz" {
			quizIDs = append(quizIDs, t.ID)
		}
	}
	if len(quizIDs) == 0 {
		return out, nil
	}
	var qs []questionRow
	if err := s.db.R.NewSelect().Model(&qs).Where("q.topic_id IN (?)", bun.In(quizIDs)).Where("q.deleted_at IS NULL").
		OrderExpr("q.topic_id, q.position, q.id").Scan(ctx); err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return out, nil
	}
	qids := make([]int64, len(qs))
	for i, q := range qs {
		qids[i] = q.ID
	}
	var cs []choiceRow
	if err := s.db.R.NewSelect().Model(&cs).Where("ch.question_id IN (?)", bun.In(qids)).Where("ch.deleted_at IS NULL").
		OrderExpr("ch.question_id, ch.position, ch.id").Scan(ctx); err != nil {
		return nil, err
	}
	choices := map[int64][]Choice{}
	for _, c := range cs {
		correct := c.IsCorrect
		choices[c.QuestionID] = append(choices[c.QuestionID], Choice{ID: c.ID, Text: c.Text, IsCorrect: &correct})
	}
	for _, q := range qs {
		out[q.TopicID] = append(out[q.TopicID], Question{ID: q.ID, Prompt: q.Prompt, Explanation: q.Explanation, Choices: choices[q.ID]})
	}
	return out, nil
}

// topicOut builds a topic of the outline and applies the gate.
func (s *service) topicOut(t *topicRow, questions []Question, entitled, editor bool) Topic {
	out := Topic{ID: t.ID, Slug: t.Slug, Title: t.Title, Kind: t.Kind, Premium: t.Premium, Mission: t.Mission,
		PassScore: t.PassScore, Duration: t.Duration, Position: t.Position}
	if t.Premium && !entitled {
		out.Locked = true
		return out
	}
	c := t.Content.V
	content := &TopicContent{Video: c.Video, Captions: c.Captions, Notes: c.Notes, NotesHTML: s.render(c.Notes),
		Body: c.Body, BodyHTML: s.render(c.Body), Questions: questions}
	if a := c.Assignment; a != nil {
		tests := append([]AssignmentTest(nil), a.Tests...)
		content.Assignment = &Assignment{Prompt: a.Prompt, PromptHTML: s.render(a.Prompt), Grader: a.Grader,
			StarterCode: a.StarterCode, Function: a.Function, Schema: a.Schema, Ordered: a.Ordered,
			Solution: a.Solution, Tests: tests}
	}
	if !editor {
		// Answers, explanations, solutions and hidden tests never reach
		// learners, whatever the kind; a kind may redact more of its own.
		redactQuiz(content)
		redactAssignment(content)
		if k, ok := s.kinds.Get(t.Kind); ok {
			k.Redact(content)
		}
	}
	out.Content = content
	return out
}

// ---- writes ----------------------------------------------------------------

func (s *service) validate(in *CourseInput, outline bool) error {
	in.Normalize()
	var errs []apperr.FieldError
	if outline {
		errs = ValidateCourse(in, s.kinds)
	} else {
		errs = ValidateCourseFields(in)
	}
	for i := range errs {
		errs[i].Location = "body." + errs[i].Location
	}
	if len(errs) > 0 {
		return apperr.InvalidFields("request.validation", errs...)
	}
	return nil
}

var errSlugTaken = apperr.New(apperr.Conflict, "catalog.slug_taken", "catalog.slug_taken")

// CreateCourse creates a course with its outline in one transaction.
func (s *service) CreateCourse(ctx context.Context, p *authz.Principal, in CourseInput) (*CourseDetail, error) {
	if err := s.authz.Check(p, "catalog.course", "create", authz.Any); err != nil {
		return nil, err
	}
	if err := s.validate(&in, true); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		taken, err := tx.NewSelect().Model((*courseRow)(nil)).Where("c.slug = ?", in.Slug).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			return errSlugTaken
		}
		w := &writer{tx: tx, now: s.clock.Now()}
		row := &courseRow{AuthorID: p.UserID}
		if err := w.saveCourseRow(ctx, row, &in, true); err != nil {
			return conflictOnDuplicate(err)
		}
		id = row.ID
		if err := w.savePrerequisites(ctx, row.ID, in.Prerequisites, s.prereqFilter(p)); err != nil {
			return err
		}
		return w.saveOutline(ctx, row.ID, in.Lectures)
	})
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, p, id)
}

func conflictOnDuplicate(err error) error {
	if db.IsUniqueViolation(err) {
		return errSlugTaken
	}
	return err
}

// editable loads a live course the caller may change (author or admin);
// others get 403 when they can see it, 404 when they cannot.
func (s *service) editable(ctx context.Context, tx bun.IDB, p *authz.Principal, id int64, act string) (*courseRow, error) {
	// Lock the course for the rest of the transaction: two concurrent
	// updates then apply one after the other instead of merging.
	if _, err := s.db.ForUpdate(tx.NewSelect().Model((*courseRow)(nil)).Column("id").Where("c.id = ?", id)).Exec(ctx); err != nil {
		return nil, err
	}
	r, err := s.visibleCourse(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	rel := authz.None
	if p != nil && p.UserID == r.AuthorID {
		rel = authz.Owner
	}
	if err := s.authz.Check(p, "catalog.course", act, rel); err != nil {
		return nil, err
	}
	return r, nil
}

// ReplaceCourse is PUT: the course's fields and its whole outline. Lectures
// and topics named by id (or slug) keep their ids; the others are
// soft-deleted.
func (s *service) ReplaceCourse(ctx context.Context, p *authz.Principal, id int64, in CourseInput) (*CourseDetail, error) {
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.editable(ctx, tx, p, id, "update")
		if err != nil {
			return err
		}
		if err := s.validate(&in, true); err != nil {
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
		taken, err := tx.NewSelect().Model((*courseRow)(nil)).Where("c.slug = ?", in.Slug).Where("c.id <> ?", row.ID).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			return errSlugTaken
		}
	}
	w := &writer{tx: tx, now: s.clock.Now()}
	if err := w.saveCourseRow(ctx, row, in, false); err != nil {
		return conflictOnDuplicate(err)
	}
	if prereqs {
		if err := w.savePrerequisites(ctx, row.ID, in.Prerequisites, s.prereqFilter(p)); err != nil {
			return err
		}
		if err := s.checkNoCycle(ctx, tx, row.ID); err != nil {
			return err
		}
	}
	if outline {
		return w.saveOutline(ctx, row.ID, in.Lectures)
	}
	return nil
}

// prereqFilter limits the courses a caller may name as prerequisites to
// those the caller may see: published ones, and the caller's own (admins:
// any), so a draft's existence does not leak.
func (s *service) prereqFilter(p *authz.Principal) func(q *bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		if p.IsAdmin() {
			return q
		}
		uid := int64(0)
		if p != nil {
			uid = p.UserID
		}
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("c.status = 'published'").WhereOr("c.author_id = ?", uid)
		})
	}
}

// checkNoCycle refuses prerequisites that lead back to the course.
func (s *service) checkNoCycle(ctx context.Context, tx bun.IDB, courseID int64) error {
	var edges []prerequisiteRow
	if err := tx.NewSelect().Model(&edges).Scan(ctx); err != nil {
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
// when present, replaces the outline (ids kept as in PUT).
type CoursePatch struct {
	Slug           *string         `json:"slug,omitempty"`
	Title          *string         `json:"title,omitempty"`
	Summary        *string         `json:"summary,omitempty"`
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
}

// PatchCourse applies a partial change.
func (s *service) PatchCourse(ctx context.Context, p *authz.Principal, id int64, patch CoursePatch) (*CourseDetail, error) {
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.editable(ctx, tx, p, id, "update")
		if err != nil {
			return err
		}
		in := CourseInput{Slug: row.Slug, Title: row.Title, Summary: row.Summary, Description: row.Description,
			Category: row.Category, SkillLevel: row.SkillLevel, Price: row.Price, AccessDays: row.AccessDays,
			Credits: row.Credits, EstimatedHours: row.EstimatedHours, Tags: row.Tags.V, Status: row.Status,
			Thumbnail: row.Thumbnail, IntroVideo: row.IntroVideo}
		set(&in.Slug, patch.Slug)
		set(&in.Title, patch.Title)
		set(&in.Summary, patch.Summary)
		set(&in.Description, patch.Description)
		set(&in.Category, patch.Category)
		set(&in.SkillLevel, patch.SkillLevel)
		set(&in.Price, patch.Price)
		set(&in.AccessDays, patch.AccessDays)
		set(&in.Credits, patch.Credits)
		set(&in.EstimatedHours, patch.EstimatedHours)
		set(&in.Tags, patch.Tags)
		set(&in.Status, patch.Status)
		set(&in.Thumbnail, patch.Thumbnail)
		set(&in.IntroVideo, patch.IntroVideo)
		if patch.Prerequisites != nil {
			in.Prerequisites = nonNil(*patch.Prerequisites)
		}
		outline := patch.Lectures != nil
		if outline {
			in.Lectures = *patch.Lectures
		}
		if err := s.validate(&in, outline); err != nil {
			return err
		}
		return s.write(ctx, tx, p, row, &in, patch.Prerequisites != nil, outline)
	})
	if err != nil {
		return nil, err
	}
	return s.Course(ctx, p, id)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
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
		_, err = tx.NewUpdate().Model(row).Column("deleted_at", "updated_at").WherePK().Exec(ctx)
		return err
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
