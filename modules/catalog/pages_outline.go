package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

// The course editor's home, /studio/courses/{id}: the outline editor, the
// publishing checklist and the status. The outline form names lectures and
// topics by keys — "l12" / "t34" for stored ones, "n1" / "m1" for new ones —
// and lists them in order:
//
//	lecture=l12                       (repeated, in order)
//	lecture_title.l12=…
//	topic=l12/t34                     (repeated, in order: the lecture it is in / the topic)
//	topic_title.t34=…  topic_premium.t34=on  topic_kind.m1=quiz (new topics only)
//
// A stored topic keeps its content, slug and id wherever it moves; one left
// out is deleted (soft: progress and submissions stay). studio-outline.js
// adds, moves (drag and drop, or the buttons) and deletes rows with undo
// until saved; without JavaScript the titles and options still save.

// studioTabs is the course editor's tab bar.
type studioTabs struct {
	CourseID int64
	Title    string
	Status   string
	Current  string // outline, settings
	Learners string // the learner list's URL ("" when none)
	Export   string // the bundle download
	Preview  string // the first topic as learners see it ("" without topics)
	Page     string // the course page
}

func (m *Module) tabs(c *fiber.Ctx, d *CourseDetail, current string) studioTabs {
	room := m.svc.classroom.Get()
	t := studioTabs{CourseID: d.ID, Title: d.Title, Status: d.Status, Current: current,
		Learners: room.LearnersURL(d.ID), Export: fmt.Sprintf("/studio/courses/%d/export", d.ID),
		Page: fmt.Sprintf("/courses/%d", d.ID)}
	for _, l := range d.Lectures {
		if len(l.Topics) > 0 {
			t.Preview = room.TopicURL(d.ID, l.Topics[0].ID)
			break
		}
	}
	return t
}

// outlinePage is the data of "catalog/outline".
type outlinePage struct {
	Tabs      studioTabs
	Course    *CourseDetail
	Version   int64
	Lectures  []outlineLecture
	Kinds     []web.Option // for new topics
	Checklist []checkItem
	Ready     bool
	Stale     bool     // a save was refused: the course was saved since
	Problems  []string // problems of the submitted outline not shown on a row
	Statuses  []statusAction
}

// outlineLecture and outlineTopic are the outline's rows.
type outlineLecture struct {
	Key, Title, Error string
	ID                int64
	N                 int // its number in the outline
	Topics            []outlineTopic
}

type outlineTopic struct {
	Key, Title, Kind, KindLabel, Icon, Error string
	ID                                       int64
	Premium, New                             bool
	EditURL                                  string
	Todo                                     int // checklist items of the topic
}

// checkItem is a checklist item as shown: what, where, and the link to fix it.
type checkItem struct {
	Where, Message, URL string
}

// statusAction is a button that moves the course to another status.
type statusAction struct {
	Status, Label, Icon, Class string
	Disabled                   bool
}

func (m *Module) kindLabel(c *fiber.Ctx, kind string) string {
	if id := "catalog.page.kind." + kind; m.i18n.Has(id) {
		return m.t(c, id)
	}
	return kind
}

// outlineOf fills the page of course d; rows, when not nil, are the rows
// submitted (shown again after a refused save).
func (m *Module) outlineOf(c *fiber.Ctx, d *CourseDetail, rows []outlineLecture) (outlinePage, error) {
	pg := outlinePage{Tabs: m.tabs(c, d, "outline"), Course: d, Version: d.Version}
	for _, k := range m.svc.kinds.Names() {
		pg.Kinds = append(pg.Kinds, web.Option{Value: k, Label: m.kindLabel(c, k)})
	}
	items, err := m.svc.Checklist(c.UserContext(), d)
	if err != nil {
		return pg, err
	}
	todo := map[int64]int{}
	for _, it := range items {
		ci := checkItem{Where: m.where(c, d, it), Message: m.checkMessage(c, it)}
		switch {
		case it.TopicID != 0:
			ci.URL = fmt.Sprintf("/studio/courses/%d/topics/%d", d.ID, it.TopicID)
			todo[it.TopicID]++
		case it.LectureID != 0:
			ci.URL = fmt.Sprintf("#lecture-l%d", it.LectureID)
		default:
			ci.URL = "#outline"
		}
		pg.Checklist = append(pg.Checklist, ci)
	}
	pg.Ready = len(items) == 0
	if rows == nil {
		for _, l := range d.Lectures {
			lr := outlineLecture{Key: fmt.Sprintf("l%d", l.ID), ID: l.ID, Title: l.Title}
			for _, t := range l.Topics {
				lr.Topics = append(lr.Topics, outlineTopic{Key: fmt.Sprintf("t%d", t.ID), ID: t.ID, Title: t.Title,
					Kind: t.Kind, Premium: t.Premium})
			}
			rows = append(rows, lr)
		}
	}
	for i := range rows {
		rows[i].N = i + 1
		for j := range rows[i].Topics {
			t := &rows[i].Topics[j]
			t.KindLabel, t.Icon = m.kindLabel(c, t.Kind), kindIcons[t.Kind]
			if t.Icon == "" {
				t.Icon = "journal"
			}
			if t.ID != 0 {
				t.EditURL = fmt.Sprintf("/studio/courses/%d/topics/%d", d.ID, t.ID)
				t.Todo = todo[t.ID]
			}
		}
	}
	pg.Lectures = rows
	for _, st := range []struct{ status, icon, class string }{
		{"published", "globe2", "btn-primary"}, {"draft", "pencil", "btn-outline-secondary"}, {"archived", "archive", "btn-outline-secondary"},
	} {
		if st.status == d.Status {
			continue
		}
		pg.Statuses = append(pg.Statuses, statusAction{Status: st.status, Icon: st.icon, Class: st.class,
			Label: m.t(c, "catalog.page.outline.to_"+st.status), Disabled: st.status == "published" && !pg.Ready})
	}
	return pg, nil
}

// checkMessage words a checklist item: "required" says which content is
// missing when the outline has words for it (catalog.page.outline.check.
// <field>: an article's body, a question's prompt…).
func (m *Module) checkMessage(c *fiber.Ctx, it ChecklistItem) string {
	if it.Code == "catalog.required" {
		field := it.Location[strings.LastIndexByte(it.Location, '.')+1:]
		if id := "catalog.page.outline.check." + field; m.i18n.Has(id) {
			return m.t(c, id)
		}
	}
	return m.tr(c, it.Code)
}

// where words a checklist item's place: "강의 2 › 주제 1 「제목」".
func (m *Module) where(c *fiber.Ctx, d *CourseDetail, it ChecklistItem) string {
	for i, l := range d.Lectures {
		if l.ID != it.LectureID {
			continue
		}
		w := m.t(c, "catalog.page.editor.at.lectures", "N", i+1)
		for j, t := range l.Topics {
			if t.ID == it.TopicID {
				return w + " › " + m.t(c, "catalog.page.editor.at.topics", "N", j+1) + " 「" + t.Title + "」"
			}
		}
		return w + " 「" + l.Title + "」"
	}
	return m.t(c, "catalog.page.outline.whole_course")
}

func (m *Module) outline(c *fiber.Ctx) error {
	d, err := m.courseToEdit(c)
	if err != nil {
		return err
	}
	pg, err := m.outlineOf(c, d, nil)
	if err != nil {
		return err
	}
	return m.web.Render(c, fiber.StatusOK, "catalog/outline", pg)
}

// Keys of the outline form.
var (
	lectureKeyRE = regexp.MustCompile(`^(l|n)([0-9]{1,18})$`)
	topicKeyRE   = regexp.MustCompile(`^(t|m)([0-9]{1,18})$`)
)

// maxOutlineRows bounds what an outline form may list.
const maxOutlineRows = 20_000

// readOutline reads the submitted outline into lectures for course d
// (stored lectures and topics keep everything the form does not show) and
// the rows to show again.
func (m *Module) readOutline(c *fiber.Ctx, d *CourseDetail) ([]LectureInput, []outlineLecture, error) {
	stored := courseInputOf(d, true)
	lectures, topics := map[int64]LectureInput{}, map[int64]TopicInput{}
	for _, l := range stored.Lectures {
		lectures[*l.ID] = l
		for _, t := range l.Topics {
			topics[*t.ID] = t
		}
	}
	args := c.Request().PostArgs()
	bad := invalidAt("body.outline", "catalog.page.outline.malformed", nil)
	var out []LectureInput
	var rows []outlineLecture
	index := map[string]int{}
	for _, raw := range args.PeekMulti("lecture") {
		key := string(raw)
		m1 := lectureKeyRE.FindStringSubmatch(key)
		if m1 == nil || len(out) >= maxOutlineRows {
			return nil, nil, bad
		}
		if _, dup := index[key]; dup {
			continue
		}
		title := formText(c, "lecture_title."+key, maxLine)
		li := LectureInput{Title: title, Topics: []TopicInput{}}
		row := outlineLecture{Key: key, Title: title}
		if m1[1] == "l" {
			id, _ := strconv.ParseInt(m1[2], 10, 64)
			l, ok := lectures[id]
			if !ok {
				return nil, nil, errStale(d.Version) // deleted meanwhile
			}
			li.ID, li.Slug, li.Summary, row.ID = l.ID, l.Slug, l.Summary, id
		}
		index[key] = len(out)
		out, rows = append(out, li), append(rows, row)
	}
	seen := map[string]bool{}
	for _, raw := range args.PeekMulti("topic") {
		lkey, tkey, _ := strings.Cut(string(raw), "/")
		li, ok := index[lkey]
		m2 := topicKeyRE.FindStringSubmatch(tkey)
		if !ok || m2 == nil || seen[tkey] {
			return nil, nil, bad
		}
		seen[tkey] = true
		title := formText(c, "topic_title."+tkey, maxLine)
		premium := c.FormValue("topic_premium."+tkey) != ""
		row := outlineTopic{Key: tkey, Title: title, Premium: premium}
		var t TopicInput
		if m2[1] == "t" {
			id, _ := strconv.ParseInt(m2[2], 10, 64)
			if t, ok = topics[id]; !ok {
				return nil, nil, errStale(d.Version)
			}
			row.ID = id
		} else {
			t = TopicInput{Kind: c.FormValue("topic_kind." + tkey)}
			row.New = true
		}
		t.Title, t.Premium, row.Kind = title, premium, t.Kind
		out[li].Topics = append(out[li].Topics, t)
		rows[li].Topics = append(rows[li].Topics, row)
	}
	return out, rows, nil
}

// saveOutline is POST /studio/courses/{id}/outline.
func (m *Module) saveOutline(c *fiber.Ctx) error {
	d, err := m.courseToEdit(c)
	if err != nil {
		return err
	}
	lectures, rows, err := m.readOutline(c, d)
	if err == nil {
		in := courseInputOf(d, true)
		in.Lectures = lectures
		_, err = m.svc.ReplaceCourse(c.UserContext(), authz.PrincipalFrom(c.UserContext()), d.ID, in, formVersion(c))
		if err == nil {
			web.SetFlash(c, "success", m.t(c, "catalog.page.outline.saved"))
			return c.Redirect(fmt.Sprintf("/studio/courses/%d", d.ID), fiber.StatusSeeOther)
		}
	}
	status := fiber.StatusUnprocessableEntity
	var problems []string
	stale := errors.Is(err, apperr.Stale)
	switch {
	case stale:
		// Show what was submitted against the current version: saving
		// again overwrites knowingly; nothing is lost either way.
		status = fiber.StatusConflict
		if d, err = m.courseToEdit(c); err != nil {
			return err
		}
	case errors.Is(err, apperr.Invalid):
		problems = m.placeOutline(c, err, rows, d.Status == statusPublished)
	default:
		return err
	}
	pg, err := m.outlineOf(c, d, rows)
	if err != nil {
		return err
	}
	if !stale {
		pg.Version = formVersion(c)
	}
	pg.Stale, pg.Problems = stale, problems
	return m.web.Render(c, status, "catalog/outline", pg)
}

var outlineFieldRE = regexp.MustCompile(`^body\.lectures\[(\d+)\](?:\.topics\[(\d+)\])?\.?(.*)$`)

// placeOutline puts an outline's field errors on the rows they are about
// (a lecture's or topic's title, kind) and returns the others, worded.
//
// A published course stays complete for its learners (the publishing
// gate's rule, publish.go): a new quiz, article or assignment topic is
// refused until it has content, which the outline does not carry. Such a
// row says so, and the page says how to add it: back to draft, add and
// fill it, publish again (the checklist links each topic to fill).
func (m *Module) placeOutline(c *fiber.Ctx, err error, rows []outlineLecture, published bool) []string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return []string{m.tr(c, "catalog.page.outline.malformed")}
	}
	var rest []string
	needContent := false
	for _, fe := range ae.Fields {
		msg := m.tr(c, fe.Message)
		if mm := outlineFieldRE.FindStringSubmatch(fe.Location); published && mm != nil && mm[2] != "" && Incomplete(fe) {
			li, _ := strconv.Atoi(mm[1])
			ti, _ := strconv.Atoi(mm[2])
			if li < len(rows) && ti < len(rows[li].Topics) && rows[li].Topics[ti].New {
				t := &rows[li].Topics[ti]
				t.Error = m.t(c, "catalog.page.outline.needs_content", "Kind", m.kindLabel(c, t.Kind))
				needContent = true
				continue
			}
		}
		mm := outlineFieldRE.FindStringSubmatch(fe.Location)
		if mm != nil {
			li, _ := strconv.Atoi(mm[1])
			if li < len(rows) {
				if mm[2] == "" {
					if rows[li].Error == "" {
						rows[li].Error = msg
					}
					continue
				}
				if ti, _ := strconv.Atoi(mm[2]); ti < len(rows[li].Topics) {
					if t := &rows[li].Topics[ti]; t.Error == "" {
						t.Error = msg
					}
					continue
				}
			}
		}
		rest = append(rest, msg)
	}
	if needContent {
		rest = append(rest, m.t(c, "catalog.page.outline.published_new"))
	}
	return rest
}

// saveStatus is POST /studio/courses/{id}/status: publish (when the
// checklist is done), back to draft, or archive.
func (m *Module) saveStatus(c *fiber.Ctx) error {
	d, err := m.courseToEdit(c)
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	back := fmt.Sprintf("/studio/courses/%d", d.ID)
	_, err = m.svc.PatchCourse(c.UserContext(), authz.PrincipalFrom(c.UserContext()), d.ID, CoursePatch{Status: &status}, formVersion(c))
	var ae *apperr.Error
	switch {
	case err == nil:
		web.SetFlash(c, "success", m.t(c, "catalog.page.outline.status_"+status))
	case errors.Is(err, apperr.Stale):
		web.SetFlash(c, "danger", m.tr(c, "catalog.page.outline.stale_status"))
	case errors.As(err, &ae) && ae.Code == "catalog.not_ready":
		web.SetFlash(c, "danger", m.tr(c, "catalog.not_ready"))
	case errors.Is(err, apperr.Invalid):
		web.SetFlash(c, "danger", m.tr(c, "catalog.page.outline.bad_status"))
	default:
		return err
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

// editRedirect sends the editor's old address to the course editor.
func (m *Module) editRedirect(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/studio/courses/%d", id), fiber.StatusMovedPermanently)
}
