package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

// pages mounts the catalog pages: the course list with search and filters,
// a course's page with its outline and free previews, and the studio where
// tutors and admins write courses. Studio forms post back to their own path;
// on success the handler redirects (303) to the course with a flash, on
// failure it renders the form again with the errors.
func (m *Module) pages(r fiber.Router) {
	r.Get("/courses", m.listPage)
	r.Get("/courses/:id", m.coursePage)
	teach := httpx.RequirePage(m.authz, "catalog.course", "create")
	r.Get("/studio/courses", teach, m.studioPage)
	r.Get("/studio/courses/new", teach, m.newCoursePage)
	r.Post("/studio/courses/new", teach, m.newCourseSubmit)
	r.Get("/studio/courses/:id/edit", teach, m.editCoursePage)
	r.Post("/studio/courses/:id/edit", teach, m.editCourseSubmit)
}

const (
	listPageSize   = 12
	studioPageSize = 20
	maxQuery       = 100 // runes of a search
)

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

// tr translates a field error's message id, which may carry one parameter
// ("catalog.too_long:200"), the way API problem details do.
func (m *Module) tr(c *fiber.Ctx, msg string) string {
	id, param, _ := strings.Cut(msg, ":")
	if m.i18n == nil || !m.i18n.Has(id) {
		return msg
	}
	return m.i18n.T(i18n.LangFrom(c.UserContext()), id, map[string]any{"Param": param})
}

// ---- shared view helpers ---------------------------------------------------

var categoryIcons = map[string]string{
	"frontend": "window", "javascript": "braces", "backend": "hdd-stack", "database": "database",
	"devops": "cloud-arrow-up", "tools": "tools", "data": "bar-chart-line", "design": "palette",
}

var kindIcons = map[string]string{
	"video": "play-circle", "article": "file-earmark-text", "quiz": "patch-question", "assignment": "code-square",
}

// Thumb is a course's picture: an image when the course has a same-origin
// one (the CSP allows images from our origin only), else a gradient in the
// category's colour with its icon and the title's first letter.
type Thumb struct {
	URL      string
	SrcSet   string // sizes of an uploaded image, for <img srcset>
	Category string
	Icon     string
	Initial  string
}

func thumbOf(s *CourseSummary) Thumb {
	th := Thumb{Category: s.Category, Icon: categoryIcons[s.Category], Initial: initial(s.Title)}
	if th.Icon == "" {
		th.Icon = "journal-code"
	}
	if u := s.ThumbnailURL; u != "" {
		th.URL = u
		th.SrcSet = ImageURL(s.Thumbnail, "thumbnail") + " 320w, " + u + " 1280w"
	} else if u := s.Thumbnail; strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.HasPrefix(u, "/\\") {
		th.URL = u
	}
	return th
}

func initial(s string) string {
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return strings.ToUpper(string(r))
		}
	}
	return "W"
}

// CourseCard is a course in the list, with its labels in the page's language.
type CourseCard struct {
	CourseSummary
	URL      string
	Thumb    Thumb
	Price    string // "12,900원" | "무료"
	Free     bool
	Level    string
	Category string
}

func (m *Module) card(c *fiber.Ctx, s CourseSummary) CourseCard {
	return CourseCard{CourseSummary: s, URL: fmt.Sprintf("/courses/%d", s.ID), Thumb: thumbOf(&s),
		Price: m.price(c, s.Price), Free: s.Price == 0,
		Level: m.t(c, "catalog.page.level."+s.SkillLevel), Category: m.t(c, "catalog.page.category."+s.Category)}
}

func (m *Module) price(c *fiber.Ctx, krw int64) string {
	if krw == 0 {
		return m.t(c, "catalog.page.free")
	}
	return m.t(c, "catalog.page.price", "Price", web.Number(krw))
}

// period words a number of days: whole years, else whole months, else days.
func (m *Module) period(c *fiber.Ctx, days int) string {
	switch {
	case days >= 365 && days%365 == 0:
		return m.t(c, "catalog.page.years", "Count", days/365)
	case days >= 30 && days%30 == 0:
		return m.t(c, "catalog.page.months", "Count", days/30)
	}
	return m.t(c, "catalog.page.days", "Count", days)
}

// span words a length in seconds: "1시간 20분", "12분" (at least a minute).
func (m *Module) span(c *fiber.Ctx, secs int) string {
	mins := (secs + 59) / 60
	if mins >= 60 {
		if mins%60 == 0 {
			return m.t(c, "catalog.page.hours", "Count", mins/60)
		}
		return m.t(c, "catalog.page.hours_minutes", "Hours", mins/60, "Minutes", mins%60)
	}
	return m.t(c, "catalog.page.minutes", "Count", max(mins, 1))
}

// clockText formats a video length as m:ss or h:mm:ss.
func clockText(secs int) string {
	if secs >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", secs/3600, secs%3600/60, secs%60)
	}
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

func (m *Module) options(c *fiber.Ctx, prefix string, values []string, empty string) []web.Option {
	var out []web.Option
	if empty != "" {
		out = append(out, web.Option{Value: "", Label: m.t(c, empty)})
	}
	for _, v := range values {
		out = append(out, web.Option{Value: v, Label: m.t(c, prefix+v)})
	}
	return out
}

func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ---- course list -----------------------------------------------------------

// ListQuery is the list's query string, cleaned: unknown values are dropped.
type ListQuery struct {
	Q          string
	Category   string
	SkillLevel string
	Price      string // "" | free | paid
	MinPrice   string // digits or ""
	MaxPrice   string
	Ordering   string // "" (newest) | price | -price | title
	Page       int
}

var listOrderings = []string{"", "price", "-price", "title"}

func (q ListQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Q)
	set("category", q.Category)
	set("level", q.SkillLevel)
	set("price", q.Price)
	set("min_price", q.MinPrice)
	set("max_price", q.MaxPrice)
	set("ordering", q.Ordering)
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// URL is the list's address for q.
func (q ListQuery) URL() string {
	if e := q.values().Encode(); e != "" {
		return "/courses?" + e
	}
	return "/courses"
}

func parseListQuery(c *fiber.Ctx) ListQuery {
	q := ListQuery{Q: clipRunes(strings.Join(strings.Fields(c.Query("q")), " "), maxQuery)}
	if v := c.Query("category"); slices.Contains(Categories, v) {
		q.Category = v
	}
	if v := c.Query("level"); slices.Contains(SkillLevels, v) {
		q.SkillLevel = v
	}
	if v := c.Query("price"); v == "free" || v == "paid" {
		q.Price = v
	}
	won := func(s string) string {
		s = strings.NewReplacer(",", "", "원", "", " ", "").Replace(strings.TrimSpace(s))
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n <= 100_000_000 {
			return strconv.FormatInt(n, 10)
		}
		return ""
	}
	q.MinPrice, q.MaxPrice = won(c.Query("min_price")), won(c.Query("max_price"))
	if v := c.Query("ordering"); slices.Contains(listOrderings, v) {
		q.Ordering = v
	}
	q.Page, _ = strconv.Atoi(c.Query("page"))
	q.Page = min(max(q.Page, 1), 10_000)
	return q
}

// ListPage is the data of "catalog/list".
type ListPage struct {
	Query      ListQuery
	Courses    []CourseCard
	Count      int
	First      int // 1-based index of the first card shown
	Last       int
	Pager      web.Pager
	Categories []FilterLink // the category tabs
	Orderings  []FilterLink
	Levels     []web.Option
	Prices     []web.Option
	Chips      []FilterLink // the active filters, each linking to the list without it
	ClearURL   string       // the list without any filter ("" when none is set)
}

// FilterLink is a link that sets or removes one filter.
type FilterLink struct {
	Label   string
	Icon    string
	URL     string
	Current bool
}

func (m *Module) listPage(c *fiber.Ctx) error {
	q := parseListQuery(c)
	f := CourseFilter{Search: q.Q, Category: q.Category, SkillLevel: q.SkillLevel, PriceLevel: q.Price,
		Limit: listPageSize, Offset: (q.Page - 1) * listPageSize}
	switch q.Ordering {
	case "":
		f.Ordering = "-created_at"
	default:
		f.Ordering = q.Ordering
	}
	if q.MinPrice != "" {
		n, _ := strconv.ParseInt(q.MinPrice, 10, 64)
		f.MinPrice = &n
	}
	if q.MaxPrice != "" {
		n, _ := strconv.ParseInt(q.MaxPrice, 10, 64)
		f.MaxPrice = &n
	}
	items, count, err := m.svc.ListCourses(c.UserContext(), authz.PrincipalFrom(c.UserContext()), f)
	if err != nil {
		return err
	}
	page := ListPage{Query: q, Count: count,
		Levels: m.options(c, "catalog.page.level.", SkillLevels, "catalog.page.list.all_levels"),
		Prices: m.options(c, "catalog.page.list.price_", []string{"free", "paid"}, "catalog.page.list.price_all")}
	for _, s := range items {
		page.Courses = append(page.Courses, m.card(c, s))
	}
	if len(items) > 0 {
		page.First, page.Last = f.Offset+1, f.Offset+len(items)
	}
	with := func(change func(*ListQuery)) string {
		n := q
		n.Page = 1
		change(&n)
		return n.URL()
	}
	pages := (count + listPageSize - 1) / listPageSize
	page.Pager = web.Paginate(q.Page, pages, func(p int) string {
		n := q
		n.Page = p
		return n.URL()
	})
	page.Categories = append(page.Categories, FilterLink{Label: m.t(c, "catalog.page.list.all_categories"), Icon: "grid",
		URL: with(func(n *ListQuery) { n.Category = "" }), Current: q.Category == ""})
	for _, cat := range Categories {
		page.Categories = append(page.Categories, FilterLink{Label: m.t(c, "catalog.page.category."+cat), Icon: categoryIcons[cat],
			URL: with(func(n *ListQuery) { n.Category = cat }), Current: q.Category == cat})
	}
	for _, o := range listOrderings {
		page.Orderings = append(page.Orderings, FilterLink{Label: m.t(c, "catalog.page.list.order."+orderKey(o)),
			URL: with(func(n *ListQuery) { n.Ordering = o }), Current: q.Ordering == o})
	}
	chip := func(label string, clear func(*ListQuery)) {
		page.Chips = append(page.Chips, FilterLink{Label: label, URL: with(clear)})
	}
	if q.Q != "" {
		chip(m.t(c, "catalog.page.list.chip_query", "Query", q.Q), func(n *ListQuery) { n.Q = "" })
	}
	if q.Category != "" {
		chip(m.t(c, "catalog.page.category."+q.Category), func(n *ListQuery) { n.Category = "" })
	}
	if q.SkillLevel != "" {
		chip(m.t(c, "catalog.page.level."+q.SkillLevel), func(n *ListQuery) { n.SkillLevel = "" })
	}
	if q.Price != "" {
		chip(m.t(c, "catalog.page.list.price_"+q.Price), func(n *ListQuery) { n.Price = "" })
	}
	if q.MinPrice != "" || q.MaxPrice != "" {
		label := ""
		switch {
		case q.MinPrice != "" && q.MaxPrice != "":
			label = m.t(c, "catalog.page.list.range_both", "Min", web.Number(atoi64(q.MinPrice)), "Max", web.Number(atoi64(q.MaxPrice)))
		case q.MinPrice != "":
			label = m.t(c, "catalog.page.list.range_min", "Min", web.Number(atoi64(q.MinPrice)))
		default:
			label = m.t(c, "catalog.page.list.range_max", "Max", web.Number(atoi64(q.MaxPrice)))
		}
		chip(label, func(n *ListQuery) { n.MinPrice, n.MaxPrice = "", "" })
	}
	if len(page.Chips) > 0 {
		page.ClearURL = "/courses"
	}
	return m.web.Render(c, fiber.StatusOK, "catalog/list", page)
}

// orderKey names an ordering in message ids: "" → newest, "-price" → desc_price.
func orderKey(o string) string {
	if o == "" {
		return "newest"
	}
	return strings.ReplaceAll(o, "-", "desc_")
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// ---- course page -----------------------------------------------------------

// CoursePage is the data of "catalog/course".
type CoursePage struct {
	Course       *CourseDetail
	Card         CourseCard
	Description  template.HTML
	Lectures     []LectureView
	Access       string // the access period in words
	VideoTime    string // total video length in words ("" when none)
	FreeTopics   int
	FirstTopicID int64
	CheckoutURL  string
	EditURL      string
	LoginURL     string
}

// LectureView is a lecture of the outline as the page shows it.
type LectureView struct {
	Lecture
	Number    int
	VideoTime string
	Open      bool
	Topics    []TopicView
}

// TopicView is a topic of the outline. The HTML fields were rendered from
// Markdown by the service's goldmark, which drops raw HTML and dangerous
// link schemes: they are safe to insert as they are.
type TopicView struct {
	Topic
	Icon         string
	KindLabel    string
	Clock        string // video length, "m:ss"
	MissionLabel string // "" | 중간 미션 | 기말 미션
	BodyHTML     template.HTML
	NotesHTML    template.HTML
	PromptHTML   template.HTML
	Prompts      []string // a quiz's question prompts
	Starter      string   // an assignment's starter code
	Grader       string
	WatchURL     string // the player page of a video topic's uploaded video
}

func (m *Module) coursePage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p := authz.PrincipalFrom(c.UserContext())
	d, err := m.svc.Course(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	page := CoursePage{Course: d, Card: m.card(c, d.CourseSummary),
		Description: template.HTML(m.svc.render(d.Description)), // goldmark without raw HTML: safe
		Access:      m.period(c, d.AccessDays),
		CheckoutURL: fmt.Sprintf("/checkout?course=%d", d.ID),
		LoginURL:    "/login?next=" + url.QueryEscape(fmt.Sprintf("/courses/%d", d.ID)),
	}
	if d.VideoSeconds > 0 {
		page.VideoTime = m.span(c, d.VideoSeconds)
	}
	if d.Editable {
		page.EditURL = fmt.Sprintf("/studio/courses/%d/edit", d.ID)
	}
	for i, l := range d.Lectures {
		lv := LectureView{Lecture: l, Number: i + 1, Open: i == 0}
		secs := 0
		for _, tp := range l.Topics {
			if page.FirstTopicID == 0 {
				page.FirstTopicID = tp.ID
			}
			if !tp.Premium {
				page.FreeTopics++
			}
			if tp.Kind == "video" {
				secs += tp.Duration
			}
			lv.Topics = append(lv.Topics, m.topicView(c, tp))
		}
		if secs > 0 {
			lv.VideoTime = m.span(c, secs)
		}
		page.Lectures = append(page.Lectures, lv)
	}
	return m.web.Render(c, fiber.StatusOK, "catalog/course", page)
}

// videoID reads the id of a video reference ("media:video:7"): the media
// module's format (media.VideoRef), which the catalog cannot import.
func videoID(ref string) (int64, bool) {
	n, ok := strings.CutPrefix(ref, mediaRefPrefix+"video:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	return id, err == nil && id > 0
}

func (m *Module) topicView(c *fiber.Ctx, tp Topic) TopicView {
	v := TopicView{Topic: tp, Icon: kindIcons[tp.Kind], KindLabel: m.t(c, "catalog.page.kind."+tp.Kind)}
	if v.Icon == "" {
		v.Icon = "journal-text"
	}
	if tp.Kind == "video" && tp.Duration > 0 {
		v.Clock = clockText(tp.Duration)
	}
	if tp.Mission == "midterm" || tp.Mission == "final" {
		v.MissionLabel = m.t(c, "catalog.page.mission."+tp.Mission)
	}
	if ct := tp.Content; ct != nil {
		if id, ok := videoID(ct.Video); ok && tp.Kind == "video" {
			v.WatchURL = fmt.Sprintf("/watch/%d?topic=%d", id, tp.ID) // the player shows the topic's title and the way back
		}
		v.BodyHTML = template.HTML(ct.BodyHTML)   // rendered by the service: safe
		v.NotesHTML = template.HTML(ct.NotesHTML) // idem
		for _, q := range ct.Questions {
			v.Prompts = append(v.Prompts, q.Prompt)
		}
		if a := ct.Assignment; a != nil {
			v.PromptHTML = template.HTML(a.PromptHTML) // idem
			v.Starter, v.Grader = a.StarterCode, a.Grader
		}
	}
	return v
}

// ---- studio: my courses ----------------------------------------------------

// StudioPage is the data of "catalog/studio".
type StudioPage struct {
	Courses []CourseCard
	Count   int
	Pager   web.Pager
}

// studioPage lists the caller's own courses, drafts included (admins too
// see their own here; they reach others' editors from the course pages).
func (m *Module) studioPage(c *fiber.Ctx) error {
	n, _ := strconv.Atoi(c.Query("page"))
	n = min(max(n, 1), 10_000)
	items, count, err := m.svc.ListCourses(c.UserContext(), authz.PrincipalFrom(c.UserContext()), CourseFilter{
		Mine: true, Ordering: "-created_at", Limit: studioPageSize, Offset: (n - 1) * studioPageSize})
	if err != nil {
		return err
	}
	page := StudioPage{Count: count}
	for _, s := range items {
		page.Courses = append(page.Courses, m.card(c, s))
	}
	page.Pager = web.Paginate(n, (count+studioPageSize-1)/studioPageSize, func(p int) string {
		if p == 1 {
			return "/studio/courses"
		}
		return "/studio/courses?page=" + strconv.Itoa(p)
	})
	return m.web.Render(c, fiber.StatusOK, "catalog/studio", page)
}

// ---- studio: the course editor ---------------------------------------------

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

// EditorPage is the data of "catalog/editor".
type EditorPage struct {
	Form       *web.Form
	New        bool
	CourseID   int64
	Title      string // the course's saved title (editing)
	Action     string
	Issues     []Issue // errors inside the outline, by location
	Categories []web.Option
	Levels     []web.Option
	Statuses   []web.Option
}

// Issue is an error located inside the outline JSON.
type Issue struct {
	Where    string // "강의 1 › 주제 2 › title"
	Location string // "lectures[0].topics[1].title"
	Message  string
}

func (m *Module) editor(c *fiber.Ctx, f *web.Form, isNew bool, id int64, title string) EditorPage {
	pg := EditorPage{Form: f, New: isNew, CourseID: id, Title: title, Action: "/studio/courses/new",
		Categories: m.options(c, "catalog.page.category.", Categories, ""),
		Levels:     m.options(c, "catalog.page.level.", SkillLevels, ""),
		Statuses:   m.options(c, "catalog.page.status.", Statuses, "")}
	if !isNew {
		pg.Action = fmt.Sprintf("/studio/courses/%d/edit", id)
	}
	return pg
}

func (m *Module) newCoursePage(c *fiber.Ctx) error {
	f := m.formOf(c, &CourseInput{Category: "frontend", SkillLevel: "beginner", Status: "draft", AccessDays: 730,
		Lectures: m.exampleOutline(c)})
	f.Focus("title")
	return m.web.Render(c, fiber.StatusOK, "catalog/editor", m.editor(c, f, true, 0, ""))
}

func (m *Module) newCourseSubmit(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	in, f, issues, ok := m.readForm(c)
	if ok {
		d, err := m.svc.CreateCourse(c.UserContext(), p, in)
		if err == nil {
			web.SetFlash(c, "success", m.t(c, "catalog.page.editor.created"))
			return c.Redirect(fmt.Sprintf("/courses/%d", d.ID), fiber.StatusSeeOther)
		}
		status, shown := m.formError(c, f, &issues, err)
		if !shown {
			return err
		}
		pg := m.editor(c, f, true, 0, "")
		pg.Issues = issues
		return m.web.Render(c, status, "catalog/editor", pg)
	}
	pg := m.editor(c, f, true, 0, "")
	pg.Issues = issues
	return m.web.Render(c, fiber.StatusUnprocessableEntity, "catalog/editor", pg)
}

// editable loads a course for its editor: 404 when the caller cannot see
// it, 403 when they can but may not change it.
func (m *Module) editableCourse(c *fiber.Ctx) (*CourseDetail, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	d, err := m.svc.Course(c.UserContext(), authz.PrincipalFrom(c.UserContext()), id)
	if err != nil {
		return nil, err
	}
	if !d.Editable {
		return nil, apperr.New(apperr.Forbidden, "authz.forbidden", "problem.forbidden")
	}
	return d, nil
}

func (m *Module) editCoursePage(c *fiber.Ctx) error {
	d, err := m.editableCourse(c)
	if err != nil {
		return err
	}
	in := inputOf(d)
	return m.web.Render(c, fiber.StatusOK, "catalog/editor", m.editor(c, m.formOf(c, &in), false, d.ID, d.Title))
}

func (m *Module) editCourseSubmit(c *fiber.Ctx) error {
	d, err := m.editableCourse(c)
	if err != nil {
		return err
	}
	in, f, issues, ok := m.readForm(c)
	status := fiber.StatusUnprocessableEntity
	if ok {
		// What the form does not show is kept.
		in.Thumbnail, in.IntroVideo = d.Thumbnail, d.IntroVideo
		_, err := m.svc.ReplaceCourse(c.UserContext(), authz.PrincipalFrom(c.UserContext()), d.ID, in)
		if err == nil {
			web.SetFlash(c, "success", m.t(c, "catalog.page.editor.saved"))
			return c.Redirect(fmt.Sprintf("/courses/%d", d.ID), fiber.StatusSeeOther)
		}
		var shown bool
		if status, shown = m.formError(c, f, &issues, err); !shown {
			return err
		}
	}
	pg := m.editor(c, f, false, d.ID, d.Title)
	pg.Issues = issues
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
func (m *Module) readForm(c *fiber.Ctx) (in CourseInput, f *web.Form, issues []Issue, ok bool) {
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
		Status: f.Value("status"), Tags: list(f.Value("tags")), Prerequisites: list(strings.ToLower(f.Value("prerequisites")))}
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
		probe.Normalize()
		for _, fe := range ValidateCourseFields(&probe) {
			m.placeError(c, f, &issues, fe)
		}
	}
	return in, f, issues, ok
}

func clampInt(n int64) int {
	return int(min(max(n, -1_000_000_000), 1_000_000_000))
}

// list splits a comma-separated list, dropping empty items.
func list(s string) []string {
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
// fields (outline ones in the list above the form), a taken slug on its
// field. It returns the status to render with, and whether the error was
// one a form can show; others go to the error handler.
func (m *Module) formError(c *fiber.Ctx, f *web.Form, issues *[]Issue, err error) (int, bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return 0, false
	}
	if ae.Code == "catalog.slug_taken" {
		f.Fail("slug", m.t(c, "catalog.slug_taken"))
		return fiber.StatusConflict, true
	}
	if len(ae.Fields) == 0 || !errors.Is(err, apperr.Invalid) {
		return 0, false
	}
	for _, fe := range ae.Fields {
		m.placeError(c, f, issues, fe)
	}
	return fiber.StatusUnprocessableEntity, true
}

var listItemRE = regexp.MustCompile(`^(tags|prerequisites)\[\d+\]`)

func (m *Module) placeError(c *fiber.Ctx, f *web.Form, issues *[]Issue, fe apperr.FieldError) {
	loc := strings.TrimPrefix(fe.Location, "body.")
	msg := m.tr(c, fe.Message)
	if sm := listItemRE.FindStringSubmatch(loc); sm != nil {
		f.Fail(sm[1], msg)
		return
	}
	if slices.Contains(editorFields, loc) && loc != "lectures" {
		f.Fail(loc, msg)
		return
	}
	if loc != "lectures" && !strings.HasPrefix(loc, "lectures[") {
		// A field the form does not show (thumbnail, intro video…).
		if !strings.Contains(f.Message, msg) {
			f.Message = strings.TrimSpace(f.Message + " " + loc + ": " + msg)
		}
		return
	}
	*issues = append(*issues, Issue{Where: m.where(c, loc), Location: loc, Message: msg})
	f.Replace("lectures", m.t(c, "catalog.page.editor.outline_errors", "Count", len(*issues)))
}

var indexRE = regexp.MustCompile(`(lectures|topics|questions|choices|tests)\[(\d+)\]`)

// where words an outline location: "lectures[0].topics[1].title" →
// "강의 1 › 주제 2 › title".
func (m *Module) where(c *fiber.Ctx, loc string) string {
	var parts []string
	for _, seg := range strings.Split(loc, ".") {
		if sm := indexRE.FindStringSubmatch(seg); sm != nil {
			n, _ := strconv.Atoi(sm[2])
			parts = append(parts, m.t(c, "catalog.page.editor.at."+sm[1], "N", n+1))
			continue
		}
		parts = append(parts, seg)
	}
	return strings.Join(parts, " › ")
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
				ti.Video, ti.Captions, ti.Notes, ti.Body = ct.Video, ct.Captions, ct.Notes, ct.Body
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
		{Slug: "welcome", Title: t("video"), Kind: "video", Duration: 180, Notes: t("video_notes")},
		{Slug: "setup", Title: t("article"), Kind: "article", Premium: true, Body: t("article_body")},
	}}}
}
