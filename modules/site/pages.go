package site

import (
	"github.com/gofiber/fiber/v2"
)

// Status is a learner's standing in a course, as shown on the roadmap.
type Status string

// Course statuses, in the order of the roadmap legend.
const (
	Locked     Status = "locked"      // not purchased
	Owned      Status = "owned"       // purchased, not started
	InProgress Status = "in_progress" // started
	Completed  Status = "completed"   // all topics done
	Expired    Status = "expired"     // access period over
)

// Statuses lists every status in legend order.
var Statuses = []Status{Locked, Owned, InProgress, Completed, Expired}

// Icon is the Bootstrap Icons name of the status.
func (s Status) Icon() string {
	switch s {
	case Owned:
		return "bag-check-fill"
	case InProgress:
		return "play-circle-fill"
	case Completed:
		return "check-circle-fill"
	case Expired:
		return "hourglass-bottom"
	}
	return "lock-fill"
}

// RoadmapItem is one course on the roadmap. Titles and summaries arrive
// already in the page's language (course data is content, not UI strings).
type RoadmapItem struct {
	Step     int
	Title    string
	Summary  string
	URL      string
	Status   Status
	Progress int // percent, shown when in progress
}

// Program is the nano-degree offered on the home page.
type Program struct {
	Title       string
	Courses     int
	PriceKRW    int64
	AccessYears int
}

// Feature is one highlight card.
type Feature struct {
	Icon  string // Bootstrap Icons name
	Title string
	Body  string
}

// HomePage is the data of "site/home".
type HomePage struct {
	Program  Program
	Roadmap  []RoadmapItem
	Statuses []Status
	Features []Feature
}

// placeholderCourses are the seven courses of the default nano-degree, by
// message key, until the catalog module provides real data.
var placeholderCourses = []string{
	"html_css", "js_basics", "dom_async", "git", "http_rest", "sql", "project",
}

func (m *Module) home(c *fiber.Ctx) error {
	t := func(id string, kv ...any) string { return m.web.T(c, id, kv...) }
	page := HomePage{
		Program: Program{
			Title:       t("site.program.title"),
			Courses:     len(placeholderCourses),
			PriceKRW:    50000,
			AccessYears: 2,
		},
		Statuses: Statuses,
	}
	for i, key := range placeholderCourses {
		page.Roadmap = append(page.Roadmap, RoadmapItem{
			Step:    i + 1,
			Title:   t("site.course." + key + ".title"),
			Summary: t("site.course." + key + ".summary"),
			URL:     "/courses",
			Status:  Locked,
		})
	}
	for _, f := range []struct{ icon, key string }{
		{"play-btn", "resume"},
		{"robot", "assistant"},
		{"clipboard2-check", "missions"},
		{"patch-check", "certificates"},
	} {
		page.Features = append(page.Features, Feature{
			Icon:  f.icon,
			Title: t("site.feature." + f.key + ".title"),
			Body:  t("site.feature." + f.key + ".body"),
		})
	}
	return m.web.Render(c, fiber.StatusOK, "site/home", page)
}
