package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

// The topic editor: one topic of a course, its common fields (title, free
// preview or premium, mission and pass score) and its kind's form (see
// KindForm). A save replaces that topic only and keeps every id
// (SaveTopic); the form carries the course's version, and a save based on
// an older one is shown again with the author's values and a choice
// instead of overwriting what another tab or person saved. Markdown fields
// preview through POST /studio/preview, as learners will see them.
func (m *Module) topicPages(r fiber.Router, teach fiber.Handler) {
	r.Get("/studio/courses/:id/topics/:tid", teach, m.topicEditor)
	r.Post("/studio/courses/:id/topics/:tid", teach, m.saveTopicForm)
	r.Post("/studio/preview", teach, m.previewMarkdown)
}

// topicCommonFields are the editor's own fields, in display order.
var topicCommonFields = []string{"title", "premium", "mission", "pass_score", "max_attempts"}

// maxPreview bounds the Markdown a preview renders: the longest text a
// topic holds (an article's body, 100,000 characters).
const maxPreview = 100_000

// topicPage is the data of "catalog/topic".
type topicPage struct {
	Form        *web.Form
	CourseID    int64
	TopicID     int64
	CourseTitle string
	CourseURL   string // the course's editor
	TopicTitle  string // as saved
	Action      string
	Kind        string
	KindLabel   string
	KindIcon    string
	Template    string // the kind's form (FormTemplates)
	Gradable    bool
	Attempts    bool // the kind may cap attempts (max_attempts)
	Missions    []web.Option
	// Issues are problems no field of the form shows (elsewhere in the
	// course, or of this topic without a field).
	Issues []web.Issue
	// Stale is set when the save was refused: the course was saved since
	// the form was loaded.
	Stale      *staleNote
	PreviewURL string

	// video
	Videos     []videoChoice
	LibraryURL string
	Duration   string
	// quiz
	Questions   []quizSlot
	NewQuestion quizSlot // the <template> a script adds questions from
	// assignment
	Graders  []web.Option
	Tests    []testSlot
	NewTest  testSlot
	RunTests bool          // the chosen grader runs tests (Grader.Run)
	Outcomes []TestOutcome // of the last run
	Ran      bool
}

// staleNote explains a refused save: the version saved meanwhile, and where
// to see it.
type staleNote struct {
	Current   int64
	LatestURL string
}

// videoChoice is a video of the picker.
type videoChoice struct {
	Ref         string
	Title       string
	Status      string // ready, processing, uploaded, failed; missing: not in the library
	StatusLabel string
	Duration    string
	Thumb       string
	Current     bool // attached to the topic now
}

// quizSlot is a question of the quiz form; Index is "__i__" in the template
// new questions are made from.
type quizSlot struct {
	Index   string
	Number  int
	Choices []choiceSlot
	Blank   bool // the empty question offered for adding one
}

type choiceSlot struct {
	Index  int
	Number int
}

// testSlot is a test row of the assignment form.
type testSlot struct {
	Index  string
	Number int
	Blank  bool
}

// topicForm is the form of a topic and the names it has fields for.
type topicForm struct {
	*web.Form
	names map[string]bool
}

// newTopicForm builds the form of topic t of kind form kf: the common
// fields' values, then the kind's (Fill).
func newTopicForm(kf *KindForm, t *TopicInput, common map[string]string, version string) topicForm {
	var names []string
	vals := map[string]string{}
	set := func(n, v string) {
		if _, ok := vals[n]; !ok {
			names = append(names, n)
		}
		vals[n] = v
	}
	for _, n := range topicCommonFields {
		set(n, common[n])
	}
	kf.Fill(t, set)
	f := topicForm{Form: web.NewForm(names...), names: map[string]bool{}}
	for _, n := range names {
		f.Set(n, vals[n])
		f.names[n] = true
	}
	f.Set("version", version)
	return f
}

// commonOf is the common fields of a saved topic.
func commonOf(t *TopicInput) map[string]string {
	mission := t.Mission
	if mission == "" {
		mission = "none"
	}
	premium := "0"
	if t.Premium {
		premium = "1"
	}
	attempts := ""
	if t.MaxAttempts > 0 {
		attempts = strconv.Itoa(t.MaxAttempts)
	}
	return map[string]string{"title": t.Title, "premium": premium, "mission": mission, "pass_score": strconv.Itoa(t.PassScore),
		"max_attempts": attempts}
}

// topicToEdit loads the course and topic of the path: 404 when the caller
// cannot see the course or the topic is not one of its live topics, 403
// when they may not edit it.
func (m *Module) topicToEdit(c *fiber.Ctx) (*CourseDetail, TopicInput, error) {
	d, err := m.courseToEdit(c)
	if err != nil {
		return nil, TopicInput{}, err
	}
	tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil || tid < 1 {
		return nil, TopicInput{}, errTopicNotFound
	}
	in := courseInputOf(d, true)
	for _, l := range in.Lectures {
		for _, t := range l.Topics {
			if *t.ID == tid {
				return d, t, nil
			}
		}
	}
	return nil, TopicInput{}, errTopicNotFound
}

// keepKnownIDs drops the ids a submitted quiz names that are not the saved
// topic's (a question of another tab's version, a doctored form), and any
// named twice: those questions and choices are matched by their text, or
// new.
func keepKnownIDs(next, stored *TopicInput) {
	known := map[int64]map[int64]bool{}
	for _, q := range stored.Questions {
		if q.ID == nil {
			continue
		}
		choices := map[int64]bool{}
		for _, ch := range q.Choices {
			if ch.ID != nil {
				choices[*ch.ID] = true
			}
		}
		known[*q.ID] = choices
	}
	usedQ, usedC := map[int64]bool{}, map[int64]bool{}
	for i := range next.Questions {
		q := &next.Questions[i]
		var choices map[int64]bool
		if q.ID != nil {
			var ok bool
			if choices, ok = known[*q.ID]; !ok || usedQ[*q.ID] {
				q.ID, choices = nil, nil
			} else {
				usedQ[*q.ID] = true
			}
		}
		for j := range q.Choices {
			ch := &q.Choices[j]
			if ch.ID != nil && (!choices[*ch.ID] || usedC[*ch.ID]) {
				ch.ID = nil
			} else if ch.ID != nil {
				usedC[*ch.ID] = true
			}
		}
	}
}

func (m *Module) topicEditor(c *fiber.Ctx) error {
	d, t, err := m.topicToEdit(c)
	if err != nil {
		return err
	}
	kind, _ := m.svc.kinds.Get(t.Kind)
	f := newTopicForm(formOf(kind), &t, commonOf(&t), strconv.FormatInt(d.Version, 10))
	f.Set("video", t.Video) // the video form's choice (also for kinds whose form has none: unused)
	return m.renderTopic(c, fiber.StatusOK, d, &t, f, nil)
}

func (m *Module) saveTopicForm(c *fiber.Ctx) error {
	d, stored, err := m.topicToEdit(c)
	if err != nil {
		return err
	}
	ctx, p := c.UserContext(), authz.PrincipalFrom(c.UserContext())
	kind, _ := m.svc.kinds.Get(stored.Kind)
	kf := formOf(kind)
	get, all := formReader(c)
	next, common, readErrs := m.readTopic(get, all, kind, kf, stored)
	keepKnownIDs(&next, &stored)

	// The form again, with what was sent: the kind's fields as read (a
	// list's empty rows dropped), what could not be read as typed.
	f := newTopicForm(kf, &next, common, get("version"))
	if all("video") != nil {
		f.Set("video", get("video"))
	} else {
		f.Set("video", stored.Video)
	}
	for _, fe := range readErrs {
		if s, ok := fe.Value.(string); ok {
			if name := m.topicField(kf, fe.Location); f.names[name] {
				f.Set(name, s)
			}
		}
	}
	prefix := TopicLocation(d, *stored.ID)
	if len(readErrs) > 0 {
		return m.refuseUnread(c, d, next, f, kf, prefix, readErrs)
	}

	want := NoSuchVersion // a form without its version is never taken for the latest
	if v, err := strconv.ParseInt(get("version"), 10, 64); err == nil && v > 0 {
		want = v
	}
	if v, err := strconv.ParseInt(get("overwrite"), 10, 64); err == nil && v > 0 {
		want = v // "overwrite with my version", offered with the version saved meanwhile
	}
	saved, err := m.svc.SaveTopic(ctx, p, d.ID, *stored.ID, next, want)
	var ae *apperr.Error
	switch {
	case err == nil:
	case errors.Is(err, apperr.Stale) && errors.As(err, &ae):
		cur, _ := ae.Data["Version"].(int64)
		note := &staleNote{Current: cur, LatestURL: c.Path()}
		return m.renderTopic(c, fiber.StatusConflict, d, &next, f, func(pg *topicPage) { pg.Stale = note })
	case errors.Is(err, apperr.Invalid) && errors.As(err, &ae) && len(ae.Fields) > 0:
		issues := m.placeTopicErrors(c, f, kf, prefix, ae.Fields)
		return m.renderTopic(c, fiber.StatusUnprocessableEntity, d, &next, f, func(pg *topicPage) { pg.Issues = issues })
	default:
		return err
	}

	done, kindOfFlash := m.t(c, "catalog.page.topic.saved"), "success"
	if stored.Kind == kindVideo && all("video") != nil {
		if err := m.attachVideo(c, d.ID, *stored.ID, stored.Video, get("video")); err != nil {
			done, kindOfFlash = m.t(c, "catalog.page.topic.saved_no_video", "Reason", m.errorText(c, err)), "warning"
		}
	}
	if get("run_tests") != "" && next.Assignment != nil {
		if g := m.svc.kinds.grader(next.Assignment.Grader); g != nil && g.Run != nil {
			return m.runTests(c, saved, *stored.ID, g)
		}
	}
	web.SetFlash(c, kindOfFlash, done)
	return c.Redirect(c.Path(), fiber.StatusSeeOther)
}

// refuseUnread shows the form again when some of it could not be read:
// nothing is saved, and the service's checks of the rest are shown too.
func (m *Module) refuseUnread(c *fiber.Ctx, d *CourseDetail, next TopicInput, f topicForm, kf *KindForm, prefix string, readErrs []apperr.FieldError) error {
	probe := courseInputOf(d, true)
	replaceTopic(&probe, next)
	probe.Normalize(m.svc.kinds)
	read := prefixed(prefix, readErrs)
	errs := slices.DeleteFunc(prefixed("body.", ValidateCourse(&probe, m.svc.kinds)), func(fe apperr.FieldError) bool {
		// A value that could not be read is reported as such, not as missing.
		return slices.ContainsFunc(read, func(r apperr.FieldError) bool { return r.Location == fe.Location })
	})
	issues := m.placeTopicErrors(c, f, kf, prefix, append(read, errs...))
	return m.renderTopic(c, fiber.StatusUnprocessableEntity, d, &next, f, func(pg *topicPage) { pg.Issues = issues })
}

// attachVideo puts the chosen video (a media reference, "" for none) on
// the topic when it is not the one it has: through the media library,
// which checks the caller may use that video.
func (m *Module) attachVideo(c *fiber.Ctx, courseID, topicID int64, current, chosen string) error {
	if chosen == current {
		return nil
	}
	ctx, p := c.UserContext(), authz.PrincipalFrom(c.UserContext())
	if chosen == "" {
		return m.svc.SetTopicVideo(ctx, p, topicID, "", 0)
	}
	return m.svc.library.Get().Attach(ctx, p, chosen, courseID, topicID, "")
}

// runTests runs the saved assignment's tests against its solution and
// shows the outcomes on the saved form.
func (m *Module) runTests(c *fiber.Ctx, d *CourseDetail, topicID int64, g *Grader) error {
	var t TopicInput
	for _, l := range courseInputOf(d, true).Lectures {
		for _, it := range l.Topics {
			if *it.ID == topicID {
				t = it
			}
		}
	}
	if t.Assignment == nil {
		return errTopicNotFound
	}
	outcomes, err := g.Run(c.UserContext(), t.Assignment, t.Assignment.Solution)
	if err != nil {
		return err
	}
	kind, _ := m.svc.kinds.Get(t.Kind)
	f := newTopicForm(formOf(kind), &t, commonOf(&t), strconv.FormatInt(d.Version, 10))
	return m.renderTopic(c, fiber.StatusOK, d, &t, f, func(pg *topicPage) { pg.Outcomes, pg.Ran = outcomes, true })
}

// errorText words an error for a message: its field errors' messages, or
// its own.
func (m *Module) errorText(c *fiber.Ctx, err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return m.t(c, "catalog.page.topic.video_failed")
	}
	var parts []string
	for _, fe := range ae.Fields {
		parts = append(parts, m.tr(c, fe.Message))
	}
	if len(parts) == 0 {
		parts = append(parts, m.tr(c, ae.Msg))
	}
	return strings.Join(parts, " ")
}

// readTopic reads the submitted form into a copy of the saved topic: the
// common fields, then the kind's (KindForm.Read). common is what was sent
// of the common fields, to show again.
func (m *Module) readTopic(get func(string) string, all func(string) []string, kind Kind, kf *KindForm, stored TopicInput) (TopicInput, map[string]string, []apperr.FieldError) {
	next := stored
	common := map[string]string{}
	for _, n := range topicCommonFields {
		common[n] = get(n)
	}
	next.Title = common["title"]
	next.Premium = common["premium"] == "1"
	var errs []apperr.FieldError
	if kind.Gradable {
		next.Mission = common["mission"]
		if next.Mission == "none" {
			next.Mission = ""
		}
		var err *apperr.FieldError
		if next.PassScore, err = formNumber(common, "pass_score"); err != nil {
			errs = append(errs, *err)
		}
	}
	if kind.Attempts {
		var err *apperr.FieldError
		if next.MaxAttempts, err = formNumber(common, "max_attempts"); err != nil {
			errs = append(errs, *err)
		}
	}
	errs = append(errs, kf.Read(get, all, &next)...)
	return next, common, errs
}

// formNumber reads a number field of the form: 0 when empty.
func formNumber(common map[string]string, name string) (int, *apperr.FieldError) {
	s := common[name]
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &apperr.FieldError{Location: name, Message: errNumber, Value: s}
	}
	return clampInt(int64(n)), nil
}

// formReader reads a submitted form: get a field's value (line ends as
// "\n"; one line trimmed, several only of trailing space and leading blank
// lines, which code and Markdown keep), all the values sent under a name.
func formReader(c *fiber.Ctx) (get func(string) string, all func(string) []string) {
	args := c.Request().PostArgs()
	get = func(name string) string {
		s := strings.ReplaceAll(string(args.Peek(name)), "\r\n", "\n")
		if len(s) > maxText {
			s = s[:maxText]
			for len(s) > 0 && !utf8.RuneStart(s[len(s)-1]) {
				s = s[:len(s)-1]
			}
		}
		if !strings.Contains(s, "\n") {
			return strings.TrimSpace(s)
		}
		s = strings.TrimRight(s, " \t\n")
		for {
			line, rest, ok := strings.Cut(s, "\n")
			if !ok || strings.TrimSpace(line) != "" {
				return s
			}
			s = rest
		}
	}
	all = func(name string) []string {
		vs := args.PeekMulti(name)
		if vs == nil {
			return nil
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = string(v)
		}
		return out
	}
	return get, all
}

// replaceTopic puts t in place of the topic with its id.
func replaceTopic(in *CourseInput, t TopicInput) {
	for i := range in.Lectures {
		for j := range in.Lectures[i].Topics {
			if old := &in.Lectures[i].Topics[j]; *old.ID == *t.ID {
				*old = t
			}
		}
	}
}

// topicField is the field that shows a problem located relative to the
// topic: a common field, or the kind's.
func (m *Module) topicField(kf *KindForm, loc string) string {
	switch loc {
	case "title", "mission", "pass_score", "max_attempts":
		return loc
	case "is_premium":
		return "premium"
	}
	return kf.Field(loc)
}

// placeTopicErrors puts each problem beside its field; those of other
// topics, or without a field, become issues listed above the form.
// prefix is the topic's location in the course ("body.lectures[1].
// topics[0].").
func (m *Module) placeTopicErrors(c *fiber.Ctx, f topicForm, kf *KindForm, prefix string, errs []apperr.FieldError) []web.Issue {
	var issues []web.Issue
	for _, fe := range errs {
		msg := m.tr(c, fe.Message)
		if rel, ok := strings.CutPrefix(fe.Location, prefix); ok && prefix != "" {
			if name := m.topicField(kf, rel); f.names[name] {
				f.Fail(name, msg)
				continue
			}
			issues = append(issues, web.Issue{Where: m.t(c, "catalog.page.topic.this_topic"), Location: rel, Message: msg})
			continue
		}
		issues = append(issues, web.Issue{Where: m.t(c, "catalog.page.topic.elsewhere"),
			Location: strings.TrimPrefix(fe.Location, "body."), Message: msg})
	}
	if len(issues) > 0 && f.FieldErrors() == 0 {
		f.Message = m.t(c, "catalog.page.topic.issues", "Count", len(issues))
	}
	return issues
}

// renderTopic shows the editor of topic t of course d with form f; more
// adds to the page (the stale note, issues, test outcomes).
func (m *Module) renderTopic(c *fiber.Ctx, status int, d *CourseDetail, t *TopicInput, f topicForm, more func(*topicPage)) error {
	kind, _ := m.svc.kinds.Get(t.Kind)
	kf := formOf(kind)
	title := t.Title
	for _, l := range d.Lectures {
		for _, tp := range l.Topics {
			if tp.ID == *t.ID {
				title = tp.Title // as saved: the heading does not change with an unsaved title
			}
		}
	}
	pg := &topicPage{Form: f.Form, CourseID: d.ID, TopicID: *t.ID, CourseTitle: d.Title,
		CourseURL: fmt.Sprintf("/studio/courses/%d", d.ID), TopicTitle: title,
		Action: fmt.Sprintf("/studio/courses/%d/topics/%d", d.ID, *t.ID), Kind: t.Kind, KindLabel: t.Kind,
		KindIcon: kindIcons[t.Kind], Template: kf.Template, Gradable: kind.Gradable, Attempts: kind.Attempts, PreviewURL: "/studio/preview"}
	if id := "catalog.page.kind." + t.Kind; m.i18n.Has(id) {
		pg.KindLabel = m.t(c, id)
	}
	if pg.KindIcon == "" {
		pg.KindIcon = "journal-text"
	}
	for _, ms := range Missions {
		pg.Missions = append(pg.Missions, web.Option{Value: ms, Label: m.t(c, "catalog.page.topic.mission."+ms)})
	}
	switch kf.Template {
	case "kind_video":
		videos, err := m.videoChoices(c, t.Video)
		if err != nil {
			return err
		}
		pg.Videos = videos
		pg.LibraryURL = m.svc.library.Get().LibraryURL(0, *t.ID)
		if t.Duration > 0 {
			pg.Duration = clockText(t.Duration)
		}
	case "kind_quiz":
		for i := range t.Questions {
			pg.Questions = append(pg.Questions, newQuizSlot(strconv.Itoa(i), i+1, quizChoiceSlots(&t.Questions[i]), false))
		}
		n := len(t.Questions)
		pg.Questions = append(pg.Questions, newQuizSlot(strconv.Itoa(n), n+1, quizChoices, true))
		pg.NewQuestion = newQuizSlot("__i__", 0, quizChoices, false)
	case "kind_assignment":
		grader := f.Value("grader")
		pg.Graders = []web.Option{{Value: "", Label: m.t(c, "catalog.page.topic.assignment.grader_none")}}
		names := m.svc.kinds.Graders()
		if grader != "" && !slices.Contains(names, grader) {
			names = append(names, grader) // saved with a grader this server no longer has: shown, and refused on save
		}
		for _, g := range names {
			label := g
			if id := "catalog.page.topic.grader." + g; m.i18n.Has(id) {
				label = m.t(c, id)
			}
			pg.Graders = append(pg.Graders, web.Option{Value: g, Label: label})
		}
		if t.Assignment != nil {
			for i := range t.Assignment.Tests {
				pg.Tests = append(pg.Tests, testSlot{Index: strconv.Itoa(i), Number: i + 1})
			}
		}
		n := len(pg.Tests)
		pg.Tests = append(pg.Tests, testSlot{Index: strconv.Itoa(n), Number: n + 1, Blank: true})
		pg.NewTest = testSlot{Index: "__i__"}
		if g := m.svc.kinds.grader(grader); g != nil && g.Run != nil {
			pg.RunTests = true
		}
	}
	if more != nil {
		more(pg)
	}
	return m.web.Render(c, status, "catalog/topic", pg)
}

func newQuizSlot(index string, number, choices int, blank bool) quizSlot {
	s := quizSlot{Index: index, Number: number, Blank: blank}
	for j := range choices {
		s.Choices = append(s.Choices, choiceSlot{Index: j, Number: j + 1})
	}
	return s
}

// videoChoices lists the videos the caller may put on the topic, the one it
// plays now (current) first even when it is not among them (another
// tutor's, or a file path kept where media cannot be imported).
func (m *Module) videoChoices(c *fiber.Ctx, current string) ([]videoChoice, error) {
	ctx, p := c.UserContext(), authz.PrincipalFrom(c.UserContext())
	lib := m.svc.library.Get()
	items, err := lib.Attachable(ctx, p, "video", 50)
	if err != nil {
		return nil, err
	}
	var out []videoChoice
	if current != "" {
		i := slices.IndexFunc(items, func(it MediaItem) bool { return it.Ref == current })
		var it MediaItem
		found := i >= 0
		if found {
			it = items[i]
			items = slices.Delete(slices.Clone(items), i, i+1)
		} else {
			desc, err := lib.Describe(ctx, []string{current})
			if err != nil {
				return nil, err
			}
			it, found = desc[current]
		}
		if found {
			out = append(out, m.videoChoice(c, it, true))
		} else {
			out = append(out, videoChoice{Ref: current, Title: current, Status: "missing", Current: true,
				StatusLabel: m.t(c, "catalog.page.topic.video.status.missing")})
		}
	}
	for _, it := range items {
		out = append(out, m.videoChoice(c, it, false))
	}
	return out, nil
}

func (m *Module) videoChoice(c *fiber.Ctx, it MediaItem, current bool) videoChoice {
	v := videoChoice{Ref: it.Ref, Title: it.Title, Status: it.Status, Current: current}
	if v.Title == "" {
		v.Title = it.Ref
	}
	switch it.Status {
	case "ready":
		v.StatusLabel = m.t(c, "catalog.page.topic.video.status.ready")
	case "failed":
		v.StatusLabel = m.t(c, "catalog.page.topic.video.status.failed")
	default:
		v.Status = "processing"
		v.StatusLabel = m.t(c, "catalog.page.topic.video.status.processing", "Progress", it.Progress)
	}
	if it.Duration > 0 {
		v.Duration = clockText(it.Duration)
	}
	// Only pictures the page's CSP admits: this origin's, or the media
	// origin's (https).
	if u := it.Thumb; (strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")) || strings.HasPrefix(u, "https://") {
		v.Thumb = u
	}
	return v
}

// previewMarkdown renders Markdown as learners will see it (the same
// renderer: raw HTML and unsafe links dropped), for the editors' preview.
func (m *Module) previewMarkdown(c *fiber.Ctx) error {
	text := strings.ReplaceAll(c.FormValue("text"), "\r\n", "\n")
	c.Set(fiber.HeaderCacheControl, "no-store")
	if len(text) > 4*maxPreview || utf8.RuneCountInString(text) > maxPreview {
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(fiber.StatusRequestEntityTooLarge).SendString(m.t(c, "catalog.page.topic.preview_too_long", "Max", web.Number(maxPreview)))
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(m.svc.render(text))
}
