package catalog

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
)

var kindIcons = map[string]string{
	kindVideo: "play-circle", kindArticle: "file-earmark-text", kindQuiz: "patch-question", kindAssignment: "code-square",
}

// coursePage is the data of "catalog/course".
type coursePage struct {
	Course       *CourseDetail
	Card         courseCard
	Description  template.HTML
	Lectures     []lectureItem
	Access       string // the access period in words
	VideoTime    string // total video length in words ("" when none)
	FreeTopics   int
	FirstTopicID int64
	CheckoutURL  string
	LearnURL     string // the classroom's "continue" (or "start") page of the course
	Free         bool   // published and priced 0: anyone signed in may start it
	EditURL      string
	LoginURL     string
	Certificate  string // what the certificate asks, in words
}

// lectureItem is a lecture of the outline as the page shows it.
type lectureItem struct {
	Lecture
	Number    int
	VideoTime string
	Open      bool
	Topics    []topicItem
}

// topicItem is a topic of the outline. The HTML fields were rendered from
// Markdown by the service's goldmark, which drops raw HTML and dangerous
// link schemes: they are safe to insert as they are.
type topicItem struct {
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
	LearnURL     string // the classroom's page of the topic (video and article topics), or ""
	Done         bool   // the caller completed it
}

func (m *Module) course(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	id, err := pathID(c)
	if err != nil {
		// /courses/{slug}: the course's canonical address is by id.
		slug := c.Params("id")
		if !ValidSlug(slug) {
			return err
		}
		if id, err = m.svc.CourseIDBySlug(c.UserContext(), p, slug); err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/courses/%d", id), fiber.StatusMovedPermanently)
	}
	d, err := m.svc.Course(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	page := coursePage{Course: d, Card: m.card(c, d.CourseSummary),
		Description: template.HTML(m.svc.render(d.Description)), // goldmark without raw HTML: safe
		Access:      m.period(c, d.AccessDays),
		CheckoutURL: m.svc.storefront.Get().CourseBuyURL(d.ID),
		LoginURL:    "/login?next=" + url.QueryEscape(fmt.Sprintf("/courses/%d", d.ID)),
	}
	if d.VideoSeconds > 0 {
		page.VideoTime = m.span(c, d.VideoSeconds)
	}
	page.Certificate = m.certificateLine(c, d)
	page.LearnURL = m.svc.classroom.Get().CourseURL(d.ID)
	page.Free = d.Price == 0 && d.Status == "published"
	if d.Editable {
		page.EditURL = fmt.Sprintf("/studio/courses/%d", d.ID)
	}
	var done map[int64]bool
	if p != nil {
		if done, err = m.svc.classroom.Get().CompletedTopics(c.UserContext(), p.UserID, d.ID); err != nil {
			return err
		}
	}
	room := m.svc.classroom.Get()
	for i, l := range d.Lectures {
		lv := lectureItem{Lecture: l, Number: i + 1, Open: i == 0}
		secs := 0
		for _, tp := range l.Topics {
			if page.FirstTopicID == 0 {
				page.FirstTopicID = tp.ID
			}
			if !tp.Premium {
				page.FreeTopics++
			}
			if tp.Kind == kindVideo {
				secs += tp.Duration
			}
			item := m.topicItem(c, tp)
			item.Done = done[tp.ID]
			if tp.Kind == kindVideo || tp.Kind == kindArticle {
				// The classroom plays it, or says why it is locked and
				// how to get access.
				item.LearnURL = room.TopicURL(d.ID, tp.ID)
				if item.LearnURL != "" && item.WatchURL != "" {
					item.WatchURL = item.LearnURL
				}
			}
			lv.Topics = append(lv.Topics, item)
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

func (m *Module) topicItem(c *fiber.Ctx, tp Topic) topicItem {
	v := topicItem{Topic: tp, Icon: kindIcons[tp.Kind], KindLabel: tp.Kind}
	if id := "catalog.page.kind." + tp.Kind; m.i18n.Has(id) {
		v.KindLabel = m.t(c, id) // a kind another module registers is shown by its name
	}
	if v.Icon == "" {
		v.Icon = "journal-text"
	}
	if tp.Kind == kindVideo && tp.Duration > 0 {
		v.Clock = clockText(tp.Duration)
	}
	if tp.Mission == "midterm" || tp.Mission == "final" {
		v.MissionLabel = m.t(c, "catalog.page.mission."+tp.Mission)
	}
	if ct := tp.Content; ct != nil {
		if id, ok := videoID(ct.Video); ok && tp.Kind == kindVideo {
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

// span words a length in seconds: "1시간 20분", "12분", "40초".
func (m *Module) span(c *fiber.Ctx, secs int) string {
	// Under a minute in seconds, else to the nearest minute: rounding
	// every short clip up to a minute made three 10-second chapters "1분"
	// each and "1분" together.
	if secs < 60 {
		return m.t(c, "catalog.page.seconds", "Count", max(secs, 1))
	}
	mins := (secs + 30) / 60
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

// certificateLine words what course d's certificate asks ("수료 조건: 모든
// 토픽 완료 · 중간·기말 미션 통과"), naming only the missions the course
// has; "수료증 없음" when it issues none.
func (m *Module) certificateLine(c *fiber.Ctx, d *CourseDetail) string {
	r := d.Certificate
	if r.Disabled {
		return m.t(c, "catalog.page.course.no_certificate")
	}
	parts := []string{m.t(c, "catalog.page.course.cert_all_topics")}
	if p := r.Progress(); p < 100 {
		parts[0] = m.t(c, "catalog.page.course.cert_topics", "Percent", p)
	}
	has := map[string]bool{}
	for _, l := range d.Lectures {
		for _, tp := range l.Topics {
			has[tp.Mission] = true
		}
	}
	var missions []string
	for _, ms := range []string{"midterm", "final"} {
		if has[ms] && r.Requires(ms) {
			missions = append(missions, ms)
		}
	}
	if len(missions) > 0 {
		parts = append(parts, m.t(c, "catalog.page.course.cert_missions."+strings.Join(missions, "_"), "Score", r.MinScore))
	}
	return m.t(c, "catalog.page.course.certificate", "Rule", strings.Join(parts, " · "))
}
