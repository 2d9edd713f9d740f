package site

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// status is a learner's standing in a course, as shown on the roadmap. The
// empty status is an anonymous visitor's: no colour, no chip.
type status string

// Course statuses, in the order of the roadmap legend.
const (
	locked     status = "locked"      // not purchased
	owned      status = "owned"       // purchased, not started
	inProgress status = "in_progress" // started
	completed  status = "completed"   // all topics done
	expired    status = "expired"     // access period over
)

// statuses lists every status in legend order.
var statuses = []status{locked, owned, inProgress, completed, expired}

// Icon is the Bootstrap Icons name of the status.
func (s status) Icon() string {
	switch s {
	case owned:
		return "bag-check-fill"
	case inProgress:
		return "play-circle-fill"
	case completed:
		return "check-circle-fill"
	case expired:
		return "hourglass-bottom"
	}
	return "lock-fill"
}

// Class is the CSS modifier of the status ("none" for anonymous visitors).
func (s status) Class() string {
	if s == "" {
		return "none"
	}
	return string(s)
}

// roadmapItem is one course on the roadmap. Titles and summaries arrive
// already in the page's language (course data is content, not UI strings).
type roadmapItem struct {
	Step     int
	Title    string
	Summary  string
	URL      string
	Status   status
	Progress int // percent, shown when in progress and known
	Lectures int
	Hours    int
}

// program is the nano-degree offered on the home page (the catalog's
// featured curriculum).
type program struct {
	Title    string
	Summary  string
	Courses  int
	PriceKRW int64
	Access   string // the access period in words: "2년"
	CTA      string // where the program card's button goes
	// Action words the button: "enroll" (buy), "start" (its first course,
	// where nothing is sold on this instance), "continue" (the first course
	// in progress, else the first owned one) or "mine" (all done: my learning).
	Action string
}

// feature is one highlight card.
type feature struct {
	Icon  string // Bootstrap Icons name
	Title string
	Body  string
}

// homePage is the data of "site/home". Program is nil when the catalog has
// no published curriculum yet (then the roadmap is empty too).
type homePage struct {
	Program  *program
	Roadmap  []roadmapItem
	Statuses []status
	Features []feature
	LoginURL string // for the anonymous hint
	// Personal: the roadmap carries the caller's statuses (signed in), so
	// the legend is shown instead of the hint to log in.
	Personal bool
}

func (m *Module) home(c *fiber.Ctx) error {
	t := func(id string, kv ...any) string { return m.web.T(c, id, kv...) }
	page := homePage{Statuses: statuses, LoginURL: "/login?next=" + url.QueryEscape("/#roadmap")}
	if err := m.roadmap(c, &page); err != nil {
		return err
	}
	for _, f := range []struct{ icon, key string }{
		{"play-btn", "resume"},
		{"robot", "assistant"},
		{"clipboard2-check", "missions"},
		{"patch-check", "certificates"},
	} {
		page.Features = append(page.Features, feature{
			Icon:  f.icon,
			Title: t("site.feature." + f.key + ".title"),
			Body:  t("site.feature." + f.key + ".body"),
		})
	}
	return m.web.Render(c, fiber.StatusOK, "site/home", page)
}

// roadmap fills the program and its roadmap from the catalog's featured
// curriculum, coloured by the caller's status. No published curriculum
// leaves them empty.
func (m *Module) roadmap(c *fiber.Ctx, page *homePage) error {
	var uid int64
	if p := authz.PrincipalFrom(c.UserContext()); p != nil {
		uid = p.UserID
	}
	page.Personal = uid != 0
	rm, err := m.catalog.RoadmapFor(c.UserContext(), uid)
	if errors.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	cu := rm.Curriculum
	prog := &program{Title: cu.Title, Summary: cu.Summary, Courses: len(rm.Courses), PriceKRW: cu.Price,
		Access: m.accessPeriod(c, cu.AccessDays), CTA: m.shop.Get().CurriculumBuyURL(cu.ID), Action: "enroll"}
	if prog.CTA == "" {
		prog.CTA, prog.Action = "/courses", "start"
		if len(rm.Courses) > 0 {
			prog.CTA = fmt.Sprintf("/courses/%d", rm.Courses[0].ID)
		}
	}
	var inProgress, owned string
	done := false
	for i, rc := range rm.Courses {
		it := roadmapItem{Step: i + 1, Title: rc.Title, Summary: rc.Summary, URL: fmt.Sprintf("/courses/%d", rc.ID),
			Status: status(rc.Status), Lectures: rc.LectureCount, Hours: rc.EstimatedHours}
		switch rc.Status {
		case catalog.StatusInProgress:
			inProgress = cmp.Or(inProgress, it.URL)
		case catalog.StatusOwned:
			owned = cmp.Or(owned, it.URL)
		case catalog.StatusCompleted, catalog.StatusExpired:
			done = true
		}
		page.Roadmap = append(page.Roadmap, it)
	}
	switch next := cmp.Or(inProgress, owned); {
	case next != "":
		prog.CTA, prog.Action = next, "continue"
	case done:
		prog.CTA, prog.Action = "/me/learning", "mine"
	}
	page.Program = prog
	return nil
}

// accessPeriod words an access period: whole years, else whole months,
// else days.
func (m *Module) accessPeriod(c *fiber.Ctx, days int) string {
	switch {
	case days >= 365 && days%365 == 0:
		return m.web.T(c, "site.access.years", "Count", days/365)
	case days >= 30 && days%30 == 0:
		return m.web.T(c, "site.access.months", "Count", days/30)
	}
	return m.web.T(c, "site.access.days", "Count", days)
}

// privatePage marks a page no cache may keep.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}
