package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

// The editor's fields, in display order.
var editorFields = []string{"title", "slug", "summary", "description", "category", "skill_level", "status",
	"price", "access_days", "credits", "estimated_hours", "tags", "prerequisites", "lectures"}

// Bounds, in bytes, on submitted values: loose enough that everything the
// service accepts passes whole, so its validation decides and reports.
const (
	maxLine     = 2000
	maxText     = 400_000
	maxOutline  = 3 << 20
	maxListItem = 64
)

// editorPage is the data of "catalog/editor".
type editorPage struct {
	Form       *web.Form
	New        bool
	CourseID   int64
	Title      string // the course's saved title (editing)
	Action     string
	Issues     []web.Issue // errors inside the outline, by location
	Categories []web.Option
	Levels     []web.Option
	Statuses   []web.Option
	// OutlineExample is the outline field's placeholder: an example to
	// follow, never a value a course is saved with by accident.
	OutlineExample string
	LearnersURL    string // the course's learner list ("" for a new course)
}

// editorOf is the editor of a new course (id 0) or of course id.
func (m *Module) editorOf(c *fiber.Ctx, f *web.Form, id int64, title string) editorPage {
	pg := editorPage{Form: f, New: id == 0, CourseID: id, Title: title, Action: "/studio/courses/new",
		Categories:     m.options(c, "catalog.page.category.", Categories, ""),
		Levels:         m.options(c, "catalog.page.level.", SkillLevels, ""),
		Statuses:       m.options(c, "catalog.page.status.", Statuses, ""),
		OutlineExample: outlineJSON(m.exampleOutline(c))}
	if id != 0 {
		pg.Action = fmt.Sprintf("/studio/courses/%d/edit", id)
		pg.LearnersURL = m.svc.classroom.Get().LearnersURL(id)
	}
	return pg
}

func (m *Module) newCourse(c *fiber.Ctx) error {
	// The outline starts empty, its example shown as a placeholder: saved
	// as a value, the example published a lecture whose video had no file.
	f := m.formOf(c, &CourseInput{Category: "frontend", SkillLevel: "beginner", Status: "draft", AccessDays: 730})
	f.Set("lectures", "")
	f.Focus("title")
	return m.web.Render(c, fiber.StatusOK, "catalog/editor", m.editorOf(c, f, 0, ""))
}

func (m *Module) createCourse(c *fiber.Ctx) error {
	return m.submit(c, 0, "", "catalog.page.editor.created", func(in CourseInput) (*CourseDetail, error) {
		return m.svc.CreateCourse(c.UserContext(), authz.PrincipalFrom(c.UserContext()), in)
	})
}

// courseToEdit loads the course of the path for its editor: 404 when the
// caller cannot see it, 403 when they may not change it.
func (m *Module) courseToEdit(c *fiber.Ctx) (*CourseDetail, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return m.svc.CourseToEdit(c.UserContext(), authz.PrincipalFrom(c.UserContext()), id)
}

func (m *Module) editCourse(c *fiber.Ctx) error {
	d, err := m.courseToEdit(c)
	if err != nil {
		return err
	}
	in := inputOf(d)
	return m.web.Render(c, fiber.StatusOK, "catalog/editor", m.editorOf(c, m.formOf(c, &in), d.ID, d.Title))
}

func (m *Module) saveCourse(c *fiber.Ctx) error {
	d, err := m.courseToEdit(c)
	if err != nil {
		return err
	}
	return m.submit(c, d.ID, d.Title, "catalog.page.editor.saved", func(in CourseInput) (*CourseDetail, error) {
		// What the form does not show is kept.
		in.Thumbnail, in.IntroVideo = d.Thumbnail, d.IntroVideo
		return m.svc.ReplaceCourse(c.UserContext(), authz.PrincipalFrom(c.UserContext()), d.ID, in)
	})
}

// submit reads the editor (of course id; 0 for a new one) and saves it:
// on success it redirects to the course with the flash done, otherwise it
// shows the form again with each error beside its field.
func (m *Module) submit(c *fiber.Ctx, id int64, title, done string, save func(CourseInput) (*CourseDetail, error)) error {
	in, f, ok := m.readForm(c)
	pg := m.editorOf(c, f, id, title)
	status := fiber.StatusUnprocessableEntity
	if ok {
		d, err := save(in)
		if err == nil {
			web.SetFlash(c, "success", m.t(c, done))
			return c.Redirect(fmt.Sprintf("/courses/%d", d.ID), fiber.StatusSeeOther)
		}
		var shown bool
		if status, pg.Issues, shown = m.formError(c, f, err); !shown {
			return err
		}
	}
	return m.web.Render(c, status, "catalog/editor", pg)
}

// formOf fills the editor's form from a course input.
func (m *Module) formOf(c *fiber.Ctx, in *CourseInput) *web.Form {
	f := web.NewForm(editorFields...)
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	f.Set("title", in.Title).Set("slug", in.Slug).Set("summary", in.Summary).Set("description", in.Description)
	f.Set("category", in.Category).Set("skill_level", in.SkillLevel).Set("status", in.Status)
	f.Set("price", num(in.Price)).Set("access_days", num(int64(in.AccessDays))).Set("credits", num(int64(in.Credits)))
	f.Set("estimated_hours", num(int64(in.EstimatedHours)))
	f.Set("tags", strings.Join(in.Tags, ", ")).Set("prerequisites", strings.Join(in.Prerequisites, ", "))
	f.Set("lectures", outlineJSON(in.Lectures))
	return f
}

func outlineJSON(ls []LectureInput) string {
	if ls == nil {
		ls = []LectureInput{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(ls)
	return strings.TrimSpace(b.String())
}

// readForm reads the submitted editor. ok is false when a value could not
// even be read (a number that is not one, outline JSON that does not parse):
// then f carries those errors and the service's field checks, and nothing
// is saved.
func (m *Module) readForm(c *fiber.Ctx) (in CourseInput, f *web.Form, ok bool) {
	val := func(name string, max int) string {
		s := strings.ReplaceAll(c.FormValue(name), "\r\n", "\n")
		if len(s) > max {
			s = s[:max]
			for len(s) > 0 && !utf8.RuneStart(s[len(s)-1]) {
				s = s[:len(s)-1]
			}
		}
		return strings.TrimSpace(s)
	}
	f = web.NewForm(editorFields...)
	for _, n := range editorFields {
		limit := maxLine
		switch n {
		case "description":
			limit = maxText
		case "lectures":
			limit = maxOutline
		}
		f.Set(n, val(n, limit))
	}
	in = CourseInput{Title: f.Value("title"), Slug: strings.ToLower(f.Value("slug")), Summary: f.Value("summary"),
		Description: f.Value("description"), Category: f.Value("category"), SkillLevel: f.Value("skill_level"),
		Status: f.Value("status"), Tags: splitList(f.Value("tags")), Prerequisites: splitList(strings.ToLower(f.Value("prerequisites")))}
	ok = true
	number := func(name string, dst func(int64)) {
		s := strings.NewReplacer(",", "", "원", "", " ", "").Replace(f.Value(name))
		if s == "" {
			return
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.Fail(name, m.t(c, "catalog.page.editor.not_a_number"))
			ok = false
			return
		}
		dst(n)
	}
	number("price", func(n int64) { in.Price = n })
	number("access_days", func(n int64) { in.AccessDays = clampInt(n) })
	number("credits", func(n int64) { in.Credits = clampInt(n) })
	number("estimated_hours", func(n int64) { in.EstimatedHours = clampInt(n) })
	if err := decodeOutline(f.Value("lectures"), &in.Lectures); err != nil {
		f.Fail("lectures", m.jsonError(c, f.Value("lectures"), err))
		ok = false
	}
	if !ok {
		// Report the other fields' problems too, without saving.
		probe := in
		probe.Normalize(m.svc.kinds)
		m.placement(c).Place(f, invalid(ValidateCourseFields(&probe)), m.translator(c))
	}
	return in, f, ok
}

func clampInt(n int64) int {
	return int(min(max(n, -1_000_000_000), 1_000_000_000))
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, clipRunes(it, maxListItem))
		}
	}
	return out
}

func decodeOutline(s string, dst *[]LectureInput) error {
	if strings.TrimSpace(s) == "" {
		*dst = nil
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the outline")
	}
	return nil
}

// jsonError words a JSON error with its line and column when known.
func (m *Module) jsonError(c *fiber.Ctx, src string, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(src, se.Offset)
		return m.t(c, "catalog.page.editor.json_syntax", "Line", line, "Column", col, "Detail", se.Error())
	case errors.As(err, &te) && te.Offset < 0:
		return m.t(c, "catalog.page.editor.json_type_field", "Field", te.Field, "Want", te.Type.String())
	case errors.As(err, &te):
		line, col := position(src, te.Offset)
		return m.t(c, "catalog.page.editor.json_type", "Line", line, "Column", col, "Field", te.Field, "Want", te.Type.String())
	}
	return m.t(c, "catalog.page.editor.json_other", "Detail", err.Error())
}

func position(src string, offset int64) (line, col int) {
	line, col = 1, 1
	for i, r := range src {
		if int64(i) >= offset {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// formError puts a service error on the form: field errors next to their
// fields, outline ones in the list above the form, a taken slug on its
// field. It returns the status to render with and the outline's issues, and
// whether the error was one a form can show; others go to the error handler.
func (m *Module) formError(c *fiber.Ctx, f *web.Form, err error) (int, []web.Issue, bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return 0, nil, false
	}
	if ae.Code == errSlugTaken.Code {
		f.Fail("slug", m.t(c, "catalog.slug_taken"))
		return fiber.StatusConflict, nil, true
	}
	if !errors.Is(err, apperr.Invalid) {
		return 0, nil, false
	}
	issues, ok := m.placement(c).Place(f, err, m.translator(c))
	return fiber.StatusUnprocessableEntity, issues, ok
}

// placement places errors on the editor: the outline's ("lectures[0].
// topics[1].title") in the list above the form, worded "강의 1 › 토픽 2 ›
// title".
func (m *Module) placement(c *fiber.Ctx) web.ErrorPlacement {
	return web.ErrorPlacement{Nested: []string{"lectures"},
		Item: func(list string, n int) string {
			id := "catalog.page.editor.at." + list
			if !m.i18n.Has(id) {
				return ""
			}
			return m.t(c, id, "N", n)
		},
		Summary: func(_ string, n int) string { return m.t(c, "catalog.page.editor.outline_errors", "Count", n) },
	}
}

// translator translates field errors' messages for c (see tr).
func (m *Module) translator(c *fiber.Ctx) func(string) string {
	return func(msg string) string { return m.tr(c, msg) }
}

// inputOf turns a course, as its editor sees it, back into an input that
// keeps every lecture's and topic's id.
func inputOf(d *CourseDetail) CourseInput {
	in := CourseInput{Slug: d.Slug, Title: d.Title, Summary: d.Summary, Description: d.Description,
		Category: d.Category, SkillLevel: d.SkillLevel, Price: d.Price, AccessDays: d.AccessDays, Credits: d.Credits,
		EstimatedHours: d.EstimatedHours, Tags: d.Tags, Status: d.Status, Thumbnail: d.Thumbnail, IntroVideo: d.IntroVideo,
		Lectures: []LectureInput{}}
	for _, p := range d.Prerequisites {
		in.Prerequisites = append(in.Prerequisites, p.Slug)
	}
	for _, l := range d.Lectures {
		lid := l.ID
		li := LectureInput{ID: &lid, Slug: l.Slug, Title: l.Title, Summary: l.Summary, Topics: []TopicInput{}}
		for _, tp := range l.Topics {
			tid := tp.ID
			ti := TopicInput{ID: &tid, Slug: tp.Slug, Title: tp.Title, Kind: tp.Kind, Premium: tp.Premium,
				Mission: tp.Mission, PassScore: tp.PassScore, Duration: tp.Duration}
			if tp.Mission == "none" {
				ti.Mission = ""
			}
			if ct := tp.Content; ct != nil {
				ti.Video, ti.Captions, ti.Notes, ti.Body, ti.Payload = ct.Video, ct.Captions, ct.Notes, ct.Body, ct.Payload
				for _, q := range ct.Questions {
					qi := QuestionInput{Prompt: q.Prompt, Explanation: q.Explanation}
					for _, ch := range q.Choices {
						qi.Choices = append(qi.Choices, ChoiceInput{Text: ch.Text, Correct: ch.IsCorrect != nil && *ch.IsCorrect})
					}
					ti.Questions = append(ti.Questions, qi)
				}
				if a := ct.Assignment; a != nil {
					ti.Assignment = &AssignmentInput{Prompt: a.Prompt, Grader: a.Grader, StarterCode: a.StarterCode,
						Solution: a.Solution, Function: a.Function, Schema: a.Schema, Ordered: a.Ordered, Tests: a.Tests}
				}
			}
			li.Topics = append(li.Topics, ti)
		}
		in.Lectures = append(in.Lectures, li)
	}
	return in
}

// exampleOutline is the outline a new course starts from: one lecture with a
// free video and a premium article, in the page's language.
func (m *Module) exampleOutline(c *fiber.Ctx) []LectureInput {
	t := func(id string) string { return m.t(c, "catalog.page.editor.example."+id) }
	return []LectureInput{{Slug: "getting-started", Title: t("lecture"), Summary: t("lecture_summary"), Topics: []TopicInput{
		{Slug: "welcome", Title: t("video"), Kind: kindVideo, Duration: 180, Notes: t("video_notes")},
		{Slug: "setup", Title: t("article"), Kind: kindArticle, Premium: true, Body: t("article_body")},
	}}}
}
