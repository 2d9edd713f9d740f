package learning

import (
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
)

// myLearningPage is the data of "learning/me".
type myLearningPage struct {
	Courses []myCourse
	// Resume is the course last studied that can be continued, shown
	// first and larger.
	Resume *myCourse
}

// myCourse is one course of "my learning".
type myCourse struct {
	CourseProgress
	URL          string // the course's page
	StatusIcon   string
	LearningTime string
	Continue     string // where to continue, or ""
}

var statusIcons = map[string]string{
	string(catalog.StatusCompleted):  "patch-check-fill",
	string(catalog.StatusInProgress): "play-circle",
	string(catalog.StatusOwned):      "bookmark",
	string(catalog.StatusExpired):    "hourglass-bottom",
	string(catalog.StatusLocked):     "lock",
}

// myLearningPage lists the signed-in user's courses with their progress
// (signed out: the sign-in page, then back here).
func (m *Module) myLearningPage(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	list, err := m.svc.MyCourses(c.UserContext(), p)
	if err != nil {
		return err
	}
	var page myLearningPage
	for _, cp := range list {
		it := myCourse{CourseProgress: cp, URL: "/courses/" + itoa(cp.CourseID), StatusIcon: statusIcons[cp.Status],
			LearningTime: m.duration(c, cp.LearningSeconds)}
		if cp.Status != string(catalog.StatusExpired) && cp.Status != string(catalog.StatusLocked) {
			it.Continue = cp.NextTopicURL
			if it.Continue == "" {
				it.Continue = "/learn/" + itoa(cp.CourseID)
			}
		}
		page.Courses = append(page.Courses, it)
	}
	// The most recent course still to finish (the list is most recent first).
	for i := range page.Courses {
		it := &page.Courses[i]
		if it.Continue != "" && it.Status != string(catalog.StatusCompleted) && it.LastActivityAt != nil {
			page.Resume = it
			break
		}
	}
	return m.web.Render(c, fiber.StatusOK, "learning/me", page)
}
