package learning

import (
	"context"
	"fmt"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

var topicIcons = map[string]string{
	"video": "play-circle", "article": "file-earmark-text", "quiz": "patch-question", "assignment": "code-square",
}

// Why a topic is locked.
const (
	lockSignIn  = "signin"  // signed out: signing in may open it
	lockExpired = "expired" // access ended; the history stays
	lockAccess  = "access"  // never had access
)

// topicPage is the data of "learning/topic".
type topicPage struct {
	Course   catalog.CourseSummary
	Lectures []outlineLecture
	Topic    outlineTopic
	Kind     string
	Done     bool // the learner completed the current topic
	Prev     *outlineTopic
	Next     *outlineTopic
	Progress *CourseProgress // signed in: the learner's progress
	// The main column.
	BodyHTML   template.HTML // an article's body (the catalog renders it safely)
	NotesHTML  template.HTML // a video's notes
	VideoID    int64
	UserID     int64 // 0 when signed out: nothing is recorded
	Duration   int
	EventURL   string
	ReadURL    string // an article's "mark as read" (the API, for the script)
	ReadForm   string // the same as a form
	MissionURL string // where a quiz or an assignment is taken
	Mission    *MissionState
	CourseURL  string
	// Locked: why, and what to do.
	Lock      string
	LoginURL  string
	ExpiredAt *time.Time
	Revoked   bool // the access was revoked, not run out
	BuyURL    string
	Tutor     string
	// Assistant is the chat panel beside the topic (nil: none for p).
	Assistant *AssistantPanel
}

// outlineLecture is a lecture of the side outline.
type outlineLecture struct {
	Number  int
	Title   string
	Current bool
	Topics  []outlineTopic
}

// outlineTopic is a topic of the side outline.
type outlineTopic struct {
	ID      int64
	Title   string
	Kind    string
	Icon    string
	URL     string
	Clock   string
	Done    bool
	Locked  bool
	Current bool
}

// continuePage sends the learner to where they left off in a course, or to
// its first topic.
func (m *Module) continuePage(c *fiber.Ctx) error {
	courseID, err := param(c, "course")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	o, err := m.svc.syllabus.Outline(ctx, p, courseID)
	if err != nil {
		return err
	}
	target := ""
	if p != nil {
		prog, err := m.svc.Progress(ctx, p, courseID)
		if err != nil {
			return err
		}
		target = prog.NextTopicURL
	}
	if target == "" {
		for _, l := range o.Lectures {
			if len(l.Topics) > 0 {
				target = m.svc.TopicURL(courseID, l.Topics[0].ID)
				break
			}
		}
	}
	if target == "" { // a course without topics: its page says so
		target = fmt.Sprintf("/courses/%d", courseID)
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// topicParams are the course and topic of a /learn/{course}/{topic} path.
func topicParams(c *fiber.Ctx) (courseID, topicID int64, err error) {
	if courseID, err = param(c, "course"); err == nil {
		topicID, err = param(c, "topic")
	}
	return courseID, topicID, err
}

// outline returns the course's outline as p may see it, enrolling a
// signed-in visitor in a published free course first.
func (m *Module) outline(ctx context.Context, p *authz.Principal, courseID int64) (*catalog.Outline, error) {
	o, err := m.svc.syllabus.Outline(ctx, p, courseID)
	if err != nil {
		return nil, err
	}
	if p == nil || o.Entitled || o.Course.Price != 0 || o.Course.Status != "published" {
		return o, nil
	}
	if err := m.svc.EnrollFree(ctx, p, courseID); err != nil {
		return nil, err
	}
	return m.svc.syllabus.Outline(ctx, p, courseID)
}

// topicPage shows one topic of a course: the outline beside it, the video
// player, the article or where the mission is; a locked topic says why and
// what to do (never a 404: the topic exists).
func (m *Module) topicPage(c *fiber.Ctx) error {
	courseID, topicID, err := topicParams(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	o, err := m.outline(ctx, p, courseID)
	if err != nil {
		return err
	}
	v := findTopic(o, topicID)
	if v == nil {
		return errTopicNotFound
	}
	var prog *CourseProgress
	status := map[int64]string{}
	if p != nil {
		if prog, err = m.svc.Progress(ctx, p, courseID); err != nil {
			return err
		}
		for _, tp := range prog.Topics {
			status[tp.ID] = tp.Status
		}
	}
	t := v.Topic
	page := topicPage{Course: o.Course, Kind: t.Kind, Progress: prog, Done: status[t.ID] == topicDone,
		CourseURL: fmt.Sprintf("/courses/%d", courseID)}
	// The outline, and the topics before and after this one.
	var flat []outlineTopic
	for i, l := range o.Lectures {
		ol := outlineLecture{Number: i + 1, Title: l.Title}
		for _, lt := range l.Topics {
			it := outlineTopic{ID: lt.ID, Title: lt.Title, Kind: lt.Kind, Icon: topicIcons[lt.Kind],
				URL: m.svc.TopicURL(courseID, lt.ID), Done: status[lt.ID] == topicDone, Locked: lt.Locked,
				Current: lt.ID == t.ID}
			if lt.Kind == "video" && lt.Duration > 0 {
				it.Clock = clockText(lt.Duration)
			}
			ol.Current = ol.Current || it.Current
			ol.Topics = append(ol.Topics, it)
			flat = append(flat, it)
		}
		page.Lectures = append(page.Lectures, ol)
	}
	for i, it := range flat {
		if it.ID != t.ID {
			continue
		}
		page.Topic = it
		if i > 0 {
			page.Prev = &flat[i-1]
		}
		if i+1 < len(flat) {
			page.Next = &flat[i+1]
		}
	}
	if t.Locked {
		m.lockReason(c, &page, p, prog, o)
		return m.web.Render(c, fiber.StatusOK, "learning/topic", page)
	}
	if err := m.svc.OpenTopic(ctx, p, courseID, t.ID); err != nil {
		return err
	}
	if p != nil {
		if page.Assistant, err = m.svc.assistant.Get().Panel(ctx, p, courseID, t.ID); err != nil {
			return err
		}
	}
	switch t.Kind {
	case "video":
		page.NotesHTML = template.HTML(t.NotesHTML) //nolint:gosec // rendered by the catalog's safe Markdown
		page.Duration = t.Duration
		if id, ok := videoIDOf(t.Video); ok {
			page.VideoID = id
			page.UserID = userID(p)
			if p != nil {
				page.EventURL = fmt.Sprintf("/api/user/%d/video/%d/event-occur/", p.UserID, id)
			}
		}
	case "article":
		page.BodyHTML = template.HTML(t.BodyHTML) //nolint:gosec // rendered by the catalog's safe Markdown
		page.ReadURL = fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", courseID, t.ID)
		page.ReadForm = fmt.Sprintf("/learn/%d/%d/read", courseID, t.ID)
	default:
		desk := m.svc.desk.Get()
		page.MissionURL = desk.MissionURL(t.ID)
		if p != nil {
			st, err := desk.MissionState(ctx, p.UserID, t.ID)
			if err != nil {
				return err
			}
			page.Mission = &st
		}
	}
	return m.web.Render(c, fiber.StatusOK, "learning/topic", page)
}

// lockReason says why a locked topic is locked and what opens it.
func (m *Module) lockReason(c *fiber.Ctx, page *topicPage, p *authz.Principal, prog *CourseProgress, o *catalog.Outline) {
	switch {
	case p == nil:
		page.Lock = lockSignIn
		page.LoginURL = m.web.SignInURL(c.Path())
	case prog != nil && prog.Status == string(catalog.StatusExpired):
		page.Lock, page.ExpiredAt, page.Revoked = lockExpired, prog.ExpiredAt, prog.Revoked
	default:
		page.Lock = lockAccess
	}
	if p != nil {
		page.BuyURL = m.svc.shop.Get().CourseBuyURL(o.Course.ID)
		page.Tutor = o.Course.Author.Nickname
	}
}

// readSubmit marks an article read (the page's button, without script).
func (m *Module) readSubmit(c *fiber.Ctx) error {
	courseID, topicID, err := topicParams(c)
	if err != nil {
		return err
	}
	p := authz.PrincipalFrom(c.UserContext())
	if err := m.svc.MarkRead(c.UserContext(), p, courseID, topicID); err != nil {
		if apperr.KindOf(err) == apperr.Forbidden && p != nil {
			web.SetFlash(c, "danger", m.t(c, "learning.topic_locked"))
			return c.Redirect(m.svc.TopicURL(courseID, topicID), fiber.StatusSeeOther)
		}
		return err
	}
	web.SetFlash(c, "success", m.t(c, "learning.page.topic.read_done"))
	return c.Redirect(m.svc.TopicURL(courseID, topicID), fiber.StatusSeeOther)
}
