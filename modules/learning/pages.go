package learning

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/i18n"
)

// pages mounts the learner's pages: a topic of a course (pages_topic.go),
// a course's learner list for its tutor
// and admins (pages_studio.go). Forms post back to their own path; on
// success the handler redirects (303) with a flash, on failure it renders
// the page again with the errors next to the fields.
func (m *Module) pages(r fiber.Router) {
	r.Get("/learn/:course", m.continuePage)
	r.Get("/learn/:course/:topic", m.topicPage)
	r.Post("/learn/:course/:topic/read", m.readSubmit)
	r.Get("/studio/courses/:id/learners", privatePage, m.learnersPage)
	r.Post("/studio/courses/:id/learners", privatePage, m.grantSubmit)
	r.Post("/studio/courses/:id/learners/:eid/revoke", privatePage, m.revokeSubmit)
}

// privatePage marks a page with personal data: no cache, shared or the
// browser's, may keep it.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

func (m *Module) tr(c *fiber.Ctx) func(id string) string {
	lang := i18n.LangFrom(c.UserContext())
	return func(id string) string { return m.i18n.T(lang, id, nil) }
}

// param is a positive id from the path, or 404.
func param(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id < 1 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// formValue is a trimmed form value cut to max bytes (on a rune boundary).
func formValue(c *fiber.Ctx, name string, max int) string {
	s := strings.TrimSpace(c.FormValue(name))
	if len(s) <= max {
		return s
	}
	for max > 0 && s[max]&0xC0 == 0x80 {
		max--
	}
	return s[:max]
}

// duration words a length of time: "3시간 12분", "12분", "1분 미만".
func (m *Module) duration(c *fiber.Ctx, secs float64) string {
	s := int(secs)
	h, min := s/3600, s%3600/60
	switch {
	case h > 0:
		return m.t(c, "learning.page.hours", "Hours", h, "Minutes", min)
	case min > 0:
		return m.t(c, "learning.page.minutes", "Minutes", min)
	case s > 0:
		return m.t(c, "learning.page.under_minute")
	}
	return m.t(c, "learning.page.no_time")
}

// clockText formats a length as m:ss or h:mm:ss.
func clockText(secs int) string {
	if secs >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", secs/3600, secs%3600/60, secs%60)
	}
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
